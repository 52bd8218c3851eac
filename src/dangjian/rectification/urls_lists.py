"""The three lists (问题清单、责任清单、整改清单), mounted at /rectification/lists/."""
from django.urls import path

from dangjian.rectification import views_lists as views

urlpatterns = [
    path("", views.rect_lists, name="rect_lists"),
    path("export/", views.rect_lists_export, name="rect_lists_export"),
]
