"""API of responsible units, service requests (with import), the red/black list and its rules.
Scoped like the pages: VIEW at the unit's org to read, ACT to record requests, CHANGE_ORG to
manage units; the rules are read by anyone who sees an org and changed by the office."""
from __future__ import annotations

import io
from urllib.parse import quote

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org
from dangjian.services import redblack as rb
from dangjian.services import units as su
from dangjian.services.exporting import XLSX, write_redblack
from dangjian.services.importing import import_requests
from dangjian.services.models import RankingRule, ServiceUnit
from dangjian.services.requests import (
    create_request,
    flags,
    get_request,
    parse_month,
    requests,
    update_request,
)
from dangjian.services.schemas_requests import (
    ImportOut,
    RedBlackOut,
    RequestFilters,
    RequestIn,
    RequestOut,
    RequestPage,
    RequestPatch,
    RuleOut,
    RulePatch,
    UnitFilters,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitPatch,
)

router = Router(tags=["为民服务"])


def _view_org(user, code: str | None) -> Org | None:
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None or not can(user, Perm.VIEW, org):
        raise Http404
    return org


# ---------------------------------------------------------------------------------- units
def _unit_out(u: ServiceUnit) -> dict:
    return {"id": u.pk, "code": u.code, "name": u.name, "kind": u.kind, "kind_label": u.get_kind_display(), "org": u.org.code,
            "org_name": u.org.name, "contact": u.contact, "active": u.active}


@router.get("/services/units", response={200: UnitPage, **READ_ERRORS}, summary="诉求责任单位列表")
def list_units(request, filters: Query[UnitFilters]):
    user = request.auth
    qs = su.units(user, org=_view_org(user, filters.org))
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    result = page(qs.order_by("code", "pk"), filters)
    result["items"] = [_unit_out(u) for u in result["items"]]
    return result


@router.post("/services/units", response={201: UnitOut, **ERRORS}, summary="添加责任单位")
def create_unit(request, payload: UnitIn):
    return Status(201, _unit_out(su.create_unit(request.auth, payload.dict())))


@router.get("/services/units/{unit_id}", response={200: UnitOut, **READ_ERRORS}, summary="责任单位详情")
def get_unit(request, unit_id: int):
    return _unit_out(su.get_unit(request.auth, unit_id))


@router.patch("/services/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="修改责任单位")
def patch_unit(request, unit_id: int, payload: UnitPatch):
    user = request.auth
    unit = su.get_unit(user, unit_id)
    data = payload.dict(exclude_unset=True)
    return _unit_out(su.update_unit(user, unit, data))


# ------------------------------------------------------------------------------- requests
def _request_out(r, now=None) -> dict:
    f = flags(r, now)
    return {"id": r.pk, "number": r.number, "unit": r.unit.code, "unit_name": r.unit.name, "org": r.org.code,
            "channel": r.channel, "channel_label": r.get_channel_display(), "category": r.category, "content": r.content,
            "received_at": r.received_at, "responded_at": r.responded_at, "resolved_at": r.resolved_at,
            "satisfaction": r.satisfaction, "satisfaction_label": r.get_satisfaction_display() if r.satisfaction else "",
            "timely": f["timely"], "late": f["late"]}


@router.get("/services/requests", response={200: RequestPage, **READ_ERRORS}, summary="群众诉求列表")
def list_requests(request, filters: Query[RequestFilters]):
    user = request.auth
    org = _view_org(user, filters.org)
    unit = None
    if filters.unit:
        unit = su.units(user).filter(code=filters.unit).first()
        if unit is None:
            raise Http404
    qs = requests(user, org=org, unit=unit, month=parse_month(filters.month), status=filters.status or "", q=filters.q or "")
    result = page(qs, filters)
    result["items"] = [_request_out(r) for r in result["items"]]
    return result


@router.post("/services/requests", response={201: RequestOut, **ERRORS}, summary="登记群众诉求")
def create(request, payload: RequestIn):
    """Times are ISO 8601 (with an offset, or local time). Refused with 422 naming the field:
    an unknown unit code, a response or resolution before the request was received, a rating of
    an unresolved request, a number already on file."""
    return Status(201, _request_out(create_request(request.auth, payload.dict())))


@router.post("/services/requests/import", response={200: ImportOut, 409: ImportOut, **ERRORS}, summary="导入群众诉求（xlsx 或 CSV）")
def import_file(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    """All-or-nothing: 200 when imported (or checked, with `dry_run`), 409 with every error by
    row and column when not (nothing written). CSV may be UTF-8 (with or without BOM) or GBK."""
    user = request.auth
    if not can(user, Perm.ACT):
        raise PermissionDenied("无权导入群众诉求")
    result = import_requests(user, file, dry_run=dry_run)
    body = {"ok": result.ok, "dry_run": result.dry_run, "total": result.total, "created": result.created, "updated": result.updated,
            "summary": result.summary(), "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]}
    return Status(200 if result.ok else 409, body)


@router.get("/services/requests/{request_id}", response={200: RequestOut, **READ_ERRORS}, summary="群众诉求详情")
def detail(request, request_id: int):
    return _request_out(get_request(request.auth, request_id))


@router.patch("/services/requests/{request_id}", response={200: RequestOut, **ERRORS}, summary="登记响应、办结和满意度评价")
def patch(request, request_id: int, payload: RequestPatch):
    user = request.auth
    req = get_request(user, request_id)
    return _request_out(update_request(user, req, payload.dict(exclude_unset=True)))


# ------------------------------------------------------------------------ red/black list
def _rule_out(r: RankingRule) -> dict:
    return {"id": r.pk, "list_kind": r.list_kind, "list_kind_label": r.get_list_kind_display(), "name": r.name,
            "conditions": r.conditions, "match": r.match, "min_requests": r.min_requests, "active": r.active, "order": r.order,
            "text": rb.rule_text(r)}


def _ranked(row: rb.UnitRow) -> dict:
    return {"unit": row.unit.code, "unit_name": row.unit.name, "org": row.unit.org.code, "org_name": row.unit.org.name,
            "list_kind": row.list_kind, "list_label": row.list_label, "current": row.current.as_dict(), "previous": row.previous.as_dict(),
            "change": {m.value: row.change(m) for m in rb.METRICS},
            "hits": [{"rule_id": h.rule.pk, "rule": h.rule.name, "reasons": h.reasons} for h in row.hits]}


def _result(user, org_code: str | None, month: str | None) -> rb.Result:
    org = _view_org(user, org_code) or rb.top_org(user)
    if org is None:
        raise Http404
    return rb.compute(user, org, parse_month(month) or rb.default_month())


@router.get("/services/redblack", response={200: RedBlackOut, **READ_ERRORS}, summary="群众诉求办理红黑榜（月度）")
def redblack(request, org: str | None = None, month: str | None = None):
    """The units under `org` (default: the highest org you see) ranked for `month` (YYYY-MM,
    default last month): each with its counts, the three rates, the month before, the list it
    is on and the rules (with the figures) that placed it. One aggregate query whatever the size."""
    result = _result(request.auth, org, month)
    return {"org": result.org.code, "org_name": result.org.name, "month": f"{result.month:%Y-%m}",
            "previous_month": f"{result.previous_month:%Y-%m}", "limit_hours": result.limit_hours,
            "definitions": rb.definitions(result.limit_hours), "rules": [_rule_out(r) for r in result.rules],
            "red": [_ranked(r) for r in result.red], "black": [_ranked(r) for r in result.black],
            "units": [_ranked(r) for r in result.rows]}


@router.get("/services/redblack/export", response={200: None, **READ_ERRORS}, summary="导出红黑榜（xlsx）",
            openapi_extra={"responses": {"200": {"description": "xlsx", "content": {XLSX: {}}}}})
def redblack_export(request, org: str | None = None, month: str | None = None):
    result = _result(request.auth, org, month)
    buffer = io.BytesIO()
    write_redblack(result, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = f"红黑榜-{result.org.name}-{result.month:%Y年%m月}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"redblack-{result.org.code}-{result.month:%Y%m}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


@router.get("/services/rules", response={200: list[RuleOut], **READ_ERRORS}, summary="红黑榜规则")
def list_rules(request):
    if not can(request.auth, Perm.VIEW):
        raise PermissionDenied("没有可查看的党组织")
    return [_rule_out(r) for r in RankingRule.objects.order_by("list_kind", "order", "pk")]


@router.patch("/services/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="修改红黑榜规则（党委办公室）")
def patch_rule(request, rule_id: int, payload: RulePatch):
    user = request.auth
    if not rb.may_manage_rules(user):
        raise PermissionDenied("只有党委办公室可以设置红黑榜规则")
    rule = RankingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    data = payload.dict(exclude_unset=True)
    return _rule_out(rb.update_rule(user, rule, data))


__all__ = ["router", "ValidationError"]
