"""URLs of the Excel import and export pages (mounted at /orgs/import/)."""
from django.urls import path, re_path

from dangjian.orgs import import_views as views

KIND = r"(?P<kind>orgs|members)"
TOKEN = r"(?P<token>[A-Za-z0-9_-]{16,64})"

urlpatterns = [
    path("", views.import_index, name="import_index"),
    path("export/members.xlsx", views.export_members, name="export_members"),
    path("export/orgs.xlsx", views.export_orgs, name="export_orgs"),
    re_path(rf"^{KIND}/template\.xlsx$", views.import_template, name="import_template"),
    re_path(rf"^{KIND}/upload/$", views.import_upload, name="import_upload"),
    re_path(rf"^{KIND}/{TOKEN}/$", views.import_preview, name="import_preview"),
    re_path(rf"^{KIND}/{TOKEN}/confirm/$", views.import_confirm, name="import_confirm"),
    re_path(rf"^{KIND}/{TOKEN}/errors\.xlsx$", views.import_errors, name="import_errors"),
]
