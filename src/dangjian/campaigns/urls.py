"""Campaign pages: the campaign, its groups and tasks, unit tasks (views.py); the progress table
(progress_views.py); notices and the to-do list (notice_views.py)."""
from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.campaigns.urls_main")),
    path("progress/", include("dangjian.campaigns.urls_progress")),
    path("notices/", include("dangjian.campaigns.urls_notices")),
]
