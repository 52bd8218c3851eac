"""Duplicate check, problem-list import, institutional outcomes and the aspects list."""
from django.urls import path

from dangjian.rectification import views_records as v

urlpatterns = [
    path("similar/", v.problem_similar, name="problem_similar"),
    path("import/", v.rect_import, name="rect_import"),
    path("import/template/", v.rect_import_template, name="rect_import_template"),
    path("import/<str:token>/", v.rect_import_preview, name="rect_import_preview"),
    path("import/<str:token>/confirm/", v.rect_import_confirm, name="rect_import_confirm"),
    path("import/<str:token>/errors/", v.rect_import_errors, name="rect_import_errors"),
    path("outcomes/", v.outcome_list, name="outcome_list"),
    path("outcomes/new/", v.outcome_create, name="outcome_create"),
    path("outcomes/<int:pk>/", v.outcome_detail, name="outcome_detail"),
    path("outcomes/<int:pk>/edit/", v.outcome_edit, name="outcome_edit"),
    path("aspects/", v.aspect_list, name="aspect_list"),
    path("aspects/new/", v.aspect_create, name="aspect_create"),
    path("aspects/<int:pk>/edit/", v.aspect_edit, name="aspect_edit"),
    path("aspects/<int:pk>/delete/", v.aspect_delete, name="aspect_delete"),
]
