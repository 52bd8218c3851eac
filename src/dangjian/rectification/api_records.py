"""API of the records around problems: duplicate check, problem-list import, institutional
outcomes (制度成果) and the aspects list (问题方面). Thin: every call is a domain function."""
from __future__ import annotations

import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from ninja import Query, Router, Status

from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, can, get_in_scope, restrict_subtree
from dangjian.orgs.models import Org
from dangjian.rectification import aspects as asp
from dangjian.rectification import dedupe
from dangjian.rectification import importing as imp
from dangjian.rectification import outcomes as oc
from dangjian.rectification import problems as pr
from dangjian.rectification.models import Aspect, Outcome
from dangjian.rectification.schemas_records import (
    AspectIn,
    AspectOut,
    AspectPatch,
    ImportOut,
    OutcomeFilters,
    OutcomeIn,
    OutcomeOut,
    OutcomePage,
    OutcomePatch,
    SimilarOut,
    SimilarParams,
)
from dangjian.rectification.views_records import visible_similar

router = Router(tags=["检视整改"])
V = "/rectification"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _enter_org(user, field: str, code: str) -> Org:
    org = Org.objects.filter(code=(code or "").strip()).first()
    if org is None or not pr.may_enter(user, org):
        raise ValidationError({field: f"找不到编码为“{code}”的党组织，或该组织不在您的管理范围内"})
    return org


# --- duplicate check ---------------------------------------------------------------------------
@router.get(f"{V}/similar", response={200: SimilarOut, **ERRORS}, summary="问题查重：本组织及上级党组织清单上的相近问题")
def similar(request, params: Query[SimilarParams]):
    """Character-bigram Dice similarity of the title (and description), against every problem
    of the org and its parent. Only problems the caller may see are listed; `hidden` counts
    the others."""
    user = request.auth
    org = Org.objects.filter(code=params.org.strip()).first()
    if org is None:
        raise ValidationError({"org": f"党组织“{params.org}”不存在"})
    if not pr.may_enter(user, org):
        raise PermissionDenied("超出管理范围")
    shown, hidden = visible_similar(user, org, params.title, params.description, params.exclude)
    items = [{"id": p.pk, "number": p.number, "title": p.title, "org": p.org.code, "org_name": p.org.name, "status": p.status,
              "status_label": p.get_status_display(), "score": s} for p, s in shown]
    return {"items": items, "hidden": hidden, "threshold": dedupe.threshold()}


# --- import ------------------------------------------------------------------------------------
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "按模板填写的 .xlsx（列见导入模板）"},
                        "org": {"type": "string", "description": "默认党组织编码：“组织编码”列留空的行导入到这里"},
                        "dry_run": {"type": "boolean", "description": "true：只检查，不写入"},
                    },
                },
            },
        },
    },
}


@router.post(f"{V}/import", response={200: ImportOut, 409: ImportOut, **ERRORS}, summary="从 Excel 导入问题清单",
             openapi_extra=_IMPORT_BODY)
def import_problems(request):
    """`multipart/form-data` with `file` (the template's columns), optionally `org` and
    `dry_run`. All or nothing: 200 when imported (or, with `dry_run`, when it would be);
    409 with every error named by row and column, nothing written. Near-duplicates come back
    as `warnings` and do not stop the import."""
    user = request.auth
    if not (can(user, Perm.ACT) or can(user, Perm.REVIEW)):
        raise PermissionDenied("无权录入问题")
    post = request.POST
    org = _enter_org(user, "org", post["org"]) if post.get("org") else None
    f = request.FILES.get("file")
    if f is None:
        raise ValidationError({"file": "请上传 .xlsx 文件"})
    if f.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "文件超过 10 MB"})
    if not zipfile.is_zipfile(f):
        raise ValidationError({"file": "不是有效的 Excel 工作簿（.xlsx）"})
    f.seek(0)
    dry_run = (post.get("dry_run") or "").lower() in ("1", "true", "yes")
    result = imp.import_problems(user, f, default_org=org, dry_run=dry_run)

    def rows(items):
        return [{"row": e.row, "column": e.column, "message": e.message} for e in items]

    body = {"ok": result.ok, "dry_run": dry_run, "total": result.total, "created": result.created, "measures": result.measures,
            "submitted": result.submitted, "problem_ids": result.problem_ids, "errors": rows(result.errors),
            "warnings": rows(result.warnings)}
    return Status(200 if result.ok else 409, body)


# --- outcomes ----------------------------------------------------------------------------------
def _outcome_out(o: Outcome) -> dict:
    return {"id": o.pk, "org": o.org.code, "org_name": o.org.name, "title": o.title, "kind": o.kind,
            "kind_label": o.get_kind_display(), "doc_number": o.doc_number, "issued_on": o.issued_on, "summary": o.summary,
            "campaign": o.campaign_id, "problems": [p.pk for p in o.visible_problems], "created_at": o.created_at}


def _with_problems(qs, user):
    visible = pr.problems_for(user).only("pk").order_by("pk")
    return qs.select_related("org").prefetch_related(Prefetch("problems", queryset=visible, to_attr="visible_problems"))


def _outcome(user, outcome_id: int) -> Outcome:
    return get_in_scope(_with_problems(Outcome.objects.all(), user), user, Perm.VIEW, pk=outcome_id)


@router.get(f"{V}/outcomes", response={200: OutcomePage, **READ_ERRORS}, summary="制度成果列表")
def list_outcomes(request, filters: Query[OutcomeFilters]):
    user = request.auth
    org = None
    if filters.org:
        org = Org.objects.filter(code=filters.org).first()
        if org is None:
            raise ValidationError({"org": f"党组织“{filters.org}”不存在"})
    qs = restrict_subtree(Outcome.objects.all(), user, org)
    if filters.kind:
        qs = qs.filter(kind=filters.kind.value)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(doc_number__icontains=filters.q))
    if filters.problem:
        qs = qs.filter(problems=filters.problem)
    counts = oc.kind_counts(qs)
    result = page(_with_problems(qs, user).order_by("-issued_on", "-pk"), filters)
    result["items"] = [_outcome_out(o) for o in result["items"]]
    result["counts_by_kind"] = counts
    return result


@router.post(f"{V}/outcomes", response={201: OutcomeOut, **ERRORS}, summary="录入制度成果")
def create_outcome(request, payload: OutcomeIn):
    user = request.auth
    org = _enter_org(user, "org", payload.org)
    data = payload.model_dump(exclude={"org", "problems"})
    data["kind"] = payload.kind.value
    outcome = oc.create_outcome(user, org, data, payload.problems)
    return Status(201, _outcome_out(_outcome(user, outcome.pk)))


@router.get(f"{V}/outcomes/{{outcome_id}}", response={200: OutcomeOut, **READ_ERRORS}, summary="制度成果详情")
def get_outcome(request, outcome_id: int):
    return _outcome_out(_outcome(request.auth, outcome_id))


@router.patch(f"{V}/outcomes/{{outcome_id}}", response={200: OutcomeOut, **ERRORS}, summary="修改制度成果")
def update_outcome(request, outcome_id: int, payload: OutcomePatch):
    user = request.auth
    outcome = _outcome(user, outcome_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None}
    if nulls:
        raise ValidationError(nulls)
    problems = changes.pop("problems", None)
    if "kind" in changes:
        changes["kind"] = payload.kind.value
    oc.update_outcome(user, outcome, changes, problems)
    return _outcome_out(_outcome(user, outcome_id))


# --- aspects -----------------------------------------------------------------------------------
def _aspect_out(a: Aspect) -> dict:
    return {"id": a.pk, "name": a.name, "short_name": a.short_name, "order": a.order, "active": a.active,
            "problems": getattr(a, "n_problems", 0)}


def _aspect(aspect_id: int) -> Aspect:
    a = Aspect.objects.filter(pk=aspect_id).annotate(n_problems=Count("problems")).first()
    if a is None:
        raise Http404
    return a


@router.get(f"{V}/aspects", response={200: list[AspectOut], **READ_ERRORS}, summary="问题方面（含已停用的）")
def list_aspects(request):
    if not can(request.auth, Perm.VIEW):
        raise PermissionDenied("无权查看")
    return [_aspect_out(a) for a in asp.aspects_with_use()]


@router.post(f"{V}/aspects", response={201: AspectOut, **ERRORS}, summary="新增问题方面（主题教育办公室）")
def create_aspect(request, payload: AspectIn):
    a = asp.create_aspect(request.auth, payload.model_dump())
    return Status(201, _aspect_out(_aspect(a.pk)))


@router.patch(f"{V}/aspects/{{aspect_id}}", response={200: AspectOut, **ERRORS}, summary="修改、停用或启用问题方面")
def update_aspect(request, aspect_id: int, payload: AspectPatch):
    if not asp.may_manage(request.auth):
        raise PermissionDenied("只有主题教育办公室可以维护问题方面")
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None}
    if nulls:
        raise ValidationError(nulls)
    a = asp.update_aspect(request.auth, _aspect(aspect_id), changes)
    return _aspect_out(_aspect(a.pk))


@router.delete(f"{V}/aspects/{{aspect_id}}", response={204: None, **ERRORS}, summary="删除未被使用的问题方面")
def delete_aspect(request, aspect_id: int):
    if not asp.may_manage(request.auth):
        raise PermissionDenied("只有主题教育办公室可以维护问题方面")
    asp.delete_aspect(request.auth, _aspect(aspect_id))
    return Status(204, None)


