"""Study plans and sessions: plans, sessions with agenda and record, the secretary's roster."""
from django.urls import path

from dangjian.study import views_sessions as v

urlpatterns = [
    path("plans/", v.plan_list, name="study_plan_list"),
    path("plans/new/", v.plan_create, name="study_plan_create"),
    path("plans/<int:pk>/", v.plan_detail, name="study_plan_detail"),
    path("plans/<int:pk>/edit/", v.plan_edit, name="study_plan_edit"),
    path("plans/<int:pk>/history/", v.plan_history, name="study_plan_history"),
    path("sessions/", v.session_list, name="study_session_list"),
    path("sessions/new/", v.session_create, name="study_session_create"),
    path("sessions/<int:pk>/", v.session_detail, name="study_session_detail"),
    path("sessions/<int:pk>/edit/", v.session_edit, name="study_session_edit"),
    path("sessions/<int:pk>/cancel/", v.session_cancel, name="study_session_cancel"),
    path("sessions/<int:pk>/summary/", v.session_summary, name="study_session_summary"),
    path("sessions/<int:pk>/history/", v.session_history, name="study_session_history"),
    path("sessions/<int:pk>/evidence/", v.session_evidence, name="study_session_evidence"),
    path("sessions/<int:pk>/agenda/new/", v.agenda_add, name="study_session_agenda_add"),
    path("sessions/agenda/<int:pk>/edit/", v.agenda_edit, name="study_session_agenda_edit"),
    path("sessions/agenda/<int:pk>/delete/", v.agenda_delete, name="study_session_agenda_delete"),
    path("sessions/agenda/<int:pk>/move/<str:direction>/", v.agenda_move, name="study_session_agenda_move"),
    path("sessions/attendance/<int:pk>/mark/", v.attendance_mark, name="study_session_attendance_mark"),
    path("sessions/attendance/<int:pk>/leave/", v.attendance_leave, name="study_session_attendance_leave"),
    path("sessions/attendance/<int:pk>/makeup/", v.attendance_makeup, name="study_session_attendance_makeup"),
]
