"""Question bank, quizzes (set up, take, results) and random questioning (mounted at
/study/quizzes/)."""
from django.urls import path, re_path

from dangjian.study import views_quizzes as v

TOKEN = r"(?P<token>[A-Za-z0-9_-]{16,64})"

urlpatterns = [
    path("", v.quiz_list, name="quiz_list"),
    path("new/", v.quiz_create, name="quiz_create"),
    path("mine/", v.quiz_my, name="quiz_my"),
    path("<int:pk>/", v.quiz_detail, name="quiz_detail"),
    path("<int:pk>/edit/", v.quiz_edit, name="quiz_edit"),
    path("<int:pk>/publish/", v.quiz_publish, name="quiz_publish"),
    path("<int:pk>/close/", v.quiz_close, name="quiz_close"),
    path("<int:pk>/history/", v.quiz_history, name="quiz_history"),
    path("<int:pk>/results/", v.quiz_results, name="quiz_results"),
    path("<int:pk>/start/", v.quiz_start, name="quiz_start"),
    path("attempts/<int:pk>/", v.quiz_attempt, name="quiz_attempt"),
    path("attempts/<int:pk>/submit/", v.quiz_submit, name="quiz_submit"),
    path("questions/", v.question_list, name="question_list"),
    path("questions/new/", v.question_create, name="question_create"),
    path("questions/<int:pk>/edit/", v.question_edit, name="question_edit"),
    path("questions/<int:pk>/active/", v.question_toggle, name="question_toggle"),
    path("questions/<int:pk>/history/", v.question_history, name="question_history"),
    path("questions/import/", v.question_import, name="question_import"),
    path("questions/import/template.xlsx", v.question_import_template, name="question_import_template"),
    re_path(rf"^questions/import/{TOKEN}/$", v.question_import_preview, name="question_import_preview"),
    re_path(rf"^questions/import/{TOKEN}/confirm/$", v.question_import_confirm, name="question_import_confirm"),
    re_path(rf"^questions/import/{TOKEN}/errors\.xlsx$", v.question_import_errors, name="question_import_errors"),
    path("questioning/", v.questioning_list, name="questioning_list"),
    path("questioning/new/", v.questioning_create, name="questioning_create"),
    path("questioning/<int:pk>/", v.questioning_detail, name="questioning_detail"),
    path("questioning/<int:pk>/mark/", v.questioning_mark, name="questioning_mark"),
]
