"""Problems (问题清单): list, form, detail with the tiered review, measures and evidence."""
from django.urls import path

from dangjian.rectification import views_problems as v

urlpatterns = [
    path("", v.problem_list, name="problem_list"),
    path("problems/new/", v.problem_create, name="problem_create"),
    path("problems/<int:pk>/", v.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/edit/", v.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/submit/", v.problem_submit, name="problem_submit"),
    path("problems/<int:pk>/review/", v.problem_review, name="problem_review"),
    path("problems/<int:pk>/rectified/", v.problem_rectified, name="problem_rectified"),
    path("problems/<int:pk>/verify/", v.problem_verify, name="problem_verify"),
    path("problems/<int:pk>/close/", v.problem_close, name="problem_close"),
    path("problems/<int:pk>/measures/new/", v.measure_add, name="measure_add"),
    path("measures/<int:pk>/edit/", v.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/delete/", v.measure_delete, name="measure_delete"),
    path("problems/<int:pk>/evidence/", v.rect_evidence_add, name="rect_evidence_add"),
    path("evidence/<int:pk>/file/", v.rect_evidence_file, name="rect_evidence_file"),
    path("evidence/<int:pk>/remove/", v.rect_evidence_remove, name="rect_evidence_remove"),
]
