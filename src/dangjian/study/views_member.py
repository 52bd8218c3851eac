"""The member's pages on a phone (check-in, 我的学习, leave, make-up) and the check-in screens of
whoever runs a session (the rotating QR code, the live view). Thin: every change goes through
study.attendance; every record is looked up through core.scoping."""
from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from dangjian.core.scoping import Perm, get_in_scope, restrict
from dangjian.study import attendance as sa
from dangjian.study.models import A, Attendance, LeaveStatus, StudySession
from dangjian.study.sessions import expected_members, may_run, own_member

LIVE_POLL_SECONDS = 4
QR_POLL_SECONDS = 5  # well inside the 20 s step: a shown code is always honoured for ≥ 15 s


# ----------------------------------------------------------------------------- lookups
def _member_or_403(user):
    member = own_member(user)
    if member is None:
        raise PermissionDenied("当前账号未关联党员信息")
    return member


def _session_in_scope(user, pk: int) -> StudySession:
    """A session the user sees through their roles (not merely as an attendee): 404 otherwise."""
    return get_in_scope(StudySession.objects.select_related("org"), user, Perm.VIEW, pk=pk)


def _my_attendance(user, pk: int) -> Attendance:
    """The user's own attendance row: 404 for anybody else's, whoever sees it."""
    return get_in_scope(Attendance.objects.select_related("session", "session__org", "member"),
                        user, Perm.VIEW, pk=pk, member__user=user)


def _phone(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"phone_page": True, **context}, status=status)


# ---------------------------------------------------------------------------- QR screen
def _scan_url(request, session: StudySession, token: str) -> str:
    return request.build_absolute_uri(reverse("checkin_scan", args=[session.pk]) + "?t=" + token)


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True, svgclass="qr-svg",
                                                 title="签到二维码")


@never_cache
@login_required
def checkin_qr_screen(request, pk: int):
    """The big screen in the room: the rotating QR code, the session and the live counts.
    Polled by htmx every few seconds (the fragment only); a code is honoured for its own
    20-second step and the next."""
    session = _session_in_scope(request.user, pk)
    if not may_run(request.user, session):
        raise PermissionDenied("只有主办组织的书记、联络员或管理员可以展示签到码")
    now = timezone.now()
    token = sa.qr_token(session, now)
    url = _scan_url(request, session, token)
    opens, closes = sa.checkin_window(session)
    context = {
        "session": session, "token": token, "scan_url": url, "qr": _qr_svg(url),
        "counts": sa.live(session), "poll": QR_POLL_SECONDS, "now": now,
        "open": not session.cancelled and opens <= now <= closes, "opens": opens, "closes": closes,
        "seconds_left": sa.qr_seconds_left(now), "rotate": sa.ROTATE_SECONDS,
    }
    if request.htmx:
        return render(request, "study/checkin/_qr.html", context)
    return render(request, "study/checkin/qr_screen.html", context)


@never_cache
@login_required
def attendance_live(request, pk: int):
    """Who has arrived (and when, late or not), who is on leave, who has not yet arrived."""
    session = _session_in_scope(request.user, pk)
    context = {
        "session": session, "counts": sa.live(session), "rows": sa.live_rows(session),
        "poll": LIVE_POLL_SECONDS, "may_run": may_run(request.user, session), "now": timezone.now(),
    }
    if request.htmx:
        return render(request, "study/checkin/_live.html", context)
    return render(request, "study/checkin/live.html", context)


# ------------------------------------------------------------------------ member check-in
REFUSAL_TITLES = {
    "expired": "签到码已过期",
    "invalid": "签到码无效",
    "wrong_session": "签到码不属于本次学习会",
    "window": "不在签到时间内",
    "cancelled": "学习会已取消",
    "not_expected": "不在参加范围内",
    "no_member": "无法签到",
}


@never_cache
@login_required
def checkin_scan(request, pk: int):
    """What a member's phone opens from the QR code: the session and a big 签到 button (GET);
    the check-in itself (POST). The member is always the logged-in user."""
    token = (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    now = timezone.now()
    context: dict = {"token": token, "pk": pk, "my_study_url": reverse("my_study")}
    session = StudySession.objects.select_related("org").filter(pk=pk).first()
    if session is None:
        raise Http404
    mine = Attendance.objects.filter(session=session, member__user=request.user).first()
    if mine is not None and mine.checked_in_at is not None:
        # Scanned again (or an old link opened): already checked in, nothing to change.
        return _phone(request, "study/member/checkin.html", {**context, "session": session, "mine": mine})
    try:
        sa.read_token(token, now, session)
        context["session"] = session
        if request.method == "POST":
            result = sa.check_in_by_code(request.user, token, now, session=session)
            context["result"] = result
            return _phone(request, "study/member/checkin.html", context)
        context["mine"] = mine
        sa.require_window(session, now)
        member = own_member(request.user)
        if member is None:
            raise sa.CheckinRefused({"member": "当前账号未关联党员信息，不能扫码签到"}, code="no_member")
        if mine is None and not expected_members(session).filter(pk=member.pk).exists():
            raise sa.CheckinRefused({"member": "您不在本次学习会的参加范围内，请向支部书记确认"}, code="not_expected")
    except sa.CheckinRefused as exc:
        context["refusal"] = REFUSAL_TITLES.get(exc.reason, "无法签到")
        context["refusal_detail"] = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
        context["reason"] = exc.reason
        if exc.reason in ("expired", "invalid", "wrong_session"):
            context.pop("session", None)  # no valid code: say nothing about the session
        status = 403 if exc.reason in ("not_expected", "no_member") else 200
        return _phone(request, "study/member/checkin.html", context, status=status)
    return _phone(request, "study/member/checkin.html", context)


# ------------------------------------------------------------------------------ my study
@login_required
def my_study(request):
    """The member's sessions: coming up (with leave) and past (with make-up), my status."""
    member = _member_or_403(request.user)
    now = timezone.now()
    rows = list(restrict(Attendance.objects.all(), request.user, Perm.VIEW)
                .filter(member=member).select_related("session", "session__org")
                .order_by("-session__starts_at", "-pk")[:200])
    upcoming = sorted((a for a in rows if a.session.ends_at >= now), key=lambda a: a.session.starts_at)
    past = [a for a in rows if a.session.ends_at < now]
    for att in rows:
        att.can_leave = (not att.session.cancelled and now < att.session.starts_at and att.status == A.EXPECTED
                         and att.leave_status != LeaveStatus.PENDING)
        att.can_makeup = not att.session.cancelled and now >= att.session.starts_at and sa.may_makeup(att, now)
        att.under_way = att.session.starts_at - dt.timedelta(minutes=att.session.checkin_opens_minutes) <= now <= att.session.ends_at
    todo = [a for a in past if a.can_makeup]
    return _phone(request, "study/member/my_study.html", {
        "member": member, "upcoming": upcoming, "past": past, "todo": todo, "now": now,
    })


@login_required
def my_study_leave(request, pk: int):
    """Ask for leave from a session that has not started yet (GET: the form)."""
    att = _my_attendance(request.user, pk)
    errors: dict = {}
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            sa.request_leave(request.user, att, reason)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "请假申请已提交，等待书记审批")
            return redirect("my_study")
    closed = timezone.now() >= att.session.starts_at
    return _phone(request, "study/member/leave.html", {"att": att, "errors": errors, "reason": reason, "closed": closed})


@login_required
def my_study_makeup(request, pk: int):
    """Record make-up study (补学) for a session missed or taken leave from."""
    att = _my_attendance(request.user, pk)
    errors: dict = {}
    note = ""
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            sa.record_makeup(request.user, att, note)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "补学已登记")
            return redirect("my_study")
    return _phone(request, "study/member/makeup.html", {"att": att, "errors": errors, "note": note,
                                                        "allowed": sa.may_makeup(att)})
