"""API of the progress table: the table as JSON (a page of unit rows, the roll-up per secondary
unit and the totals over the whole scope) and the overdue list. Scoped like the page."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dangjian.campaigns import progress
from dangjian.campaigns.services import get_campaign
from dangjian.core.api import READ_ERRORS, PageParams, page

router = Router(tags=["campaigns"])

STATUS_DOC = "，".join(f"{k} {v}" for k, v in progress.STATUS_FILTERS.items())


class ProgressFilters(PageParams):
    unit: str | None = Field(None, max_length=32, description="二级单位的组织编码：只看该单位及其下级")
    group: int | None = Field(None, description="巡回指导组 ID：只看该组联系的单位")
    phase: int | None = Field(None, description="阶段 ID：只看该阶段的任务")
    status: str | None = Field(None, description=f"只看有此状态任务的单位：{STATUS_DOC}")

    def domain(self) -> progress.Filters:
        return progress.Filters(unit=self.unit or "", group=self.group, phase=self.phase, status=self.status or "")


class CountsOut(Schema):
    total: int = Field(description="应完成的单位任务数")
    approved: int
    submitted: int = Field(description="已提交（含重新提交）待审核")
    returned: int
    in_progress: int
    not_started: int
    overdue: int = Field(description="已过截止日期仍未提交（也计入其状态）")
    done_pct: float = Field(description="已通过占应完成的百分比")
    submitted_or_done: int


class TaskOut(Schema):
    id: int
    title: str
    phase: str | None
    due_on: dt.date
    counts: CountsOut


class CellOut(Schema):
    task_id: int
    unit_task_id: int
    status: str = Field(description="单位任务状态代码")
    shown: str = Field(description="表中显示的状态：approved、submitted、returned、in_progress、not_started、overdue")
    label: str = Field(description="表中显示的中文，如“已通过”“逾期”")
    overdue: bool


class RowOut(Schema):
    code: str
    name: str
    secondary: str | None = Field(description="所属二级单位的组织编码")
    cells: list[CellOut | None] = Field(description="与 tasks 一一对应；任务未下发到该单位时为 null")
    counts: CountsOut


class RowPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RowOut]


class RollupOut(Schema):
    code: str | None
    name: str | None
    units: int
    counts: CountsOut
    tasks: list[CountsOut] = Field(description="与 tasks 一一对应")


class ProgressOut(Schema):
    campaign_id: int
    today: dt.date
    tasks: list[TaskOut]
    rows: RowPage
    rollups: list[RollupOut]
    totals: CountsOut


class OverdueOut(Schema):
    unit_task_id: int
    code: str
    name: str
    task_id: int
    task_title: str
    due_on: dt.date
    days_late: int
    status: str
    status_label: str


class OverduePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OverdueOut]


def _filters(params: ProgressFilters) -> progress.Filters:
    f = params.domain()
    errors = f.errors()
    if errors:
        raise ValidationError(errors)
    return f


@router.get("/campaigns/{campaign_id}/progress", response={200: ProgressOut, **READ_ERRORS}, summary="工作推进表")
def progress_table(request, campaign_id: int, params: Query[ProgressFilters]):
    """Units × published tasks as the caller may see them: one page of unit rows (`limit`,
    `offset`), and over every unit in scope the counts per task, the roll-up per secondary unit
    and the totals. Its query count does not grow with the number of units."""
    user = request.auth
    campaign = get_campaign(user, campaign_id)
    table = progress.build_table(user, campaign, _filters(params), offset=params.offset, limit=params.limit)
    secondary = {r.prefix: r.org.code for r in table.rollups if r.org is not None}
    tasks = table.tasks
    return {
        "campaign_id": campaign.pk,
        "today": table.today,
        "tasks": [{"id": t.pk, "title": t.title, "phase": t.phase.name if t.phase else None, "due_on": t.due_on,
                   "counts": table.task_counts[t.pk].as_dict()} for t in tasks],
        "rows": {"count": table.units, "limit": params.limit, "offset": params.offset, "items": [
            {"code": r.org.code, "name": r.org.name, "secondary": secondary.get(r.secondary), "counts": r.counts.as_dict(),
             "cells": [None if c is None else {"task_id": c.task_id, "unit_task_id": c.unit_task_id, "status": c.status,
                                               "shown": c.shown, "label": c.label, "overdue": c.overdue} for c in r.cells]}
            for r in table.rows
        ]},
        "rollups": [{"code": r.org.code if r.org else None, "name": r.org.name if r.org else None, "units": r.units,
                     "counts": r.counts.as_dict(), "tasks": [r.per_task[t.pk].as_dict() for t in tasks]} for r in table.rollups],
        "totals": table.totals.as_dict(),
    }


@router.get("/campaigns/{campaign_id}/progress/overdue", response={200: OverduePage, **READ_ERRORS}, summary="逾期清单")
def progress_overdue(request, campaign_id: int, params: Query[ProgressFilters]):
    """Unit tasks past their due date and not submitted, the longest overdue first."""
    user = request.auth
    campaign = get_campaign(user, campaign_id)
    filters = _filters(params)
    today = timezone.localdate()
    result = page(progress.overdue_queryset(user, campaign, filters, today), params)
    result["items"] = [{
        "unit_task_id": ut.pk, "code": ut.org.code, "name": ut.org.name, "task_id": ut.task_id, "task_title": ut.task.title,
        "due_on": ut.task.due_on, "days_late": (today - ut.task.due_on).days, "status": ut.status,
        "status_label": ut.get_status_display(),
    } for ut in result["items"]]
    return result
