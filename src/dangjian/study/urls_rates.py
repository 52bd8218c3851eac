"""The three rates and study records, mounted at /study/rates/."""
from django.urls import path

from dangjian.study import views_rates as views

urlpatterns = [
    path("", views.study_rates, name="study_rates"),
    path("export/", views.study_rates_export, name="study_rates_export"),
    path("records/me/", views.study_record_me, name="study_record_me"),
    path("records/export/", views.study_record_export, name="study_record_export"),
    path("records/<int:pk>/", views.study_record_member, name="study_record_member"),
]
