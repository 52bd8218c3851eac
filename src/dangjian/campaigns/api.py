"""API of the campaign engine: campaigns, phases, working and guidance groups, tasks, unit tasks
through their lifecycle, and evidence. Thin: every read goes through the scoping policy
(services.visible_campaigns / get_unit_task / core.scoping), every write through a domain
function of campaigns.services, which checks scope and validates."""
from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from dangjian.campaigns import services
from dangjian.campaigns.models import (
    OPEN_FOR_WORK,
    Campaign,
    Evidence,
    EvidenceKind,
    GuidanceAssignment,
    GuidanceGroup,
    Phase,
    Seat,
    Submission,
    Task,
    TaskStatus,
    UnitTask,
    WorkingGroup,
    overdue_q,
)
from dangjian.campaigns.schemas import (
    CampaignDetail,
    CampaignFilters,
    CampaignIn,
    CampaignPage,
    CampaignPatch,
    EvidenceOut,
    GuidanceGroupIn,
    GuidanceGroupOut,
    GuidanceGroupPatch,
    PhaseIn,
    PhaseOut,
    PhasePatch,
    PublishOut,
    RecordEvidenceIn,
    ReviewIn,
    SeatIn,
    SeatOut,
    SeatPatch,
    SubmissionOut,
    SubmitIn,
    TaskFilters,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    TransitionOut,
    UnitsIn,
    UnitTaskDetail,
    UnitTaskFilters,
    UnitTaskPage,
    WorkIn,
    WorkingGroupIn,
    WorkingGroupOut,
    WorkingGroupPatch,
)
from dangjian.core import files
from dangjian.core.api import BODY_PARAM, ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, get_in_scope, restrict, subtree_q
from dangjian.orgs.models import Member, Org

router = Router(tags=["主题教育"])
TAG_GROUPS = ["主题教育 · 工作机构与巡回指导组"]
TAG_TASKS = ["主题教育 · 工作任务"]
TAG_UNIT = ["主题教育 · 单位任务"]


def _username(user) -> str | None:
    return user.username if user is not None else None


def _nulls(changes: dict, allowed: set[str] = frozenset()) -> dict:
    """Fields a PATCH sent as null that must keep a value."""
    return {k: "不能为空" for k, v in changes.items() if v is None and k not in allowed}


def _value(v):
    return getattr(v, "value", v)


# --- campaigns ------------------------------------------------------------------------------

def _campaign_out(user, c: Campaign) -> dict:
    return {
        "id": c.pk, "org": c.org.code, "org_name": c.org.name, "name": c.name, "starts_on": c.starts_on,
        "ends_on": c.ends_on, "status": c.status, "status_label": c.get_status_display(),
        "requirements": c.requirements, "goals": c.goals, "description": c.description,
        "created_at": c.created_at, "may_manage": services.may_manage(user, c),
    }


def _campaign_detail(user, c: Campaign) -> dict:
    return {**_campaign_out(user, c), "phases": [_phase_out(p) for p in c.phases.all()]}


def _phase_out(p: Phase) -> dict:
    return {"id": p.pk, "campaign": p.campaign_id, "name": p.name, "order": p.order, "starts_on": p.starts_on,
            "ends_on": p.ends_on, "description": p.description}


@router.get("/campaigns", response={200: CampaignPage, **READ_ERRORS}, summary="主题教育列表")
def list_campaigns(request, filters: Query[CampaignFilters]):
    """Campaigns run by an org the caller sees, or by an org above one (a unit sees the
    campaign its committee runs); newest first."""
    user = request.auth
    qs = services.visible_campaigns(user)
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    result = page(qs.order_by("-starts_on", "-pk"), filters)
    result["items"] = [_campaign_out(user, c) for c in result["items"]]
    return result


@router.post("/campaigns", response={201: CampaignDetail, **ERRORS}, summary="新建主题教育")
def create_campaign(request, payload: CampaignIn):
    user = request.auth
    data = payload.model_dump()
    data["org"] = _org_by_code("org", payload.org)
    data["status"] = payload.status.value
    campaign = services.create_campaign(user, **data)
    return Status(201, _campaign_detail(user, campaign))


@router.get("/campaigns/{campaign_id}", response={200: CampaignDetail, **READ_ERRORS}, summary="主题教育详情")
def get_campaign(request, campaign_id: int):
    user = request.auth
    return _campaign_detail(user, services.get_campaign(user, campaign_id))


@router.patch("/campaigns/{campaign_id}", response={200: CampaignDetail, **ERRORS}, summary="修改主题教育")
def update_campaign(request, campaign_id: int, payload: CampaignPatch):
    """Partial: the fields sent replace the stored ones."""
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes)
    if nulls:
        raise ValidationError(nulls)
    campaign = services.update_campaign(user, campaign, **{k: _value(v) for k, v in changes.items()})
    return _campaign_detail(user, campaign)


# --- phases ---------------------------------------------------------------------------------

def _phase(user, phase_id: int) -> Phase:
    phase = Phase.objects.select_related("campaign__org").filter(
        pk=phase_id, campaign__in=services.visible_campaigns(user)).first()
    if phase is None:
        raise Http404
    return phase


@router.get("/campaigns/{campaign_id}/phases", response={200: list[PhaseOut], **READ_ERRORS}, summary="阶段列表")
def list_phases(request, campaign_id: int):
    campaign = services.get_campaign(request.auth, campaign_id)
    return [_phase_out(p) for p in campaign.phases.all()]


@router.post("/campaigns/{campaign_id}/phases", response={201: PhaseOut, **ERRORS}, summary="新增阶段")
def create_phase(request, campaign_id: int, payload: PhaseIn):
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    return Status(201, _phase_out(services.save_phase(user, campaign, **payload.model_dump())))


@router.patch("/phases/{phase_id}", response={200: PhaseOut, **ERRORS}, summary="修改阶段")
def update_phase(request, phase_id: int, payload: PhasePatch):
    user = request.auth
    phase = _phase(user, phase_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes, {"starts_on", "ends_on"})
    if nulls:
        raise ValidationError(nulls)
    data = {f: getattr(phase, f) for f in ("name", "order", "starts_on", "ends_on", "description")} | changes
    return _phase_out(services.save_phase(user, phase.campaign, phase=phase, **data))


@router.delete("/phases/{phase_id}", response={204: None, **ERRORS}, summary="删除阶段")
def delete_phase(request, phase_id: int):
    """The phase's tasks stay, without a phase."""
    user = request.auth
    services.delete_phase(user, _phase(user, phase_id))
    return Status(204, None)


# --- working and guidance groups ------------------------------------------------------------

def _seat_out(s: Seat) -> dict:
    return {"id": s.pk, "role": s.role, "role_label": s.get_role_display(), "name": s.name, "title": s.title,
            "duty": s.duty, "phone": s.phone, "account": _username(s.user), "member": s.member_id, "order": s.order}


def _seats() -> Prefetch:
    return Prefetch("seats", queryset=Seat.objects.select_related("user").order_by("order", "pk"))


def _wg_out(g: WorkingGroup) -> dict:
    return {"id": g.pk, "campaign": g.campaign_id, "kind": g.kind, "kind_label": g.get_kind_display(),
            "name": g.name, "duties": g.duties, "order": g.order, "seats": [_seat_out(s) for s in g.seats.all()]}


def _gg_out(g: GuidanceGroup) -> dict:
    units = sorted(g.assignments.all(), key=lambda a: a.org.path)
    return {"id": g.pk, "campaign": g.campaign_id, "name": g.name, "order": g.order, "note": g.note,
            "seats": [_seat_out(s) for s in g.seats.all()],
            "units": [{"code": a.org.code, "name": a.org.name} for a in units]}


def _working_groups(user) -> QuerySet[WorkingGroup]:
    return (WorkingGroup.objects.filter(campaign__in=services.visible_campaigns(user))
            .select_related("campaign__org").prefetch_related(_seats()))


def _guidance_groups(user) -> QuerySet[GuidanceGroup]:
    return (GuidanceGroup.objects.filter(campaign__in=services.visible_campaigns(user))
            .select_related("campaign__org")
            .prefetch_related(_seats(), Prefetch("assignments", queryset=GuidanceAssignment.objects.select_related("org"))))


def _one(qs: QuerySet, pk: int):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@router.get("/campaigns/{campaign_id}/working-groups", response={200: list[WorkingGroupOut], **READ_ERRORS},
            summary="工作机构列表", tags=TAG_GROUPS)
def list_working_groups(request, campaign_id: int):
    """The leading group, its office and the working groups, each with its people."""
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    return [_wg_out(g) for g in _working_groups(user).filter(campaign=campaign).order_by("order", "pk")]


@router.post("/campaigns/{campaign_id}/working-groups", response={201: WorkingGroupOut, **ERRORS},
             summary="新增工作机构", tags=TAG_GROUPS)
def create_working_group(request, campaign_id: int, payload: WorkingGroupIn):
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    data = payload.model_dump()
    data["kind"] = payload.kind.value
    group = services.save_working_group(user, campaign, **data)
    return Status(201, _wg_out(_one(_working_groups(user), group.pk)))


@router.patch("/working-groups/{group_id}", response={200: WorkingGroupOut, **ERRORS}, summary="修改工作机构",
              tags=TAG_GROUPS)
def update_working_group(request, group_id: int, payload: WorkingGroupPatch):
    user = request.auth
    group = _one(_working_groups(user), group_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes)
    if nulls:
        raise ValidationError(nulls)
    data = {f: getattr(group, f) for f in ("kind", "name", "duties", "order")} | {k: _value(v) for k, v in changes.items()}
    services.save_working_group(user, group.campaign, group=group, **data)
    return _wg_out(_one(_working_groups(user), group.pk))


@router.get("/campaigns/{campaign_id}/guidance-groups", response={200: list[GuidanceGroupOut], **READ_ERRORS},
            summary="巡回指导组列表", tags=TAG_GROUPS)
def list_guidance_groups(request, campaign_id: int):
    """Each guidance group with its people and its assigned units."""
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    return [_gg_out(g) for g in _guidance_groups(user).filter(campaign=campaign).order_by("order", "pk")]


@router.post("/campaigns/{campaign_id}/guidance-groups", response={201: GuidanceGroupOut, **ERRORS},
             summary="新增巡回指导组", tags=TAG_GROUPS)
def create_guidance_group(request, campaign_id: int, payload: GuidanceGroupIn):
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    group = services.save_guidance_group(user, campaign, **payload.model_dump())
    return Status(201, _gg_out(_one(_guidance_groups(user), group.pk)))


@router.patch("/guidance-groups/{group_id}", response={200: GuidanceGroupOut, **ERRORS}, summary="修改巡回指导组",
              tags=TAG_GROUPS)
def update_guidance_group(request, group_id: int, payload: GuidanceGroupPatch):
    user = request.auth
    group = _one(_guidance_groups(user), group_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes)
    if nulls:
        raise ValidationError(nulls)
    data = {f: getattr(group, f) for f in ("name", "order", "note")} | changes
    services.save_guidance_group(user, group.campaign, group=group, **data)
    return _gg_out(_one(_guidance_groups(user), group.pk))


@router.put("/guidance-groups/{group_id}/units", response={200: GuidanceGroupOut, **ERRORS},
            summary="设置巡回指导组的联系单位", tags=TAG_GROUPS)
def assign_units(request, group_id: int, payload: UnitsIn):
    """Replace the group's assigned units. A unit already assigned to another group of the
    campaign is refused (422 on `orgs`, naming the unit and the group)."""
    user = request.auth
    group = _one(_guidance_groups(user), group_id)
    codes = list(dict.fromkeys(payload.orgs))
    orgs = {o.code: o for o in Org.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in orgs]
    if unknown:
        raise ValidationError({"orgs": f"组织不存在：{'、'.join(unknown)}"})
    services.assign_units(user, group, [orgs[c] for c in codes])
    return _gg_out(_one(_guidance_groups(user), group.pk))


def _seat_refs(user, changes: dict) -> dict:
    """Turn `account` (a username) and `member` (an id) into records; 422 when unknown."""
    errors, out = {}, dict(changes)
    if "account" in changes:
        out["account"] = None
        if changes["account"]:
            out["account"] = get_user_model().objects.filter(username=changes["account"]).first()
            if out["account"] is None:
                errors["account"] = f"账号“{changes['account']}”不存在"
    if "member" in changes:
        out["member"] = None
        if changes["member"] is not None:
            # A member the caller does not see is named as unknown: no hint that it exists.
            out["member"] = restrict(Member.objects.all(), user).filter(pk=changes["member"]).first()
            if out["member"] is None:
                errors["member"] = "党员不存在或不在您的查看范围内"
    if errors:
        raise ValidationError(errors)
    return out


def _seat_created(user, group, payload: SeatIn) -> dict:
    data = _seat_refs(user, payload.model_dump())
    data["role"] = payload.role.value
    seat = services.save_seat(user, group, **data)
    return _seat_out(Seat.objects.select_related("user").get(pk=seat.pk))


@router.post("/working-groups/{group_id}/seats", response={201: SeatOut, **ERRORS}, summary="工作机构新增人员",
             tags=TAG_GROUPS)
def create_working_seat(request, group_id: int, payload: SeatIn):
    user = request.auth
    return Status(201, _seat_created(user, _one(_working_groups(user), group_id), payload))


@router.post("/guidance-groups/{group_id}/seats", response={201: SeatOut, **ERRORS}, summary="巡回指导组新增人员",
             tags=TAG_GROUPS)
def create_guidance_seat(request, group_id: int, payload: SeatIn):
    """Linking an `account` gives it the group's scope over the assigned units."""
    user = request.auth
    return Status(201, _seat_created(user, _one(_guidance_groups(user), group_id), payload))


def _seat(user, seat_id: int) -> Seat:
    visible = services.visible_campaigns(user)
    qs = Seat.objects.select_related("user", "working_group__campaign__org", "guidance_group__campaign__org")
    return _one(qs.filter(Q(working_group__campaign__in=visible) | Q(guidance_group__campaign__in=visible)), seat_id)


SEAT_FIELDS = ("role", "name", "title", "duty", "phone", "order")


@router.patch("/seats/{seat_id}", response={200: SeatOut, **ERRORS}, summary="修改组成人员", tags=TAG_GROUPS)
def update_seat(request, seat_id: int, payload: SeatPatch):
    user = request.auth
    seat = _seat(user, seat_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes, {"account", "member"})
    if nulls:
        raise ValidationError(nulls)
    data = {f: getattr(seat, f) for f in SEAT_FIELDS} | {"account": seat.user, "member": seat.member}
    data |= _seat_refs(user, {k: _value(v) for k, v in changes.items()})
    previous = seat.user
    services.save_seat(user, seat.guidance_group or seat.working_group, seat=seat, **data)
    if previous is not None and previous != data["account"]:
        from dangjian.core.scoping import forget

        forget(previous)
    return _seat_out(Seat.objects.select_related("user").get(pk=seat.pk))


@router.delete("/seats/{seat_id}", response={204: None, **ERRORS}, summary="移除组成人员", tags=TAG_GROUPS)
def delete_seat(request, seat_id: int):
    user = request.auth
    services.remove_seat(user, _seat(user, seat_id))
    return Status(204, None)


# --- tasks ----------------------------------------------------------------------------------

def _tasks(user, campaign: Campaign | None = None) -> QuerySet[Task]:
    """Tasks of campaigns the caller sees; drafts only to who may manage the campaign."""
    qs = Task.objects.filter(campaign__in=services.visible_campaigns(user)) if campaign is None else campaign.tasks.all()
    return (qs.select_related("campaign__org", "phase", "target_root")
            .prefetch_related(Prefetch("target_orgs", queryset=Org.objects.order_by("path")))
            .annotate(unit_count=Count("unit_tasks", filter=Q(unit_tasks__active=True))))


def _task(user, task_id: int) -> Task:
    task = _one(_tasks(user), task_id)
    if task.status == TaskStatus.DRAFT and not services.may_manage(user, task.campaign):
        raise Http404
    return task


def _task_out(t: Task) -> dict:
    return {
        "id": t.pk, "campaign": t.campaign_id, "phase": t.phase_id, "phase_name": t.phase.name if t.phase else None,
        "kind": t.kind, "kind_label": t.get_kind_display(), "title": t.title, "description": t.description,
        "starts_on": t.starts_on, "due_on": t.due_on, "order": t.order,
        "target_mode": t.target_mode, "target_mode_label": t.get_target_mode_display(),
        "target_kinds": t.target_kinds, "target_depth": t.target_depth,
        "target_root": t.target_root.code if t.target_root else None,
        "target_orgs": [o.code for o in t.target_orgs.all()],
        "evidence_required": t.evidence_required, "evidence_note": t.evidence_note,
        "reviewer": t.reviewer, "reviewer_label": t.get_reviewer_display(), "fields": t.fields,
        "status": t.status, "status_label": t.get_status_display(), "published_at": t.published_at,
        "unit_count": getattr(t, "unit_count", 0),
    }


def _task_data(campaign: Campaign, values: dict) -> services.TaskData:
    """TaskData from request values (codes and ids resolved; unknown ones are 422)."""
    errors = {}
    data = {k: _value(v) for k, v in values.items()}
    data["target_kinds"] = [_value(k) for k in data.get("target_kinds") or []]
    data["evidence_required"] = [_value(k) for k in data.get("evidence_required") or []]
    data["fields"] = [dict(f) for f in data.get("fields") or []]
    phase = data.get("phase")
    if phase is not None and not isinstance(phase, Phase):
        data["phase"] = campaign.phases.filter(pk=phase).first()
        if data["phase"] is None:
            errors["phase"] = "阶段不存在或不属于本次主题教育"
    root = data.get("target_root")
    if root is not None and not isinstance(root, Org):
        data["target_root"] = Org.objects.filter(code=root).first()
        if data["target_root"] is None:
            errors["target_root"] = f"组织“{root}”不存在"
    codes = [c for c in data.get("target_orgs") or [] if not isinstance(c, Org)]
    if codes:
        found = {o.code: o for o in Org.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            errors["target_orgs"] = f"组织不存在：{'、'.join(unknown)}"
        data["target_orgs"] = [found[c] for c in dict.fromkeys(codes) if c in found]
    if errors:
        raise ValidationError(errors)
    return services.TaskData(**data)


TASK_FIELDS = tuple(services.TaskData.__dataclass_fields__)


@router.get("/campaigns/{campaign_id}/tasks", response={200: TaskPage, **READ_ERRORS}, summary="工作任务列表",
            tags=TAG_TASKS)
def list_tasks(request, campaign_id: int, filters: Query[TaskFilters]):
    """The campaign's tasks in order; unpublished drafts only for who may manage it."""
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    qs = _tasks(user, campaign)
    if not services.may_manage(user, campaign):
        qs = qs.exclude(status=TaskStatus.DRAFT)
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    if filters.phase:
        qs = qs.filter(phase_id=filters.phase)
    result = page(qs.order_by("order", "due_on", "pk"), filters)
    result["items"] = [_task_out(t) for t in result["items"]]
    return result


@router.post("/campaigns/{campaign_id}/tasks", response={201: TaskOut, **ERRORS}, summary="新建工作任务",
             tags=TAG_TASKS)
def create_task(request, campaign_id: int, payload: TaskIn):
    """A draft: units see it once it is published."""
    user = request.auth
    campaign = services.get_campaign(user, campaign_id)
    task = services.create_task(user, campaign, _task_data(campaign, payload.model_dump()))
    return Status(201, _task_out(_one(_tasks(user), task.pk)))


@router.get("/tasks/{task_id}", response={200: TaskOut, **READ_ERRORS}, summary="工作任务详情", tags=TAG_TASKS)
def get_task(request, task_id: int):
    return _task_out(_task(request.auth, task_id))


@router.patch("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="修改工作任务", tags=TAG_TASKS)
def update_task(request, task_id: int, payload: TaskPatch):
    """Partial. Changing a published task's targets re-syncs its unit tasks and keeps the work
    already done (units no longer targeted keep theirs, inactive)."""
    user = request.auth
    task = _task(user, task_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes, {"phase", "target_depth", "target_root"})
    if nulls:
        raise ValidationError(nulls)
    current = {f: getattr(task, f) for f in TASK_FIELDS if f != "target_orgs"}
    current["target_orgs"] = list(task.target_orgs.all())
    data = _task_data(task.campaign, current | changes)
    services.update_task(user, task, data)
    return _task_out(_one(_tasks(user), task.pk))


@router.delete("/tasks/{task_id}", response={204: None, **ERRORS}, summary="删除工作任务", tags=TAG_TASKS)
def delete_task(request, task_id: int):
    """Only while no unit has started on it; otherwise withdraw it."""
    user = request.auth
    services.delete_task(user, _task(user, task_id))
    return Status(204, None)


@router.post("/tasks/{task_id}/publish", response={200: PublishOut, **ERRORS}, summary="发布工作任务",
             tags=TAG_TASKS)
def publish_task(request, task_id: int):
    """One unit task per targeted unit, in one transaction."""
    user = request.auth
    task = _task(user, task_id)
    result = services.publish_task(user, task)
    return {"task": _task_out(_one(_tasks(user), task.pk)), **vars(result)}


@router.post("/tasks/{task_id}/withdraw", response={200: TaskOut, **ERRORS}, summary="撤回工作任务",
             tags=TAG_TASKS)
def withdraw_task(request, task_id: int):
    """Unit tasks and their work stay; they come back if the task is published again."""
    user = request.auth
    task = _task(user, task_id)
    services.withdraw_task(user, task)
    return _task_out(_one(_tasks(user), task.pk))


# --- unit tasks -----------------------------------------------------------------------------

def _org_by_code(field: str, code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({field: f"组织“{code}”不存在"})
    return org


def _ut_out(ut: UnitTask, today) -> dict:
    task = ut.task
    return {
        "id": ut.pk, "campaign": task.campaign_id, "task": task.pk, "task_title": task.title,
        "org": ut.org.code, "org_name": ut.org.name, "status": ut.status, "status_label": ut.get_status_display(),
        "overdue": ut.is_overdue(today), "due_on": task.due_on, "active": ut.active,
        "submission_count": ut.submission_count, "submitted_at": ut.submitted_at, "approved_at": ut.approved_at,
        "updated_at": ut.updated_at,
    }


def _evidence_out(ev: Evidence) -> dict:
    return {
        "id": ev.pk, "kind": ev.kind, "kind_label": ev.get_kind_display(), "original_name": ev.original_name,
        "content_type": ev.content_type, "size": ev.size,
        "file_url": reverse("api:evidence_file", kwargs={"evidence_id": ev.pk}) if ev.file else None,
        "record_ref": ev.record_ref, "record_label": ev.record_label, "description": ev.description,
        "uploaded_by": _username(ev.uploaded_by), "uploaded_at": ev.uploaded_at, "removed": ev.removed,
    }


def _submissions(ut: UnitTask) -> list[dict]:
    qs = (ut.submissions.select_related("submitted_by", "reviewed_by")
          .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by").order_by("uploaded_at", "pk")))
          .order_by("version"))
    return [_submission_out(s) for s in qs]


def _submission_out(s: Submission) -> dict:
    return {
        "id": s.pk, "version": s.version, "values": s.values, "plan_text": s.plan_text, "note": s.note,
        "submitted_by": _username(s.submitted_by), "submitted_at": s.submitted_at,
        "decision": s.decision, "decision_label": s.get_decision_display(), "review_comment": s.review_comment,
        "reviewed_by": _username(s.reviewed_by), "reviewed_at": s.reviewed_at,
        "evidence": [_evidence_out(e) for e in s.evidence.all()],
    }


def _current_evidence(ut: UnitTask) -> list[dict]:
    return [_evidence_out(e) for e in services.current_evidence(ut).select_related("uploaded_by").order_by("uploaded_at", "pk")]


def _detail(user, ut: UnitTask) -> dict:
    task = ut.task
    may_act = services.may_work_now(user, ut)
    may_review = services.may_review_now(user, ut)
    return {
        **_ut_out(ut, timezone.localdate()),
        "campaign_name": task.campaign.name,
        "task_detail": {
            "id": task.pk, "title": task.title, "kind": task.kind, "kind_label": task.get_kind_display(),
            "description": task.description, "phase_name": task.phase.name if task.phase else None,
            "starts_on": task.starts_on, "due_on": task.due_on, "evidence_required": task.evidence_required,
            "evidence_note": task.evidence_note, "reviewer": task.reviewer, "reviewer_label": task.get_reviewer_display(),
            "fields": task.fields, "status": task.status, "status_label": task.get_status_display(),
        },
        "values": ut.values, "plan_text": ut.plan_text, "submitted_by": _username(ut.submitted_by),
        "may_act": may_act, "may_review": may_review,
        "missing": services.submit_errors(ut) if ut.status in OPEN_FOR_WORK else {},
        "evidence": _current_evidence(ut),
        "submissions": _submissions(ut),
    }


def _fresh(user, ut: UnitTask) -> dict:
    return _detail(user, services.get_unit_task(user, ut.pk))


@router.get("/unit-tasks", response={200: UnitTaskPage, **READ_ERRORS}, summary="单位任务列表", tags=TAG_UNIT)
def list_unit_tasks(request, filters: Query[UnitTaskFilters]):
    """Unit tasks of published tasks still in their target, that the caller sees: a unit its
    own subtree, a guidance group its assigned units, the office the whole campaign."""
    user = request.auth
    base = services.waiting_for_review(user) if filters.waiting_review else UnitTask.objects.all()
    qs = restrict(base, user).filter(active=True, task__status=TaskStatus.PUBLISHED)
    if filters.campaign:
        qs = qs.filter(task__campaign_id=filters.campaign)
    if filters.task:
        qs = qs.filter(task_id=filters.task)
    if filters.org:
        org = Org.objects.filter(code=filters.org).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("org__path", org)) if org else qs.none()
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    today = timezone.localdate()
    if filters.overdue is not None:
        qs = qs.filter(overdue_q(today)) if filters.overdue else qs.exclude(overdue_q(today))
    qs = qs.select_related("task", "org").order_by("task__campaign_id", "task__order", "task__due_on", "task_id", "org__path")
    result = page(qs, filters)
    result["items"] = [_ut_out(ut, today) for ut in result["items"]]
    return result


@router.get("/unit-tasks/{unit_task_id}", response={200: UnitTaskDetail, **READ_ERRORS}, summary="单位任务详情",
            tags=TAG_UNIT)
def get_unit_task(request, unit_task_id: int):
    """The task as the unit sees it, what it filled in, its current evidence, every submitted
    version with its review, and what the caller may do now."""
    user = request.auth
    return _detail(user, services.get_unit_task(user, unit_task_id))


@router.patch("/unit-tasks/{unit_task_id}", response={200: UnitTaskDetail, **ERRORS}, summary="填报（保存草稿）",
              tags=TAG_UNIT)
def save_work(request, unit_task_id: int, payload: WorkIn):
    """Save the fields (`values`: only the keys sent change; null clears one) and the plan
    text. The unit task counts as in progress."""
    user = request.auth
    ut = services.get_unit_task(user, unit_task_id)
    values = None
    if payload.values is not None:
        values = {**ut.values, **{k: "" if v is None else v for k, v in payload.values.items()}}
    services.save_work(user, ut, values=values, plan_text=payload.plan_text)
    return _fresh(user, ut)


@router.post("/unit-tasks/{unit_task_id}/submit", response={200: UnitTaskDetail, **ERRORS}, summary="提交审核",
             tags=TAG_UNIT)
def submit(request, unit_task_id: int, payload: SubmitIn):
    """Submit (or resubmit after a return): a new version with the fields, plan text and
    evidence as they are now. What is missing is a 422 naming it (`evidence`, `values.<key>`,
    `plan_text`)."""
    user = request.auth
    ut = services.get_unit_task(user, unit_task_id)
    services.submit(user, ut, note=payload.note)
    return _fresh(user, ut)


@router.post("/unit-tasks/{unit_task_id}/return", response={200: UnitTaskDetail, **ERRORS}, summary="退回",
             tags=TAG_UNIT)
def return_unit_task(request, unit_task_id: int, payload: ReviewIn):
    """Return the latest submission with a comment (required). Two reviewers at once: the
    second gets a 422 on `status`."""
    user = request.auth
    ut = services.get_unit_task(user, unit_task_id)
    services.return_unit_task(user, ut, comment=payload.comment)
    return _fresh(user, ut)


@router.post("/unit-tasks/{unit_task_id}/approve", response={200: UnitTaskDetail, **ERRORS}, summary="审核通过",
             tags=TAG_UNIT)
def approve(request, unit_task_id: int, payload: ReviewIn):
    user = request.auth
    ut = services.get_unit_task(user, unit_task_id)
    services.approve(user, ut, comment=payload.comment)
    return _fresh(user, ut)


@router.get("/unit-tasks/{unit_task_id}/submissions", response={200: list[SubmissionOut], **READ_ERRORS},
            summary="提交版本", tags=TAG_UNIT)
def list_submissions(request, unit_task_id: int):
    """Every submitted version, oldest first, each with its evidence and review."""
    return _submissions(services.get_unit_task(request.auth, unit_task_id))


@router.get("/unit-tasks/{unit_task_id}/transitions", response={200: list[TransitionOut], **READ_ERRORS},
            summary="状态变更记录", tags=TAG_UNIT)
def list_transitions(request, unit_task_id: int):
    ut = services.get_unit_task(request.auth, unit_task_id)
    return [
        {"id": t.pk, "from_status": t.from_status, "from_status_label": t.get_from_status_display(),
         "to_status": t.to_status, "to_status_label": t.get_to_status_display(), "actor": _username(t.actor),
         "actor_name": t.actor.display_name if t.actor else None, "at": t.at, "comment": t.comment}
        for t in ut.transitions.select_related("actor").order_by("at", "pk")
    ]


# --- evidence -------------------------------------------------------------------------------

_EVIDENCE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {
                        "kind": {"type": "string", "enum": EvidenceKind.values, "description": "file 文件，photo 照片，record 关联记录"},
                        "file": {"type": "string", "format": "binary", "description": "kind 为 file 或 photo 时必填；按内容检查类型与大小"},
                        "record_ref": {"type": "string", "description": "kind 为 record 时必填"},
                        "record_label": {"type": "string", "description": "kind 为 record 时必填"},
                        "description": {"type": "string", "maxLength": 200},
                    },
                },
            },
            "application/json": {"schema": RecordEvidenceIn.model_json_schema()},
        },
    },
}


def _evidence_input(request) -> dict:
    """The upload as multipart (kind, file, …) or, for a linked record, as JSON."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"null")
            data = RecordEvidenceIn.model_validate(body).model_dump()
        except json.JSONDecodeError:
            raise ValidationError({"__all__": "请求体不是有效的 JSON"}) from None
        except PydanticValidationError as exc:
            raise NinjaValidationError(
                [{**e, "loc": ("body", BODY_PARAM, *e["loc"])} for e in exc.errors(include_url=False)]) from None
        data["kind"] = data["kind"].value
        if data["kind"] != EvidenceKind.RECORD:
            raise ValidationError({"kind": "上传文件或照片请用 multipart/form-data"})
        return data
    post = request.POST
    if not post.get("kind"):
        raise ValidationError({"kind": "此项为必填项"})
    return {"kind": post["kind"], "upload": request.FILES.get("file"), "record_ref": post.get("record_ref", ""),
            "record_label": post.get("record_label", ""), "description": post.get("description", "")}


@router.post("/unit-tasks/{unit_task_id}/evidence", response={201: EvidenceOut, **ERRORS}, summary="上传佐证材料",
             tags=TAG_UNIT, openapi_extra=_EVIDENCE_BODY)
def add_evidence(request, unit_task_id: int):
    """A file or photo as `multipart/form-data` (`kind`, `file`), checked by its content and
    size (422 on `file` naming what is allowed); or a linked record (`kind=record`,
    `record_ref`, `record_label`) as a form or JSON."""
    user = request.auth
    ut = services.get_unit_task(user, unit_task_id)
    data = _evidence_input(request)
    if data["kind"] != EvidenceKind.RECORD and "upload" not in data:
        data["upload"] = None
    ev = services.add_evidence(user, ut, **data)
    return Status(201, _evidence_out(Evidence.objects.select_related("uploaded_by").get(pk=ev.pk)))


@router.get("/unit-tasks/{unit_task_id}/evidence", response={200: list[EvidenceOut], **READ_ERRORS},
            summary="当前佐证材料", tags=TAG_UNIT)
def list_evidence(request, unit_task_id: int):
    """The evidence on the current work (removed evidence stays in the submitted versions)."""
    return _current_evidence(services.get_unit_task(request.auth, unit_task_id))


def _evidence(user, evidence_id: int) -> Evidence:
    return get_in_scope(Evidence.objects.select_related("unit_task__task__campaign__org", "unit_task__org"),
                        user, Perm.VIEW, pk=evidence_id)


@router.delete("/evidence/{evidence_id}", response={204: None, **ERRORS}, summary="移除佐证材料", tags=TAG_UNIT)
def delete_evidence(request, evidence_id: int):
    """Off the current work; a version already submitted keeps it."""
    user = request.auth
    ev = _evidence(user, evidence_id)
    if ev.removed:
        raise Http404
    services.remove_evidence(user, ev)
    return Status(204, None)


@router.get("/evidence/{evidence_id}/file", response=READ_ERRORS, summary="下载或预览佐证材料",
            tags=TAG_UNIT, url_name="evidence_file",
            openapi_extra={"responses": {"200": {"description": "文件内容：图片与 PDF 可在浏览器中预览，其他类型下载",
                                                 "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def evidence_file(request, evidence_id: int, download: bool = False):
    """The stored file, only within scope. `download=true` asks for a download even where the
    browser could preview it."""
    ev = _evidence(request.auth, evidence_id)
    if not ev.file:
        raise Http404
    try:
        return files.serve(ev.file, name=ev.original_name or ev.file.name.rsplit("/", 1)[-1],
                           content_type=ev.content_type, download=download)
    except FileNotFoundError:
        raise Http404 from None
