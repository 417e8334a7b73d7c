from django.urls import path

from quotas import views

app_name = "quotas"

urlpatterns = [
    path("<str:code>/qr.svg", views.unit_qr_svg, name="unit_qr_svg"),
    path("<str:code>/qr.png", views.unit_qr_png, name="unit_qr_png"),
    path("<str:code>/poster/", views.unit_poster, name="unit_poster"),
    path("<str:code>/posters.html", views.unit_posters, name="unit_posters"),
]
