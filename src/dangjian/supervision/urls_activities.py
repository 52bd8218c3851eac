"""Supervision activities, findings, feedback and exemplars (under /supervision/activities/)."""
from django.urls import path

from dangjian.supervision import views_activities as v

urlpatterns = [
    path("", v.activity_list, name="activity_list"),
    path("new/", v.activity_create, name="activity_create"),
    path("<int:pk>/", v.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", v.activity_edit, name="activity_edit"),
    path("<int:pk>/photos/", v.activity_photo_add, name="activity_photo_add"),
    path("photos/<int:pk>/", v.activity_photo_file, name="activity_photo_file"),
    path("<int:pk>/questioning/", v.activity_questioning, name="activity_questioning"),
    path("<int:pk>/findings/new/", v.finding_create, name="finding_create"),
    path("<int:pk>/exemplars/new/", v.exemplar_create, name="exemplar_create"),
    path("feedback/", v.feedback_list, name="feedback_list"),
    path("feedback/<int:pk>/", v.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/answer/", v.feedback_answer, name="feedback_answer"),
    path("exemplars/", v.exemplar_list, name="exemplar_list"),
]
