"""/api/v1 of study plans, sessions, agenda and the secretary's roster: scoped like the pages,
bad input named by field, refusals that change nothing."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.campaigns.models import Evidence, UnitTask
from dangjian.study import attendance as sa
from dangjian.study import sessions as ss
from dangjian.study.models import A, AgendaItem, Attendance, LeaveStatus, StudyPlan, StudySession

pytestmark = pytest.mark.django_db
API = "/api/v1/study"


def send(client, method, path, body=None):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json")


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def _iso(d: dt.datetime) -> str:
    return d.isoformat()


def _session_body(w, **over):
    starts = timezone.now() + dt.timedelta(days=2)
    body = {"org": "UA01", "kind": "branch_study", "title": "学习新党章", "starts_at": _iso(starts),
            "ends_at": _iso(starts + dt.timedelta(hours=2)), "plan": w.plan_a1.pk, "campaign": w.campaign.pk}
    body.update(over)
    return body


# ------------------------------------------------------------------------------------ plans

def test_plan_crud(world, login):
    w = world
    c = login(w.a1_secretary)
    body = {"org": "UA01", "title": "第四季度学习计划", "starts_on": "2026-10-01", "ends_on": "2026-12-31",
            "methods": ["central", "home_delivery"], "campaign": w.campaign.pk,
            "targets": [{"group": "retired", "method": "home_delivery", "sessions": 2, "note": "送学上门"},
                        {"group": "young", "method": "lecture", "sessions": 1}]}
    plan = ok(send(c, "post", f"{API}/plans", body), 201)
    assert plan["methods_label"] == ["集中学习", "送学上门"]
    assert [(t["group"], t["sessions"], t["held"]) for t in plan["targets"]] == [("retired", 2, 0), ("young", 1, 0)]
    assert ok(c.get(f"{API}/plans/{plan['id']}"))["title"] == "第四季度学习计划"
    patched = ok(send(c, "patch", f"{API}/plans/{plan['id']}", {"title": "第四季度学习计划（修订）", "targets": []}))
    assert patched["title"].endswith("（修订）") and patched["targets"] == []
    items = ok(c.get(f"{API}/plans?org=UA01"))["items"]
    assert {p["id"] for p in items} == {plan["id"], w.plan_a1.pk}
    assert ok(send(c, "delete", f"{API}/plans/{plan['id']}"), 204) is None
    assert not StudyPlan.objects.filter(pk=plan["id"]).exists()


def test_plan_bad_input(world, login):
    w = world
    c = login(w.a1_secretary)
    before = StudyPlan.objects.count()
    e = errors(send(c, "post", f"{API}/plans", {"org": "UA01", "title": "x", "starts_on": "2026-10-01", "ends_on": "2026-09-01"}))
    assert "ends_on" in e
    e = errors(send(c, "post", f"{API}/plans", {"org": "UA01", "title": "x", "starts_on": "2026-10-01", "ends_on": "2026-12-01",
                                                 "targets": [{"group": "aliens"}]}))
    assert "targets.0.group" in e
    e = errors(send(c, "post", f"{API}/plans", {"org": "NOPE", "title": "x", "starts_on": "2026-10-01", "ends_on": "2026-12-01"}))
    assert "org" in e
    r = send(c, "post", f"{API}/plans", {"org": "UB01", "title": "x", "starts_on": "2026-10-01", "ends_on": "2026-12-01"})
    assert r.status_code == 403
    assert StudyPlan.objects.count() == before
    # A plan with sessions may not be deleted.
    ss.save_session(w.a1_secretary, ss.SessionData(org=w.a1, kind="lecture", title="党课", starts_at=timezone.now(),
                                                   ends_at=timezone.now() + dt.timedelta(hours=1), plan=w.plan_a1))
    assert "plan" in errors(send(c, "delete", f"{API}/plans/{w.plan_a1.pk}"))
    assert c.get(f"{API}/plans/{w.plan_b1.pk}").status_code == 404


def test_plan_progress_counts_linked_sessions(world, login):
    w = world
    now = timezone.now()
    for i, groups in enumerate([["retired"], [], ["young"]]):
        ss.save_session(w.a1_secretary, ss.SessionData(org=w.a1, kind="branch_study", title=f"学习{i}", groups=groups,
                                                       starts_at=now - dt.timedelta(days=i + 1), ends_at=now - dt.timedelta(days=i + 1, hours=-1),
                                                       plan=w.plan_a1))
    ss.save_session(w.a1_secretary, ss.SessionData(org=w.a1, kind="branch_study", title="下周", groups=["retired"],
                                                   starts_at=now + dt.timedelta(days=7), ends_at=now + dt.timedelta(days=7, hours=1), plan=w.plan_a1))
    plan = ok(login(w.a1_secretary).get(f"{API}/plans/{w.plan_a1.pk}"))
    (t,) = plan["targets"]  # retired / home delivery / 3
    assert (t["sessions"], t["held"], t["scheduled"]) == (3, 2, 1)  # retired-only and everyone; not the young


# --------------------------------------------------------------------------------- sessions

def test_session_list_scoped_and_constant_queries(world, login):
    w = world
    c = login(w.office)
    url = f"{API}/sessions?limit=100"
    with CaptureQueriesContext(connection) as few:
        items = ok(c.get(url))["items"]
    assert {i["id"] for i in items} >= {w.session_a1.pk, w.session_b1.pk}
    for i in range(10):
        ss.save_session(w.office, ss.SessionData(org=w.a2, kind="lecture", title=f"党课{i}", starts_at=timezone.now(),
                                                 ends_at=timezone.now() + dt.timedelta(hours=1)))
    with CaptureQueriesContext(connection) as many:
        items = ok(c.get(url))["items"]
    assert len(items) == 13 and len(many) == len(few)
    a1 = next(i for i in items if i["id"] == w.session_a1.pk)
    assert (a1["expected"], a1["attended"], a1["kind_label"]) == (2, 0, "支部学习")
    ids = {i["id"] for i in ok(login(w.guide).get(f"{API}/sessions"))["items"]}
    assert ids == {w.session_b1.pk}
    ids = {i["id"] for i in ok(login(w.member_user).get(f"{API}/sessions"))["items"]}
    assert ids == {w.session_a1.pk, w.session_a1_next.pk}
    ids = {i["id"] for i in ok(login(w.office).get(f"{API}/sessions?when=upcoming"))["items"]}
    assert w.session_a1_next.pk in ids and w.session_a1.pk not in ids
    assert ok(login(w.nobody).get(f"{API}/sessions"))["count"] == 0


def test_session_create_detail_update_cancel(world, login):
    w = world
    c = login(w.a1_secretary)
    s = ok(send(c, "post", f"{API}/sessions", _session_body(w, groups=["retired"])), 201)
    assert s["expected"] == 1 and s["may_run"] and s["orgs"] == [{"code": "UA01", "name": w.a1.name}]
    s = ok(send(c, "patch", f"{API}/sessions/{s['id']}", {"groups": [], "place": "图书馆"}))
    assert s["expected"] == 2 and s["place"] == "图书馆"
    detail = ok(c.get(f"{API}/sessions/{w.session_a1.pk}"))
    assert detail["agenda"][0]["kind"] == "first_topic" and detail["counts"]["expected"] == 2
    s = ok(send(c, "post", f"{API}/sessions/{s['id']}/cancel"))
    assert s["cancelled"]
    assert "session" in errors(send(c, "patch", f"{API}/sessions/{s['id']}", {"title": "x"}))


def test_session_bad_input(world, login):
    w = world
    c = login(w.a1_secretary)
    before = StudySession.objects.count()
    starts = timezone.now() + dt.timedelta(days=1)
    e = errors(send(c, "post", f"{API}/sessions", _session_body(w, starts_at=_iso(starts), ends_at=_iso(starts - dt.timedelta(hours=1)))))
    assert e["ends_at"] == "结束时间须晚于开始时间"
    assert "kind" in errors(send(c, "post", f"{API}/sessions", _session_body(w, kind="party")))
    assert "orgs" in errors(send(c, "post", f"{API}/sessions", _session_body(w, orgs=["UB01"])))
    assert "plan" in errors(send(c, "post", f"{API}/sessions", _session_body(w, plan=w.plan_b1.pk)))
    assert send(c, "post", f"{API}/sessions", _session_body(w, org="UB01", plan=None)).status_code == 403
    assert StudySession.objects.count() == before
    assert send(c, "patch", f"{API}/sessions/{w.session_b1.pk}", {"title": "x"}).status_code == 404
    assert send(login(w.guide), "patch", f"{API}/sessions/{w.session_b1.pk}", {"title": "x"}).status_code == 403
    w.session_b1.refresh_from_db()
    assert w.session_b1.title == "学习新思想"


# ----------------------------------------------------------------------------------- agenda

def test_agenda_via_api(world, login):
    w = world
    c = login(w.a1_secretary)
    s = w.session_a1
    first = s.agenda.get()
    item = ok(send(c, "post", f"{API}/sessions/{s.pk}/agenda",
                   {"kind": "lead_reading", "title": "领学", "lead_readers": [w.m_a1b.pk], "materials": [w.material.pk]}), 201)
    assert item["order"] == 2 and item["lead_readers"] == [{"id": w.m_a1b.pk, "name": "李四"}]
    # First topic not first / a second one.
    e = errors(send(c, "post", f"{API}/sessions/{s.pk}/agenda", {"kind": "first_topic", "title": "又一个"}))
    assert "kind" in e
    e = errors(send(c, "patch", f"{API}/agenda/{item['id']}", {"order": 1}))
    assert "order" in e
    # Lead reader not an attendee.
    e = errors(send(c, "patch", f"{API}/agenda/{item['id']}", {"lead_readers": [w.m_a2.pk]}))
    assert "王五" in e["lead_readers"]
    assert list(AgendaItem.objects.get(pk=item["id"]).lead_readers.all()) == [w.m_a1b]
    e = errors(send(c, "put", f"{API}/sessions/{s.pk}/agenda/order", {"items": [item["id"], first.pk]}))
    assert "order" in e
    sharing = ok(send(c, "post", f"{API}/sessions/{s.pk}/agenda", {"kind": "sharing", "title": "交流"}), 201)
    rows = ok(send(c, "put", f"{API}/sessions/{s.pk}/agenda/order", {"items": [first.pk, sharing["id"], item["id"]]}))
    assert [r["id"] for r in rows] == [first.pk, sharing["id"], item["id"]]
    assert [r["id"] for r in ok(c.get(f"{API}/sessions/{s.pk}/agenda"))] == [first.pk, sharing["id"], item["id"]]
    assert ok(send(c, "delete", f"{API}/agenda/{sharing['id']}"), 204) is None
    # Out of scope / not running: 404 / 403, nothing changed.
    assert send(c, "post", f"{API}/sessions/{w.session_b1.pk}/agenda", {"title": "x"}).status_code == 404
    assert send(login(w.member_user), "post", f"{API}/sessions/{s.pk}/agenda", {"title": "x"}).status_code == 403
    assert send(login(w.member_user), "delete", f"{API}/agenda/{item['id']}").status_code == 403
    assert s.agenda.count() == 2


# ------------------------------------------------------------------------------- the roster

def test_roster_is_scoped(world, login):
    w = world
    rows = ok(login(w.a1_secretary).get(f"{API}/sessions/{w.session_a1.pk}/attendance"))["items"]
    assert {r["member_name"] for r in rows} == {"张三", "李四"}
    rows = ok(login(w.member_user).get(f"{API}/sessions/{w.session_a1.pk}/attendance"))["items"]
    assert [r["member_name"] for r in rows] == ["张三"]
    assert login(w.a1_secretary).get(f"{API}/sessions/{w.session_b1.pk}/attendance").status_code == 404


def test_roster_query_count_is_constant(world, login):
    w = world
    from tests.factories import make_member

    c = login(w.a1_secretary)
    url = f"{API}/sessions/{w.session_a1_next.pk}/attendance?limit=100"
    with CaptureQueriesContext(connection) as few:
        ok(c.get(url))
    for i in range(10):
        make_member(w.a1, f"新党员{i}")
    s = w.session_a1_next
    ss.save_session(w.a1_secretary, ss.SessionData(org=s.org, kind=s.kind, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at), s)
    with CaptureQueriesContext(connection) as many:
        assert ok(c.get(url))["count"] == 12
    assert len(many) == len(few)


def test_secretary_actions(world, login):
    w = world
    c = login(w.a1_secretary)
    r = ok(send(c, "post", f"{API}/attendance/{w.att_a1.pk}/status", {"status": "present"}))
    assert r["status"] == "present" and r["method"] == "secretary" and r["checked_in_at"]
    att_b = w.session_a1.attendances.get(member=w.m_a1b)
    r = ok(send(c, "post", f"{API}/attendance/{att_b.pk}/status", {"status": "absent"}))
    assert r["status_label"] == "缺席"
    r = ok(send(c, "post", f"{API}/attendance/{att_b.pk}/makeup", {"note": "观看党课录像"}))
    assert r["status"] == "makeup"
    assert "status" in errors(send(c, "post", f"{API}/attendance/{att_b.pk}/makeup", {"note": "再补"}))
    assert "status" in errors(send(c, "post", f"{API}/attendance/{att_b.pk}/status", {"status": "bogus"}))
    # Leave: requested by the member, decided by the secretary.
    sa.request_leave(w.member_user, w.att_a1_next, "出差")
    r = ok(send(c, "post", f"{API}/attendance/{w.att_a1_next.pk}/leave-decision", {"approve": False}))
    assert r["leave_status"] == LeaveStatus.REJECTED and r["status"] == A.EXPECTED
    assert "leave" in errors(send(c, "post", f"{API}/attendance/{w.att_a1_next.pk}/leave-decision", {"approve": True}))


def test_secretary_actions_refused(world, login):
    w = world
    before = list(Attendance.objects.values_list("pk", "status"))
    assert send(login(w.a1_secretary), "post", f"{API}/attendance/{w.att_b1.pk}/status", {"status": "present"}).status_code == 404
    assert send(login(w.guide), "post", f"{API}/attendance/{w.att_b1.pk}/status", {"status": "present"}).status_code == 403
    assert send(login(w.member_user), "post", f"{API}/attendance/{w.att_a1.pk}/status", {"status": "present"}).status_code == 403
    assert send(login(w.member_user), "post", f"{API}/attendance/{w.att_a1.pk}/makeup", {"note": "x"}).status_code == 403
    assert list(Attendance.objects.values_list("pk", "status")) == before


def test_session_as_evidence(world, login):
    w = world
    c = login(w.a1_secretary)
    ut = UnitTask.objects.get(task=w.task_g, org=w.a1)
    ev = ok(send(c, "post", f"{API}/sessions/{w.session_a1.pk}/evidence", {"unit_task": ut.pk}), 201)
    assert ev["record_ref"] == f"study.StudySession:{w.session_a1.pk}" and ev["kind"] == "record"
    detail = ok(c.get(f"{API}/sessions/{w.session_a1.pk}"))
    assert [e["unit_task"] for e in detail["evidence_for"]] == [ut.pk]
    assert "unit_task" in errors(send(c, "post", f"{API}/sessions/{w.session_a1.pk}/evidence", {"unit_task": ut.pk}))
    ut_other = UnitTask.objects.get(task=w.task_g, org=w.a2)
    assert "unit_task" in errors(send(login(w.ua_admin), "post", f"{API}/sessions/{w.session_a1.pk}/evidence", {"unit_task": ut_other.pk}))
    assert Evidence.objects.count() == 1
