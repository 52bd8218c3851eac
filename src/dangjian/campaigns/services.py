"""Domain operations of the campaign engine: campaigns, groups, tasks and their publication,
unit tasks through their lifecycle, evidence and reviews.

Every entry point (views, API, commands, the demo) calls these. Each takes the acting user
first, checks scope, validates, writes atomically and leaves an audit record.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from dangjian.campaigns.models import (
    OPEN_FOR_WORK,
    WAITING_REVIEW,
    Campaign,
    CampaignStatus,
    Decision,
    Evidence,
    EvidenceKind,
    GuidanceAssignment,
    GuidanceGroup,
    JointGroup,
    Phase,
    Reviewer,
    Seat,
    SeatRole,
    Submission,
    TargetMode,
    Task,
    TaskKind,
    TaskStatus,
    Transition,
    UnitTask,
    UnitTaskStatus,
    WorkingGroup,
    WorkingGroupKind,
)
from dangjian.core import files
from dangjian.core.audit import stamp
from dangjian.core.models import Role
from dangjian.core.scoping import Perm, can, scope_of, subtree_q
from dangjian.orgs.models import Org, OrgKind

STEP = Org.steplen


def _refuse(message: str = "超出管理范围") -> None:
    raise PermissionDenied(message)


# ---------------------------------------------------------------- who may do what

def may_manage(user, campaign: Campaign) -> bool:
    """Run the campaign: edit it, its groups and tasks, publish, send notices."""
    return can(user, Perm.MANAGE_CAMPAIGN, campaign.org)


def may_act(user, unit_task: UnitTask) -> bool:
    """Do the unit's work on a task: fill in, upload evidence, submit."""
    return can(user, Perm.ACT, unit_task.org)


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def visible_campaigns(user) -> QuerySet[Campaign]:
    """Campaigns run by an org the user sees, or by an org above one they see (a unit sees the
    campaign its committee runs)."""
    scope = scope_of(user)
    qs = Campaign.objects.select_related("org")
    if Perm.VIEW in scope.is_global:
        return qs
    paths = scope.paths(Perm.VIEW)
    if not paths:
        return qs.none()
    q = Q(org__path__in={a for p in paths for a in _ancestor_paths(p)})
    for p in paths:
        q |= subtree_q("org__path", p)
    return qs.filter(q)


def get_campaign(user, pk: int) -> Campaign:
    from django.http import Http404

    campaign = visible_campaigns(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def _guidance_paths(user, campaign_id: int) -> list[str]:
    """Units (paths) assigned to the guidance groups of this campaign the user sits in."""
    if not getattr(user, "pk", None):
        return []
    return list(GuidanceAssignment.objects.filter(campaign_id=campaign_id, group__seats__user=user).values_list("org__path", flat=True))


def _role_guidance_paths(user) -> list[str]:
    """Standing guidance-member role grants (not tied to a campaign's groups)."""
    from dangjian.core.models import RoleGrant

    if not getattr(user, "pk", None):
        return []
    return list(RoleGrant.objects.filter(user=user, role=Role.GUIDANCE_MEMBER).values_list("org__path", flat=True))


def may_review(user, unit_task: UnitTask) -> bool:
    """Review (return or approve) the unit's submissions for this task.

    The reviewer is who the task names: the guidance group assigned to the unit (or to a unit
    above it), the level above the unit, or the office. The office (who may manage the
    campaign) may always review; a guidance task for a unit no group covers falls to it."""
    task = unit_task.task
    campaign = task.campaign
    scope = scope_of(user)
    if Perm.REVIEW in scope.is_global or may_manage(user, campaign):
        return True
    path = unit_task.org.path
    if task.reviewer == Reviewer.PARENT:
        parent = path[:-STEP]
        return bool(parent) and scope.covers(Perm.REVIEW, parent)
    if task.reviewer == Reviewer.GUIDANCE:
        covering = _guidance_paths(user, campaign.pk) + _role_guidance_paths(user)
        return any(path.startswith(p) for p in covering)
    return False


def _uncovered_by_guidance() -> Exists:
    """No guidance group of the unit task's campaign with someone to act for it (an account
    in a seat) covers its unit, by its own assignment or that of a unit above it. A prefix
    test that runs on both databases."""
    covering = (
        GuidanceAssignment.objects.filter(campaign_id=OuterRef("task__campaign_id"), group__seats__user__isnull=False)
        .annotate(plen=Length("org__path"))
        .filter(org__path=Substr(OuterRef("org__path"), 1, F("plen")))
    )
    return ~Exists(covering)


def reviewable_q(user, *, designated: bool = False) -> Q | None:
    """Unit tasks whose submissions the user may review (any status); None: all of them.

    With `designated`, only those the task names the user for (the to-do list): the office
    gets office-reviewed tasks and guidance tasks no group covers, not everything it may
    review; an admin gets the units directly below its org for tasks reviewed by the level
    above. At most two queries, whatever the number of units."""
    scope = scope_of(user)
    if Perm.REVIEW in scope.is_global:
        return None
    q = Q(pk__in=[])
    for p in scope.paths(Perm.MANAGE_CAMPAIGN):
        in_campaign = subtree_q("task__campaign__org__path", p)
        if designated:
            q |= in_campaign & (Q(task__reviewer=Reviewer.OFFICE) | (Q(task__reviewer=Reviewer.GUIDANCE) & _uncovered_by_guidance()))
        else:
            q |= in_campaign
    for p in scope.paths(Perm.REVIEW):
        # The unit's parent lies in the subtree at p (designated: the parent is p itself).
        depth = Q(org__depth=len(p) // STEP + 1) if designated else Q(org__depth__gt=len(p) // STEP)
        q |= Q(task__reviewer=Reviewer.PARENT) & depth & subtree_q("org__path", p)
    if getattr(user, "pk", None):
        rows = GuidanceAssignment.objects.filter(group__seats__user=user).values_list("campaign_id", "org__path")
        for campaign_id, p in rows:
            q |= Q(task__reviewer=Reviewer.GUIDANCE, task__campaign_id=campaign_id) & subtree_q("org__path", p)
        for p in _role_guidance_paths(user):
            q |= Q(task__reviewer=Reviewer.GUIDANCE) & subtree_q("org__path", p)
    return q


def waiting_for_review(user) -> QuerySet[UnitTask]:
    """Submissions waiting for this user's review, as the task names the reviewer (the
    to-do list). The office may review more (see may_review) but is not asked to."""
    qs = UnitTask.objects.filter(active=True, status__in=WAITING_REVIEW, task__status=TaskStatus.PUBLISHED)
    q = reviewable_q(user, designated=True)
    qs = qs if q is None else qs.filter(q)
    if getattr(user, "pk", None):
        qs = qs.exclude(submitted_by=user)
    return qs


# ---------------------------------------------------------------- campaigns

def _require_manage(user, campaign: Campaign) -> None:
    if not may_manage(user, campaign):
        _refuse()


def _campaign_errors(name: str, starts_on, ends_on) -> dict:
    errors = {}
    if not (name or "").strip():
        errors["name"] = "名称不能为空"
    if starts_on is None:
        errors["starts_on"] = "请填写开始日期"
    if ends_on is None:
        errors["ends_on"] = "请填写结束日期"
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    return errors


CAMPAIGN_FIELDS = ("name", "starts_on", "ends_on", "requirements", "goals", "description", "status")


@transaction.atomic
def create_campaign(user, *, org: Org, name: str, starts_on: dt.date, ends_on: dt.date, requirements: str = "",
                    goals: str = "", description: str = "", status: str = CampaignStatus.DRAFT) -> Campaign:
    if not can(user, Perm.MANAGE_CAMPAIGN, org):
        _refuse()
    errors = _campaign_errors(name, starts_on, ends_on)
    if status not in CampaignStatus.values:
        errors["status"] = "状态无效"
    if errors:
        raise ValidationError(errors)
    campaign = Campaign(org=org, name=name.strip(), starts_on=starts_on, ends_on=ends_on, requirements=requirements,
                        goals=goals, description=description, status=status, created_by=user if user.pk else None)
    stamp(campaign, user).save()
    return campaign


@transaction.atomic
def update_campaign(user, campaign: Campaign, **changes) -> Campaign:
    _require_manage(user, campaign)
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({k: "不能修改此字段" for k in unknown})
    for k, v in changes.items():
        setattr(campaign, k, v.strip() if isinstance(v, str) and k == "name" else v)
    errors = _campaign_errors(campaign.name, campaign.starts_on, campaign.ends_on)
    if campaign.status not in CampaignStatus.values:
        errors["status"] = "状态无效"
    if errors:
        raise ValidationError(errors)
    stamp(campaign, user).save()
    return campaign


@transaction.atomic
def save_phase(user, campaign: Campaign, *, phase: Phase | None = None, name: str, order: int = 0,
               starts_on=None, ends_on=None, description: str = "") -> Phase:
    _require_manage(user, campaign)
    errors = {}
    if not name.strip():
        errors["name"] = "阶段名称不能为空"
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    if errors:
        raise ValidationError(errors)
    phase = phase or Phase(campaign=campaign)
    if phase.campaign_id != campaign.pk:
        _refuse()
    phase.name, phase.order, phase.starts_on, phase.ends_on, phase.description = name.strip(), order, starts_on, ends_on, description
    phase.save()
    return phase


@transaction.atomic
def delete_phase(user, phase: Phase) -> None:
    _require_manage(user, phase.campaign)
    phase.delete()


# ---------------------------------------------------------------- groups

@transaction.atomic
def save_working_group(user, campaign: Campaign, *, group: WorkingGroup | None = None, kind: str, name: str,
                       duties: str = "", order: int = 0) -> WorkingGroup:
    _require_manage(user, campaign)
    errors = {}
    if kind not in WorkingGroupKind.values:
        errors["kind"] = "类型无效"
    if not name.strip():
        errors["name"] = "名称不能为空"
    if errors:
        raise ValidationError(errors)
    group = group or WorkingGroup(campaign=campaign)
    if group.campaign_id != campaign.pk:
        _refuse()
    group.kind, group.name, group.duties, group.order = kind, name.strip(), duties, order
    group.save()
    return group


@transaction.atomic
def save_guidance_group(user, campaign: Campaign, *, group: GuidanceGroup | None = None, name: str, order: int = 0,
                        note: str = "") -> GuidanceGroup:
    _require_manage(user, campaign)
    if not name.strip():
        raise ValidationError({"name": "名称不能为空"})
    group = group or GuidanceGroup(campaign=campaign)
    if group.campaign_id != campaign.pk:
        _refuse()
    group.name, group.order, group.note = name.strip(), order, note
    stamp(group, user).save()
    return group


def _group_campaign(group: WorkingGroup | GuidanceGroup) -> Campaign:
    return group.campaign


@transaction.atomic
def save_seat(user, group: WorkingGroup | GuidanceGroup, *, seat: Seat | None = None, role: str, name: str,
              title: str = "", duty: str = "", phone: str = "", account=None, member=None, order: int = 0) -> Seat:
    """Add or change a person in a group. Linking an account to a guidance-group seat gives it
    the group's scope over the assigned units."""
    _require_manage(user, _group_campaign(group))
    errors = {}
    if role not in SeatRole.values:
        errors["role"] = "组内职务无效"
    if not name.strip():
        errors["name"] = "姓名不能为空"
    if errors:
        raise ValidationError(errors)
    if seat is None:
        seat = Seat(**({"guidance_group": group} if isinstance(group, GuidanceGroup) else {"working_group": group}))
    elif (seat.guidance_group_id or seat.working_group_id) != group.pk:
        _refuse()
    seat.role, seat.name, seat.title, seat.duty, seat.phone = role, name.strip(), title, duty, phone
    seat.user, seat.member, seat.order = account, member, order
    stamp(seat, user).save()
    if account is not None:
        from dangjian.core.scoping import forget

        forget(account)
    return seat


@transaction.atomic
def remove_seat(user, seat: Seat) -> None:
    group = seat.guidance_group or seat.working_group
    _require_manage(user, _group_campaign(group))
    stamp(seat, user).delete()


@transaction.atomic
def assign_units(user, group: GuidanceGroup, orgs: list[Org]) -> list[GuidanceAssignment]:
    """Make `orgs` exactly the group's assigned units. A unit already with another group of the
    campaign is refused, naming the unit and the group."""
    campaign = group.campaign
    _require_manage(user, campaign)
    errors = []
    for org in orgs:
        if not org.path.startswith(campaign.org.path):
            errors.append(f"“{org.name}”不在本次主题教育范围内")
    # A unit, a unit above it or a unit below it already with another group of the campaign.
    others = list(
        GuidanceAssignment.objects.filter(campaign=campaign).exclude(group=group)
        .values_list("org__path", "org__name", "group__name")
    )
    for org in orgs:
        for path, name, other in others:
            if path == org.path:
                errors.append(f"“{org.name}”已由{other}联系")
            elif org.path.startswith(path) or path.startswith(org.path):
                errors.append(f"“{org.name}”与{other}联系的“{name}”上下级重叠")
    if errors:
        raise ValidationError({"orgs": errors})
    wanted = {o.pk for o in orgs}
    for a in group.assignments.exclude(org_id__in=wanted):
        stamp(a, user).delete()
    have = set(group.assignments.values_list("org_id", flat=True))
    for org in orgs:
        if org.pk not in have:
            stamp(GuidanceAssignment(campaign=campaign, group=group, org=org), user).save()
    return list(group.assignments.select_related("org"))


def small_units(campaign: Campaign, threshold: int = 3) -> QuerySet[Org]:
    """Secondary units of the campaign with fewer than `threshold` leaders (candidates for
    joint activities, seed 002)."""
    from django.db.models import Count

    return (
        Org.objects.filter(subtree_q("path", campaign.org.path), depth=campaign.org.depth + 1)
        .annotate(leaders=Count("leadership_team__positions", distinct=True))
        .filter(leaders__lt=threshold)
        .order_by("order", "path")
    )


@transaction.atomic
def save_joint_group(user, campaign: Campaign, *, joint: JointGroup | None = None, name: str, lead_org: Org,
                     orgs: list[Org], note: str = "") -> JointGroup:
    _require_manage(user, campaign)
    errors = {}
    if not name.strip():
        errors["name"] = "名称不能为空"
    if len(orgs) < 2:
        errors["orgs"] = "至少选择两个单位合并开展"
    if lead_org not in orgs:
        errors["lead_org"] = "牵头单位必须是合并单位之一"
    outside = [o.name for o in orgs if not o.path.startswith(campaign.org.path)]
    if outside:
        errors["orgs"] = "、".join(outside) + " 不在本次主题教育范围内"
    if errors:
        raise ValidationError(errors)
    joint = joint or JointGroup(campaign=campaign)
    joint.name, joint.lead_org, joint.note = name.strip(), lead_org, note
    joint.save()
    joint.orgs.set(orgs)
    return joint


# ---------------------------------------------------------------- tasks

@dataclass
class TaskData:
    """What a task says, as every entry point hands it in."""

    title: str
    starts_on: dt.date | None
    due_on: dt.date | None
    description: str = ""
    kind: str = TaskKind.GENERAL
    phase: Phase | None = None
    order: int = 0
    target_mode: str = TargetMode.KINDS
    target_kinds: list[str] = field(default_factory=list)
    target_depth: int | None = None
    target_root: Org | None = None
    target_orgs: list[Org] = field(default_factory=list)
    evidence_required: list[str] = field(default_factory=list)
    evidence_note: str = ""
    reviewer: str = Reviewer.GUIDANCE
    fields: list[dict] = field(default_factory=list)


FIELD_TYPES = {"text": "文本", "number": "数字", "date": "日期"}


def task_errors(campaign: Campaign, data: TaskData) -> dict:
    errors: dict = {}
    if not data.title.strip():
        errors["title"] = "任务名称不能为空"
    if data.starts_on is None:
        errors["starts_on"] = "请填写开始日期"
    if data.due_on is None:
        errors["due_on"] = "请填写截止日期"
    elif data.starts_on and data.due_on < data.starts_on:
        errors["due_on"] = "截止日期不能早于开始日期"
    if data.kind not in TaskKind.values:
        errors["kind"] = "任务类型无效"
    if data.phase is not None and data.phase.campaign_id != campaign.pk:
        errors["phase"] = "阶段不属于本次主题教育"
    if data.reviewer not in Reviewer.values:
        errors["reviewer"] = "审核方无效"
    bad_kinds = [k for k in data.evidence_required if k not in EvidenceKind.values]
    if bad_kinds:
        errors["evidence_required"] = f"佐证材料类型无效：{'、'.join(bad_kinds)}"
    if data.target_mode == TargetMode.KINDS:
        bad = [k for k in data.target_kinds if k not in OrgKind.values]
        if bad:
            errors["target_kinds"] = f"组织类型无效：{'、'.join(bad)}"
        if data.target_depth is not None and data.target_depth < campaign.org.depth:
            errors["target_depth"] = "层级不能高于牵头党组织"
        if not data.target_kinds and data.target_depth is None:
            errors["target_kinds"] = "请选择组织类型或层级"
    elif data.target_mode == TargetMode.LIST:
        if not data.target_orgs:
            errors["target_orgs"] = "请选择下发单位"
        outside = [o.name for o in data.target_orgs if not o.path.startswith(campaign.org.path)]
        if outside:
            errors["target_orgs"] = f"不在本次主题教育范围内：{'、'.join(outside)}"
    elif data.target_mode == TargetMode.SUBTREE:
        if data.target_root is None:
            errors["target_root"] = "请选择下发到的组织"
        elif not data.target_root.path.startswith(campaign.org.path):
            errors["target_root"] = "该组织不在本次主题教育范围内"
    else:
        errors["target_mode"] = "下发范围无效"
    keys = set()
    for i, f in enumerate(data.fields, start=1):
        key, label, ftype = str(f.get("key", "")).strip(), str(f.get("label", "")).strip(), f.get("type", "text")
        if not key or not label:
            errors["fields"] = f"第{i}个填报项缺少名称"
        elif key in keys:
            errors["fields"] = f"填报项“{label}”重复"
        elif ftype not in FIELD_TYPES:
            errors["fields"] = f"填报项“{label}”的类型无效"
        keys.add(key)
    return errors


def _clean_fields(fields: list[dict]) -> list[dict]:
    return [{"key": str(f["key"]).strip(), "label": str(f["label"]).strip(), "type": f.get("type", "text"),
             "required": bool(f.get("required"))} for f in fields]


def _apply(task: Task, data: TaskData) -> None:
    task.title, task.description, task.kind, task.phase = data.title.strip(), data.description, data.kind, data.phase
    task.starts_on, task.due_on, task.order = data.starts_on, data.due_on, data.order
    task.target_mode, task.target_kinds, task.target_depth = data.target_mode, list(data.target_kinds), data.target_depth
    task.target_root = data.target_root
    task.evidence_required = list(dict.fromkeys(data.evidence_required))
    task.evidence_note, task.reviewer, task.fields = data.evidence_note, data.reviewer, _clean_fields(data.fields)


@transaction.atomic
def create_task(user, campaign: Campaign, data: TaskData) -> Task:
    _require_manage(user, campaign)
    errors = task_errors(campaign, data)
    if errors:
        raise ValidationError(errors)
    task = Task(campaign=campaign)
    _apply(task, data)
    if not task.order:
        # New tasks go after the existing ones unless an order is given.
        last = campaign.tasks.order_by("-order").values_list("order", flat=True).first()
        task.order = (last or 0) + 10
    stamp(task, user).save()
    task.target_orgs.set(data.target_orgs if data.target_mode == TargetMode.LIST else [])
    return task


@transaction.atomic
def update_task(user, task: Task, data: TaskData) -> Task:
    """Change a task. A published task is re-synced with its targets: work already done is kept
    (see `sync_unit_tasks`)."""
    campaign = task.campaign
    _require_manage(user, campaign)
    errors = task_errors(campaign, data)
    if errors:
        raise ValidationError(errors)
    Task.objects.select_for_update().filter(pk=task.pk).first()
    _apply(task, data)
    stamp(task, user).save()
    task.target_orgs.set(data.target_orgs if data.target_mode == TargetMode.LIST else [])
    if task.status == TaskStatus.PUBLISHED:
        sync_unit_tasks(task)
    return task


def target_orgs(task: Task) -> QuerySet[Org]:
    """The units a task reaches, always inside the campaign's subtree."""
    root = task.campaign.org
    qs = Org.objects.filter(subtree_q("path", root.path))
    if task.target_mode == TargetMode.KINDS:
        if task.target_kinds:
            qs = qs.filter(kind__in=task.target_kinds)
        if task.target_depth is not None:
            qs = qs.filter(depth=task.target_depth)
    elif task.target_mode == TargetMode.LIST:
        qs = qs.filter(pk__in=task.target_orgs.values("pk"))
    else:
        qs = qs.filter(subtree_q("path", task.target_root.path)) if task.target_root else qs.none()
    return qs


@dataclass
class SyncResult:
    created: int = 0
    reactivated: int = 0
    deactivated: int = 0
    deleted: int = 0


def sync_unit_tasks(task: Task) -> SyncResult:
    """Make the task's unit tasks match its targets, in bulk: new targets get a unit task;
    units no longer targeted lose theirs if nothing was done, and otherwise keep it inactive
    (not counted, still readable) so no work is lost; re-targeted units get theirs back."""
    result = SyncResult()
    wanted = set(target_orgs(task).values_list("pk", flat=True))
    existing = dict(UnitTask.objects.filter(task=task).values_list("org_id", "active"))
    new = wanted - existing.keys()
    UnitTask.objects.bulk_create([UnitTask(task=task, org_id=o) for o in sorted(new)], batch_size=2000)
    result.created = len(new)
    back = [o for o, active in existing.items() if o in wanted and not active]
    if back:
        result.reactivated = UnitTask.objects.filter(task=task, org_id__in=back).update(active=True)
    gone = [o for o in existing if o not in wanted]
    if gone:
        untouched = UnitTask.objects.filter(task=task, org_id__in=gone, status=UnitTaskStatus.NOT_STARTED, submission_count=0,
                                            evidence__isnull=True)
        result.deleted = UnitTask.objects.filter(pk__in=list(untouched.values_list("pk", flat=True))).delete()[1].get(UnitTask._meta.label, 0)
        result.deactivated = UnitTask.objects.filter(task=task, org_id__in=gone, active=True).update(active=False)
    return result


@transaction.atomic
def publish_task(user, task: Task) -> SyncResult:
    """Publish: one unit task per targeted unit, in one transaction."""
    _require_manage(user, task.campaign)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.status == TaskStatus.PUBLISHED:
        raise ValidationError({"status": "该任务已发布"})
    if not target_orgs(task).exists():
        raise ValidationError({"target_mode": "下发范围内没有单位"})
    task.status, task.published_at, task.published_by = TaskStatus.PUBLISHED, timezone.now(), user if user.pk else None
    stamp(task, user, "发布").save()
    return sync_unit_tasks(task)


@transaction.atomic
def withdraw_task(user, task: Task) -> None:
    """Take a published task back. Unit tasks and their work stay; they reappear if it is
    published again."""
    _require_manage(user, task.campaign)
    if task.status != TaskStatus.PUBLISHED:
        raise ValidationError({"status": "只能撤回已发布的任务"})
    task.status = TaskStatus.WITHDRAWN
    stamp(task, user, "撤回").save()


@transaction.atomic
def delete_task(user, task: Task) -> None:
    _require_manage(user, task.campaign)
    if task.unit_tasks.exclude(status=UnitTaskStatus.NOT_STARTED).exists():
        raise ValidationError({"status": "已有单位开展工作的任务不能删除，可撤回"})
    stamp(task, user).delete()


# ---------------------------------------------------------------- unit tasks

def unit_tasks_for(user, perm: str = Perm.VIEW) -> QuerySet[UnitTask]:
    from dangjian.core.scoping import restrict

    return restrict(UnitTask.objects.all(), user, perm)


def get_unit_task(user, pk: int) -> UnitTask:
    """A unit task the user may see (404 otherwise), with what its pages need."""
    from dangjian.core.scoping import get_in_scope

    qs = UnitTask.objects.select_related("task__campaign__org", "task__phase", "org", "submitted_by")
    return get_in_scope(qs, user, Perm.VIEW, pk=pk)


def _log(ut: UnitTask, before: str, user, comment: str = "") -> None:
    Transition.objects.create(unit_task=ut, from_status=before, to_status=ut.status, actor=user if user.pk else None,
                              comment=comment)


def _save_transition(ut: UnitTask, before: str, user, comment: str, reason: str) -> None:
    try:
        with transaction.atomic():
            stamp(ut, user, reason).save()
    except ConcurrentTransition:
        raise ValidationError({"status": "该任务刚被他人处理过，请刷新后查看最新状态"}) from None
    _log(ut, before, user, comment)


def is_open(ut: UnitTask) -> bool:
    """The unit task is still in force: its unit is targeted and the task is published."""
    return ut.active and ut.task.status == TaskStatus.PUBLISHED


def may_work_now(user, ut: UnitTask) -> bool:
    """The user may fill in, upload and submit on this unit task in its present state."""
    return is_open(ut) and ut.status in OPEN_FOR_WORK and may_act(user, ut)


def may_review_now(user, ut: UnitTask) -> bool:
    """The user may return or approve the submission waiting on this unit task now."""
    return (is_open(ut) and ut.status in WAITING_REVIEW and ut.submitted_by_id != getattr(user, "pk", None)
            and may_review(user, ut))


def _require_open(ut: UnitTask) -> None:
    if not is_open(ut):
        raise ValidationError({"status": "该任务已不在下发范围内或已撤回"})


def _require_act(user, ut: UnitTask) -> None:
    if not may_act(user, ut):
        _refuse()
    _require_open(ut)


def _editable(ut: UnitTask) -> None:
    if ut.status not in (UnitTaskStatus.NOT_STARTED, UnitTaskStatus.IN_PROGRESS, UnitTaskStatus.RETURNED):
        raise ValidationError({"status": f"任务{ut.get_status_display()}，不能修改；被退回后可修改"})


def value_errors(task: Task, values: dict, *, for_submit: bool) -> dict:
    errors = {}
    for f in task.fields:
        v = values.get(f["key"], "")
        v = "" if v is None else str(v).strip()
        if not v:
            if for_submit and f.get("required"):
                errors[f"values.{f['key']}"] = f"请填写“{f['label']}”"
            continue
        if f["type"] == "number":
            try:
                float(v)
            except ValueError:
                errors[f"values.{f['key']}"] = f"“{f['label']}”应为数字"
        elif f["type"] == "date":
            try:
                dt.date.fromisoformat(v)
            except ValueError:
                errors[f"values.{f['key']}"] = f"“{f['label']}”应为日期（如 2026-04-23）"
    return errors


@transaction.atomic
def save_work(user, ut: UnitTask, *, values: dict | None = None, plan_text: str | None = None) -> UnitTask:
    """Save what the unit has filled in so far (a draft); the task counts as in progress."""
    _require_act(user, ut)
    _editable(ut)
    if values is not None:
        known = {f["key"] for f in ut.task.fields}
        extra = set(values) - known
        errors = {f"values.{k}": "没有这个填报项" for k in extra}
        errors.update(value_errors(ut.task, values, for_submit=False))
        if errors:
            raise ValidationError(errors)
        ut.values = {k: "" if v is None else str(v).strip() for k, v in values.items()}
    if plan_text is not None:
        ut.plan_text = plan_text
    before = ut.status
    if ut.status == UnitTaskStatus.NOT_STARTED:
        ut.start()
        _save_transition(ut, before, user, "", "开始")
    else:
        stamp(ut, user, "保存").save()
    return ut


def _mark_started(user, ut: UnitTask) -> None:
    if ut.status == UnitTaskStatus.NOT_STARTED:
        ut.start()
        _save_transition(ut, UnitTaskStatus.NOT_STARTED, user, "", "开始")


@transaction.atomic
def add_evidence(user, ut: UnitTask, *, kind: str, upload=None, record_ref: str = "", record_label: str = "",
                 description: str = "") -> Evidence:
    """Attach evidence: a file or photo (checked by content and size) or a link to a record."""
    _require_act(user, ut)
    _editable(ut)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": "佐证材料类型无效"})
    ev = Evidence(unit_task=ut, kind=kind, description=description.strip()[:200], uploaded_by=user if user.pk else None)
    if kind == EvidenceKind.RECORD:
        if not record_ref.strip() or not record_label.strip():
            raise ValidationError({"record_ref": "请选择要关联的记录"})
        ev.record_ref, ev.record_label = record_ref.strip()[:100], record_label.strip()[:200]
    else:
        allowed = files.IMAGES if kind == EvidenceKind.PHOTO else files.ANY
        ev.content_type = files.check_upload(upload, allowed=allowed)
        ev.original_name = upload.name[-200:]
        ev.size = upload.size
        ev.file.save(upload.name, upload, save=False)
    ev.save()
    _mark_started(user, ut)
    return ev


@transaction.atomic
def remove_evidence(user, ev: Evidence) -> None:
    """Take evidence off the current work. Evidence that a submitted version holds stays stored
    for that version."""
    ut = ev.unit_task
    _require_act(user, ut)
    _editable(ut)
    if ev.submissions.exists():
        ev.removed = True
        ev.save(update_fields=["removed"])
    else:
        if ev.file:
            ev.file.delete(save=False)
        ev.delete()


def current_evidence(ut: UnitTask) -> QuerySet[Evidence]:
    return ut.evidence.filter(removed=False)


def submit_errors(ut: UnitTask) -> dict:
    """What is missing for a submission: required fields, evidence kinds, the plan itself."""
    task = ut.task
    errors = value_errors(task, ut.values, for_submit=True)
    kinds = set(current_evidence(ut).values_list("kind", flat=True))
    missing = [EvidenceKind(k).label for k in task.evidence_required if k not in kinds]
    if missing:
        errors["evidence"] = f"缺少佐证材料：{'、'.join(missing)}"
    if task.kind == TaskKind.WORK_PLAN and not ut.plan_text.strip() and not kinds & {EvidenceKind.FILE}:
        errors["plan_text"] = "请填写方案正文或上传方案文件"
    return errors


@transaction.atomic
def submit(user, ut: UnitTask, *, note: str = "") -> Submission:
    """Submit (or resubmit after a return) for review: a new version with the fields, plan text
    and evidence as they are now."""
    _require_act(user, ut)
    if ut.status not in (UnitTaskStatus.NOT_STARTED, UnitTaskStatus.IN_PROGRESS, UnitTaskStatus.RETURNED):
        raise ValidationError({"status": f"任务{ut.get_status_display()}，不能提交"})
    errors = submit_errors(ut)
    if errors:
        raise ValidationError(errors)
    before = ut.status
    (ut.resubmit if before == UnitTaskStatus.RETURNED else ut.submit)()
    ut.submitted_by = user if user.pk else None
    _save_transition(ut, before, user, note, "提交")
    sub = Submission.objects.create(unit_task=ut, version=ut.submission_count, values=dict(ut.values), plan_text=ut.plan_text,
                                    note=note, submitted_by=ut.submitted_by)
    sub.evidence.set(current_evidence(ut))
    return sub


def _review(user, ut: UnitTask, *, approve: bool, comment: str) -> Submission:
    if not may_review(user, ut):
        _refuse("无权审核该任务")
    _require_open(ut)
    if ut.status not in WAITING_REVIEW:
        raise ValidationError({"status": f"任务{ut.get_status_display()}，没有待审核的提交"})
    if ut.submitted_by_id and ut.submitted_by_id == user.pk:
        raise ValidationError({"status": "不能审核自己提交的材料"})
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "退回时请填写意见"})
    before = ut.status
    try:
        (ut.approve if approve else ut.return_)()
    except TransitionNotAllowed:
        raise ValidationError({"status": "当前状态不能审核"}) from None
    _save_transition(ut, before, user, comment, "审核通过" if approve else "退回")
    sub = ut.submissions.order_by("-version").first()
    if sub is not None:
        sub.decision = Decision.APPROVED if approve else Decision.RETURNED
        sub.review_comment, sub.reviewed_by, sub.reviewed_at = comment, user if user.pk else None, timezone.now()
        sub.save(update_fields=["decision", "review_comment", "reviewed_by", "reviewed_at"])
    return sub


@transaction.atomic
def approve(user, ut: UnitTask, *, comment: str = "") -> Submission:
    return _review(user, ut, approve=True, comment=comment)


@transaction.atomic
def return_unit_task(user, ut: UnitTask, *, comment: str) -> Submission:
    return _review(user, ut, approve=False, comment=comment)


