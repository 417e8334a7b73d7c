from django.urls import path

from initiatives import review_views, views

app_name = "initiatives"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.submit_done, name="submit_done"),
    path("submit/units/", views.unit_options, name="unit_options"),
    path("track/", views.track, name="track"),
    path("track/result/", views.track_result, name="track_result"),
    path("track/edit/", views.track_edit, name="track_edit"),
]

urlpatterns += [
    path("review/", review_views.queue, name="review"),
    path("review/bulk/", review_views.bulk, name="review_bulk"),
    path("review/person/", review_views.person, name="review_person"),
    path("review/person/export.json", review_views.person_export, name="review_person_export"),
    path("review/person/erase/", review_views.person_erase, name="review_person_erase"),
    path("review/<int:pk>/", review_views.detail, name="review_detail"),
    path("review/<int:pk>/decide/", review_views.decide, name="review_decide"),
    path("review/files/<int:pk>/", review_views.attachment, name="review_attachment"),
]
