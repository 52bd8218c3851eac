"""Matrix cases for study plans and sessions: the pages (plans, sessions, agenda, the record,
the secretary's roster, a session as task evidence) and the API. Targets: plan_a1 / plan_b1 and
session_a1 / session_b1 of the study world; attendance rows of 李四 (UA01) and 赵六 (UB01).

Rules: plans are seen by whoever sees the org ("view") and written by whoever may act for it
("act"); a session is also seen by its expected attendees ("view_own": 张三 is expected at
session_a1), its roster rows likewise (a member sees their own row only); its history and every
change need the org ("view" / "act")."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.authz.engine import Case, member_of, org_of

V = "/api/v1/study"


def _plan(w, t):
    return {"UA01": w.plan_a1, "UB01": w.plan_b1}[t]


def _session(w, t):
    return {"UA01": w.session_a1, "UB01": w.session_b1}[t]


def _plan_pk(w, t):
    return {"pk": _plan(w, t).pk}


def _session_pk(w, t):
    return {"pk": _session(w, t).pk}


def _plan_id(w, t):
    return {"plan_id": _plan(w, t).pk}


def _session_id(w, t):
    return {"session_id": _session(w, t).pk}


def _code(w, t):
    return {"org": org_of(w, t).code}


def _local(d):
    return timezone.localtime(d).strftime("%Y-%m-%dT%H:%M")


def _plan_form(w, t):
    return {"org": org_of(w, t).code, "title": "矩阵学习计划", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "campaign": "",
            "methods": ["central"], "content": "", "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "0",
            "targets-0-group": "retired", "targets-0-method": "home_delivery", "targets-0-sessions": "2", "targets-0-note": ""}


def _session_form(w, t):
    starts = timezone.now() + dt.timedelta(days=3)
    return {"org": org_of(w, t).code, "kind": "branch_study", "title": "矩阵学习会", "starts_at": _local(starts),
            "ends_at": _local(starts + dt.timedelta(hours=2)), "place": "", "other_orgs": "", "campaign": "", "plan": "",
            "attendees": "", "include_subtree": "", "checkin_opens_minutes": "30", "late_after_minutes": "5", "summary": ""}


def _session_edit_form(w, t):
    s = _session(w, t)
    return {**_session_form(w, t), "title": s.title + "（调整）", "starts_at": _local(s.starts_at), "ends_at": _local(s.ends_at)}


def _item(client, w, t, user, key="pk"):
    """An agenda item of the target's session (session_b1 has none in the world)."""
    from dangjian.study.models import AgendaItem

    s = _session(w, t)
    item = s.agenda.first() or AgendaItem.objects.create(session=s, order=1, kind="lead_reading", title="领学")
    return {key: item.pk}


def _extra_item(client, w, t, user, key="pk"):
    from dangjian.study.models import AgendaItem

    s = _session(w, t)
    n = s.agenda.count()
    AgendaItem.objects.create(session=s, order=n + 1, kind="lead_reading", title="领学一")
    item = AgendaItem.objects.create(session=s, order=n + 2, kind="sharing", title="交流")
    return {key: item.pk}


def _att(w, t):
    return _session(w, t).attendances.get(member=member_of(w, t))


def _att_pk(key):
    def kwargs(w, t):
        return {key: _att(w, t).pk}
    return kwargs


def _pending_leave(key):
    def prepare(client, w, t, user):
        from dangjian.study.models import Attendance

        att = _att(w, t)
        Attendance.objects.filter(pk=att.pk).update(leave_status="pending", leave_reason="出差", leave_requested_at=timezone.now())
        return {key: att.pk}
    return prepare


def _absent(key):
    def prepare(client, w, t, user):
        from dangjian.study.models import Attendance

        att = _att(w, t)
        Attendance.objects.filter(pk=att.pk).update(status="absent")
        return {key: att.pk}
    return prepare


def _unit_task(w, t):
    from dangjian.campaigns.models import UnitTask

    return UnitTask.objects.get(task=w.task_g, org=org_of(w, t)).pk


def _agenda_order(client, w, t, user):
    _extra_item(client, w, t, user)
    return {"session_id": _session(w, t).pk}


def _order_body(w, t):
    ids = list(_session(w, t).agenda.order_by("order", "pk").values_list("pk", flat=True))
    return {"items": ids[:-2] + [ids[-1], ids[-2]]}


PAGE_CASES = [
    Case("study_plan_list", "login"),
    Case("study_plan_create", "act", query=_code),
    Case("study_plan_create", "act", method="POST", data=_plan_form, refused=(200, 403, 404)),
    Case("study_plan_detail", "view", kwargs=_plan_pk),
    Case("study_plan_edit", "act", kwargs=_plan_pk),
    Case("study_plan_edit", "act", method="POST", kwargs=_plan_pk, data=lambda w, t: {**_plan_form(w, t), "title": "修订的学习计划"}),
    Case("study_plan_history", "view", kwargs=_plan_pk),
    Case("study_session_list", "login"),
    Case("study_session_create", "act", query=_code),
    Case("study_session_create", "act", method="POST", data=_session_form, refused=(200, 403, 404)),
    Case("study_session_detail", "view_own", kwargs=_session_pk),
    Case("study_session_edit", "act", kwargs=_session_pk),
    Case("study_session_edit", "act", method="POST", kwargs=_session_pk, data=_session_edit_form),
    Case("study_session_cancel", "act", method="POST", kwargs=_session_pk),
    Case("study_session_summary", "act", method="POST", kwargs=_session_pk, data=lambda w, t: {"summary": "交流发言三人"}),
    Case("study_session_history", "view", kwargs=_session_pk),
    Case("study_session_evidence", "act", method="POST", kwargs=_session_pk, data=lambda w, t: {"unit_task": str(_unit_task(w, t))}),
    Case("study_session_agenda_add", "act", kwargs=_session_pk),
    Case("study_session_agenda_add", "act", method="POST", kwargs=_session_pk,
         data=lambda w, t: {"kind": "sharing", "title": "交流研讨"}),
    Case("study_session_agenda_edit", "act", prepare=_item),
    Case("study_session_agenda_edit", "act", method="POST", prepare=_item,
         data=lambda w, t: {"kind": _session(w, t).agenda.first().kind, "title": "议程（修订）", "order": "1"}),
    Case("study_session_agenda_delete", "act", method="POST", prepare=_item),
    Case("study_session_agenda_move", "act", method="POST",
         prepare=lambda c, w, t, u: {**_extra_item(c, w, t, u), "direction": "up"}),
    Case("study_session_attendance_mark", "act", method="POST", kwargs=_att_pk("pk"), data=lambda w, t: {"status": "absent"}),
    Case("study_session_attendance_leave", "act", method="POST", prepare=_pending_leave("pk"), data=lambda w, t: {"approve": "1"}),
    Case("study_session_attendance_makeup", "act", method="POST", prepare=_absent("pk"), data=lambda w, t: {"note": "自学补课"}),
]


def _plan_body(w, t):
    return {"org": org_of(w, t).code, "title": "矩阵学习计划", "starts_on": "2026-10-01", "ends_on": "2026-12-31",
            "targets": [{"group": "young", "method": "lecture", "sessions": 1}]}


def _session_body(w, t):
    starts = timezone.now() + dt.timedelta(days=3)
    return {"org": org_of(w, t).code, "kind": "lecture", "title": "矩阵党课", "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).isoformat()}


API_CASES = [
    Case(f"GET {V}/plans", "login"),
    Case(f"POST {V}/plans", "act", method="POST", data=_plan_body),
    Case(f"GET {V}/plans/{{plan_id}}", "view", kwargs=_plan_id),
    Case(f"PATCH {V}/plans/{{plan_id}}", "act", method="PATCH", kwargs=_plan_id, data=lambda w, t: {"title": "修订的计划"}),
    Case(f"DELETE {V}/plans/{{plan_id}}", "act", method="DELETE", kwargs=_plan_id),
    Case(f"GET {V}/sessions", "login"),
    Case(f"POST {V}/sessions", "act", method="POST", data=_session_body),
    Case(f"GET {V}/sessions/{{session_id}}", "view_own", kwargs=_session_id),
    Case(f"PATCH {V}/sessions/{{session_id}}", "act", method="PATCH", kwargs=_session_id, data=lambda w, t: {"place": "报告厅"}),
    Case(f"POST {V}/sessions/{{session_id}}/cancel", "act", method="POST", kwargs=_session_id),
    Case(f"POST {V}/sessions/{{session_id}}/evidence", "act", method="POST", kwargs=_session_id,
         data=lambda w, t: {"unit_task": _unit_task(w, t)}),
    Case(f"GET {V}/sessions/{{session_id}}/agenda", "view_own", kwargs=_session_id),
    Case(f"POST {V}/sessions/{{session_id}}/agenda", "act", method="POST", kwargs=_session_id,
         data=lambda w, t: {"kind": "questions", "title": "提问答疑"}),
    Case(f"PUT {V}/sessions/{{session_id}}/agenda/order", "act", method="PUT", prepare=_agenda_order, data=_order_body),
    Case(f"PATCH {V}/agenda/{{item_id}}", "act", method="PATCH", prepare=lambda c, w, t, u: _item(c, w, t, u, key="item_id"),
         data=lambda w, t: {"title": "议程（修订）"}),
    Case(f"DELETE {V}/agenda/{{item_id}}", "act", method="DELETE", prepare=lambda c, w, t, u: _item(c, w, t, u, key="item_id")),
    Case(f"GET {V}/sessions/{{session_id}}/attendance", "view_own", kwargs=_session_id),
    Case(f"POST {V}/attendance/{{attendance_id}}/status", "act", method="POST", kwargs=_att_pk("attendance_id"),
         data=lambda w, t: {"status": "absent"}),
    Case(f"POST {V}/attendance/{{attendance_id}}/leave-decision", "act", method="POST", prepare=_pending_leave("attendance_id"),
         data=lambda w, t: {"approve": True}),
    Case(f"POST {V}/attendance/{{attendance_id}}/makeup", "act", method="POST", prepare=_absent("attendance_id"),
         data=lambda w, t: {"note": "自学补课"}),
]
