"""API of practical matters (我为群众办实事). Thin: reads go through the scoping policy
(services.matters.matters_for / search), writes through services.matters, the functions the
pages call."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Query, Router, Status

from dangjian.campaigns.models import Campaign, UnitTask
from dangjian.campaigns.services import visible_campaigns
from dangjian.core.api import BODY_PARAM, ERRORS, READ_ERRORS, page
from dangjian.core.audit import history_rows
from dangjian.core.scoping import restrict
from dangjian.orgs.models import Org
from dangjian.orgs.views import present_history
from dangjian.services import matters as sm
from dangjian.services.models import PracticalMatter
from dangjian.services.schemas_matters import (
    EvidenceIn,
    EvidenceOut,
    HistoryRow,
    MatterDetail,
    MatterFilters,
    MatterIn,
    MatterPage,
    MatterPatch,
    ProgressIn,
)

router = Router(tags=["为民服务 · 我为群众办实事"])
assert BODY_PARAM == "payload"


def _value(v):
    return getattr(v, "value", v)


def _org(code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({"org": f"组织“{code}”不存在"})
    return org


def _campaign(user, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    c = visible_campaigns(user).filter(pk=pk).first()
    if c is None:
        raise ValidationError({"campaign": "主题教育不存在或不在查看范围内"})
    return c


def _problem(user, pk: int | None):
    if pk is None:
        return None
    from dangjian.rectification.models import Problem

    p = restrict(Problem.objects.filter(pk=pk), user).first()
    if p is None:
        raise ValidationError({"problem": "对应问题不存在或不在查看范围内"})
    return p


def _out(m: PracticalMatter, today) -> dict:
    return {
        "id": m.pk, "org": m.org.code, "org_name": m.org.name, "title": m.title, "category": m.category,
        "category_label": m.get_category_display(), "leader": m.leader, "owner": m.owner, "starts_on": m.starts_on,
        "due_on": m.due_on, "status": m.status, "status_label": m.get_status_display(), "overdue": sm.is_overdue(m, today),
        "done_on": m.done_on, "beneficiaries": m.beneficiaries,
        "satisfaction": float(m.satisfaction) if m.satisfaction is not None else None,
        "campaign": m.campaign_id, "problem": m.problem_id,
    }


def _detail(user, m: PracticalMatter) -> dict:
    evidence = sm.evidenced_tasks(user, m)
    return {
        **_out(m, timezone.localdate()), "description": m.description, "progress": m.progress, "outcome": m.outcome,
        "created_by": m.created_by.username if m.created_by else None, "created_at": m.created_at, "updated_at": m.updated_at,
        "evidence_for": [{"id": ev.pk, "unit_task": ev.unit_task_id, "task_title": ev.unit_task.task.title,
                          "org": ev.unit_task.org.code, "status": ev.unit_task.status,
                          "status_label": ev.unit_task.get_status_display()} for ev in evidence],
        "may_edit": sm.may_edit(user, m),
    }


@router.get("/services/matters", response={200: MatterPage, **READ_ERRORS}, summary="办实事项目列表")
def list_matters(request, filters: Query[MatterFilters]):
    """Matters of the orgs the caller sees, soonest due first, with counts by status (of the
    matters matching every filter but `status`)."""
    user = request.auth
    today = timezone.localdate()
    base, qs = sm.search(user, org=filters.org or "", status=_value(filters.status) or "", category=_value(filters.category) or "",
                         campaign=filters.campaign, overdue=bool(filters.overdue), q=(filters.q or "").strip(), today=today)
    result = page(qs.select_related("org").order_by("due_on", "pk"), filters)
    result["items"] = [_out(m, today) for m in result["items"]]
    result["counts"] = sm.counts(base, today)
    return result


@router.post("/services/matters", response={201: MatterDetail, **ERRORS}, summary="登记办实事项目")
def create_matter(request, payload: MatterIn):
    """The org needs ACT (secretary, liaison, unit admin, office); else 403. New matters are 未启动."""
    user = request.auth
    data = sm.MatterData(org=_org(payload.org), title=payload.title, owner=payload.owner, starts_on=payload.starts_on,
                         due_on=payload.due_on, category=_value(payload.category), description=payload.description,
                         leader=payload.leader, campaign=_campaign(user, payload.campaign), problem=_problem(user, payload.problem))
    m = sm.save_matter(user, data)
    return Status(201, _detail(user, sm.get_matter(user, m.pk)))


@router.get("/services/matters/{matter_id}", response={200: MatterDetail, **READ_ERRORS}, summary="办实事项目详情")
def get_matter(request, matter_id: int):
    user = request.auth
    return _detail(user, sm.get_matter(user, matter_id))


@router.patch("/services/matters/{matter_id}", response={200: MatterDetail, **ERRORS}, summary="修改办实事项目")
def update_matter(request, matter_id: int, payload: MatterPatch):
    """Partial: the fields sent replace the stored ones. Progress and outcome: POST …/progress."""
    user = request.auth
    m = sm.get_matter(user, matter_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None and k not in ("campaign", "problem")}
    if nulls:
        raise ValidationError(nulls)
    data = sm.MatterData(
        org=_org(changes["org"]) if "org" in changes else m.org, title=changes.get("title", m.title),
        owner=changes.get("owner", m.owner), starts_on=changes.get("starts_on", m.starts_on), due_on=changes.get("due_on", m.due_on),
        category=_value(changes.get("category", m.category)), description=changes.get("description", m.description),
        leader=changes.get("leader", m.leader),
        campaign=_campaign(user, changes["campaign"]) if "campaign" in changes else m.campaign,
        problem=_problem(user, changes["problem"]) if "problem" in changes else m.problem,
    )
    sm.save_matter(user, data, m)
    return _detail(user, sm.get_matter(user, m.pk))


@router.post("/services/matters/{matter_id}/progress", response={200: MatterDetail, **ERRORS}, summary="更新办实事进展")
def record_progress(request, matter_id: int, payload: ProgressIn):
    """Status, progress, and when done (`done`) the outcome (required), the date (not after
    today; default today), beneficiaries and satisfaction (0–100)."""
    user = request.auth
    m = sm.get_matter(user, matter_id)
    data = sm.ProgressData(status=_value(payload.status), progress=payload.progress, outcome=payload.outcome, done_on=payload.done_on,
                           beneficiaries=payload.beneficiaries, satisfaction=payload.satisfaction)
    sm.record_progress(user, m, data)
    return _detail(user, sm.get_matter(user, m.pk))


@router.post("/services/matters/{matter_id}/evidence", response={201: EvidenceOut, **ERRORS}, summary="将办实事项目作为任务佐证材料")
def attach_evidence(request, matter_id: int, payload: EvidenceIn):
    """Link the matter to one of its org's open unit tasks as evidence of kind record
    (`record_ref` services.PracticalMatter:<id>). 422 on `unit_task` when it is another org's
    task, not open for work, or holds the matter already."""
    user = request.auth
    m = sm.get_matter(user, matter_id)
    ut = restrict(UnitTask.objects.select_related("task__campaign", "org"), user).filter(pk=payload.unit_task).first()
    if ut is None:
        if not sm.may_edit(user, m):
            raise PermissionDenied("无权办理该单位的任务")
        raise ValidationError({"unit_task": "单位任务不存在或不在查看范围内"})
    ev = sm.attach_as_evidence(user, m, ut, payload.description)
    return Status(201, {"id": ev.pk, "unit_task": ut.pk, "kind": ev.kind, "record_ref": ev.record_ref, "record_label": ev.record_label})


@router.get("/services/matters/{matter_id}/history", response={200: list[HistoryRow], **READ_ERRORS}, summary="办实事项目变更记录")
def matter_history(request, matter_id: int):
    """Who changed what and when, newest first."""
    user = request.auth
    m = sm.get_matter(user, matter_id)
    rows = present_history(user, PracticalMatter, history_rows(m, limit=200))
    return [{"at": r["at"], "user": str(r["user"]) if r["user"] else None, "type": r["type"], "reason": r["reason"],
             "changes": [{"field": c["field"], "old": str(c["old"]), "new": str(c["new"])} for c in r["changes"]]} for r in rows]
