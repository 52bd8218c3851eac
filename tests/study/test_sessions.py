"""Session pages and domain functions: list, create/edit, agenda with the first-topic rule and
lead readers, the record, the secretary's roster actions, cancelling and evidence for a task."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.campaigns.models import Evidence, UnitTask
from dangjian.study import attendance as sa
from dangjian.study import plans as sp
from dangjian.study import sessions as ss
from dangjian.study.models import A, AgendaItem, Attendance, LeaveStatus, StudySession
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _local(d: dt.datetime) -> str:
    return timezone.localtime(d).strftime("%Y-%m-%dT%H:%M")


def _form(w, **over):
    starts = timezone.now() + dt.timedelta(days=3)
    data = {"org": "UA01", "kind": "branch_study", "title": "学习党的二十大报告", "starts_at": _local(starts),
            "ends_at": _local(starts + dt.timedelta(hours=2)), "place": "会议室", "other_orgs": "", "campaign": str(w.campaign.pk),
            "plan": str(w.plan_a1.pk), "attendees": "", "include_subtree": "", "checkin_opens_minutes": "30",
            "late_after_minutes": "5", "summary": ""}
    data.update(over)
    return data


# ----------------------------------------------------------------------------------- pages

def test_list_shows_scoped_sessions(world, login):
    w = world
    html = login(w.a1_secretary).get(reverse("study_session_list")).content.decode()
    assert w.session_a1.title in html and w.session_a1_next.title in html
    assert w.session_b1.title not in html
    html = login(w.guide).get(reverse("study_session_list")).content.decode()
    assert w.session_b1.title in html and w.session_a1.title not in html


def test_member_sees_own_sessions_without_roster(world, login):
    w = world
    c = login(w.member_user)
    html = c.get(reverse("study_session_list")).content.decode()
    assert w.session_a1.title in html and w.session_b1.title not in html
    html = c.get(reverse("study_session_detail", args=[w.session_a1.pk])).content.decode()
    assert "我的考勤" in html and 'id="roster"' not in html and "李四" not in html
    assert c.get(reverse("study_session_detail", args=[w.session_b1.pk])).status_code == 404
    assert c.get(reverse("study_session_history", args=[w.session_a1.pk])).status_code == 404


def test_list_filters(world, login):
    w = world
    c = login(w.office)
    url = reverse("study_session_list")
    html = c.get(url, {"org": "UB"}).content.decode()
    assert w.session_b1.title in html and w.session_a1.title not in html
    html = c.get(url, {"when": "upcoming"}).content.decode()
    assert w.session_a1_next.title in html and w.session_a1.title not in html
    html = c.get(url, {"when": "now"}).content.decode()
    assert w.session_a1.title in html and w.session_a1_next.title not in html
    html = c.get(url, {"kind": "lecture"}).content.decode()
    assert "没有符合条件的学习会" in html
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    html = c.get(url, {"from": tomorrow}).content.decode()
    assert w.session_a1_next.title in html and w.session_a1.title not in html
    # An org code out of scope finds nothing (and names nothing).
    html = login(w.a1_secretary).get(url, {"org": "UB01"}).content.decode()
    assert w.session_b1.title not in html and "没有符合条件的学习会" in html


def test_list_query_count_is_constant(world, login):
    w = world
    c = login(w.office)
    url = reverse("study_session_list")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for i in range(12):
        ss.save_session(w.office, ss.SessionData(org=w.a2, kind="lecture", title=f"党课{i}", starts_at=timezone.now() + dt.timedelta(days=i),
                                                 ends_at=timezone.now() + dt.timedelta(days=i, hours=1)))
    with CaptureQueriesContext(connection) as many:
        response = c.get(url)
    assert "党课11" in response.content.decode()
    assert len(many) == len(few)
    # And for a member (sessions as an attendee: a different queryset).
    c = login(w.member_user)
    with CaptureQueriesContext(connection) as member_q:
        c.get(url)
    assert len(member_q) <= len(few) + 2


def test_create_session_computes_attendees(world, login):
    w = world
    c = login(w.a1_secretary)
    assert c.get(reverse("study_session_create")).status_code == 200
    response = c.post(reverse("study_session_create"), _form(w, groups=["retired"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    s = StudySession.objects.get(title="学习党的二十大报告")
    assert s.plan == w.plan_a1 and s.campaign == w.campaign
    assert set(s.attendances.values_list("member__name", flat=True)) == {"李四"}  # retired only
    assert s.history.exists()


def test_create_refuses_end_before_start(world, login):
    w = world
    c = login(w.a1_secretary)
    before = StudySession.objects.count()
    starts = timezone.now() + dt.timedelta(days=3)
    response = c.post(reverse("study_session_create"), _form(w, ends_at=_local(starts - dt.timedelta(hours=1)),
                                                            starts_at=_local(starts)))
    assert response.status_code == 200
    assert "结束时间须晚于开始时间" in response.content.decode()
    assert StudySession.objects.count() == before


def test_create_refuses_org_out_of_scope(world, login):
    w = world
    c = login(w.a1_secretary)
    before = StudySession.objects.count()
    response = c.post(reverse("study_session_create"), _form(w, org="UB01", plan=""))
    assert response.status_code == 200 and "不在您的管理范围内" in response.content.decode()
    response = c.post(reverse("study_session_create"), _form(w, other_orgs="UB01"))
    assert response.status_code == 200 and "UB01" in response.content.decode()
    assert StudySession.objects.count() == before
    with pytest.raises(PermissionDenied):
        ss.save_session(w.a1_secretary, ss.SessionData(org=w.b1, kind="lecture", title="越权", starts_at=timezone.now(),
                                                       ends_at=timezone.now() + dt.timedelta(hours=1)))
    assert StudySession.objects.count() == before


def test_joint_session_of_merged_units(world, login):
    w = world
    c = login(w.ua_admin)
    response = c.post(reverse("study_session_create"), _form(w, org="UA", kind="reading_class", other_orgs="UA02", plan="",
                                                            include_subtree="0", title="联合读书班",
                                                            ends_at=_local(timezone.now() + dt.timedelta(days=5))))
    assert response.status_code == 302
    s = StudySession.objects.get(title="联合读书班")
    assert {o.code for o in s.orgs.all()} == {"UA", "UA02"}
    assert set(s.attendances.values_list("member__name", flat=True)) == {"王五"}


def test_edit_and_cancel(world, login):
    w = world
    c = login(w.a1_secretary)
    s = w.session_a1_next
    assert c.get(reverse("study_session_edit", args=[s.pk])).status_code == 200
    response = c.post(reverse("study_session_edit", args=[s.pk]), _form(w, title="专题研讨（调整）", summary="记录"))
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.title == "专题研讨（调整）"
    assert c.post(reverse("study_session_cancel", args=[s.pk])).status_code == 302
    s.refresh_from_db()
    assert s.cancelled
    assert s.history.first().history_change_reason == "取消学习会"
    # The guide sees UB only; may not cancel UA's session (404), nor UB's (may not run: 403).
    c = login(w.guide)
    assert c.post(reverse("study_session_cancel", args=[w.session_a1.pk])).status_code == 404
    assert c.post(reverse("study_session_cancel", args=[w.session_b1.pk])).status_code == 403
    assert not StudySession.objects.filter(cancelled=True).exclude(pk=s.pk).exists()


def test_detail_shows_structure_agenda_roster_and_links(world, login):
    w = world
    html = login(w.a1_secretary).get(reverse("study_session_detail", args=[w.session_a1.pk])).content.decode()
    for text in ("学习计划", "领学领读", "交流研讨", "提问答疑", "考勤登记", "第一议题", "学习总书记最新重要讲话", "张三", "李四", "学习情况记录"):
        assert text in html, text
    assert reverse("study_session_attendance_mark", args=[w.att_a1.pk]) in html


def test_history_page(world, login):
    w = world
    c = login(w.a1_secretary)
    sp.save_summary(w.a1_secretary, w.session_a1, "交流了体会")
    html = c.get(reverse("study_session_history", args=[w.session_a1.pk])).content.decode()
    assert "填写学习情况记录" in html


def test_summary_saved(world, login):
    w = world
    c = login(w.a1_secretary)
    response = c.post(reverse("study_session_summary", args=[w.session_a1.pk]), {"summary": "张三领学，李四交流发言"})
    assert response.status_code == 302
    w.session_a1.refresh_from_db()
    assert w.session_a1.summary == "张三领学，李四交流发言"
    # A member may not write it.
    assert login(w.member_user).post(reverse("study_session_summary", args=[w.session_a1.pk]), {"summary": "x"}).status_code == 403
    w.session_a1.refresh_from_db()
    assert w.session_a1.summary == "张三领学，李四交流发言"


# ----------------------------------------------------------------------------------- agenda

def _agenda(w, **kw):
    data = dict(kind="lead_reading", title="领学党章")
    data.update(kw)
    return sp.AgendaData(**data)


def test_agenda_add_edit_reorder_delete(world):
    w = world
    s = w.session_a1
    first = s.agenda.get()
    item = sp.save_agenda_item(w.a1_secretary, s, _agenda(w, lead_readers=[w.m_a1], materials=[w.material]))
    assert item.order == 2 and list(item.lead_readers.all()) == [w.m_a1]
    sharing = sp.save_agenda_item(w.a1_secretary, s, _agenda(w, kind="sharing", title="交流研讨"))
    assert [i.pk for i in s.agenda.all()] == [first.pk, item.pk, sharing.pk]
    sp.move_agenda_item(w.a1_secretary, sharing, -1)
    assert [i.pk for i in s.agenda.all()] == [first.pk, sharing.pk, item.pk]
    sp.save_agenda_item(w.a1_secretary, s, _agenda(w, title="领学党章（修订）", order=2), item)
    assert [i.pk for i in s.agenda.all()] == [first.pk, item.pk, sharing.pk]
    sp.delete_agenda_item(w.a1_secretary, item)
    assert [(i.pk, i.order) for i in s.agenda.all()] == [(first.pk, 1), (sharing.pk, 2)]
    assert s.history.filter(history_change_reason__startswith="删除议程").exists()


def test_first_topic_must_be_first(world):
    w = world
    s = w.session_a1_next
    sp.save_agenda_item(w.a1_secretary, s, _agenda(w))
    with pytest.raises(ValidationError) as exc:
        sp.save_agenda_item(w.a1_secretary, s, _agenda(w, kind="first_topic", title="学习总书记重要讲话"))
    assert "order" in exc.value.message_dict
    assert s.agenda.count() == 1
    # At position 1 it is accepted and the rest move down.
    ft = sp.save_agenda_item(w.a1_secretary, s, _agenda(w, kind="first_topic", title="学习总书记重要讲话", order=1))
    assert s.agenda.first() == ft
    # A second first topic: refused on `kind`.
    with pytest.raises(ValidationError) as exc:
        sp.save_agenda_item(w.a1_secretary, s, _agenda(w, kind="first_topic", title="又一个", order=1))
    assert "kind" in exc.value.message_dict
    # Nothing may go above it, by order or by reordering.
    with pytest.raises(ValidationError) as exc:
        sp.save_agenda_item(w.a1_secretary, s, _agenda(w, title="抢先", order=1))
    assert "order" in exc.value.message_dict
    ids = [i.pk for i in s.agenda.all()]
    with pytest.raises(ValidationError) as exc:
        sp.reorder_agenda(w.a1_secretary, s, list(reversed(ids)))
    assert "order" in exc.value.message_dict
    assert [i.pk for i in s.agenda.all()] == ids
    # Moving the first topic down is refused too.
    with pytest.raises(ValidationError):
        sp.move_agenda_item(w.a1_secretary, ft, 1)
    assert s.agenda.first() == ft


def test_lead_reader_must_be_an_attendee(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        sp.save_agenda_item(w.a1_secretary, w.session_a1, _agenda(w, lead_readers=[w.m_a2]))
    assert "lead_readers" in exc.value.message_dict and "王五" in exc.value.message_dict["lead_readers"][0]
    assert w.session_a1.agenda.count() == 1


def test_material_must_be_visible(world):
    w = world
    s = ss.save_session(w.office, ss.SessionData(org=w.b1, kind="lecture", title="后勤党课", starts_at=timezone.now(),
                                                 ends_at=timezone.now() + dt.timedelta(hours=1)))
    with pytest.raises(ValidationError) as exc:
        sp.save_agenda_item(w.ub_admin, s, _agenda(w, materials=[w.material_a]))  # UA's document
    assert "materials" in exc.value.message_dict
    assert not s.agenda.exists()


def test_agenda_refused_for_non_runners(world):
    w = world
    with pytest.raises(PermissionDenied):
        sp.save_agenda_item(w.guide, w.session_b1, _agenda(w))
    with pytest.raises(PermissionDenied):
        sp.save_agenda_item(w.member_user, w.session_a1, _agenda(w))
    assert not AgendaItem.objects.filter(title="领学党章").exists()


def test_agenda_pages(world, login):
    w = world
    c = login(w.a1_secretary)
    s = w.session_a1
    assert c.get(reverse("study_session_agenda_add", args=[s.pk])).status_code == 200
    response = c.post(reverse("study_session_agenda_add", args=[s.pk]),
                      {"kind": "lead_reading", "title": "领学新党章", "lead_readers": [str(w.m_a1b.pk)], "materials": [str(w.material.pk)]})
    assert response.status_code == 302
    item = s.agenda.get(title="领学新党章")
    assert list(item.lead_readers.all()) == [w.m_a1b] and list(item.materials.all()) == [w.material]
    # The first topic anywhere but first: the form says so on the order field.
    response = c.post(reverse("study_session_agenda_edit", args=[item.pk]), {"kind": "first_topic", "title": "x", "order": "2"})
    assert response.status_code == 200 and "本次学习会已有第一议题" in response.content.decode()
    html = c.get(reverse("study_session_detail", args=[s.pk])).content.decode()
    assert "领学人：李四" in html
    assert c.post(reverse("study_session_agenda_move", args=[item.pk, "up"])).status_code == 302
    assert s.agenda.first().kind == "first_topic"  # refused: stays first
    assert c.post(reverse("study_session_agenda_delete", args=[item.pk])).status_code == 302
    assert not s.agenda.filter(pk=item.pk).exists()


# ------------------------------------------------------------------------------- the roster

def test_secretary_marks_present_absent_leave(world, login):
    w = world
    c = login(w.a1_secretary)
    att_b = w.session_a1.attendances.get(member=w.m_a1b)
    assert c.post(reverse("study_session_attendance_mark", args=[w.att_a1.pk]), {"status": "present"}).status_code == 302
    w.att_a1.refresh_from_db()
    assert w.att_a1.status == A.PRESENT and w.att_a1.method == "secretary" and w.att_a1.checked_in_at
    c.post(reverse("study_session_attendance_mark", args=[att_b.pk]), {"status": "leave", "note": "出差"})
    att_b.refresh_from_db()
    assert att_b.status == A.LEAVE and att_b.leave_status == LeaveStatus.APPROVED
    c.post(reverse("study_session_attendance_mark", args=[att_b.pk]), {"status": "absent"})
    att_b.refresh_from_db()
    assert att_b.status == A.ABSENT
    # Make-up closes the absence.
    assert c.post(reverse("study_session_attendance_makeup", args=[att_b.pk]), {"note": "自学党章并写心得"}).status_code == 302
    att_b.refresh_from_db()
    assert att_b.status == A.MAKEUP and att_b.makeup_note == "自学党章并写心得"
    html = c.get(reverse("study_session_detail", args=[w.session_a1.pk])).content.decode()
    assert "补学" in html and "书记登记" in html


def test_leave_decision(world, login):
    w = world
    sa.request_leave(w.member_user, w.att_a1_next, "外出培训")
    c = login(w.a1_secretary)
    html = c.get(reverse("study_session_detail", args=[w.session_a1_next.pk])).content.decode()
    assert "请假待审批" in html and "外出培训" in html
    assert c.post(reverse("study_session_attendance_leave", args=[w.att_a1_next.pk]), {"approve": "1"}).status_code == 302
    w.att_a1_next.refresh_from_db()
    assert w.att_a1_next.status == A.LEAVE and w.att_a1_next.leave_status == LeaveStatus.APPROVED
    # Nothing pending any more: refused, nothing changed.
    n = w.att_a1_next.history.count()
    response = c.post(reverse("study_session_attendance_leave", args=[w.att_a1_next.pk]), {"approve": "0"}, follow=True)
    assert "没有待审批的请假申请" in response.content.decode()
    assert w.att_a1_next.history.count() == n


def test_roster_actions_refused_out_of_scope(world, login):
    w = world
    c = login(w.a1_secretary)
    assert c.post(reverse("study_session_attendance_mark", args=[w.att_b1.pk]), {"status": "present"}).status_code == 404
    c = login(w.guide)  # sees UB01, may not run its session
    assert c.post(reverse("study_session_attendance_mark", args=[w.att_b1.pk]), {"status": "present"}).status_code == 403
    c = login(w.member_user)  # his own row: still not the secretary
    assert c.post(reverse("study_session_attendance_mark", args=[w.att_a1.pk]), {"status": "present"}).status_code == 403
    assert not Attendance.objects.filter(status=A.PRESENT).exists()


# ------------------------------------------------------------------------- evidence for a task

def test_session_as_evidence_of_a_unit_task(world, login):
    w = world
    ut = UnitTask.objects.get(task=w.task_g, org=w.a1)
    c = login(w.a1_secretary)
    html = c.get(reverse("study_session_detail", args=[w.session_a1.pk])).content.decode()
    assert w.task_g.title in html  # offered
    response = c.post(reverse("study_session_evidence", args=[w.session_a1.pk]), {"unit_task": str(ut.pk)})
    assert response.status_code == 302
    ev = Evidence.objects.get(unit_task=ut, kind="record")
    assert ev.record_ref == f"study.StudySession:{w.session_a1.pk}"
    assert ev.record_label.startswith("学习会：学习党章党规（")
    html = c.get(reverse("study_session_detail", args=[w.session_a1.pk])).content.decode()
    assert reverse("unit_task_detail", args=[ut.pk]) in html
    # Twice: refused.
    with pytest.raises(ValidationError):
        sp.attach_as_evidence(w.a1_secretary, w.session_a1, ut)
    # Another org's task: refused.
    ut_b = UnitTask.objects.get(task=w.task_g, org=w.b1)
    with pytest.raises(PermissionDenied):
        sp.attach_as_evidence(w.a1_secretary, w.session_a1, ut_b)
    with pytest.raises(ValidationError):
        sp.attach_as_evidence(w.office, w.session_a1, ut_b)
    assert Evidence.objects.filter(kind="record").count() == 1


def test_evidence_refused_for_member(world, login):
    w = world
    ut = UnitTask.objects.get(task=w.task_g, org=w.a1)
    response = login(w.member_user).post(reverse("study_session_evidence", args=[w.session_a1.pk]), {"unit_task": str(ut.pk)})
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_new_member_in_branch_joins_on_resave(world):
    w = world
    m = make_member(w.a1, "孙八")
    s = w.session_a1_next
    data = ss.SessionData(org=s.org, kind=s.kind, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at, campaign=s.campaign)
    ss.save_session(w.a1_secretary, data, s)
    assert s.attendances.filter(member=m).exists()
