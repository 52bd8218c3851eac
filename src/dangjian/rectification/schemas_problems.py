"""API schemas of problems, their measures, evidence, steps and history.

Choice fields carry the code and, beside it, `<field>_label` in Chinese; orgs are named by
code; aspects, campaigns and unit tasks by id."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.rectification.models import Action, MeasureStatus, ProblemStatus, Source


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices if value)


SOURCE_DOC = "问题来源：" + _codes(Source)
STATUS_DOC = "状态：" + _codes(ProblemStatus)
MEASURE_DOC = "措施进展：" + _codes(MeasureStatus)
ACTION_DOC = "办理操作：" + _codes(Action)


class ProblemFilters(PageParams):
    org: str | None = Field(None, description="组织编码：该组织及其下级组织的问题")
    status: str | None = Field(None, description=STATUS_DOC + "；accepted 为审定后的全部状态")
    aspect: int | None = Field(None, description="问题方面 id")
    source: Source | None = Field(None, description=SOURCE_DOC)
    overdue: bool = Field(False, description="只看逾期：待整改或整改中且已过整改时限")
    q: str | None = Field(None, max_length=100, description="编号、问题概述、表现、责任领导或责任人中的文字")
    campaign: int | None = Field(None, description="主题教育 id")
    mine: Literal["review", "units"] | None = Field(None, description="review：待我审核；units：本单位被退回、即将到期或逾期的问题")


class MeasureIn(Schema):
    text: str = Field(max_length=500, description="整改措施")
    due_on: dt.date = Field(description="完成时限 YYYY-MM-DD，不早于发现日期")
    owner: str = Field("", max_length=50, description="具体负责人")


class MeasurePatch(Schema):
    text: str | None = Field(None, max_length=500)
    due_on: dt.date | None = None
    owner: str | None = Field(None, max_length=50)
    status: MeasureStatus | None = Field(None, description=MEASURE_DOC + "（问题审定后才能开始）")
    progress: str | None = Field(None, description="进展情况")
    done_on: dt.date | None = Field(None, description="完成日期（进展为 done 时；不填为今天）")


class MeasureOut(Schema):
    id: int
    text: str
    owner: str
    due_on: dt.date
    status: str = Field(description=MEASURE_DOC)
    status_label: str
    progress: str
    done_on: dt.date | None
    overdue: bool = Field(description="未完成且已过完成时限")


class ProblemIn(Schema):
    org: str = Field(max_length=32, description="党组织编码（须有办理或审核权限）")
    title: str = Field(max_length=200, description="问题概述")
    description: str = Field("", description="问题表现")
    source: Source = Field(Source.SELF, description=SOURCE_DOC)
    aspect: int = Field(description="问题方面 id（见 /rectification/aspects）")
    found_on: dt.date = Field(description="发现日期 YYYY-MM-DD")
    due_on: dt.date = Field(description="整改时限 YYYY-MM-DD，不早于发现日期")
    leader: str = Field(max_length=50, description="责任领导")
    owner: str = Field(max_length=50, description="责任人")
    target: str = Field("", max_length=300, description="整改目标")
    campaign: int | None = Field(None, description="主题教育 id")
    unit_task: int | None = Field(None, description="关联的单位任务 id（须有办理权限）")
    activity_ref: str = Field("", max_length=100, description="关联督查活动")
    research_ref: str = Field("", max_length=100, description="关联调研课题")
    measures: list[MeasureIn] = Field([], description="整改措施")
    submit: bool = Field(False, description="录入后立即提交审核")


class ProblemPatch(Schema):
    """Partial. Draft or returned: every field; open or being rectified: due_on, leader,
    owner, target only."""

    title: str | None = Field(None, max_length=200)
    description: str | None = None
    source: Source | None = None
    aspect: int | None = None
    found_on: dt.date | None = None
    due_on: dt.date | None = None
    leader: str | None = Field(None, max_length=50)
    owner: str | None = Field(None, max_length=50)
    target: str | None = Field(None, max_length=300)
    campaign: int | None = None
    unit_task: int | None = None
    activity_ref: str | None = Field(None, max_length=100)
    research_ref: str | None = Field(None, max_length=100)


class ProblemOut(Schema):
    id: int
    number: str = Field(description="编号，如 UA01-2026-003")
    org: str
    org_name: str
    title: str
    source: str = Field(description=SOURCE_DOC)
    source_label: str
    aspect: int
    aspect_label: str
    found_on: dt.date
    due_on: dt.date
    leader: str
    owner: str
    status: str = Field(description=STATUS_DOC)
    status_label: str
    review_org: str | None = Field(description="审核中时：当前审核层级的组织编码")
    level_depth: int | None = Field(description="计入的最浅层级（组织树深度）；草稿和退回的问题为 null")
    overdue: bool
    measures_total: int
    measures_done: int


class ProblemDetail(ProblemOut):
    description: str
    target: str
    campaign: int | None
    unit_task: int | None
    activity_ref: str
    research_ref: str
    rectification_note: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    rectified_at: dt.datetime | None
    rectified_by: str | None
    verified_at: dt.datetime | None
    verified_by: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    created_by: str | None
    created_at: dt.datetime
    measures: list[MeasureOut]
    outcomes: list[int] = Field(description="回应该问题的制度成果 id（查看范围内）")
    may_edit: bool
    may_review: bool
    may_verify: bool = Field(description="现在可以验收（不含本人申报的整改）")
    may_close: bool


class ProblemPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProblemOut]


class ReviewIn(Schema):
    approve: bool = Field(description="true 审核通过；false 退回修改（须填 comment）")
    comment: str = Field("", description="审核意见")
    expected_level: int | None = Field(None, description="审核人看到的当前审核层级组织 id；已变化时拒绝（防止重复审核）")


class NoteIn(Schema):
    note: str = Field(description="整改情况")


class VerifyIn(Schema):
    approve: bool = Field(True, description="true 验收通过；false 不通过，退回整改（须填 comment）")
    comment: str = ""


class CommentIn(Schema):
    comment: str = ""


class EvidenceOut(Schema):
    id: int
    measure: int | None
    kind: Literal["file", "record"]
    name: str = Field(description="文件名或关联记录名称")
    content_type: str
    size: int
    record_ref: str
    description: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    url: str | None = Field(description="文件的下载地址（关联记录为 null）")


class StepOut(Schema):
    id: int
    action: str = Field(description=ACTION_DOC)
    action_label: str
    from_status: str
    to_status: str
    level_org: str | None = Field(description="审核层级的组织编码")
    actor: str | None
    at: dt.datetime
    comment: str


class ChangeOut(Schema):
    field: str
    old: str
    new: str


class HistoryOut(Schema):
    at: dt.datetime
    user: str | None
    what: str = Field(description="问题、措施或佐证材料")
    type: str
    reason: str
    changes: list[ChangeOut]
