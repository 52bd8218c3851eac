"""Plans, rounds, coverage and the group workspace, mounted at /supervision/."""
from django.urls import path

from dangjian.supervision import views_rounds as views

urlpatterns = [
    path("", views.supervision_home, name="supervision_home"),
    path("plans/new/", views.inspection_plan_create, name="inspection_plan_create"),
    path("plans/<int:pk>/", views.inspection_plan_detail, name="inspection_plan_detail"),
    path("plans/<int:pk>/edit/", views.inspection_plan_edit, name="inspection_plan_edit"),
    path("plans/<int:plan_id>/rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/export/", views.round_coverage_export, name="round_coverage_export"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("groups/<int:pk>/", views.group_workspace, name="group_workspace"),
    path("groups/<int:pk>/notices/new/", views.group_notice_create, name="group_notice_create"),
]
