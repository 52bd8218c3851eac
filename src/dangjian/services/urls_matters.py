"""Practical matters for the people (我为群众办实事): list, export, a matter, its progress and its
use as a campaign task's evidence."""
from django.urls import path

from dangjian.services import views_matters as v

urlpatterns = [
    path("", v.matter_list, name="matter_list"),
    path("export/", v.matter_export, name="matter_export"),
    path("new/", v.matter_create, name="matter_create"),
    path("<int:pk>/", v.matter_detail, name="matter_detail"),
    path("<int:pk>/edit/", v.matter_edit, name="matter_edit"),
    path("<int:pk>/progress/", v.matter_progress, name="matter_progress"),
    path("<int:pk>/link-task/", v.matter_link_task, name="matter_link_task"),
]
