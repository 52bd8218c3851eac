"""Supervision activities: recording at the group's units only, kinds with their own fields,
photos by content, random questioning linked to the activity, findings that open inspection
problems, the unit's answer, exemplars, the to-do source; pages; constant queries."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.rectification.models import Problem
from dangjian.study.models import Questioning
from dangjian.supervision import activities as sa
from dangjian.supervision.models import Activity, ActivityPhoto, Exemplar, Finding
from tests.authz.engine import fingerprint

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _visit(**extra):
    return {"kind": "visit", "held_on": timezone.localdate(), "subject": "走访支部", "place": "活动室", **extra}


def _problem(w, **extra):
    return {"title": "学习笔记不全", "aspect": w.aspect, "leader": "书记", "owner": "支部书记",
            "due_on": timezone.localdate() + dt.timedelta(days=30), **extra}


# ------------------------------------------------------------------------------ record
def test_member_records_at_own_unit_with_round_found_from_date(world):
    w = world
    act = sa.record_activity(w.guide, w.group1, w.b1, _visit(members_present=[w.group1.seats.first()]))
    assert act.round == w.round_now and act.created_by == w.guide
    assert list(act.members_present.values_list("name", flat=True)) == ["指导组组长"]
    assert act.history.exists() and all(h.history_user == w.guide for h in act.history.all())


def test_unit_not_assigned_to_group_is_refused_and_nothing_written(world):
    w = world
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        sa.record_activity(w.guide, w.group1, w.a1, _visit())
    assert exc.value.message_dict["org"] == ["该单位不在本组联系范围内"]
    # even the office may not record group1's visit at UA (group2's unit)
    with pytest.raises(ValidationError):
        sa.record_activity(w.office, w.group1, w.a1, _visit())
    assert fingerprint() == before


def test_non_member_refused(world):
    w = world
    with pytest.raises(PermissionDenied):
        sa.record_activity(w.guide, w.group2, w.a1, _visit())
    with pytest.raises(PermissionDenied):
        sa.record_activity(w.ub_admin, w.group1, w.b1, _visit())


@pytest.mark.parametrize("kind,field", [("interview", "interviewed_count"), ("interview", "interviewees"),
                                        ("spot_check", "records_checked"), ("sit_in", "meeting_ref")])
def test_kinds_need_their_own_fields(world, kind, field):
    with pytest.raises(ValidationError) as exc:
        sa.record_activity(world.guide, world.group1, world.b1, _visit(kind=kind))
    assert field in exc.value.message_dict


def test_future_date_and_empty_subject_refused(world):
    with pytest.raises(ValidationError) as exc:
        sa.record_activity(world.guide, world.group1, world.b1, _visit(held_on=timezone.localdate() + dt.timedelta(days=1), subject=""))
    assert exc.value.message_dict["held_on"] == ["日期不能晚于今天"]
    assert exc.value.message_dict["subject"] == ["请填写督查内容"]


def test_interview_recorded_and_edit_is_audited(world):
    w = world
    act = sa.record_activity(w.guide, w.group1, w.b1, _visit(kind="interview", interviewed_count=5, interviewees="党员五人"))
    assert act.interviewed_count == 5
    sa.update_activity(w.guide, act, {"notes": "补充"})
    act.refresh_from_db()
    assert act.notes == "补充" and act.history.filter(history_change_reason="修改督查活动").count() == 1
    with pytest.raises(PermissionDenied):
        sa.update_activity(w.ub_admin, act, {"notes": "x"})


def test_seat_of_another_group_refused(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        sa.record_activity(w.guide, w.group1, w.b1, _visit(members_present=[w.group2.seats.first()]))
    assert "members_present" in exc.value.message_dict


# ------------------------------------------------------------------------------ photos
def test_photo_checked_by_content(world, media):
    w = world
    photo = sa.add_photo(w.guide, w.activity_b, SimpleUploadedFile("a.png", PNG), "现场")
    assert photo.content_type == "image/png" and photo.size == len(PNG)
    with pytest.raises(ValidationError) as exc:
        sa.add_photo(w.guide, w.activity_b, SimpleUploadedFile("fake.jpg", b"not an image at all"), "")
    assert "类型不允许" in exc.value.message_dict["file"][0]
    assert ActivityPhoto.objects.count() == 1


# ------------------------------------------------------------------------- questioning
def test_random_questioning_linked_to_activity(world):
    w = world
    q = sa.draw_for_activity(w.guide, w.activity_b, w.m_b1, 2)
    assert Questioning.objects.get(pk=q.pk).activity_ref == f"supervision.Activity:{w.activity_b.pk}"
    marks = [{"question": i["question"], "correct": n == 0} for n, i in enumerate(q.items)]
    done = sa.mark_for_activity(w.guide, w.activity_b, q.pk, marks)
    assert done.score == 50
    assert list(sa.activity_questionings(w.activity_b).values_list("score", flat=True)) == [50]


def test_questioning_member_of_other_unit_refused(world):
    with pytest.raises(ValidationError):
        sa.draw_for_activity(world.guide, world.activity_b, world.m_a1, 1)


# ---------------------------------------------------------------------- finding, feedback
def test_finding_opens_inspection_problem_and_notifies_unit(world):
    w = world
    f = sa.add_finding(w.guide, w.activity_b, "请补齐学习笔记", _problem(w))
    p = f.problem
    assert p.org == w.b1 and p.source == "inspection" and p.status == "open"
    assert p.activity_ref == f"supervision.Activity:{w.activity_b.pk}" and p.created_by == w.guide
    assert f.org == w.b1 and f.status == "sent" and f.created_by == w.guide
    assert Notification.objects.filter(user=w.ub_admin, kind="feedback").exists()
    assert f in sa.waiting_feedback(w.ub_admin)
    assert f not in sa.waiting_feedback(w.ua_admin)


def test_finding_with_missing_fields_writes_nothing(world):
    w = world
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        sa.add_finding(w.guide, w.activity_b, "", _problem(w, title=""))
    assert "feedback" in exc.value.message_dict and "title" in exc.value.message_dict
    with pytest.raises(ValidationError):
        sa.add_finding(w.guide, w.activity_b, "意见", _problem(w, due_on=None))
    assert fingerprint() == before
    with pytest.raises(PermissionDenied):
        sa.add_finding(w.ub_admin, w.activity_b, "意见", _problem(w))


def test_unit_answers_once(world):
    w = world
    with pytest.raises(PermissionDenied):
        sa.answer_feedback(w.guide, w.finding_b, "x")
    with pytest.raises(PermissionDenied):
        sa.answer_feedback(w.ua_admin, w.finding_b, "x")
    with pytest.raises(ValidationError):
        sa.answer_feedback(w.ub_admin, w.finding_b, "  ")
    sa.answer_feedback(w.ub_admin, w.finding_b, "已补齐")
    f = Finding.objects.get(pk=w.finding_b.pk)
    assert f.status == "answered" and f.answer == "已补齐" and f.answered_by == w.ub_admin
    assert f.history.count() == 2
    with pytest.raises(ValidationError) as exc:
        sa.answer_feedback(w.ub_admin, f, "再答")
    assert "已回复" in exc.value.message_dict["answer"][0]


def test_todo_source_lists_waiting_feedback(world):
    from dangjian.campaigns.todo import register_todo_source  # noqa: F401  (the registry exists)

    w = world
    items = sa._todo_items(w.ub_admin, 10, timezone.localdate())
    assert [i["url"] for i in items] == [reverse("feedback_detail", args=[w.finding_b.pk])]
    assert sa._todo_items(w.guide, 10, timezone.localdate()) == []


# ----------------------------------------------------------------------------- exemplars
def test_exemplar(world):
    w = world
    ex = sa.add_exemplar(w.guide, w.activity_b, "三会一课规范", "每月主题党日固定")
    assert ex.org == w.b1 and ex in sa.exemplars_for(w.ub_admin) and ex not in sa.exemplars_for(w.ua_admin)
    with pytest.raises(ValidationError):
        sa.add_exemplar(w.guide, w.activity_b, "", "")


# ------------------------------------------------------------------------------- visible
def test_who_sees_activities_and_feedback(world):
    w = world
    assert set(sa.activities_for(w.guide)) == {w.activity_b}
    assert set(sa.activities_for(w.office)) >= {w.activity_a, w.activity_b}
    assert not sa.activities_for(w.ub_admin).exists()
    assert set(sa.findings_for(w.ub_admin)) == {w.finding_b}
    assert set(sa.findings_for(w.guide)) == {w.finding_b}
    assert set(sa.findings_for(w.ua_admin)) == {w.finding_a}


# --------------------------------------------------------------------------------- pages
def test_phone_flow_through_pages(world, client, login):
    w = world
    login(w.guide)
    r = client.post(reverse("activity_create"), {"group": w.group1.pk, "org": w.b1.code, "kind": "interview",
                                                 "held_on": timezone.localdate().isoformat(), "subject": "座谈", "interviewed_count": "3",
                                                 "interviewees": "三名党员"})
    assert r.status_code == 302
    act = Activity.objects.latest("pk")
    assert act.kind == "interview" and act.interviewed_count == 3
    r = client.post(reverse("activity_create"), {"group": w.group1.pk, "org": w.a1.code, "kind": "visit",
                                                 "held_on": timezone.localdate().isoformat(), "subject": "走访"})
    assert r.status_code == 200 and "该单位不在本组联系范围内" in r.content.decode()
    r = client.post(reverse("finding_create", args=[act.pk]), {"feedback": "请整改", "title": "记录缺失", "aspect": w.aspect.pk,
                                                               "leader": "书记", "owner": "委员", "due_on": "2099-01-01"})
    assert r.status_code == 302
    f = Finding.objects.latest("pk")
    body = client.get(reverse("activity_detail", args=[act.pk])).content.decode()
    assert "记录缺失" in body and "变更记录" in body
    login(w.ub_admin)
    body = client.get(reverse("feedback_list")).content.decode()
    assert "记录缺失" in body
    r = client.post(reverse("feedback_answer", args=[f.pk]), {"answer": "已整改"})
    assert r.status_code == 302
    assert "已整改" in client.get(reverse("feedback_detail", args=[f.pk])).content.decode()


def test_questioning_page_draw_and_mark(world, client, login):
    w = world
    login(w.guide)
    url = reverse("activity_questioning", args=[w.activity_b.pk])
    r = client.post(url, {"action": "draw", "member": w.m_b1.pk, "count": "2"})
    assert r.status_code == 302
    q = Questioning.objects.latest("pk")
    page = client.get(r["Location"]).content.decode()
    assert "逐题评判" in page
    data = {"action": "mark", "questioning": q.pk, **{f"c{i['question']}": "1" for i in q.items}}
    r = client.post(url, data)
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.score == 100


def _more_activities(w, n):
    for i in range(n):
        a = Activity.objects.create(group=w.group1, org=w.b1, kind="visit", held_on=timezone.localdate(), subject=f"走访{i}", round=w.round_now)
        p = Problem.objects.create(org=w.b1, campaign=w.campaign, number=f"X-{a.pk}", source="inspection", aspect=w.aspect,
                                   found_on=timezone.localdate(), title=f"问题{i}", leader="l", owner="o", due_on=dt.date(2099, 1, 1), status="open")
        Finding.objects.create(activity=a, org=w.b1, problem=p, feedback=f"意见{i}")
        Exemplar.objects.create(activity=a, org=w.b1, title=f"经验{i}", description="d")


@pytest.mark.parametrize("name", ["activity_list", "feedback_list", "exemplar_list"])
def test_lists_cost_constant_queries(world, client, login, name):
    w = world
    login(w.guide)
    url = reverse(name)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_activities(w, 12)
    with CaptureQueriesContext(connection) as big:
        body = client.get(url).content.decode()
    assert len(big) == len(small)
    assert ("走访11" in body) or ("意见11" in body) or ("经验11" in body)


def test_history_names_members_present(world, client, login):
    w = world
    act = sa.record_activity(w.guide, w.group1, w.b1, _visit(members_present=[w.group1.seats.first()]))
    login(w.guide)
    body = client.get(reverse("activity_detail", args=[act.pk])).content.decode()
    assert "参加的指导组成员：</span>（无） → 指导组组长" in body
    assert "'seat'" not in body


def test_list_filters_by_unit_code(world, client, login):
    w = world
    login(w.office)
    body = client.get(reverse("activity_list"), {"unit": w.unit_b.code}).content.decode()
    assert reverse("activity_detail", args=[w.activity_b.pk]) in body
    assert reverse("activity_detail", args=[w.activity_a.pk]) not in body


def test_random_member_when_none_chosen(world):
    w = world
    q = sa.draw_for_activity(w.guide, w.activity_b, None, 1)
    assert q.member.org.path.startswith(w.b1.path)
