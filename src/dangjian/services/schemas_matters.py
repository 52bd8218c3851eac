"""API schemas of practical matters (我为群众办实事).

Choice fields carry the code and, beside it, `<field>_label` in Chinese; orgs are named by code,
campaigns, problems and unit tasks by id."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.services.models import MatterCategory, MatterStatus


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices if value)


CATEGORY_DOC = "类别：" + _codes(MatterCategory)
STATUS_DOC = "状态：" + _codes(MatterStatus)


class MatterFilters(PageParams):
    org: str | None = Field(None, description="组织编码：该组织及其下级组织的项目")
    status: MatterStatus | None = Field(None, description=STATUS_DOC)
    category: MatterCategory | None = Field(None, description=CATEGORY_DOC)
    campaign: int | None = Field(None, description="主题教育 id")
    overdue: bool | None = Field(None, description="true：只要逾期未办结的（未启动或推进中且已过计划完成日期）")
    q: str | None = Field(None, max_length=100, description="关键词：名称、责任人、牵头领导、工作内容")


class MatterIn(Schema):
    org: str = Field(max_length=32, description="责任单位的组织编码（须有办理权限）")
    title: str = Field(max_length=200, description="实事名称")
    category: MatterCategory = Field(MatterCategory.OTHER, description=CATEGORY_DOC)
    description: str = Field("", description="群众关切与工作内容")
    leader: str = Field("", max_length=50, description="牵头领导")
    owner: str = Field(max_length=50, description="责任人")
    starts_on: dt.date = Field(description="开始日期 YYYY-MM-DD")
    due_on: dt.date = Field(description="计划完成日期 YYYY-MM-DD，不早于开始日期")
    campaign: int | None = Field(None, description="主题教育 id")
    problem: int | None = Field(None, description="对应的检视整改问题 id")


class MatterPatch(Schema):
    org: str | None = Field(None, max_length=32)
    title: str | None = Field(None, max_length=200)
    category: MatterCategory | None = Field(None, description=CATEGORY_DOC)
    description: str | None = None
    leader: str | None = Field(None, max_length=50)
    owner: str | None = Field(None, max_length=50)
    starts_on: dt.date | None = None
    due_on: dt.date | None = None
    campaign: int | None = Field(None, description="主题教育 id；null 取消关联")
    problem: int | None = Field(None, description="问题 id；null 取消关联")


class ProgressIn(Schema):
    status: MatterStatus = Field(description=STATUS_DOC)
    progress: str = Field("", description="进展情况")
    outcome: str = Field("", description="办理成效（办结时必填）")
    done_on: dt.date | None = Field(None, description="办结日期（仅办结时；留空为今天）")
    beneficiaries: int | None = Field(None, ge=0, description="受益人数")
    satisfaction: Decimal | None = Field(None, ge=0, le=100, decimal_places=1, description="满意度（%），0–100")


class MatterOut(Schema):
    id: int
    org: str
    org_name: str
    title: str
    category: str = Field(description=CATEGORY_DOC)
    category_label: str
    leader: str
    owner: str
    starts_on: dt.date
    due_on: dt.date
    status: str = Field(description=STATUS_DOC)
    status_label: str
    overdue: bool = Field(description="未办结且已过计划完成日期")
    done_on: dt.date | None
    beneficiaries: int | None
    satisfaction: float | None = Field(description="满意度（%）")
    campaign: int | None
    problem: int | None


class TaskLink(Schema):
    id: int = Field(description="佐证材料 id")
    unit_task: int
    task_title: str
    org: str
    status: str
    status_label: str


class MatterDetail(MatterOut):
    description: str
    progress: str
    outcome: str
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    evidence_for: list[TaskLink] = Field(description="以本项目为佐证材料的单位任务")
    may_edit: bool


class StatusCount(Schema):
    status: str
    label: str
    n: int


class MatterCounts(Schema):
    total: int
    overdue: int
    beneficiaries: int = Field(description="已办结项目的受益人数合计")
    by_status: list[StatusCount]


class MatterPage(Schema):
    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int
    counts: MatterCounts = Field(description="符合条件（不计状态筛选）的项目按状态统计")
    items: list[MatterOut]


class EvidenceIn(Schema):
    unit_task: int = Field(description="责任单位的单位任务 id")
    description: str = Field("", max_length=200)


class EvidenceOut(Schema):
    id: int
    unit_task: int
    kind: str
    record_ref: str
    record_label: str


class HistoryChange(Schema):
    field: str
    old: str
    new: str


class HistoryRow(Schema):
    at: dt.datetime
    user: str | None
    type: str = Field(description="创建、修改、删除")
    reason: str
    changes: list[HistoryChange]
