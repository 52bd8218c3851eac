"""Inspection plans and rounds (督查计划、督查轮次): create and edit them, split a round among
the guidance groups (by default from the campaign's GuidanceAssignments), open and close it;
coverage per group and unit (全覆盖: at least one activity at each assigned unit in the round,
and what is left), and progress against the plan's targets.

Everything here takes the acting user first; views, API and commands call it. Figures are
computed in the database (Exists / Count / Sum), the same few queries whatever the size.

Who: the campaign office (MANAGE_CAMPAIGN at the campaign's org) plans and edits; the office
and the members of the guidance groups of the campaign see plans; a round is seen by the office
and by the groups with units in it, and a group sees only its own coverage rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from dangjian.campaigns.models import Campaign, GuidanceAssignment, GuidanceGroup
from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, restrict, scope_q, subtree_q
from dangjian.orgs.models import Org, OrgKind
from dangjian.supervision.access import may_manage, my_group_ids
from dangjian.supervision.models import Activity, InspectionPlan, Round, RoundStatus, RoundUnit

MAX_TARGET = 1_000_000


# ------------------------------------------------------------------------------ visibility
def managed_campaigns(user) -> QuerySet[Campaign]:
    """Campaigns whose office the user is (MANAGE_CAMPAIGN at the campaign's org)."""
    return restrict(Campaign.objects.all(), user, Perm.MANAGE_CAMPAIGN).select_related("org").order_by("-starts_on", "-pk")


def _viewable_q(model, user) -> Q:
    """Rows the user sees through the scoping policy (VIEW at the plan's org: the office and
    those above); an everything-Q for a global grant (an empty Q() would vanish when OR-ed)."""
    q = scope_q(model, user, Perm.VIEW)
    return Q(pk__isnull=False) if q is None else q


def plans_for(user) -> QuerySet[InspectionPlan]:
    """Plans the user sees: those at orgs the user views (the office's), and those of
    campaigns where the user sits in a guidance group."""
    q = _viewable_q(InspectionPlan, user)
    mine = my_group_ids(user)
    if mine:
        q |= Q(campaign_id__in=GuidanceGroup.objects.filter(pk__in=mine).values("campaign_id"))
    return InspectionPlan.objects.filter(q)


def rounds_for(user) -> QuerySet[Round]:
    """Rounds the user sees: the office's, and those where one of the user's groups has units."""
    q = _viewable_q(Round, user)
    mine = my_group_ids(user)
    if mine:
        q |= Q(pk__in=RoundUnit.objects.filter(group_id__in=mine).values("round_id"))
    return Round.objects.filter(q)


def sees_all_groups(user, rnd: Round) -> bool:
    """The office (and whoever views the plan's org) sees every group's coverage; a group
    member only their own groups'."""
    return can(user, Perm.VIEW, rnd.plan.org)


def get_plan(user, pk: int) -> InspectionPlan:
    plan = plans_for(user).select_related("campaign__org", "org", "created_by").filter(pk=pk).first()
    if plan is None:
        raise Http404("没有这个督查计划")
    return plan


def get_round(user, pk: int) -> Round:
    rnd = rounds_for(user).select_related("plan__campaign__org", "plan__org").filter(pk=pk).first()
    if rnd is None:
        raise Http404("没有这个督查轮次")
    return rnd


def may_manage_plan(user, plan: InspectionPlan) -> bool:
    return may_manage(user, plan.campaign)


# ------------------------------------------------------------------------------ plans
@dataclass
class PlanData:
    title: str
    starts_on: dt.date
    ends_on: dt.date
    target_units: int = 0
    target_branches: int = 0
    target_members: int = 0
    note: str = ""


def _check_plan(data: PlanData) -> None:
    errors: dict[str, str] = {}
    if not (data.title or "").strip():
        errors["title"] = "请填写计划名称"
    elif len(data.title.strip()) > 200:
        errors["title"] = "计划名称最多200个字符"
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    for name, label in (("target_units", "计划督查单位数"), ("target_branches", "计划督查支部数"), ("target_members", "计划访谈党员数")):
        value = getattr(data, name)
        if value is None or value < 0 or value > MAX_TARGET:
            errors[name] = f"{label}须为0至{MAX_TARGET}之间的整数"
    if errors:
        raise ValidationError(errors)


def create_plan(user, campaign: Campaign, data: PlanData) -> InspectionPlan:
    """The office makes the inspection plan of a period for its campaign."""
    if not may_manage(user, campaign):
        raise PermissionDenied("只有主题教育办公室可以制定督查计划")
    _check_plan(data)
    plan = InspectionPlan(campaign=campaign, org=campaign.org, title=data.title.strip(), starts_on=data.starts_on, ends_on=data.ends_on,
                          target_units=data.target_units, target_branches=data.target_branches, target_members=data.target_members,
                          note=data.note or "", created_by=user if getattr(user, "pk", None) else None)
    stamp(plan, user, "制定督查计划")
    plan.save()
    return plan


def update_plan(user, plan: InspectionPlan, data: PlanData) -> InspectionPlan:
    if not may_manage_plan(user, plan):
        raise PermissionDenied("只有主题教育办公室可以修改督查计划")
    _check_plan(data)
    outside = plan.rounds.filter(Q(starts_on__lt=data.starts_on) | Q(ends_on__gt=data.ends_on)).values_list("name", flat=True)[:3]
    if outside:
        raise ValidationError({"starts_on": f"已有轮次超出新的计划期限：{'、'.join(outside)}"})
    for name in ("starts_on", "ends_on", "target_units", "target_branches", "target_members"):
        setattr(plan, name, getattr(data, name))
    plan.title = data.title.strip()
    plan.note = data.note or ""
    stamp(plan, user, "修改督查计划")
    plan.save()
    return plan


# ------------------------------------------------------------------------------ rounds
@dataclass
class RoundData:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    focus: str = ""


def _check_round(plan: InspectionPlan, data: RoundData, rnd: Round | None = None) -> None:
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写轮次名称"
    elif len(name) > 100:
        errors["name"] = "轮次名称最多100个字符"
    elif plan.rounds.filter(name=name).exclude(pk=rnd.pk if rnd else None).exists():
        errors["name"] = f"该计划已有名为“{name}”的轮次"
    if data.starts_on and data.ends_on:
        if data.ends_on < data.starts_on:
            errors["ends_on"] = "结束日期不能早于开始日期"
        elif data.starts_on < plan.starts_on or data.ends_on > plan.ends_on:
            errors["starts_on"] = f"轮次日期须在计划期限内（{plan.starts_on:%Y-%m-%d} 至 {plan.ends_on:%Y-%m-%d}）"
    if errors:
        raise ValidationError(errors)


def default_split(campaign: Campaign) -> dict[int, int]:
    """{org id: group id} from the campaign's guidance assignments (每组联系的单位)."""
    return dict(GuidanceAssignment.objects.filter(campaign=campaign).values_list("org_id", "group_id"))


def create_round(user, plan: InspectionPlan, data: RoundData, split: dict[int, int] | None = None) -> Round:
    """A round of the plan, split among the guidance groups: `split` {org id: group id}, by
    default every unit assigned to a group of the campaign."""
    if not may_manage_plan(user, plan):
        raise PermissionDenied("只有主题教育办公室可以安排督查轮次")
    _check_round(plan, data)
    with transaction.atomic():
        rnd = Round(plan=plan, name=data.name.strip(), starts_on=data.starts_on, ends_on=data.ends_on, focus=data.focus or "")
        stamp(rnd, user, "安排督查轮次")
        rnd.save()
        _write_split(rnd, default_split(plan.campaign) if split is None else split)
    return rnd


def update_round(user, rnd: Round, data: RoundData) -> Round:
    if not may_manage_plan(user, rnd.plan):
        raise PermissionDenied("只有主题教育办公室可以修改督查轮次")
    _check_round(rnd.plan, data, rnd)
    rnd.name, rnd.starts_on, rnd.ends_on, rnd.focus = data.name.strip(), data.starts_on, data.ends_on, data.focus or ""
    stamp(rnd, user, "修改督查轮次")
    rnd.save()
    return rnd


STATUS_MOVES = {
    RoundStatus.PLANNED: {RoundStatus.ACTIVE},
    RoundStatus.ACTIVE: {RoundStatus.CLOSED},
    RoundStatus.CLOSED: {RoundStatus.ACTIVE},
}
STATUS_REASON = {RoundStatus.ACTIVE: "开始督查", RoundStatus.CLOSED: "结束本轮督查"}


def set_round_status(user, rnd: Round, status: str) -> Round:
    """Open (进行中), close (已结束) or reopen a round."""
    if not may_manage_plan(user, rnd.plan):
        raise PermissionDenied("只有主题教育办公室可以开始或结束督查轮次")
    if status == rnd.status:
        return rnd
    if status not in STATUS_MOVES.get(rnd.status, set()):
        labels = dict(RoundStatus.choices)
        raise ValidationError({"status": f"轮次“{labels.get(rnd.status, rnd.status)}”不能改为“{labels.get(status, status)}”"})
    rnd.status = status
    stamp(rnd, user, STATUS_REASON.get(status, "修改状态"))
    rnd.save()
    return rnd


def _write_split(rnd: Round, split: dict[int, int]) -> None:
    campaign = rnd.plan.campaign
    groups = set(GuidanceGroup.objects.filter(campaign=campaign).values_list("pk", flat=True))
    bad = sorted({g for g in split.values() if g not in groups})
    if bad:
        raise ValidationError({"split": "指导组不属于本次主题教育：" + "、".join(map(str, bad))})
    orgs = dict(Org.objects.filter(pk__in=list(split)).filter(subtree_q("path", campaign.org.path)).values_list("pk", "code"))
    missing = [o for o in split if o not in orgs]
    if missing:
        raise ValidationError({"split": "单位不在本次主题教育范围内：" + "、".join(map(str, missing[:5]))})
    RoundUnit.objects.filter(round=rnd).exclude(org_id__in=list(split)).delete()
    existing = dict(RoundUnit.objects.filter(round=rnd).values_list("org_id", "group_id"))
    changed = [org for org, g in split.items() if org in existing and existing[org] != g]
    for org in changed:
        RoundUnit.objects.filter(round=rnd, org_id=org).update(group_id=split[org])
    RoundUnit.objects.bulk_create([RoundUnit(round=rnd, group_id=g, org_id=org) for org, g in split.items() if org not in existing])


def set_round_units(user, rnd: Round, split: dict[int, int]) -> Round:
    """Re-split a round: {org id: group id}; units left out are no longer in the round. A
    closed round's split is kept as it was."""
    if not may_manage_plan(user, rnd.plan):
        raise PermissionDenied("只有主题教育办公室可以调整督查分工")
    if rnd.status == RoundStatus.CLOSED:
        raise ValidationError({"split": "已结束的轮次不能调整分工"})
    with transaction.atomic():
        _write_split(rnd, split)
        stamp(rnd, user, f"调整督查分工（{len(split)}个单位）")
        rnd.save()  # a history row records who re-split it
    return rnd


def split_code_lines(rnd: Round, text: str) -> dict[int, int]:
    """Parse lines "单位编码,指导组名称或ID" (the API and a paste box): errors name the line."""
    campaign = rnd.plan.campaign
    groups = {g.name: g.pk for g in GuidanceGroup.objects.filter(campaign=campaign)}
    ids = set(groups.values())
    rows = [(i, [c.strip() for c in line.replace("，", ",").split(",")]) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    codes = {cells[0] for _, cells in rows}
    orgs = dict(Org.objects.filter(code__in=codes).filter(subtree_q("path", campaign.org.path)).values_list("code", "pk"))
    split: dict[int, int] = {}
    errors = []
    for i, cells in rows:
        if len(cells) != 2 or not all(cells):
            errors.append(f"第{i}行：应为“单位编码,指导组”")
            continue
        code, g = cells
        org = orgs.get(code)
        gid = groups.get(g) or (int(g) if g.isdigit() and int(g) in ids else None)
        if org is None:
            errors.append(f"第{i}行：单位编码“{code}”不在本次主题教育范围内")
        elif gid is None:
            errors.append(f"第{i}行：没有名为“{g}”的指导组")
        elif org in split:
            errors.append(f"第{i}行：单位“{code}”重复")
        else:
            split[org] = gid
    if errors:
        raise ValidationError({"split": errors})
    return split


# ------------------------------------------------------------------------------ coverage
def _acts_at(round_field: str = "round_id") -> QuerySet[Activity]:
    """The round's activities at the RoundUnit's unit or below (correlated to the outer row)."""
    return Activity.objects.filter(round_id=OuterRef(round_field), org__path__startswith=OuterRef("org__path"))


def coverage_rows(user, rnd: Round, group_id: int | None = None) -> QuerySet[RoundUnit]:
    """RoundUnit rows the user sees (the office: all; a group member: their groups') with
    `activities` (count in the round at the unit or below), `interviewed`, `last_on` and
    `visited`. One query."""
    qs = RoundUnit.objects.filter(round=rnd)
    if not sees_all_groups(user, rnd):
        qs = qs.filter(group_id__in=my_group_ids(user))
    if group_id:
        qs = qs.filter(group_id=group_id)
    acts = _acts_at()
    counted = acts.values("round_id").annotate(c=Count("*")).values("c")
    people = acts.values("round_id").annotate(s=Sum("interviewed_count")).values("s")
    return (qs.select_related("group", "org")
            .annotate(activities=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
                      interviewed=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)),
                      last_on=Subquery(acts.order_by("-held_on").values("held_on")[:1]),
                      visited=Exists(acts))
            .order_by("group__order", "group_id", "org__path"))


@dataclass
class GroupCoverage:
    group_id: int
    name: str
    units: int
    covered: int

    @property
    def left(self) -> int:
        return self.units - self.covered

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.units) if self.units else 0

    @property
    def full(self) -> bool:
        return self.units > 0 and self.covered == self.units


@dataclass
class Coverage:
    groups: list[GroupCoverage] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(g.units for g in self.groups)

    @property
    def covered(self) -> int:
        return sum(g.covered for g in self.groups)

    @property
    def left(self) -> int:
        return self.units - self.covered

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.units) if self.units else 0

    @property
    def full(self) -> bool:
        return self.units > 0 and self.covered == self.units


def coverage_by_group(user, rnd: Round) -> Coverage:
    """Units assigned, covered and left per group (全覆盖 when none is left): one query."""
    qs = RoundUnit.objects.filter(round=rnd)
    if not sees_all_groups(user, rnd):
        qs = qs.filter(group_id__in=my_group_ids(user))
    rows = (qs.values("group_id", "group__name", "group__order")
            .annotate(units=Count("pk"), covered=Count("pk", filter=Q(Exists(_acts_at()))))
            .order_by("group__order", "group_id"))
    return Coverage([GroupCoverage(r["group_id"], r["group__name"], r["units"], r["covered"]) for r in rows])


@dataclass
class Target:
    key: str
    label: str
    target: int
    done: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.target)) if self.target else 0


def plan_progress(plan: InspectionPlan) -> list[Target]:
    """Progress against the plan's targets, over the activities of its rounds:
    units = distinct units of the rounds' splits visited in that round (RoundUnit with an
    activity); branches = distinct branches (党支部) where an activity took place;
    members = people interviewed (the sum of 访谈人数). Three queries."""
    units = (RoundUnit.objects.filter(round__plan=plan).filter(Exists(_acts_at()))
             .values("org_id").distinct().count())
    acts = Activity.objects.filter(round__plan=plan)
    branches = acts.filter(org__kind=OrgKind.BRANCH).values("org_id").distinct().count()
    members = acts.aggregate(n=Sum("interviewed_count"))["n"] or 0
    return [Target("units", "督查单位", plan.target_units, units),
            Target("branches", "督查支部", plan.target_branches, branches),
            Target("members", "访谈党员", plan.target_members, members)]


def left_to_cover(user, rnd: Round, group_id: int | None = None) -> QuerySet[RoundUnit]:
    """What is left: the round's units (the user sees) with no activity yet."""
    return coverage_rows(user, rnd, group_id).filter(visited=False)


def rounds_with_counts(qs: QuerySet[Round]) -> QuerySet[Round]:
    """Rounds with n_units / n_covered / n_activities (for lists): one query."""
    covered = RoundUnit.objects.filter(round_id=OuterRef("pk")).filter(Exists(_acts_at())).values("round_id").annotate(c=Count("*")).values("c")
    units = RoundUnit.objects.filter(round_id=OuterRef("pk")).values("round_id").annotate(c=Count("*")).values("c")
    acts = Activity.objects.filter(round_id=OuterRef("pk")).values("round_id").annotate(c=Count("*")).values("c")
    return qs.annotate(n_units=Coalesce(Subquery(units, output_field=IntegerField()), Value(0)),
                       n_covered=Coalesce(Subquery(covered, output_field=IntegerField()), Value(0)),
                       n_activities=Coalesce(Subquery(acts, output_field=IntegerField()), Value(0)))


def current_round(user, plan: InspectionPlan | None = None) -> Round | None:
    """The round under way the user sees (the latest active one), else the latest."""
    qs = rounds_for(user)
    if plan is not None:
        qs = qs.filter(plan=plan)
    return (qs.filter(status=RoundStatus.ACTIVE).select_related("plan__campaign__org", "plan__org").order_by("-starts_on", "-pk").first()
            or qs.select_related("plan__campaign__org", "plan__org").order_by("-starts_on", "-pk").first())


def round_for_activity(group: GuidanceGroup, org: Org, held_on: dt.date) -> Round | None:
    """The round an activity of `group` at `org` on `held_on` belongs to: a round not yet
    closed whose dates cover the day and whose split gives the group the org (or a unit above
    it); the latest such round. For recording activities without naming the round. One query."""
    prefixes = [org.path[:i] for i in range(Org.steplen, len(org.path) + 1, Org.steplen)]
    return (Round.objects.filter(plan__campaign_id=group.campaign_id, starts_on__lte=held_on, ends_on__gte=held_on)
            .exclude(status=RoundStatus.CLOSED)
            .filter(Exists(RoundUnit.objects.filter(round_id=OuterRef("pk"), group=group, org__path__in=prefixes)))
            .order_by("-starts_on", "-pk").first())


COVERAGE_HEAD = ["序号", "巡回指导组", "单位编码", "单位", "是否覆盖", "督查活动（次）", "访谈人数", "最近一次"]


def write_coverage(user, rnd: Round, target) -> int:
    """The round's coverage table as the user sees it (group × unit), then the totals per
    group, as xlsx into `target`; returns the number of unit rows."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("覆盖明细")
    ws.append([f"{rnd.name}覆盖情况（{rnd.starts_on:%Y-%m-%d} 至 {rnd.ends_on:%Y-%m-%d}）"])
    ws.append(COVERAGE_HEAD)
    n = 0
    for n, r in enumerate(coverage_rows(user, rnd).iterator(chunk_size=2000), start=1):
        ws.append([n, r.group.name, r.org.code, r.org.name, "已覆盖" if r.visited else "未覆盖", r.activities, r.interviewed,
                   r.last_on.isoformat() if r.last_on else ""])
    groups = wb.create_sheet("各组汇总")
    groups.append(["巡回指导组", "督查单位", "已覆盖", "未覆盖", "覆盖率（%）"])
    cov = coverage_by_group(user, rnd)
    for g in cov.groups:
        groups.append([g.name, g.units, g.covered, g.left, g.percent])
    groups.append(["合计", cov.units, cov.covered, cov.left, cov.percent])
    groups.append([])
    groups.append(["说明：本轮内在该单位或其下级组织开展过至少一次督查活动即为“已覆盖”；全部单位均已覆盖为“全覆盖”。"])
    wb.save(target)
    return n
