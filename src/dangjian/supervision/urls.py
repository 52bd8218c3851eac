"""Supervision pages, one module per part: plans, rounds, coverage and the group workspace
(urls_rounds); activities, findings, feedback and exemplars (urls_activities); questionnaires
(urls_questionnaires); briefs and the monthly summary (urls_briefs)."""
from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.supervision.urls_rounds")),
    path("activities/", include("dangjian.supervision.urls_activities")),
    path("questionnaires/", include("dangjian.supervision.urls_questionnaires")),
    path("briefs/", include("dangjian.supervision.urls_briefs")),
]
