"""API of check-in and the member's own study: check-in with a code (the caller only), my
sessions, leave, make-up, the live counts and the current code."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.models import ApiToken
from dangjian.study import attendance as sa
from dangjian.study.models import A, Attendance, LeaveStatus, StudySession
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db
CHECKIN = "/api/v1/study/checkin"


def post(client, path, body, **kw):
    return client.post(path, data=json.dumps(body), content_type="application/json", **kw)


def fields(r):
    return {e["field"] for e in r.json()["detail"]}


def test_check_in_with_token(client, world):
    w = world
    _, raw = ApiToken.issue(w.member_user)
    auth = {"Authorization": f"Bearer {raw}"}
    r = post(client, CHECKIN, {"token": sa.qr_token(w.session_a1)}, headers=auth)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["created"] and body["member_name"] == "张三" and body["status"] == "present"
    assert body["status_label"] == "出席" and body["method"] == "qr" and body["session"] == w.session_a1.pk
    r = post(client, CHECKIN, {"token": sa.qr_token(w.session_a1)}, headers=auth)
    assert r.status_code == 200 and not r.json()["created"]
    assert Attendance.objects.get(pk=w.att_a1.pk).history.count() == 1


def test_check_in_query_count(client, world):
    w = world
    _, raw = ApiToken.issue(w.member_user)
    ApiToken.objects.update(last_used_at=timezone.now())
    token = sa.qr_token(w.session_a1)
    with CaptureQueriesContext(connection) as ctx:
        r = post(client, CHECKIN, {"token": token}, headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 201
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    # token + user, the session, one UPDATE … RETURNING, the history row
    assert len(sql) <= 4, "\n".join(sql)


@pytest.mark.parametrize("body,field", [
    ({"token": "1.2.3"}, "token"),
    ({"token": ""}, "token"),
    ({"token": "x" * 65}, "token"),
    ({}, "token"),
    ({"token": "@", "member": 1}, "member"),
    ({"token": "@", "member_id": 1}, "member_id"),
])
def test_check_in_bad_input(client, world, login, body, field):
    w = world
    if body.get("token") == "@":
        body["token"] = sa.qr_token(w.session_a1)
    c = login(w.member_user)
    r = post(c, CHECKIN, body)
    assert r.status_code == 422 and field in fields(r), r.json()
    assert not Attendance.objects.filter(status=A.PRESENT).exists()


def test_check_in_refusals_name_the_field(client, world, login):
    w = world
    c = login(w.member_user)
    old = sa.qr_token(w.session_a1, timezone.now() - dt.timedelta(minutes=5))
    cases = [(old, "token", "过期"), (sa.qr_token(w.session_a1_next), "session", "签到尚未开始")]
    for token, field, text in cases:
        r = post(c, CHECKIN, {"token": token})
        assert r.status_code == 422 and field in fields(r) and text in r.json()["detail"][0]["message"]
    r = post(c, CHECKIN, {"token": sa.qr_token(w.session_b1)})
    assert r.status_code == 403 and "参加范围" in r.json()["detail"]
    r = post(login(w.a1_secretary), CHECKIN, {"token": sa.qr_token(w.session_a1)})
    assert r.status_code == 403 and "未关联党员" in r.json()["detail"]
    assert not Attendance.objects.filter(status=A.PRESENT).exists()
    assert not Attendance.objects.filter(session=w.session_b1, member=w.m_a1).exists()


def test_my_attendance_list(client, world, login):
    w = world
    c = login(w.member_user)
    r = c.get("/api/v1/study/me/attendance")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2 and {i["session"] for i in body["items"]} == {w.session_a1.pk, w.session_a1_next.pk}
    nxt = next(i for i in body["items"] if i["session"] == w.session_a1_next.pk)
    assert nxt["may_request_leave"] and nxt["status_label"] == "待签到" and nxt["org"] == "UA01"
    up = c.get("/api/v1/study/me/attendance", {"when": "past"}).json()
    assert up["count"] == 0
    assert c.get("/api/v1/study/me/attendance", {"when": "soon"}).status_code == 422
    # Constant queries whatever the number of sessions.
    with CaptureQueriesContext(connection) as small:
        c.get("/api/v1/study/me/attendance")
    from dangjian.study import sessions as ss

    for i in range(8):
        start = timezone.now() - dt.timedelta(days=i + 1)
        ss.save_session(w.a1_secretary, ss.SessionData(org=w.a1, kind="branch_study", title=f"学习{i}", starts_at=start,
                                                       ends_at=start + dt.timedelta(hours=1)))
    with CaptureQueriesContext(connection) as big:
        body = c.get("/api/v1/study/me/attendance").json()
    assert body["count"] == 10 and len(big.captured_queries) == len(small.captured_queries)
    # Not a member: 403.
    assert login(w.a1_secretary).get("/api/v1/study/me/attendance").status_code == 403


def test_leave_and_makeup(client, world, login):
    w = world
    c = login(w.member_user)
    url = f"/api/v1/study/me/attendance/{w.att_a1_next.pk}/leave"
    r = post(c, url, {"reason": ""})
    assert r.status_code == 422 and fields(r) == {"reason"}
    r = post(c, url, {"reason": "出差", "member": w.m_a1b.pk})
    assert r.status_code == 422 and "member" in fields(r)
    r = post(c, url, {"reason": "出差"})
    assert r.status_code == 200 and r.json()["leave_status"] == "pending" and r.json()["leave_status_label"] == "待审批"
    # After the start: refused, nothing changed.
    r = post(c, f"/api/v1/study/me/attendance/{w.att_a1.pk}/leave", {"reason": "临时有事"})
    assert r.status_code == 422 and fields(r) == {"session"}
    assert Attendance.objects.get(pk=w.att_a1.pk).leave_status == ""
    # Make-up: only for an absence or leave.
    mk = f"/api/v1/study/me/attendance/{w.att_a1.pk}/makeup"
    r = post(c, mk, {"note": "自学"})
    assert r.status_code == 422 and fields(r) == {"status"}
    yesterday = timezone.now() - dt.timedelta(days=1)
    StudySession.objects.filter(pk=w.session_a1.pk).update(starts_at=yesterday, ends_at=yesterday + dt.timedelta(hours=1))
    sa.close_ended_sessions()
    r = post(c, mk, {"note": " "})
    assert r.status_code == 422 and fields(r) == {"note"}
    r = post(c, mk, {"note": "自学党章"})
    assert r.status_code == 200 and r.json()["status"] == "makeup" and not r.json()["may_makeup"]
    assert Attendance.objects.get(pk=w.att_a1.pk).leave_status == ""


def test_someone_elses_row_is_404(client, world, login):
    w = world
    other = w.session_a1_next.attendances.get(member=w.m_a1b)
    for user in (w.member_user, w.a1_secretary):
        r = post(login(user), f"/api/v1/study/me/attendance/{other.pk}/leave", {"reason": "代请假"})
        assert r.status_code == 404
    assert Attendance.objects.get(pk=other.pk).leave_status == LeaveStatus.NONE


def test_live_counts_and_qr(client, world, login):
    w = world
    sa.check_in_member(w.a1_secretary, w.session_a1, w.m_a1)
    c = login(w.ua_liaison)
    r = c.get(f"/api/v1/study/sessions/{w.session_a1.pk}/live")
    assert r.json() == {"session": w.session_a1.pk, "expected": 2, "present": 1, "late": 1, "leave": 0,
                        "leave_pending": 0, "waiting": 1, "absent": 0, "makeup": 0}
    assert login(w.guide).get(f"/api/v1/study/sessions/{w.session_a1.pk}/live").status_code == 404
    assert login(w.member_user).get(f"/api/v1/study/sessions/{w.session_a1.pk}/live").status_code == 404
    r = login(w.a1_secretary).get(f"/api/v1/study/sessions/{w.session_a1.pk}/qr")
    body = r.json()
    assert r.status_code == 200 and body["open"] and body["rotate_seconds"] == sa.ROTATE_SECONDS
    assert sa.read_token(body["token"]) == w.session_a1
    assert body["url"].startswith("http://testserver/study/me/checkin/") and body["url"].endswith(body["token"])
    assert login(w.guide).get(f"/api/v1/study/sessions/{w.session_b1.pk}/qr").status_code == 403
    assert login(w.member_user).get(f"/api/v1/study/sessions/{w.session_a1.pk}/qr").status_code == 404


def test_new_member_api_check_in(client, world):
    w = world
    new = make_member(w.a1, "孙八", user=make_user("sun_ba"))
    _, raw = ApiToken.issue(new.user)
    r = post(client, CHECKIN, {"token": sa.qr_token(w.session_a1)}, headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 201 and r.json()["member_name"] == "孙八"
