"""The progress table (工作推进表), mounted at /campaigns/progress/."""
from django.urls import path

from dangjian.campaigns import progress_views as views

urlpatterns = [
    path("<int:campaign_id>/", views.progress_table, name="progress_table"),
    path("<int:campaign_id>/chart/", views.progress_chart, name="progress_chart"),
    path("<int:campaign_id>/overdue/", views.progress_overdue, name="progress_overdue"),
    path("<int:campaign_id>/export/", views.progress_export, name="progress_export"),
]
