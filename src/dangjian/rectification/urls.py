"""Rectification pages, one module per part: problems with measures, evidence and the tiered
review (urls_problems); the three lists with roll-up, exports and chart (urls_lists); import,
duplicate check, institutional outcomes and the aspects list (urls_records)."""
from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.rectification.urls_problems")),
    path("lists/", include("dangjian.rectification.urls_lists")),
    path("", include("dangjian.rectification.urls_records")),
]
