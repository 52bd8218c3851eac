"""Library and reading pages (mounted at /study/materials/)."""
from django.urls import path

from dangjian.study import views_materials as v

urlpatterns = [
    path("", v.material_list, name="material_list"),
    path("new/", v.material_create, name="material_create"),
    path("<int:pk>/", v.material_detail, name="material_detail"),
    path("<int:pk>/edit/", v.material_edit, name="material_edit"),
    path("<int:pk>/file/", v.material_file, name="material_file"),
    path("<int:pk>/read/", v.reading_page, name="reading_page"),
    path("<int:pk>/read/progress/", v.reading_save, name="reading_save"),
    path("campaigns/<int:pk>/", v.material_campaign, name="material_campaign"),
    path("campaign-entries/<int:pk>/remove/", v.material_campaign_remove, name="material_campaign_remove"),
    path("distributions/", v.distribution_list, name="distribution_list"),
    path("distributions/new/", v.distribution_create, name="distribution_create"),
    path("distributions/export/", v.distribution_export, name="distribution_export"),
    path("my/", v.reading_my, name="reading_my"),
    path("stats/", v.reading_stats, name="reading_stats"),
]
