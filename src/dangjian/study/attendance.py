"""Attendance: check-in by rotating QR code, by the secretary or through the API; leave with
approval; make-up study; closing ended sessions; the live counts.

A check-in is one conditional UPDATE of the attendee's row, so a member checks in at most once
however many requests race.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can_on
from dangjian.orgs.models import Member
from dangjian.study.models import A, Attendance, CheckinMethod, LeaveStatus, StudySession
from dangjian.study.sessions import _refuse, expected_members, may_run, own_member, who

# QR codes rotate every ROTATE_SECONDS; a code is honoured for its own step and the one after,
# so a scanned code lives at most 2 × ROTATE_SECONDS.
ROTATE_SECONDS = 20


# ---------------------------------------------------------------------------------- QR codes
def _sign(session: StudySession, step: int) -> str:
    msg = f"{session.pk}.{step}".encode()
    return hmac.new(session.qr_secret.encode(), msg, hashlib.sha256).hexdigest()[:20]


def qr_token(session: StudySession, now: dt.datetime | None = None) -> str:
    """The code shown on the screen now: session, time step and signature."""
    now = now or timezone.now()
    step = int(now.timestamp()) // ROTATE_SECONDS
    return f"{session.pk}.{step}.{_sign(session, step)}"


def qr_seconds_left(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return ROTATE_SECONDS - int(now.timestamp()) % ROTATE_SECONDS


class CheckinRefused(ValidationError):
    """A check-in that cannot be made. `reason` says why: invalid, expired, wrong_session,
    window, cancelled, not_expected, no_member (a dict ValidationError drops its `code`)."""

    def __init__(self, message, code=None, params=None):
        super().__init__(message, code, params)
        self.reason = code


MAX_TOKEN_LENGTH = 64


def _parse(token) -> tuple[int, int, str]:
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise ValueError
        pk_s, step_s, sig = token.strip().split(".")
        if not (pk_s.isdigit() and step_s.isdigit() and len(pk_s) < 12 and len(step_s) < 12):
            raise ValueError
        return int(pk_s), int(step_s), sig
    except (TypeError, AttributeError, ValueError):
        raise CheckinRefused({"token": "签到码无效，请扫描屏幕上的二维码"}, code="invalid") from None


def token_session_id(token) -> int | None:
    """The session a code names (unverified), or None when it is not a code at all."""
    try:
        return _parse(token)[0]
    except CheckinRefused:
        return None


def read_token(token: str, now: dt.datetime | None = None, session: StudySession | None = None) -> StudySession:
    """The session a scanned code belongs to, if the code is genuine and still fresh. With
    `session`, the code must be that session's (a code of another session is refused)."""
    now = now or timezone.now()
    pk, step, sig = _parse(token)
    if session is not None and session.pk != pk:
        raise CheckinRefused({"token": "签到码不属于本次学习会"}, code="wrong_session")
    if session is None:
        session = StudySession.objects.filter(pk=pk).first()
    if session is None or not hmac.compare_digest(_sign(session, step), sig):
        raise CheckinRefused({"token": "签到码无效，请扫描屏幕上的二维码"}, code="invalid")
    current = int(now.timestamp()) // ROTATE_SECONDS
    if not (current - 1 <= step <= current):
        raise CheckinRefused({"token": "签到码已过期，请扫描屏幕上最新的二维码"}, code="expired")
    return session


def checkin_window(session: StudySession) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at - dt.timedelta(minutes=session.checkin_opens_minutes), session.ends_at


def require_window(session: StudySession, now: dt.datetime) -> None:
    if session.cancelled:
        raise CheckinRefused({"session": "学习会已取消"}, code="cancelled")
    opens, closes = checkin_window(session)
    if now < opens:
        raise CheckinRefused({"session": f"签到尚未开始（{timezone.localtime(opens):%m-%d %H:%M} 起）"}, code="window")
    if now > closes:
        raise CheckinRefused({"session": "学习会已结束，不能签到；缺席的请完成补学"}, code="window")


@dataclass
class CheckinResult:
    attendance: Attendance
    created: bool  # False: the member had already checked in (nothing changed)
    late: bool


def _is_late(session: StudySession, now: dt.datetime) -> bool:
    return now > session.starts_at + dt.timedelta(minutes=session.late_after_minutes)


def _open_rows(session: StudySession):
    """The rows of `session` a check-in may still change: not yet present, no make-up done."""
    return Attendance.objects.filter(session=session, checked_in_at__isnull=True).exclude(status__in=[A.PRESENT, A.MAKEUP])


def _record(att: Attendance, method: str, by) -> None:
    Attendance.history.bulk_history_create([att], update=True, default_user=who(by),
                                           default_change_reason=CheckinMethod(method).label)


def _present(session: StudySession, member: Member, *, method: str, by, now: dt.datetime) -> CheckinResult:
    """Mark `member` present once. One conditional UPDATE: of two racing requests exactly one
    changes the row; the other finds it already present."""
    late = _is_late(session, now)
    fields = dict(status=A.PRESENT, checked_in_at=now, method=method, late=late, recorded_by=who(by))
    with transaction.atomic():
        changed = _open_rows(session).filter(member=member).update(**fields)
        if changed:
            att = Attendance.objects.get(session=session, member=member)
            att.session, att.member = session, member
            _record(att, method, by)
            return CheckinResult(att, created=True, late=late)
        att = Attendance.objects.filter(session=session, member=member).first()
        if att is not None:
            att.session, att.member = session, member
            return CheckinResult(att, created=False, late=att.late)
        # Not on the expected list (e.g. joined the branch since): allowed if the member
        # belongs to one of the session's orgs (and groups).
        if not expected_members(session).filter(pk=member.pk).exists():
            raise CheckinRefused({"member": f"{member.name}不在本次学习会的参加范围内"}, code="not_expected")
        att = Attendance(session=session, member=member, org_id=member.org_id, **fields)
        att._change_reason = CheckinMethod(method).label  # the creation's history row says how
        if who(by) is not None:
            att._history_user = by
        try:
            with transaction.atomic():
                att.save(force_insert=True)
        except IntegrityError:  # the racing request made it first
            return CheckinResult(Attendance.objects.get(session=session, member=member), created=False, late=late)
    return CheckinResult(att, created=True, late=late)


def _update_returning(session: StudySession, user, fields: dict) -> Attendance | None:
    """Mark the user's own open row of `session` present and read it back in one statement
    (UPDATE … RETURNING, on PostgreSQL and SQLite ≥ 3.35); None when no open row changed.

    Every condition is on the row itself and the member is named by a scalar subquery: with a
    join (`WHERE id IN (SELECT …)`, what the ORM would write) PostgreSQL does not re-check the
    semi-join on a row another transaction has just changed, and two racing requests would
    both win."""
    t, m = Attendance._meta.db_table, Member._meta.db_table
    qn = connection.ops.quote_name
    cols = [f.column for f in Attendance._meta.concrete_fields]
    sets = ", ".join(f"{qn(Attendance._meta.get_field(k).column)} = %s" for k in fields)
    values = [Attendance._meta.get_field(k).get_db_prep_save(
        v.pk if hasattr(v, "pk") else v, connection) for k, v in fields.items()]
    sql = (f"UPDATE {qn(t)} SET {sets} WHERE {qn('session_id')} = %s AND {qn('checked_in_at')} IS NULL"
           f" AND {qn('status')} NOT IN (%s, %s)"
           f" AND {qn('member_id')} = (SELECT {qn('id')} FROM {qn(m)} WHERE {qn('user_id')} = %s)"
           f" RETURNING {', '.join(qn(c) for c in cols)},"
           f" (SELECT {qn('name')} FROM {qn(m)} WHERE {qn(m)}.{qn('id')} = {qn(t)}.{qn('member_id')}) AS member_name")
    rows = list(Attendance.objects.raw(sql, [*values, session.pk, A.PRESENT, A.MAKEUP, user.pk]))
    return rows[0] if rows else None


def check_in_by_code(user, token: str, now: dt.datetime | None = None,
                     session: StudySession | None = None) -> CheckinResult:
    """A member checks themself in with the code scanned from the screen. The member is
    always the logged-in user's own record: a code never checks in anyone else. With
    `session` (the page the code was opened on), a code of another session is refused.

    The usual case costs three statements: the session, one UPDATE … RETURNING that finds
    the row through the user's member record, and the history row."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated:
        raise CheckinRefused({"member": "请先登录"}, code="no_member")
    session = read_token(token, now, session)
    require_window(session, now)
    late = _is_late(session, now)
    fields = dict(status=A.PRESENT, checked_in_at=now, method=CheckinMethod.QR, late=late, recorded_by=user)
    with transaction.atomic():
        att = _update_returning(session, user, fields)
        if att is not None:
            att.session = session
            _record(att, CheckinMethod.QR, user)
            return CheckinResult(att, created=True, late=late)
    member = own_member(user)
    if member is None:
        raise CheckinRefused({"member": "当前账号未关联党员信息，不能扫码签到"}, code="no_member")
    try:
        return _present(session, member, method=CheckinMethod.QR, by=user, now=now)
    except CheckinRefused as exc:
        if exc.reason == "not_expected":
            raise CheckinRefused({"member": "您不在本次学习会的参加范围内，请向支部书记确认"}, code="not_expected") from None
        raise


def check_in_member(user, session: StudySession, member: Member, now: dt.datetime | None = None,
                    method: str = CheckinMethod.SECRETARY) -> CheckinResult:
    """The secretary (or whoever runs the session) marks a member present."""
    if not may_run(user, session):
        _refuse()
    now = now or timezone.now()
    if session.cancelled:
        raise CheckinRefused({"session": "学习会已取消"}, code="cancelled")
    if now < checkin_window(session)[0]:
        raise CheckinRefused({"session": "签到尚未开始"}, code="window")
    return _present(session, member, method=method, by=user, now=now)


def set_status(user, att: Attendance, status: str, *, note: str = "") -> Attendance:
    """The secretary records absence, approved leave or (after the fact) presence."""
    session = att.session
    if not may_run(user, session):
        _refuse()
    if status not in (A.PRESENT, A.ABSENT, A.LEAVE, A.EXPECTED):
        raise ValidationError({"status": "考勤状态无效"})
    if status == A.PRESENT:
        check_in_member(user, session, att.member)
        att.refresh_from_db()
        return att
    if att.status == A.MAKEUP:
        raise ValidationError({"status": "已完成补学，不能再改考勤"})
    att.status = status
    if status != A.PRESENT:
        att.checked_in_at, att.method, att.late = None, "", False
    if status == A.LEAVE and att.leave_status != LeaveStatus.APPROVED:
        att.leave_status, att.leave_decided_by, att.leave_decided_at = LeaveStatus.APPROVED, who(user), timezone.now()
        att.leave_reason = att.leave_reason or note
    att.recorded_by = who(user)
    stamp(att, user).save()
    return att


# ------------------------------------------------------------------------- leave and make-up
def request_leave(user, att: Attendance, reason: str, now: dt.datetime | None = None) -> Attendance:
    """A member asks for leave from a session, before it starts."""
    now = now or timezone.now()
    if att.member.user_id != user.pk:
        _refuse("只能为本人请假")
    if not reason.strip():
        raise ValidationError({"reason": "请填写请假事由"})
    if now >= att.session.starts_at:
        raise ValidationError({"session": "学习会已开始，不能再请假；缺席的请完成补学"})
    if att.status != A.EXPECTED:
        raise ValidationError({"status": f"当前考勤为“{att.get_status_display()}”，不能请假"})
    if att.leave_status == LeaveStatus.PENDING:
        raise ValidationError({"reason": "请假申请已提交，等待审批"})
    att.leave_reason, att.leave_status, att.leave_requested_at = reason.strip()[:200], LeaveStatus.PENDING, now
    stamp(att, user, "请假申请").save()
    return att


def decide_leave(user, att: Attendance, *, approve: bool) -> Attendance:
    if not may_run(user, att.session):
        _refuse()
    if att.leave_status != LeaveStatus.PENDING:
        raise ValidationError({"leave": "没有待审批的请假申请"})
    if att.member.user_id == user.pk:
        _refuse("不能审批本人的请假")
    att.leave_status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    att.leave_decided_by, att.leave_decided_at = who(user), timezone.now()
    if approve:
        att.status = A.LEAVE
    stamp(att, user, "批准请假" if approve else "不批准请假").save()
    return att


def may_makeup(att: Attendance, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return att.status in (A.ABSENT, A.LEAVE) or (att.status == A.EXPECTED and now > att.session.ends_at)


def record_makeup(user, att: Attendance, note: str, now: dt.datetime | None = None) -> Attendance:
    """Make-up study (补学) closes an absence or a leave: by the member, or recorded by the
    secretary."""
    now = now or timezone.now()
    if att.member.user_id != user.pk and not may_run(user, att.session):
        _refuse()
    if not may_makeup(att, now):
        raise ValidationError({"status": "只有缺席或请假的才需要补学"})
    if not note.strip():
        raise ValidationError({"note": "请填写补学内容"})
    att.status, att.makeup_note, att.makeup_at = A.MAKEUP, note.strip(), now
    stamp(att, user, "补学").save()
    return att


def close_ended_sessions(now: dt.datetime | None = None) -> int:
    """After a session ends, whoever neither checked in nor has leave is absent (a periodic
    job). Returns the rows changed."""
    now = now or timezone.now()
    ended = StudySession.objects.filter(ends_at__lt=now, cancelled=False)
    rows = list(Attendance.objects.filter(session__in=ended, status=A.EXPECTED))
    if not rows:
        return 0
    for att in rows:
        att.status = A.ABSENT
    with transaction.atomic():
        Attendance.objects.filter(pk__in=[a.pk for a in rows], status=A.EXPECTED).update(status=A.ABSENT)
        Attendance.history.bulk_history_create(rows, update=True, default_change_reason="学习会结束，未签到记为缺席")
    return len(rows)


def live(session: StudySession) -> dict:
    """Counts for the live view and the QR screen, in one query: expected, arrived (and late),
    on leave, not yet arrived, absent, made up."""
    def n(**kw):
        return Count("pk", filter=Q(**kw))

    counts = session.attendances.aggregate(
        expected=Count("pk"), present=n(status=A.PRESENT), late=n(status=A.PRESENT, late=True),
        leave=n(status=A.LEAVE), makeup=n(status=A.MAKEUP), absent=n(status=A.ABSENT),
        waiting=n(status=A.EXPECTED), leave_pending=n(leave_status=LeaveStatus.PENDING),
    )
    return {k: v or 0 for k, v in counts.items()}


def live_rows(session: StudySession) -> dict[str, list[Attendance]]:
    """Who has arrived (in order of arrival), who is on leave, who has not yet arrived, who is
    absent or made up: one query, names only."""
    rows = list(session.attendances.select_related("member", "org").only(
        "status", "checked_in_at", "late", "method", "leave_status", "leave_reason", "member__name",
        "org__name", "session_id", "member_id", "org_id"))
    groups: dict[str, list[Attendance]] = {"present": [], "leave": [], "waiting": [], "absent": [], "makeup": []}
    key = {A.PRESENT: "present", A.LEAVE: "leave", A.EXPECTED: "waiting", A.ABSENT: "absent", A.MAKEUP: "makeup"}
    for att in rows:
        groups[key.get(att.status, "waiting")].append(att)
    far = timezone.now() + dt.timedelta(days=36500)
    groups["present"].sort(key=lambda a: (a.checked_in_at or far, a.pk), reverse=True)
    for name in ("leave", "waiting", "absent", "makeup"):
        groups[name].sort(key=lambda a: a.member.name)
    return groups


def may_view_attendance(user, att: Attendance) -> bool:
    return can_on(user, Perm.VIEW, att) or can_on(user, Perm.VIEW, att.session)
