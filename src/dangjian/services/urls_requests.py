"""Responsible units, service requests, the red/black list and its rules, under /services/."""
from django.urls import path

from dangjian.services import views_requests as views

urlpatterns = [
    path("redblack/", views.redblack, name="redblack"),
    path("redblack/export/", views.redblack_export, name="redblack_export"),
    path("redblack/rules/", views.ranking_rule_list, name="ranking_rule_list"),
    path("redblack/rules/<int:pk>/", views.ranking_rule_edit, name="ranking_rule_edit"),
    path("units/", views.service_unit_list, name="service_unit_list"),
    path("units/new/", views.service_unit_create, name="service_unit_create"),
    path("units/<int:pk>/", views.service_unit_edit, name="service_unit_edit"),
    path("requests/", views.service_request_list, name="service_request_list"),
    path("requests/new/", views.service_request_create, name="service_request_create"),
    path("requests/import/", views.service_request_import, name="service_request_import"),
    path("requests/import/template/", views.service_request_template, name="service_request_template"),
    path("requests/<int:pk>/", views.service_request_detail, name="service_request_detail"),
    path("requests/<int:pk>/edit/", views.service_request_edit, name="service_request_edit"),
]
