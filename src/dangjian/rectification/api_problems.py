"""API of problems (问题清单): list, detail, create, update; the tiered review, measures,
evidence, declaration, verification and closing; the steps and the history. Thin: reads go
through the scoping policy (problems.problems_for, get_problem), writes through
rectification.problems, the functions the pages call."""
from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from dangjian.campaigns.models import UnitTask
from dangjian.campaigns.services import visible_campaigns
from dangjian.core import files
from dangjian.core.api import BODY_PARAM, ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.models import Org
from dangjian.orgs.views import present_history
from dangjian.rectification import problems as P
from dangjian.rectification.models import (
    UNDER_WAY,
    MeasureStatus,
    Outcome,
    Problem,
    ProblemEvidence,
)
from dangjian.rectification.schemas_problems import (
    CommentIn,
    EvidenceOut,
    HistoryOut,
    MeasureIn,
    MeasureOut,
    MeasurePatch,
    NoteIn,
    ProblemDetail,
    ProblemFilters,
    ProblemIn,
    ProblemPage,
    ProblemPatch,
    ReviewIn,
    StepOut,
    VerifyIn,
)

router = Router(tags=["检视整改 · 问题清单"])
assert BODY_PARAM == "payload"
BASE = "/rectification/problems"


def _value(v):
    return getattr(v, "value", v)


def _name(user) -> str | None:
    return user.username if user is not None else None


# --------------------------------------------------------------------------------- output

def _out(p: Problem, today) -> dict:
    total = getattr(p, "n_measures", None)
    done = getattr(p, "n_done", None)
    if total is None:
        total, done = p.measures.count(), p.measures.filter(status=MeasureStatus.DONE).count()
    return {
        "id": p.pk, "number": p.number, "org": p.org.code, "org_name": p.org.name, "title": p.title,
        "source": p.source, "source_label": p.get_source_display(), "aspect": p.aspect_id, "aspect_label": str(p.aspect),
        "found_on": p.found_on, "due_on": p.due_on, "leader": p.leader, "owner": p.owner,
        "status": p.status, "status_label": p.get_status_display(),
        "review_org": p.review_org.code if p.review_org_id else None,
        "level_depth": None if p.level_depth >= 99 else p.level_depth,
        "overdue": p.status in UNDER_WAY and p.due_on < today, "measures_total": total, "measures_done": done,
    }


def _measure_out(m, today) -> dict:
    return {"id": m.pk, "text": m.text, "owner": m.owner, "due_on": m.due_on, "status": m.status,
            "status_label": m.get_status_display(), "progress": m.progress, "done_on": m.done_on, "overdue": m.is_overdue(today)}


def _detail(user, p: Problem) -> dict:
    today = timezone.localdate()
    p = P.get_problem(user, p.pk)
    measures = list(p.measures.order_by("order", "pk"))
    out = _out(p, today)
    out.update(measures_total=len(measures), measures_done=sum(1 for m in measures if m.status == MeasureStatus.DONE))
    return {
        **out, "description": p.description, "target": p.target, "campaign": p.campaign_id, "unit_task": p.unit_task_id,
        "activity_ref": p.activity_ref, "research_ref": p.research_ref, "rectification_note": p.rectification_note,
        "submitted_at": p.submitted_at, "accepted_at": p.accepted_at, "rectified_at": p.rectified_at,
        "rectified_by": _name(p.rectified_by), "verified_at": p.verified_at, "verified_by": _name(p.verified_by),
        "closed_at": p.closed_at, "closed_by": _name(p.closed_by), "created_by": _name(p.created_by), "created_at": p.created_at,
        "measures": [_measure_out(m, today) for m in measures],
        "outcomes": list(restrict(Outcome.objects.filter(problems=p), user).order_by("pk").values_list("pk", flat=True)),
        "may_edit": P.may_edit(user, p), "may_review": P.may_review(user, p), "may_verify": P.may_verify_now(user, p),
        "may_close": P.may_close(user, p),
    }


def _evidence_out(ev: ProblemEvidence) -> dict:
    return {
        "id": ev.pk, "measure": ev.measure_id, "kind": "file" if ev.file else "record",
        "name": ev.original_name or ev.record_label, "content_type": ev.content_type, "size": ev.size,
        "record_ref": ev.record_ref, "description": ev.description, "uploaded_by": _name(ev.uploaded_by), "uploaded_at": ev.uploaded_at,
        "url": f"/api/v1/rectification/evidence/{ev.pk}/file" if ev.file else None,
    }


# ---------------------------------------------------------------------------------- input

def _org(user, code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({"org": f"组织“{code}”不存在"})
    if not restrict(Org.objects.filter(pk=org.pk), user).exists():
        raise Http404
    return org


def _links(user, data: dict) -> dict:
    """Resolve campaign and unit_task ids (each within the caller's sight) in `data`."""
    if data.get("campaign") is not None:
        c = visible_campaigns(user).filter(pk=data["campaign"]).first()
        if c is None:
            raise ValidationError({"campaign": "主题教育不存在或不在查看范围内"})
        data["campaign"] = c
    if data.get("unit_task") is not None:
        ut = restrict(UnitTask.objects.filter(pk=data["unit_task"]), user, Perm.ACT).first()
        if ut is None:
            raise ValidationError({"unit_task": "任务不存在或不在办理范围内"})
        data["unit_task"] = ut
    if "source" in data and data["source"] is not None:
        data["source"] = _value(data["source"])
    return data


# ----------------------------------------------------------------------------- problems

@router.get(BASE, response={200: ProblemPage, **READ_ERRORS}, summary="问题列表")
def list_problems(request, filters: Query[ProblemFilters]):
    """Problems of the orgs the caller sees; newest found first. Two queries whatever the size."""
    user = request.auth
    today = timezone.localdate()
    qs = P.problems_for(user)
    org = None
    if filters.org:
        org = restrict(Org.objects.filter(code=filters.org), user).first()
        if org is None:
            qs = qs.none()
    qs = P.filter_problems(user, qs, org=org, status=filters.status or "", aspect=filters.aspect,
                           source=_value(filters.source) or "", overdue=filters.overdue, q=filters.q or "",
                           campaign=filters.campaign, mine=filters.mine or "", today=today)
    qs = P.with_counts(qs.select_related("org", "aspect", "review_org"), today).order_by("-found_on", "-pk")
    result = page(qs, filters)
    result["items"] = [_out(p, today) for p in result["items"]]
    return result


@router.post(BASE, response={201: ProblemDetail, **ERRORS}, summary="录入问题")
def create_problem(request, payload: ProblemIn):
    """A draft on the org's list (ACT or REVIEW at the org; else 403), with its measures;
    `submit: true` sends it up for tiered review at once. A deadline before the found date is
    refused (422 on `due_on`, or `measures.N.due_on`)."""
    user = request.auth
    data = payload.model_dump()
    org = _org(user, data.pop("org"))
    measures = data.pop("measures")
    submit_now = data.pop("submit")
    if not P.may_enter(user, org):
        raise PermissionDenied("无权为该组织录入问题")
    problem = P.create_problem(user, org, _links(user, data), measures, submit_now=submit_now)
    return Status(201, _detail(user, problem))


@router.get(BASE + "/{problem_id}", response={200: ProblemDetail, **READ_ERRORS}, summary="问题详情")
def get_problem(request, problem_id: int):
    user = request.auth
    return _detail(user, P.get_problem(user, problem_id))


@router.patch(BASE + "/{problem_id}", response={200: ProblemDetail, **ERRORS}, summary="修改问题")
def update_problem(request, problem_id: int, payload: ProblemPatch):
    """Partial. Draft or returned: any field. Open or being rectified: only due_on, leader,
    owner and target (422 on `status` otherwise)."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None and k not in ("campaign", "unit_task")}
    if nulls:
        raise ValidationError(nulls)
    if not P.may_edit(user, problem):
        raise PermissionDenied("无权修改该问题")
    P.update_problem(user, problem, _links(user, changes))
    return _detail(user, problem)


@router.post(BASE + "/{problem_id}/submit", response={200: ProblemDetail, **ERRORS}, summary="提交审核")
def submit_problem(request, problem_id: int):
    """A draft or returned problem goes up for tiered review; levels the caller reviews
    themself are approved on the way."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    return _detail(user, P.submit(user, problem))


@router.post(BASE + "/{problem_id}/review", response={200: ProblemDetail, **ERRORS}, summary="分级审核：通过或退回")
def review_problem(request, problem_id: int, payload: ReviewIn):
    """REVIEW at the current level (`review_org`); else 403. Returning needs a `comment`.
    Pass `expected_level` (the review_org id you saw) to refuse a decision already taken."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    return _detail(user, P.review(user, problem, approve=payload.approve, comment=payload.comment,
                                  expected_level=payload.expected_level))


@router.post(BASE + "/{problem_id}/rectified", response={200: ProblemDetail, **ERRORS}, summary="申报整改完成")
def declare_rectified(request, problem_id: int, payload: NoteIn):
    """Every measure done and evidence present (422 on `measures` / `evidence` otherwise)."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    return _detail(user, P.declare_rectified(user, problem, payload.note))


@router.post(BASE + "/{problem_id}/verify", response={200: ProblemDetail, **ERRORS}, summary="验收")
def verify_problem(request, problem_id: int, payload: VerifyIn):
    """REVIEW at the org above the problem's; never the declarer themself (422 on `status`).
    `approve: false` sends it back to rectification and needs a `comment`."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    return _detail(user, P.verify(user, problem, approve=payload.approve, comment=payload.comment))


@router.post(BASE + "/{problem_id}/close", response={200: ProblemDetail, **ERRORS}, summary="销号")
def close_problem(request, problem_id: int, payload: CommentIn):
    """Only a verified problem (422 on `status` otherwise), by those who verify."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    return _detail(user, P.close(user, problem, payload.comment))


@router.get(BASE + "/{problem_id}/steps", response={200: list[StepOut], **READ_ERRORS}, summary="办理记录（分级审核、验收、销号）")
def list_steps(request, problem_id: int):
    problem = P.get_problem(request.auth, problem_id)
    return [{"id": s.pk, "action": s.action, "action_label": s.get_action_display(), "from_status": s.from_status,
             "to_status": s.to_status, "level_org": s.level_org.code if s.level_org else None, "actor": _name(s.actor),
             "at": s.at, "comment": s.comment} for s in P.trail(problem)]


@router.get(BASE + "/{problem_id}/history", response={200: list[HistoryOut], **READ_ERRORS}, summary="变更记录")
def problem_history(request, problem_id: int):
    """Field changes of the problem, its measures and evidence, newest first."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    rows = P.history(problem, 200, present=lambda model, rows: present_history(user, model, rows))
    return [{"at": r["at"], "user": _name(r["user"]), "what": r["what"], "type": r["type"], "reason": r["reason"],
             "changes": [{"field": c["field"], "old": str(c["old"]), "new": str(c["new"])} for c in r["changes"]]} for r in rows]


# ----------------------------------------------------------------------------- measures

@router.get(BASE + "/{problem_id}/measures", response={200: list[MeasureOut], **READ_ERRORS}, summary="整改措施列表")
def list_measures(request, problem_id: int):
    problem = P.get_problem(request.auth, problem_id)
    today = timezone.localdate()
    return [_measure_out(m, today) for m in problem.measures.order_by("order", "pk")]


@router.post(BASE + "/{problem_id}/measures", response={201: MeasureOut, **ERRORS}, summary="添加整改措施")
def add_measure(request, problem_id: int, payload: MeasureIn):
    user = request.auth
    problem = P.get_problem(user, problem_id)
    m = P.add_measure(user, problem, text=payload.text, due_on=payload.due_on, owner=payload.owner)
    return Status(201, _measure_out(m, timezone.localdate()))


@router.patch("/rectification/measures/{measure_id}", response={200: MeasureOut, **ERRORS}, summary="修改整改措施或记录进展")
def update_measure(request, measure_id: int, payload: MeasurePatch):
    """A measure that starts (doing) or is done starts the problem's rectification."""
    user = request.auth
    m = P.get_measure(user, measure_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None and k in ("text", "due_on", "status")}
    if nulls:
        raise ValidationError(nulls)
    if "status" in changes:
        changes["status"] = _value(changes["status"])
    m = P.update_measure(user, m, **changes)
    return _measure_out(m, timezone.localdate())


@router.delete("/rectification/measures/{measure_id}", response={204: None, **ERRORS}, summary="删除整改措施")
def delete_measure(request, measure_id: int):
    """A measure already done is kept (422 on `measure`)."""
    user = request.auth
    P.remove_measure(user, P.get_measure(user, measure_id))
    return Status(204, None)


# ----------------------------------------------------------------------------- evidence

_EVIDENCE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "佐证文件：PDF、Office、图片、MP4，按内容检查"},
                        "measure": {"type": "integer", "description": "对应的整改措施 id"},
                        "description": {"type": "string", "maxLength": 200},
                    },
                },
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["record_ref", "record_label"],
                    "properties": {
                        "record_ref": {"type": "string", "maxLength": 100, "description": "关联记录，如 study.StudySession:12"},
                        "record_label": {"type": "string", "maxLength": 200, "description": "关联记录名称"},
                        "measure": {"type": "integer"},
                        "description": {"type": "string", "maxLength": 200},
                    },
                },
            },
        },
    },
}


def _evidence_input(request) -> dict:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"null")
        except json.JSONDecodeError:
            raise ValidationError({"__all__": "请求体不是有效的 JSON"}) from None
        if not isinstance(body, dict):
            raise ValidationError({"__all__": "请求体应为 JSON 对象"})
        data = {k: body.get(k) for k in ("record_ref", "record_label", "measure", "description")}
        data["upload"] = None
    else:
        post = request.POST
        data = {"record_ref": post.get("record_ref", ""), "record_label": post.get("record_label", ""),
                "measure": post.get("measure") or None, "description": post.get("description", ""), "upload": request.FILES.get("file")}
    for key in ("record_ref", "record_label", "description"):
        if data[key] is not None and not isinstance(data[key], str):
            raise ValidationError({key: "应为字符串"})
        data[key] = data[key] or ""
    if data["measure"] is not None:
        try:
            data["measure"] = int(data["measure"])
        except (TypeError, ValueError):
            raise ValidationError({"measure": "应为整数"}) from None
    return data


@router.get(BASE + "/{problem_id}/evidence", response={200: list[EvidenceOut], **READ_ERRORS}, summary="佐证材料列表")
def list_evidence(request, problem_id: int):
    problem = P.get_problem(request.auth, problem_id)
    return [_evidence_out(ev) for ev in P.current_evidence(problem).select_related("uploaded_by")]


@router.post(BASE + "/{problem_id}/evidence", response={201: EvidenceOut, **ERRORS}, summary="上传佐证材料",
             openapi_extra=_EVIDENCE_BODY)
def add_evidence(request, problem_id: int):
    """As `multipart/form-data` with a `file` (checked by content), or as JSON linking a record
    (`record_ref`, `record_label`). Only while the problem is open or being rectified."""
    user = request.auth
    problem = P.get_problem(user, problem_id)
    data = _evidence_input(request)
    measure_id = data.pop("measure")
    measure = None
    if measure_id is not None:
        measure = problem.measures.filter(pk=measure_id).first()
        if measure is None:
            raise ValidationError({"measure": "该措施不属于这个问题"})
    ev = P.add_evidence(user, problem, measure=measure, **data)
    return Status(201, _evidence_out(ev))


@router.get("/rectification/evidence/{evidence_id}/file", response=READ_ERRORS, summary="下载或预览佐证文件",
            url_name="rect_evidence_file", openapi_extra={"responses": {"200": {"description": "文件内容",
                                                 "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def rect_evidence_file(request, evidence_id: int, download: bool = False):
    ev = P.get_evidence(request.auth, evidence_id)
    if not ev.file:
        raise Http404
    try:
        return files.serve(ev.file, name=ev.original_name or ev.file.name.rsplit("/", 1)[-1], content_type=ev.content_type,
                           download=download)
    except FileNotFoundError:
        raise Http404 from None


@router.delete("/rectification/evidence/{evidence_id}", response={204: None, **ERRORS}, summary="移除佐证材料")
def remove_evidence(request, evidence_id: int):
    """Kept in the history (marked removed); only while the problem is open or being rectified."""
    user = request.auth
    ev = P.get_evidence(user, evidence_id)
    P.remove_evidence(user, ev)
    return Status(204, None)

