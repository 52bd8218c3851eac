"""Domain operations of study sessions: who may run them, who sees them, who is expected, and
saving a session with its expected attendees.

Every entry point (views, API, commands, the demo) calls these. Each takes the acting user
first, checks scope, validates, writes atomically and leaves an audit record. Check-in, leave
and make-up are in attendance.py; plans and agenda in plans.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, restrict, subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.study.models import (
    A,
    Attendance,
    Attendees,
    SessionKind,
    StudySession,
    TargetGroup,
)

YOUNG_MAX_AGE = 35  # 青年党员: members up to 35 (by the birth date in the ID number)


def who(user):
    """The user to store as author: None for the command-line operator (unsaved) or anonymous."""
    return user if user is not None and getattr(user, "pk", None) else None


def _refuse(message: str = "超出管理范围") -> None:
    raise PermissionDenied(message)


# ------------------------------------------------------------------------- who may do what
def may_run(user, session: StudySession) -> bool:
    """Record and change a session: the host org's secretary, liaison or admin (ACT)."""
    return can(user, Perm.ACT, session.org)


def own_member(user) -> Member | None:
    """The member record the user owns, if any (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_dangjian_member"):
        user._dangjian_member = Member.objects.select_related("org").filter(user=user).first()
    return user._dangjian_member


def sessions_for(user) -> QuerySet[StudySession]:
    """Sessions the user may see: by scope over the host org, or as an expected attendee."""
    qs = restrict(StudySession.objects.all(), user, Perm.VIEW)
    member = own_member(user)
    if member is not None:
        # Subqueries rather than a join: no duplicate rows, so callers may annotate counts.
        mine = Attendance.objects.filter(member=member).values("session_id")
        qs = StudySession.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=mine))
    return qs


def get_session(user, pk: int) -> StudySession:
    from django.http import Http404

    session = sessions_for(user).select_related("org", "campaign").filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


# ---------------------------------------------------------------------- expected attendees
def _born_after(years: int, today: dt.date) -> str:
    """ID numbers carry the birth date at [6:14]: YYYYMMDD; born after this is younger."""
    return f"{today.year - years:04d}{today.month:02d}{today.day:02d}"


def expected_members(session: StudySession, orgs: list[Org] | None = None) -> QuerySet[Member]:
    """Who should attend: the members of the session's orgs (with their subtrees when
    `include_subtree`), narrowed to the session's groups; or, for central-group study set to
    leaders, the members on the orgs' leadership teams."""
    orgs = list(session.orgs.all()) if orgs is None else orgs
    if not orgs:
        return Member.objects.none()
    if session.attendees == Attendees.LEADERS:
        return Member.objects.filter(leadership_positions__team__org__in=orgs).distinct()
    where = Q(pk__in=[])
    for org in orgs:
        where |= subtree_q("org__path", org.path) if session.include_subtree else Q(org=org)
    qs = Member.objects.filter(where)
    groups = [g for g in session.groups if g != TargetGroup.ALL]
    if groups:
        today = timezone.localdate()
        g = Q(pk__in=[])
        for group in groups:
            if group == TargetGroup.YOUNG:
                g |= _young_q(today)
            elif group == TargetGroup.CADRES:
                g |= Q(is_cadre=True)
            else:
                g |= Q(category=group)
        qs = qs.filter(g)
    return qs


def _young_q(today: dt.date) -> Q:
    # Compare the 8 birth digits: substr is the same function on both databases.
    from django.db.models.functions import Substr

    born = _born_after(YOUNG_MAX_AGE, today)
    return Q(pk__in=Member.objects.annotate(b=Substr("id_number", 7, 8)).filter(b__gte=born).values("pk"))


def sync_attendance(session: StudySession) -> int:
    """Make the expected attendees' rows; drop rows of members no longer expected that nobody
    has touched. Returns the number of rows made."""
    expected = dict(expected_members(session).values_list("pk", "org_id"))
    have = dict(session.attendances.values_list("member_id", "status"))
    untouched_gone = [m for m, status in have.items() if m not in expected and status == A.EXPECTED]
    if untouched_gone:
        session.attendances.filter(member_id__in=untouched_gone, status=A.EXPECTED, leave_status="").delete()
    new = [Attendance(session=session, member_id=m, org_id=o) for m, o in expected.items() if m not in have]
    Attendance.objects.bulk_create(new, batch_size=1000)
    return len(new)


# ---------------------------------------------------------------------------------- sessions
@dataclass
class SessionData:
    org: Org
    kind: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    orgs: list[Org] | None = None  # participating orgs; default: the host only
    place: str = ""
    campaign: object | None = None
    plan: object | None = None
    attendees: str = ""  # default by kind: leaders for central-group study
    groups: list[str] | None = None
    include_subtree: bool | None = None  # default: True unless the host is a branch
    summary: str = ""
    checkin_opens_minutes: int = 30
    late_after_minutes: int = 5


def session_errors(user, data: SessionData) -> dict:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "请填写主题"
    if data.kind not in SessionKind.values:
        errors["kind"] = "学习会类型无效"
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = "结束时间须晚于开始时间"
    elif data.starts_at and data.ends_at and data.ends_at - data.starts_at > dt.timedelta(days=14):
        errors["ends_at"] = "一次学习会（含读书班）不超过14天"
    for org in data.orgs or []:
        if not can(user, Perm.VIEW, org):
            errors["orgs"] = f"参加组织“{org.name}”超出管理范围"
            break
    bad = [g for g in (data.groups or []) if g not in TargetGroup.values]
    if bad:
        errors["groups"] = f"人员范围无效：{', '.join(bad)}"
    if data.attendees and data.attendees not in Attendees.values:
        errors["attendees"] = "参加对象无效"
    if data.plan is not None and data.plan.org_id != data.org.pk:
        errors["plan"] = "只能关联本组织的学习计划"
    return errors


def _apply(session: StudySession, data: SessionData) -> None:
    session.org = data.org
    session.kind = data.kind
    session.title = data.title.strip()
    session.starts_at, session.ends_at = data.starts_at, data.ends_at
    session.place = data.place.strip()
    session.campaign, session.plan = data.campaign, data.plan
    session.attendees = data.attendees or (Attendees.LEADERS if data.kind == SessionKind.CENTRAL_GROUP else Attendees.MEMBERS)
    session.groups = list(data.groups or [])
    session.include_subtree = data.include_subtree if data.include_subtree is not None else data.org.kind != "branch"
    session.summary = data.summary
    session.checkin_opens_minutes = data.checkin_opens_minutes
    session.late_after_minutes = data.late_after_minutes


def save_session(user, data: SessionData, session: StudySession | None = None) -> StudySession:
    """Create or change a session and (re)compute its expected attendees."""
    if not can(user, Perm.ACT, data.org) or (session is not None and not may_run(user, session)):
        _refuse()
    errors = session_errors(user, data)
    if errors:
        raise ValidationError(errors)
    orgs = list({o.pk: o for o in [data.org, *(data.orgs or [])]}.values())
    with transaction.atomic():
        session = session or StudySession(created_by=who(user))
        _apply(session, data)
        stamp(session, user).save()
        session.orgs.set(orgs)
        sync_attendance(session)
    return session


def cancel_session(user, session: StudySession) -> None:
    if not may_run(user, session):
        _refuse()
    session.cancelled = True
    stamp(session, user, "取消学习会").save(update_fields=["cancelled"])


