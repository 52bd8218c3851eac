"""Check-in by rotating QR code, by the secretary; leave and make-up; closing ended sessions; the
member's pages and the check-in screens."""
import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.study import attendance as sa
from dangjian.study.models import A, Attendance, LeaveStatus
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db


def state(att):
    """What a refused operation must leave unchanged: the row and its history."""
    att = Attendance.objects.get(pk=att.pk)
    return (att.status, att.checked_in_at, att.late, att.method, att.leave_status, att.leave_reason,
            att.makeup_note, att.history.count())


def refused(fn, *args, reason=None, **kw):
    with pytest.raises(sa.CheckinRefused) as exc:
        fn(*args, **kw)
    if reason:
        assert exc.value.reason == reason, exc.value.message_dict
    return exc.value


# ------------------------------------------------------------------------------ tokens
def test_token_checks_in_the_logged_in_member_once(world):
    w = world
    before = w.att_a1.history.count()
    r = sa.check_in_by_code(w.member_user, sa.qr_token(w.session_a1))
    assert r.created and r.attendance.pk == w.att_a1.pk
    att = Attendance.objects.get(pk=w.att_a1.pk)
    assert att.status == A.PRESENT and att.method == "qr" and att.checked_in_at and att.recorded_by == w.member_user
    assert att.history.count() == before + 1
    # Again (a second scan): nothing changes.
    r2 = sa.check_in_by_code(w.member_user, sa.qr_token(w.session_a1))
    assert not r2.created and r2.attendance.checked_in_at == att.checked_in_at
    assert att.history.count() == before + 1
    # 李四 was not touched.
    assert Attendance.objects.get(session=w.session_a1, member=w.m_a1b).status == A.EXPECTED


def test_expired_token_refused(world):
    w = world
    now = timezone.now()
    old = sa.qr_token(w.session_a1, now - dt.timedelta(seconds=2 * sa.ROTATE_SECONDS + 1))
    before = state(w.att_a1)
    e = refused(sa.check_in_by_code, w.member_user, old, now, reason="expired")
    assert "token" in e.message_dict and "过期" in e.message_dict["token"][0]
    assert state(w.att_a1) == before
    # The previous step is still honoured (a code scanned just before it rotated).
    prev = sa.qr_token(w.session_a1, now - dt.timedelta(seconds=sa.ROTATE_SECONDS))
    assert sa.check_in_by_code(w.member_user, prev, now).created


def test_token_replayed_by_another_member_after_rotation(world):
    """张三 scans, forwards the link; 李四 (not in the room) opens it after two rotations."""
    w = world
    li = make_user("li_si")
    w.m_a1b.user = li
    w.m_a1b.save()
    t0 = timezone.now()
    token = sa.qr_token(w.session_a1, t0)
    assert sa.check_in_by_code(w.member_user, token, t0).created
    att_li = Attendance.objects.get(session=w.session_a1, member=w.m_a1b)
    before = state(att_li)
    refused(sa.check_in_by_code, li, token, t0 + dt.timedelta(seconds=2 * sa.ROTATE_SECONDS), reason="expired")
    assert state(att_li) == before
    # And a code never checks in anyone but the caller: 张三's repeat leaves 李四 alone.
    sa.check_in_by_code(w.member_user, sa.qr_token(w.session_a1))
    assert state(att_li) == before


def test_forged_and_malformed_tokens_refused(world):
    w = world
    good = sa.qr_token(w.session_a1)
    pk, step, sig = good.split(".")
    before = state(w.att_a1)
    forged = [
        f"{pk}.{step}.{'0' * len(sig)}",  # bad signature
        f"{pk}.{int(step) + 1}.{sig}",  # the signature of another step
        f"{w.session_b1.pk}.{step}.{sig}",  # another session's number on this code
        f"{pk}.{step}.{sa._sign(w.session_b1, int(step))}",  # signed with another session's secret
        "", "abc", "1.2", "1.2.3.4", f"{pk}.-{step}.{sig}", "x" * 500, None, 12,
    ]
    for token in forged:
        refused(sa.check_in_by_code, w.member_user, token, reason="invalid")
    assert state(w.att_a1) == before


def test_code_of_another_session_refused_on_this_session_page(world):
    w = world
    w.m_b1.user = make_user("zhao_liu")
    w.m_b1.save()
    before = state(w.att_b1)
    refused(sa.check_in_by_code, w.m_b1.user, sa.qr_token(w.session_a1), session=w.session_b1, reason="wrong_session")
    assert state(w.att_b1) == before


def test_window(world):
    w = world
    s = w.session_a1_next  # in two days; opens 30 minutes before
    before = state(w.att_a1_next)
    e = refused(sa.check_in_by_code, w.member_user, sa.qr_token(s), reason="window")
    assert "签到尚未开始" in e.message_dict["session"][0]
    opens = s.starts_at - dt.timedelta(minutes=s.checkin_opens_minutes)
    refused(sa.check_in_by_code, w.member_user, sa.qr_token(s, opens - dt.timedelta(seconds=1)),
            opens - dt.timedelta(seconds=1), reason="window")
    assert state(w.att_a1_next) == before
    r = sa.check_in_by_code(w.member_user, sa.qr_token(s, opens), opens)
    assert r.created and not r.late  # early is not late
    # After the end: refused.
    after = s.ends_at + dt.timedelta(seconds=1)
    att = w.session_a1.attendances.get(member=w.m_a1)
    before = state(att)
    refused(sa.check_in_by_code, w.member_user, sa.qr_token(w.session_a1, w.session_a1.ends_at + dt.timedelta(seconds=1)),
            w.session_a1.ends_at + dt.timedelta(seconds=1), reason="window")
    assert state(att) == before
    del after


def test_cancelled_session_refused(world):
    w = world
    from dangjian.study.sessions import cancel_session

    cancel_session(w.a1_secretary, w.session_a1)
    before = state(w.att_a1)
    e = refused(sa.check_in_by_code, w.member_user, sa.qr_token(w.session_a1), reason="cancelled")
    assert "取消" in e.message_dict["session"][0]
    refused(sa.check_in_member, w.a1_secretary, w.session_a1, w.m_a1, reason="cancelled")
    assert state(w.att_a1) == before


def test_not_expected_and_no_member_refused(world):
    w = world
    # 张三 scans UB01's code: he is not a member of its orgs.
    before_b = [state(a) for a in w.session_b1.attendances.all()]
    e = refused(sa.check_in_by_code, w.member_user, sa.qr_token(w.session_b1), reason="not_expected")
    assert "不在本次学习会的参加范围内" in e.message_dict["member"][0]
    assert not w.session_b1.attendances.filter(member=w.m_a1).exists()
    assert [state(a) for a in w.session_b1.attendances.all()] == before_b
    # A role holder without a member record.
    n = Attendance.objects.count()
    refused(sa.check_in_by_code, w.a1_secretary, sa.qr_token(w.session_a1), reason="no_member")
    assert Attendance.objects.count() == n


def test_member_who_joined_since_is_added_on_check_in(world):
    w = world
    new = make_member(w.a1, "孙八", user=make_user("sun_ba"))
    r = sa.check_in_by_code(new.user, sa.qr_token(w.session_a1))
    assert r.created and r.attendance.member == new and r.attendance.org == w.a1
    assert r.attendance.history.count() == 1


def test_late_marked(world):
    w = world
    s = w.session_a1
    on_time = s.starts_at + dt.timedelta(minutes=s.late_after_minutes)
    assert not sa.check_in_by_code(w.member_user, sa.qr_token(s, on_time), on_time).late
    li = make_user("li_si")
    w.m_a1b.user = li
    w.m_a1b.save()
    later = on_time + dt.timedelta(seconds=1)
    r = sa.check_in_by_code(li, sa.qr_token(s, later), later)
    assert r.created and r.late and Attendance.objects.get(pk=r.attendance.pk).late
    assert sa.live(s)["late"] == 1 and sa.live(s)["present"] == 2


def test_secretary_check_in_and_scope(world):
    w = world
    r = sa.check_in_member(w.a1_secretary, w.session_a1, w.m_a1b)
    assert r.created and r.attendance.method == "secretary" and r.attendance.recorded_by == w.a1_secretary
    before = state(w.att_b1)
    with pytest.raises(PermissionDenied):
        sa.check_in_member(w.a1_secretary, w.session_b1, w.m_b1)
    with pytest.raises(PermissionDenied):
        sa.check_in_member(w.member_user, w.session_a1, w.m_a1)
    assert state(w.att_b1) == before


def test_check_in_query_count(world):
    """The usual QR check-in: the session, one UPDATE, the row read back, one history row."""
    w = world
    token = sa.qr_token(w.session_a1)
    w.member_user = type(w.member_user).objects.get(pk=w.member_user.pk)  # nothing cached
    with CaptureQueriesContext(connection) as ctx:
        assert sa.check_in_by_code(w.member_user, token).created
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    assert len(sql) <= 3, sql
    assert sum(s.startswith("UPDATE") for s in sql) == 1


# ---------------------------------------------------------------------- leave, make-up
def test_leave_request_and_decision(world):
    w = world
    att = w.att_a1_next
    sa.request_leave(w.member_user, att, "出差")
    att.refresh_from_db()
    assert att.leave_status == LeaveStatus.PENDING and att.status == A.EXPECTED
    with pytest.raises(ValidationError) as exc:
        sa.request_leave(w.member_user, att, "再次")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        sa.decide_leave(w.ub_admin, att, approve=True)
    sa.decide_leave(w.a1_secretary, att, approve=True)
    att.refresh_from_db()
    assert att.status == A.LEAVE and att.leave_status == LeaveStatus.APPROVED and att.leave_decided_by == w.a1_secretary
    assert sa.live(w.session_a1_next)["leave"] == 1


def test_leave_refused_after_start_and_for_others(world):
    w = world
    before = state(w.att_a1)
    with pytest.raises(ValidationError) as exc:
        sa.request_leave(w.member_user, w.att_a1, "临时有事")  # session_a1 started 10 minutes ago
    assert "session" in exc.value.message_dict and "已开始" in exc.value.message_dict["session"][0]
    assert state(w.att_a1) == before
    with pytest.raises(ValidationError) as exc:
        sa.request_leave(w.member_user, w.att_a1_next, "  ")
    assert "reason" in exc.value.message_dict
    other = w.session_a1_next.attendances.get(member=w.m_a1b)
    before = state(other)
    with pytest.raises(PermissionDenied):
        sa.request_leave(w.member_user, other, "代请假")
    assert state(other) == before


def test_makeup_closes_absence(world):
    w = world
    now = timezone.now()
    att = w.att_a1
    with pytest.raises(ValidationError) as exc:  # under way, not absent
        sa.record_makeup(w.member_user, att, "自学", now)
    assert "status" in exc.value.message_dict
    end = w.session_a1.ends_at + dt.timedelta(minutes=1)
    assert sa.close_ended_sessions(end) >= 2
    att.refresh_from_db()
    assert att.status == A.ABSENT
    with pytest.raises(ValidationError) as exc:
        sa.record_makeup(w.member_user, att, "   ", end)
    assert "note" in exc.value.message_dict
    sa.record_makeup(w.member_user, att, "学习了党章第一章并写了心得", end)
    att.refresh_from_db()
    assert att.status == A.MAKEUP and att.makeup_note and att.makeup_at == end
    assert sa.live(w.session_a1)["makeup"] == 1 and sa.live(w.session_a1)["absent"] == 1
    # A make-up is final: no check-in, no status change over it.
    before = state(att)
    assert not sa.check_in_member(w.a1_secretary, w.session_a1, w.m_a1, now=end).created
    with pytest.raises(ValidationError):
        sa.set_status(w.a1_secretary, att, A.ABSENT)
    assert state(att) == before


def test_makeup_only_by_the_member_or_who_runs_it(world):
    w = world
    end = w.session_b1.ends_at + dt.timedelta(minutes=1)
    sa.close_ended_sessions(end)
    att = Attendance.objects.get(pk=w.att_b1.pk)
    before = state(att)
    with pytest.raises(PermissionDenied):
        sa.record_makeup(w.member_user, att, "替别人补学", end)
    assert state(att) == before
    sa.record_makeup(w.ub_admin, att, "书记登记：已补学", end)
    assert Attendance.objects.get(pk=att.pk).status == A.MAKEUP


def test_close_ended_sessions(world):
    w = world
    sa.check_in_member(w.a1_secretary, w.session_a1, w.m_a1)
    li = w.session_a1.attendances.get(member=w.m_a1b)
    end = w.session_a1.ends_at + dt.timedelta(seconds=1)
    # Only ended sessions: a1 and b1 (started 10 minutes ago, 2 hours long), not a1_next.
    changed = sa.close_ended_sessions(end)
    assert changed == 3  # 李四 in a1; 赵六 and 钱七 in b1
    li.refresh_from_db()
    assert li.status == A.ABSENT and li.history.latest().history_change_reason.startswith("学习会结束")
    assert Attendance.objects.get(pk=w.att_a1.pk).status == A.PRESENT
    assert Attendance.objects.get(pk=w.att_a1_next.pk).status == A.EXPECTED
    assert sa.close_ended_sessions(end) == 0  # idempotent
    # Cancelled sessions are not closed into absences.
    from dangjian.study.sessions import cancel_session

    cancel_session(w.a1_secretary, w.session_a1_next)
    assert sa.close_ended_sessions(w.session_a1_next.ends_at + dt.timedelta(seconds=1)) == 0


# ---------------------------------------------------------------------------- pages
def test_scan_page_get_and_post(world, login):
    w = world
    c = login(w.member_user)
    token = sa.qr_token(w.session_a1)
    url = reverse("checkin_scan", args=[w.session_a1.pk]) + "?t=" + token
    r = c.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert w.session_a1.title in html and "m-checkin-btn" in html and f'value="{token}"' in html
    assert Attendance.objects.get(pk=w.att_a1.pk).status == A.EXPECTED  # GET changes nothing
    r = c.post(reverse("checkin_scan", args=[w.session_a1.pk]), {"t": token})
    assert r.status_code == 200 and "签到成功" in r.content.decode()
    assert Attendance.objects.get(pk=w.att_a1.pk).status == A.PRESENT
    r = c.post(reverse("checkin_scan", args=[w.session_a1.pk]), {"t": token})
    assert "已签到" in r.content.decode() and "签到成功" not in r.content.decode()
    assert "已签到" in c.get(url).content.decode()


@pytest.mark.parametrize("case,reason,title", [
    ("expired", "expired", "签到码已过期"),
    ("forged", "invalid", "签到码无效"),
    ("other_session", "wrong_session", "签到码不属于本次学习会"),
    ("not_expected", "not_expected", "不在参加范围内"),
    ("window", "window", "不在签到时间内"),
])
def test_scan_page_refusals(world, login, case, reason, title):
    w = world
    session, token = w.session_a1, sa.qr_token(w.session_a1)
    if case == "expired":
        token = sa.qr_token(session, timezone.now() - dt.timedelta(minutes=2))
    elif case == "forged":
        token = token[:-4] + "0000"
    elif case == "other_session":
        token = sa.qr_token(w.session_b1)
    elif case == "not_expected":
        session, token = w.session_b1, sa.qr_token(w.session_b1)
    elif case == "window":
        session, token = w.session_a1_next, sa.qr_token(w.session_a1_next)
    c = login(w.member_user)
    n = Attendance.objects.filter(status=A.PRESENT).count()
    for r in (c.get(reverse("checkin_scan", args=[session.pk]), {"t": token}),
              c.post(reverse("checkin_scan", args=[session.pk]), {"t": token})):
        html = r.content.decode()
        assert f'data-reason="{reason}"' in html and title in html, html
        assert "m-checkin-btn" not in html
        assert r.status_code == (403 if reason == "not_expected" else 200)
    if reason in ("expired", "invalid", "wrong_session"):
        assert session.title not in html  # no valid code: nothing about the session
    assert Attendance.objects.filter(status=A.PRESENT).count() == n


def test_scan_page_needs_login_and_returns_to_it(client, world):
    w = world
    url = reverse("checkin_scan", args=[w.session_a1.pk]) + "?t=" + sa.qr_token(w.session_a1)
    r = client.get(url)
    assert r.status_code == 302 and "/login/" in r["Location"]
    from urllib.parse import unquote

    assert unquote(r["Location"]).endswith("next=" + url)


def test_qr_screen_shows_a_code_that_checks_in(world, login, client):
    w = world
    c = login(w.a1_secretary)
    r = c.get(reverse("checkin_qr_screen", args=[w.session_a1.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<svg" in html and w.session_a1.title in html and "hx-trigger=\"every" in html
    scan_url = re.search(r'data-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert scan_url.startswith("http://testserver/study/me/checkin/")
    # The fragment alone under htmx.
    frag = c.get(reverse("checkin_qr_screen", args=[w.session_a1.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert frag.lstrip().startswith("<section id=\"qr-panel\"") and "<html" not in frag
    # The member opens the link and checks in.
    c.logout()
    c = login(w.member_user)
    path = scan_url.removeprefix("http://testserver")
    assert c.get(path).status_code == 200
    token = path.split("t=")[1]
    c.post(path.split("?")[0], {"t": token})
    assert Attendance.objects.get(pk=w.att_a1.pk).status == A.PRESENT


def test_qr_screen_only_for_who_runs_the_session(world, login):
    w = world
    assert login(w.guide).get(reverse("checkin_qr_screen", args=[w.session_b1.pk])).status_code == 403
    assert login(w.member_user).get(reverse("checkin_qr_screen", args=[w.session_a1.pk])).status_code == 404
    assert login(w.a1_secretary).get(reverse("checkin_qr_screen", args=[w.session_b1.pk])).status_code == 404


def test_live_view_lists_arrivals(world, login, django_assert_max_num_queries):
    w = world
    sa.check_in_by_code(w.member_user, sa.qr_token(w.session_a1))
    c = login(w.ua_liaison)
    url = reverse("attendance_live", args=[w.session_a1.pk])
    r = c.get(url)
    html = r.content.decode()
    arrived = html.split('id="arrived"')[1].split("</section>")[0]
    waiting = html.split('id="waiting"')[1].split("</section>")[0]
    assert "张三" in arrived and "李四" not in arrived and "李四" in waiting
    assert 'data-count="present">1<' in html and 'data-count="waiting">1<' in html
    # Constant queries, however many attend.
    for i in range(15):
        make_member(w.a1, f"新党员{i}")
    from dangjian.study.sessions import sync_attendance

    sync_attendance(w.session_a1)
    with CaptureQueriesContext(connection) as small:
        c.get(url, HTTP_HX_REQUEST="true")
    for a in w.session_a1.attendances.filter(status=A.EXPECTED)[:10]:
        sa.check_in_member(w.a1_secretary, w.session_a1, a.member)
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get(url, HTTP_HX_REQUEST="true")
    assert r.content.decode().count("data-member=") == 11
    # A member sees their own session but not the live view of everyone.
    assert login(w.member_user).get(url).status_code == 404


def test_my_study_page(world, login):
    w = world
    c = login(w.member_user)
    r = c.get(reverse("my_study"))
    html = r.content.decode()
    assert r.status_code == 200
    assert w.session_a1.title in html and w.session_a1_next.title in html and w.session_b1.title not in html
    assert reverse("my_study_leave", args=[w.att_a1_next.pk]) in html
    assert reverse("my_study_leave", args=[w.att_a1.pk]) not in html  # under way: no leave
    assert login(w.a1_secretary).get(reverse("my_study")).status_code == 403


def test_leave_page(world, login):
    w = world
    c = login(w.member_user)
    url = reverse("my_study_leave", args=[w.att_a1_next.pk])
    assert c.get(url).status_code == 200
    r = c.post(url, {"reason": ""})
    assert r.status_code == 200 and 'data-field="reason"' in r.content.decode()
    assert Attendance.objects.get(pk=w.att_a1_next.pk).leave_status == ""
    r = c.post(url, {"reason": "出差"})
    assert r.status_code == 302
    assert Attendance.objects.get(pk=w.att_a1_next.pk).leave_status == LeaveStatus.PENDING
    # After the start: refused, field named, nothing changed.
    before = state(w.att_a1)
    r = c.post(reverse("my_study_leave", args=[w.att_a1.pk]), {"reason": "临时有事"})
    assert 'data-field="session"' in r.content.decode() and state(w.att_a1) == before
    # Someone else's row: 404, even for the secretary who sees it.
    assert login(w.a1_secretary).post(url, {"reason": "x"}).status_code == 404


def test_makeup_page(world, login):
    w = world
    from dangjian.study.models import StudySession

    yesterday = timezone.now() - dt.timedelta(days=1)
    StudySession.objects.filter(pk=w.session_a1.pk).update(starts_at=yesterday, ends_at=yesterday + dt.timedelta(hours=2))
    assert sa.close_ended_sessions() >= 2
    c = login(w.member_user)
    html = c.get(reverse("my_study")).content.decode()
    url = reverse("my_study_makeup", args=[w.att_a1.pk])
    assert url in html and "需要补学" in html
    r = c.post(url, {"note": ""})
    assert 'data-field="note"' in r.content.decode()
    assert Attendance.objects.get(pk=w.att_a1.pk).status == A.ABSENT
    assert c.post(url, {"note": "自学党章"}).status_code == 302
    assert Attendance.objects.get(pk=w.att_a1.pk).status == A.MAKEUP
