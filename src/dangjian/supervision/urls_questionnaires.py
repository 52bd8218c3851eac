"""Questionnaires (mounted at /supervision/questionnaires/)."""
from django.urls import path

from dangjian.supervision import views_questionnaires as v

urlpatterns = [
    path("", v.questionnaire_list, name="questionnaire_list"),
    path("new/", v.questionnaire_create, name="questionnaire_create"),
    path("<int:pk>/", v.questionnaire_detail, name="questionnaire_detail"),
    path("<int:pk>/edit/", v.questionnaire_edit, name="questionnaire_edit"),
    path("<int:pk>/publish/", v.questionnaire_publish, name="questionnaire_publish"),
    path("<int:pk>/fill/", v.questionnaire_fill, name="questionnaire_fill"),
    path("<int:pk>/results/", v.questionnaire_results, name="questionnaire_results"),
    path("<int:pk>/export.xlsx", v.questionnaire_export, name="questionnaire_export"),
    path("<int:pk>/remind/", v.questionnaire_remind, name="questionnaire_remind"),
]
