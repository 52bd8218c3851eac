"""API schemas of plans, rounds, coverage and the group workspace. Choice fields carry the code
and `<field>_label`; orgs are named by code."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.supervision.models import RoundStatus

STATUS_DOC = "轮次状态：" + "，".join(f"{v} {label}" for v, label in RoundStatus.choices)


class PlanOut(Schema):
    id: int
    campaign: int
    campaign_name: str
    org: str = Field(description="制定单位编码（主题教育的牵头党组织）")
    title: str
    starts_on: dt.date
    ends_on: dt.date
    target_units: int
    target_branches: int
    target_members: int
    note: str
    created_at: dt.datetime


class TargetOut(Schema):
    key: str = Field(description="units 督查单位（各轮分工中已开展督查活动的单位，不重复计）；branches 督查支部；members 访谈党员（访谈人数之和）")
    label: str
    target: int
    done: int
    percent: int


class PlanDetail(PlanOut):
    progress: list[TargetOut]


class PlanPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PlanOut]


class PlanIn(Schema):
    campaign: int = Field(description="主题教育 ID（须为其办公室）")
    title: str = Field(max_length=200)
    starts_on: dt.date
    ends_on: dt.date
    target_units: int = Field(0, ge=0, le=1_000_000)
    target_branches: int = Field(0, ge=0, le=1_000_000)
    target_members: int = Field(0, ge=0, le=1_000_000)
    note: str = ""


class PlanPatch(Schema):
    title: str | None = Field(None, max_length=200)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    target_units: int | None = Field(None, ge=0, le=1_000_000)
    target_branches: int | None = Field(None, ge=0, le=1_000_000)
    target_members: int | None = Field(None, ge=0, le=1_000_000)
    note: str | None = None


class SplitIn(Schema):
    org: str = Field(description="单位编码")
    group: int = Field(description="巡回指导组 ID")


class RoundOut(Schema):
    id: int
    plan: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    focus: str
    status: RoundStatus = Field(description=STATUS_DOC)
    status_label: str
    units: int = Field(description="本轮分工的单位数")
    covered: int = Field(description="已开展过督查活动的单位数")
    activities: int = Field(description="本轮督查活动数")


class GroupCoverageOut(Schema):
    group: int
    name: str
    units: int
    covered: int
    left: int
    percent: int
    full: bool = Field(description="全覆盖：每个单位都至少开展过一次督查活动")


class RoundDetail(RoundOut):
    full: bool
    groups: list[GroupCoverageOut]


class RoundPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RoundOut]


class RoundFilters(PageParams):
    plan: int | None = Field(None, description="督查计划 ID")
    status: RoundStatus | None = Field(None, description=STATUS_DOC)


class RoundIn(Schema):
    name: str = Field(max_length=100)
    starts_on: dt.date
    ends_on: dt.date
    focus: str = ""
    split: list[SplitIn] | None = Field(None, description="分工；不给则按各指导组的联系单位")


class RoundPatch(Schema):
    name: str | None = Field(None, max_length=100)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    focus: str | None = None
    status: RoundStatus | None = Field(None, description="planned→active（开始）, active→closed（结束）, closed→active（重新开始）")
    split: list[SplitIn] | None = Field(None, description="新的完整分工（未列出的单位不再列入本轮）")


class CoverageRow(Schema):
    group: int
    group_name: str
    org: str
    org_name: str
    visited: bool
    activities: int
    interviewed: int
    last_on: dt.date | None


class CoveragePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CoverageRow]


class CoverageFilters(PageParams):
    group: int | None = Field(None, description="巡回指导组 ID")
    left: bool = Field(False, description="只看未覆盖的单位")


class NoticeOut(Schema):
    id: int
    group: int
    title: str
    body: str
    created_by: str
    created_at: dt.datetime


class NoticeIn(Schema):
    title: str = Field(max_length=200)
    body: str = Field("", max_length=5000)


class NoticePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NoticeOut]


class UnitProgress(Schema):
    org: str | None
    org_name: str
    units: int = Field(description="有任务的基层组织数")
    approved: int
    total: int
    done_pct: float
    overdue: int


class ActivityBrief(Schema):
    id: int
    kind: str
    kind_label: str
    held_on: dt.date
    org: str
    org_name: str
    subject: str


class FindingBrief(Schema):
    id: int
    org: str
    org_name: str
    feedback: str
    created_at: dt.datetime


class OverdueItem(Schema):
    unit_task: int
    org: str
    org_name: str
    task: str
    due_on: dt.date
    status: str


class ContactOut(Schema):
    org: str
    org_name: str
    unit_liaison: str
    group_liaisons: list[str]


class SeatOut(Schema):
    role: str
    role_label: str
    name: str
    title: str
    phone: str


class WorkspaceOut(Schema):
    group: int
    name: str
    campaign: int
    units: list[str] = Field(description="联系单位编码")
    progress: list[UnitProgress]
    recent_activities: list[ActivityBrief]
    open_findings: list[FindingBrief]
    open_findings_count: int
    overdue: list[OverdueItem]
    overdue_count: int
    seats: list[SeatOut]
    contacts: list[ContactOut]
    notices: list[NoticeOut]
