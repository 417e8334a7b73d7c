from django.urls import path

from quotas import views

app_name = "quotas"

urlpatterns = [
    path("units/<str:code>/qr.svg", views.unit_qr_svg, name="unit_qr_svg"),
    path("units/<str:code>/qr.png", views.unit_qr_png, name="unit_qr_png"),
    path("units/<str:code>/poster/", views.unit_poster, name="unit_poster"),
    path("units/<str:code>/posters.html", views.unit_posters, name="unit_posters"),
    path("progress/", views.progress_page, name="progress"),
    path("progress/export.xlsx", views.progress_export, name="progress_export"),
]
