"""A guidance group's workspace (指导组工作台): its assigned units with their progress-table
rows (campaigns.progress), recent activities, open findings (feedback waiting for the unit's
answer), overdue items, liaison-to-liaison contacts (联络员对联络员: the group's liaison seats and
each unit's liaison from the GuidanceAssignment) and the group's notices.

Who: the group's members (users seated in it) and the campaign office.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.campaigns import progress
from dangjian.campaigns.models import GuidanceAssignment, GuidanceGroup, Seat, SeatRole
from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, restrict
from dangjian.supervision.access import in_group, may_manage, my_group_ids
from dangjian.supervision.models import Activity, FeedbackStatus, Finding, GroupNotice

RECENT = 10
OVERDUE = 20


def groups_for(user) -> QuerySet[GuidanceGroup]:
    """Guidance groups whose workspace the user may open: their own, and every group of the
    campaigns whose office they are."""
    from dangjian.supervision.plans import managed_campaigns

    mine = my_group_ids(user)
    managed = managed_campaigns(user).values("pk")
    return (GuidanceGroup.objects.filter(Q(pk__in=mine) | Q(campaign_id__in=managed))
            .select_related("campaign__org").order_by("campaign_id", "order", "pk"))


def may_open(user, group: GuidanceGroup) -> bool:
    return in_group(user, group) or may_manage(user, group.campaign)


def get_group(user, pk: int) -> GuidanceGroup:
    group = GuidanceGroup.objects.select_related("campaign__org").filter(pk=pk).first()
    if group is None or not may_open(user, group):
        raise Http404("没有这个巡回指导组")
    return group


@dataclass
class Contact:
    org_name: str
    org_code: str
    unit_liaison: str
    group_liaisons: list[str] = field(default_factory=list)


@dataclass
class Workspace:
    group: GuidanceGroup
    assignments: list
    table: progress.Table | None
    recent: list
    open_findings: list
    n_open_findings: int
    overdue: list
    n_overdue: int
    seats: list
    contacts: list[Contact]
    notices: list


def assignments_of(group: GuidanceGroup) -> QuerySet[GuidanceAssignment]:
    return GuidanceAssignment.objects.filter(group=group).select_related("org").order_by("org__path")


def recent_activities(group: GuidanceGroup, limit: int = RECENT) -> list[Activity]:
    return list(Activity.objects.filter(group=group).select_related("org", "round").order_by("-held_on", "-pk")[:limit])


def open_findings(group: GuidanceGroup) -> QuerySet[Finding]:
    """Feedback of the group's activities the unit has not answered yet."""
    return (Finding.objects.filter(activity__group=group, status=FeedbackStatus.SENT)
            .select_related("org", "activity", "problem").order_by("created_at", "pk"))


def contacts(group: GuidanceGroup, assignments: list[GuidanceAssignment], seats: list[Seat]) -> list[Contact]:
    """联络员对联络员: each unit's liaison next to the group's liaisons."""
    mine = [f"{s.name}{'（' + s.phone + '）' if s.phone else ''}" for s in seats if s.role == SeatRole.LIAISON]
    return [Contact(a.org.name, a.org.code, a.liaison, mine) for a in assignments]


def workspace(user, group: GuidanceGroup) -> Workspace:
    """Everything of the group's workspace, in a fixed number of queries."""
    if not may_open(user, group):
        raise Http404("没有这个巡回指导组")
    assignments = list(assignments_of(group))
    seats = list(Seat.objects.filter(guidance_group=group).order_by("role", "pk"))
    filters = progress.Filters(group=group.pk)
    table = progress.build_table(user, group.campaign, filters)
    overdue_qs = progress.overdue_queryset(user, group.campaign, filters)
    findings = open_findings(group)
    return Workspace(
        group=group, assignments=assignments, table=table, recent=recent_activities(group),
        open_findings=list(findings[:RECENT]), n_open_findings=findings.count(),
        overdue=list(overdue_qs[:OVERDUE]), n_overdue=overdue_qs.count(),
        seats=seats, contacts=contacts(group, assignments, seats),
        notices=list(notices_of(group)[:RECENT]),
    )


# ------------------------------------------------------------------------------ notices
def notices_of(group: GuidanceGroup) -> QuerySet[GroupNotice]:
    return GroupNotice.objects.filter(group=group).select_related("created_by").order_by("-created_at", "-pk")


def visible_notices(user) -> QuerySet[GroupNotice]:
    """Notices of the groups the user may open."""
    return GroupNotice.objects.filter(group__in=groups_for(user).values("pk"))


def create_notice(user, group: GuidanceGroup, title: str, body: str = "") -> GroupNotice:
    """A notice inside the group (组内通知): by its members or the office."""
    if not may_open(user, group):
        raise PermissionDenied("只有本组成员或主题教育办公室可以发布组内通知")
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 200:
        errors["title"] = "标题最多200个字符"
    if len(body or "") > 5000:
        errors["body"] = "内容最多5000个字符"
    if errors:
        raise ValidationError(errors)
    notice = GroupNotice(group=group, title=title, body=(body or "").strip(), created_by=user if getattr(user, "pk", None) else None)
    stamp(notice, user)
    notice.save()
    return notice


def units_in_scope(user, group: GuidanceGroup):
    """The group's units the user may view (for links to the org pages)."""
    from dangjian.orgs.models import Org

    return restrict(Org.objects.filter(pk__in=GuidanceAssignment.objects.filter(group=group).values("org_id")), user, Perm.VIEW)
