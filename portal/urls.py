from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/start/", views.start, name="start"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("", include("initiatives.urls")),
    path("", include("quotas.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
