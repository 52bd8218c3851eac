"""API of check-in and the member's own study. The member's operations never take a member
id: the member is always the caller's own record (a body naming anyone else is refused).

- POST /study/checkin: check in with the scanned code (201; 200 when already checked in).
- GET /study/me/attendance, POST …/{id}/leave, POST …/{id}/makeup: my sessions, leave, make-up.
- GET /study/sessions/{id}/live: the live counts (VIEW on the session).
- GET /study/sessions/{id}/qr: the current code (whoever runs the session)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from dangjian.core.api import BODY_PARAM, ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, get_in_scope, restrict
from dangjian.study import attendance as sa
from dangjian.study.models import A, Attendance, LeaveStatus, StudySession
from dangjian.study.schemas_member import (
    CheckinIn,
    CheckinOut,
    LeaveIn,
    LiveOut,
    MakeupIn,
    MyAttendanceFilters,
    MyAttendanceOut,
    MyAttendancePage,
    QrOut,
)
from dangjian.study.sessions import may_run, own_member

router = Router(tags=["理论学习 · 签到与我的学习"])
assert BODY_PARAM == "payload"


def _checkin_out(result: sa.CheckinResult, session: StudySession) -> dict:
    att = result.attendance
    return {
        "created": result.created, "session": session.pk, "session_title": session.title,
        "member_name": getattr(att, "member_name", None) or att.member.name, "status": att.status, "status_label": att.get_status_display(),
        "checked_in_at": att.checked_in_at, "late": att.late, "method": att.method,
        "method_label": att.get_method_display() if att.method else "",
    }


@router.post("/study/checkin", response={201: CheckinOut, 200: CheckinOut, **ERRORS}, summary="扫码签到（本人）")
def check_in(request, payload: CheckinIn):
    """Check the caller in to the session the code belongs to. 201: checked in now (late
    marked); 200: already checked in, nothing changed. 422 names the field: `token` (invalid,
    expired, of another session), `session` (cancelled, outside the window). 403: the account
    has no member record, or the member is not expected at the session."""
    try:
        result = sa.check_in_by_code(request.auth, payload.token)
    except sa.CheckinRefused as exc:
        if exc.reason in ("no_member", "not_expected"):  # not bad input: the caller may not
            raise PermissionDenied(exc.message_dict["member"][0]) from None
        raise
    session = result.attendance.session
    return Status(201 if result.created else 200, _checkin_out(result, session))


def _my_rows(user):
    return (restrict(Attendance.objects.all(), user, Perm.VIEW).filter(member__user=user)
            .select_related("session", "session__org"))


def _my_out(att: Attendance, now) -> dict:
    s = att.session
    return {
        "id": att.pk, "session": s.pk, "session_title": s.title, "session_kind": s.kind,
        "session_kind_label": s.get_kind_display(), "org": s.org.code, "org_name": s.org.name,
        "starts_at": s.starts_at, "ends_at": s.ends_at, "place": s.place, "cancelled": s.cancelled,
        "status": att.status, "status_label": att.get_status_display(), "checked_in_at": att.checked_in_at,
        "late": att.late, "leave_status": att.leave_status, "leave_status_label": att.get_leave_status_display() if att.leave_status else "",
        "leave_reason": att.leave_reason, "makeup_note": att.makeup_note, "makeup_at": att.makeup_at,
        "may_request_leave": (not s.cancelled and now < s.starts_at and att.status == A.EXPECTED
                              and att.leave_status != LeaveStatus.PENDING),
        "may_makeup": not s.cancelled and sa.may_makeup(att, now),
    }


def _require_member(user):
    if own_member(user) is None:
        raise PermissionDenied("当前账号未关联党员信息")


@router.get("/study/me/attendance", response={200: MyAttendancePage, 403: ERRORS[403], **READ_ERRORS}, summary="我的学习会与考勤")
def my_attendance(request, filters: Query[MyAttendanceFilters]):
    """The caller's own sessions with their attendance, newest first (`when=upcoming`: not yet
    ended, soonest first). 403 for an account without a member record."""
    user = request.auth
    _require_member(user)
    now = timezone.now()
    qs = _my_rows(user)
    if filters.when == "upcoming":
        qs = qs.filter(session__ends_at__gte=now).order_by("session__starts_at", "pk")
    elif filters.when == "past":
        qs = qs.filter(session__ends_at__lt=now).order_by("-session__starts_at", "-pk")
    else:
        qs = qs.order_by("-session__starts_at", "-pk")
    result = page(qs, filters)
    result["items"] = [_my_out(a, now) for a in result["items"]]
    return result


def _mine(user, attendance_id: int) -> Attendance:
    return get_in_scope(_my_rows(user).select_related("member"), user, Perm.VIEW, pk=attendance_id)


@router.post("/study/me/attendance/{attendance_id}/leave", response={200: MyAttendanceOut, **ERRORS}, summary="请假（本人）")
def request_leave(request, attendance_id: int, payload: LeaveIn):
    """Ask for leave from one of my sessions before it starts. 422: `session` (already
    started), `reason` (empty, or a request is already waiting), `status` (not expected)."""
    att = _mine(request.auth, attendance_id)
    sa.request_leave(request.auth, att, payload.reason)
    return _my_out(att, timezone.now())


@router.post("/study/me/attendance/{attendance_id}/makeup", response={200: MyAttendanceOut, **ERRORS}, summary="登记补学（本人）")
def record_makeup(request, attendance_id: int, payload: MakeupIn):
    """Record make-up study for a session I missed or took leave from; the attendance becomes
    补学. 422: `status` (nothing to make up), `note` (empty)."""
    att = _mine(request.auth, attendance_id)
    sa.record_makeup(request.auth, att, payload.note)
    return _my_out(att, timezone.now())


def _session(user, session_id: int) -> StudySession:
    return get_in_scope(StudySession.objects.select_related("org"), user, Perm.VIEW, pk=session_id)


@router.get("/study/sessions/{session_id}/live", response={200: LiveOut, **READ_ERRORS}, summary="签到实时统计")
def live_counts(request, session_id: int):
    """Counts of a session's attendance now (one query)."""
    session = _session(request.auth, session_id)
    return {"session": session.pk, **sa.live(session)}


@router.get("/study/sessions/{session_id}/qr", response={200: QrOut, 403: ERRORS[403], **READ_ERRORS}, summary="当前签到码")
def current_qr(request, session_id: int):
    """The code to show now, for a screen of one's own (whoever runs the session: 403
    otherwise). The link opens the member's check-in page."""
    session = _session(request.auth, session_id)
    if not may_run(request.auth, session):
        raise PermissionDenied("只有主办组织的书记、联络员或管理员可以获取签到码")
    now = timezone.now()
    token = sa.qr_token(session, now)
    opens, closes = sa.checkin_window(session)
    url = request.build_absolute_uri(reverse("checkin_scan", args=[session.pk]) + "?t=" + token)
    return {"session": session.pk, "token": token, "url": url, "rotate_seconds": sa.ROTATE_SECONDS,
            "seconds_left": sa.qr_seconds_left(now), "open": not session.cancelled and opens <= now <= closes,
            "opens_at": opens, "closes_at": closes}
