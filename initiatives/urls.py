from django.urls import path

from initiatives import views

app_name = "initiatives"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.submit_done, name="submit_done"),
    path("submit/units/", views.unit_options, name="unit_options"),
    path("track/", views.track, name="track"),
    path("track/result/", views.track_result, name="track_result"),
    path("track/edit/", views.track_edit, name="track_edit"),
]
