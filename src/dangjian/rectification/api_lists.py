"""API of the three lists (问题清单、责任清单、整改清单): the roll-up of an org with its children,
the overdue and due-soon problems page by page, and the xlsx/docx export. Scoped like the
pages: VIEW on the org (which covers its subtree); an org out of scope is 404."""
from __future__ import annotations

import io
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from dangjian.core.api import READ_ERRORS, PageParams
from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org
from dangjian.rectification import lists
from dangjian.rectification.exporting import DOCX, XLSX, write
from dangjian.rectification.schemas_lists import DuePage, ListsPage

router = Router(tags=["检视整改"])


class ListParams(Schema):
    org: str | None = Field(None, max_length=32, description="组织编码；默认为可查看的最高一级组织")
    campaign: int | None = Field(None, description="主题教育 ID：只统计该主题教育的问题")
    from_: str | None = Field(None, alias="from", description="发现日期起 YYYY-MM-DD")
    to: str | None = Field(None, description="发现日期止 YYYY-MM-DD")


def _org(user, code: str | None) -> Org:
    if code:
        org = Org.objects.filter(code=code).first()
        if org is None or not can(user, Perm.VIEW, org):
            raise Http404
        return org
    org = lists.top_org(user)
    if org is None:
        raise Http404
    return org


def _filter(user, params: ListParams) -> lists.Filter:
    return lists.parse_filter(user, campaign_id=params.campaign, starts=params.from_, ends=params.to)


def _row(org: Org, counts: lists.Counts, own: bool = False) -> dict:
    return {"code": org.code, "name": org.name, "kind": org.kind, "kind_label": org.get_kind_display(), "own": own,
            "has_children": org.numchild > 0, "counts": counts.as_dict()}


def _due(p, today, kind: str) -> dict:
    return {
        "id": p.pk, "number": p.number, "title": p.title, "org": p.org.code, "org_name": p.org.name,
        "aspect": p.aspect.name, "source": p.source, "source_label": p.get_source_display(), "status": p.status,
        "status_label": p.get_status_display(), "leader": p.leader, "owner": p.owner, "found_on": p.found_on, "due_on": p.due_on,
        "days": (today - p.due_on).days if kind == "overdue" else (p.due_on - today).days,
        "measures": p.m_total, "measures_done": p.m_done, "measures_overdue": p.m_late,
    }


@router.get("/rectification/lists", response={200: ListsPage, **READ_ERRORS}, summary="三个清单：统计与下钻")
def rollup(request, params: Query[ListParams]):
    """The org's problems (itself and everything under it, counted once its tiered review has
    reached the org's level) by status, aspect and level, with measures done and overdue; the
    same figures for the org's own problems and for each child (drill down by asking again
    with a child's `code`); problems found and closed per month; the most urgent overdue and
    due-soon problems. The same few queries whatever the size of the subtree."""
    user = request.auth
    org = _org(user, params.org)
    flt = _filter(user, params)
    table = lists.rollup(user, org, flt)
    return {
        "org": _row(org, table.total),
        "filter": {"campaign_id": flt.campaign.pk if flt.campaign else None, "starts": flt.starts, "ends": flt.ends, "label": flt.label},
        "today": table.today, "due_soon_days": table.soon_days,
        "aspects": [{"id": a.pk, "name": a.name, "short_name": a.short_name, "active": a.active} for a in table.aspects],
        "children": [_row(r.org, r.counts, r.own) for r in table.rows],
        "months": [{"month": f"{m.month:%Y-%m}", "found": m.found, "closed": m.closed, "open_after": m.open_after} for m in table.months],
        "overdue": [_due(p, table.today, "overdue") for p in table.overdue],
        "due_soon": [_due(p, table.today, "due_soon") for p in table.due_soon],
        "definitions": {k: v.format(days=table.soon_days) for k, v in lists.DEFINITIONS.items()},
    }


class DueParams(ListParams):
    kind: Literal["overdue", "due_soon"] = Field("overdue", description="overdue：逾期问题；due_soon：即将到期")


@router.get("/rectification/lists/due", response={200: DuePage, **READ_ERRORS}, summary="逾期和即将到期的问题")
def due(request, params: Query[DueParams], paging: Query[PageParams]):
    """Every overdue (or due-soon) problem on the org's list, the most urgent first, with its
    measures done and overdue. Paged; two queries a page."""
    from django.utils import timezone

    user = request.auth
    org = _org(user, params.org)
    flt = _filter(user, params)
    today = timezone.localdate()
    qs = lists.due_list(user, org, flt, kind=params.kind, today=today)
    count = qs.count()
    items = lists.with_measure_counts(list(qs[paging.offset: paging.offset + paging.limit]), today)
    return {"count": count, "limit": paging.limit, "offset": paging.offset, "items": [_due(p, today, params.kind) for p in items]}


class ExportParams(ListParams):
    format: Literal["xlsx", "docx"] = Field("xlsx", description="xlsx（含汇总表）或 docx（公文格式，横向表格）")


@router.get("/rectification/lists/export", response={200: None, **READ_ERRORS}, summary="导出三个清单（xlsx / docx）",
            openapi_extra={"responses": {"200": {"description": "xlsx 或 docx", "content": {XLSX: {}, DOCX: {}}}}})
def export(request, params: Query[ExportParams]):
    """The three lists as one table (序号, 问题来源, 问题方面, 问题概述/表现 | 责任领导, 责任人,
    责任单位 | 整改措施, 完成时限, 整改目标, 进展, 状态): one row per problem counted at the org,
    its measures numbered in the cells. The xlsx has a second sheet of counts. Recorded in the
    access log."""
    from dangjian.rectification.views_lists import attachment

    user = request.auth
    org = _org(user, params.org)
    flt = _filter(user, params)
    buffer = io.BytesIO()
    write(user, org, flt, params.format, buffer)
    return attachment(buffer.getvalue(), params.format, org)
