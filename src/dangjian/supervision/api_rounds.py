"""API of inspection plans, rounds, coverage and the group workspace. Scoped like the pages:
the office (MANAGE_CAMPAIGN at the campaign's org) plans and edits; the office and the members
of the groups concerned read; a group sees only its own coverage rows and workspace."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from ninja import Query, Router, Status

from dangjian.campaigns.models import Campaign
from dangjian.core.api import ERRORS, READ_ERRORS, PageParams, page
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.models import Org
from dangjian.supervision import plans as p
from dangjian.supervision import workspace as ws
from dangjian.supervision.models import GroupNotice, InspectionPlan, Round
from dangjian.supervision.schemas_rounds import (
    CoverageFilters,
    CoveragePage,
    NoticeIn,
    NoticeOut,
    NoticePage,
    PlanDetail,
    PlanIn,
    PlanPage,
    PlanPatch,
    RoundDetail,
    RoundFilters,
    RoundIn,
    RoundPage,
    RoundPatch,
    SplitIn,
    WorkspaceOut,
)

router = Router(tags=["督促指导"])


def _plan_out(plan: InspectionPlan) -> dict:
    return {"id": plan.pk, "campaign": plan.campaign_id, "campaign_name": plan.campaign.name, "org": plan.org.code, "title": plan.title,
            "starts_on": plan.starts_on, "ends_on": plan.ends_on, "target_units": plan.target_units, "target_branches": plan.target_branches,
            "target_members": plan.target_members, "note": plan.note, "created_at": plan.created_at}


def _plan_detail(plan: InspectionPlan) -> dict:
    return _plan_out(plan) | {"progress": [{"key": t.key, "label": t.label, "target": t.target, "done": t.done, "percent": t.percent}
                                           for t in p.plan_progress(plan)]}


@router.get("/supervision/plans", response={200: PlanPage, **READ_ERRORS}, summary="督查计划列表")
def list_plans(request, params: Query[PageParams]):
    qs = p.plans_for(request.auth).select_related("campaign", "org").order_by("-starts_on", "-pk")
    result = page(qs, params)
    result["items"] = [_plan_out(x) for x in result["items"]]
    return result


@router.post("/supervision/plans", response={201: PlanDetail, **ERRORS}, summary="制定督查计划")
def create_plan(request, payload: PlanIn):
    user = request.auth
    campaign = restrict(Campaign.objects.select_related("org"), user, Perm.VIEW).filter(pk=payload.campaign).first()
    if campaign is None:
        raise ValidationError({"campaign": "没有这个主题教育"})
    data = p.PlanData(title=payload.title, starts_on=payload.starts_on, ends_on=payload.ends_on, target_units=payload.target_units,
                      target_branches=payload.target_branches, target_members=payload.target_members, note=payload.note)
    plan = p.create_plan(user, campaign, data)
    return Status(201, _plan_detail(p.get_plan(user, plan.pk)))


@router.get("/supervision/plans/{plan_id}", response={200: PlanDetail, **READ_ERRORS}, summary="督查计划详情和完成情况")
def get_plan(request, plan_id: int):
    return _plan_detail(p.get_plan(request.auth, plan_id))


@router.patch("/supervision/plans/{plan_id}", response={200: PlanDetail, **ERRORS}, summary="修改督查计划")
def update_plan(request, plan_id: int, payload: PlanPatch):
    user = request.auth
    plan = p.get_plan(user, plan_id)
    given = payload.dict(exclude_unset=True)
    data = p.PlanData(**{k: given[k] if given.get(k) is not None else getattr(plan, k)
                         for k in ("title", "starts_on", "ends_on", "target_units", "target_branches", "target_members", "note")})
    p.update_plan(user, plan, data)
    return _plan_detail(p.get_plan(user, plan.pk))


# ------------------------------------------------------------------------------ rounds
def _round_out(r: Round) -> dict:
    return {"id": r.pk, "plan": r.plan_id, "name": r.name, "starts_on": r.starts_on, "ends_on": r.ends_on, "focus": r.focus,
            "status": r.status, "status_label": r.get_status_display(), "units": r.n_units, "covered": r.n_covered, "activities": r.n_activities}


def _round_detail(user, pk: int) -> dict:
    r = p.rounds_with_counts(p.rounds_for(user).filter(pk=pk)).select_related("plan__campaign", "plan__org").first()
    if r is None:
        raise Http404
    cov = p.coverage_by_group(user, r)
    return _round_out(r) | {"full": cov.full, "groups": [
        {"group": g.group_id, "name": g.name, "units": g.units, "covered": g.covered, "left": g.left, "percent": g.percent, "full": g.full}
        for g in cov.groups]}


def _split(split: list[SplitIn]) -> dict[int, int]:
    codes = {s.org for s in split}
    orgs = dict(Org.objects.filter(code__in=codes).values_list("code", "pk"))
    errors, out = [], {}
    for i, s in enumerate(split, 1):
        org = orgs.get(s.org)
        if org is None:
            errors.append(f"第{i}项：没有编码为“{s.org}”的组织")
        elif org in out:
            errors.append(f"第{i}项：单位“{s.org}”重复")
        else:
            out[org] = s.group
    if errors:
        raise ValidationError({"split": errors})
    return out


@router.get("/supervision/rounds", response={200: RoundPage, **READ_ERRORS}, summary="督查轮次列表（含覆盖数）")
def list_rounds(request, filters: Query[RoundFilters]):
    qs = p.rounds_for(request.auth)
    if filters.plan:
        qs = qs.filter(plan_id=filters.plan)
    if filters.status:
        qs = qs.filter(status=filters.status)
    result = page(p.rounds_with_counts(qs).order_by("-starts_on", "-pk"), filters)
    result["items"] = [_round_out(r) for r in result["items"]]
    return result


@router.post("/supervision/plans/{plan_id}/rounds", response={201: RoundDetail, **ERRORS}, summary="安排督查轮次（分工默认按各指导组联系单位）")
def create_round(request, plan_id: int, payload: RoundIn):
    user = request.auth
    plan = p.get_plan(user, plan_id)
    data = p.RoundData(name=payload.name, starts_on=payload.starts_on, ends_on=payload.ends_on, focus=payload.focus)
    if not p.may_manage_plan(user, plan):
        raise PermissionDenied("只有主题教育办公室可以安排督查轮次")
    split = None if payload.split is None else _split(payload.split)
    rnd = p.create_round(user, plan, data, split)
    return Status(201, _round_detail(user, rnd.pk))


@router.get("/supervision/rounds/{round_id}", response={200: RoundDetail, **READ_ERRORS}, summary="督查轮次和各组覆盖情况")
def get_round(request, round_id: int):
    return _round_detail(request.auth, round_id)


@router.patch("/supervision/rounds/{round_id}", response={200: RoundDetail, **ERRORS}, summary="修改督查轮次、开始或结束、调整分工")
def update_round(request, round_id: int, payload: RoundPatch):
    user = request.auth
    rnd = p.get_round(user, round_id)
    if not p.may_manage_plan(user, rnd.plan):
        raise PermissionDenied("只有主题教育办公室可以修改督查轮次")
    given = payload.dict(exclude_unset=True)
    with transaction.atomic():
        if any(k in given for k in ("name", "starts_on", "ends_on", "focus")):
            data = p.RoundData(**{k: given[k] if given.get(k) is not None else getattr(rnd, k) for k in ("name", "starts_on", "ends_on", "focus")})
            p.update_round(user, rnd, data)
        if payload.split is not None:
            p.set_round_units(user, rnd, _split(payload.split))
        if payload.status is not None:
            p.set_round_status(user, rnd, payload.status)
    return _round_detail(user, rnd.pk)


@router.get("/supervision/rounds/{round_id}/coverage", response={200: CoveragePage, **READ_ERRORS}, summary="覆盖明细（指导组×单位）")
def round_coverage(request, round_id: int, filters: Query[CoverageFilters]):
    user = request.auth
    rnd = p.get_round(user, round_id)
    qs = p.coverage_rows(user, rnd, filters.group)
    if filters.left:
        qs = qs.filter(visited=False)
    result = page(qs, filters)
    result["items"] = [{"group": r.group_id, "group_name": r.group.name, "org": r.org.code, "org_name": r.org.name, "visited": r.visited,
                        "activities": r.activities, "interviewed": r.interviewed, "last_on": r.last_on} for r in result["items"]]
    return result


# ------------------------------------------------------------------------------ workspace
def _notice_out(n: GroupNotice) -> dict:
    return {"id": n.pk, "group": n.group_id, "title": n.title, "body": n.body, "created_by": str(n.created_by) if n.created_by else "",
            "created_at": n.created_at}


@router.get("/supervision/groups/{group_id}/workspace", response={200: WorkspaceOut, **READ_ERRORS}, summary="指导组工作台")
def group_workspace(request, group_id: int):
    user = request.auth
    group = ws.get_group(user, group_id)
    w = ws.workspace(user, group)
    return {
        "group": group.pk, "name": group.name, "campaign": group.campaign_id, "units": [a.org.code for a in w.assignments],
        "progress": [{"org": r.org.code if r.org else None, "org_name": r.org.name if r.org else r.prefix, "units": r.units,
                      "approved": r.counts.approved, "total": r.counts.total, "done_pct": r.counts.done_pct, "overdue": r.counts.overdue}
                     for r in (w.table.rollups if w.table else [])],
        "recent_activities": [{"id": a.pk, "kind": a.kind, "kind_label": a.get_kind_display(), "held_on": a.held_on, "org": a.org.code,
                               "org_name": a.org.name, "subject": a.subject} for a in w.recent],
        "open_findings": [{"id": f.pk, "org": f.org.code, "org_name": f.org.name, "feedback": f.feedback, "created_at": f.created_at}
                          for f in w.open_findings],
        "open_findings_count": w.n_open_findings,
        "overdue": [{"unit_task": u.pk, "org": u.org.code, "org_name": u.org.name, "task": u.task.title, "due_on": u.task.due_on,
                     "status": u.status} for u in w.overdue],
        "overdue_count": w.n_overdue,
        "seats": [{"role": s.role, "role_label": s.get_role_display(), "name": s.name, "title": s.title, "phone": s.phone} for s in w.seats],
        "contacts": [{"org": c.org_code, "org_name": c.org_name, "unit_liaison": c.unit_liaison, "group_liaisons": c.group_liaisons}
                     for c in w.contacts],
        "notices": [_notice_out(n) for n in w.notices],
    }


@router.get("/supervision/groups/{group_id}/notices", response={200: NoticePage, **READ_ERRORS}, summary="组内通知")
def list_notices(request, group_id: int, params: Query[PageParams]):
    group = ws.get_group(request.auth, group_id)
    result = page(ws.notices_of(group), params)
    result["items"] = [_notice_out(n) for n in result["items"]]
    return result


@router.post("/supervision/groups/{group_id}/notices", response={201: NoticeOut, **ERRORS}, summary="发布组内通知")
def create_notice(request, group_id: int, payload: NoticeIn):
    user = request.auth
    group = ws.get_group(user, group_id)
    return Status(201, _notice_out(ws.create_notice(user, group, payload.title, payload.body)))
