"""Schemas of the supervision activities API (activities, photos, questioning, findings,
feedback, exemplars)."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.supervision.models import ActivityKind, FeedbackStatus

KINDS = "、".join(f"{v}（{label}）" for v, label in ActivityKind.choices)


class ActivityFilters(PageParams):
    group: int | None = Field(None, description="指导组 id")
    round: int | None = Field(None, description="督查轮次 id")
    org: str | None = Field(None, description="单位编码（含下级）")
    kind: ActivityKind | None = Field(None, description=KINDS)


class ActivityFields(Schema):
    kind: ActivityKind = Field(..., description=KINDS)
    held_on: dt.date
    subject: str = Field(..., max_length=200, description="督查内容")
    place: str = ""
    notes: str = ""
    interviewed_count: int = Field(0, ge=0, description="访谈人数（座谈访谈必填）")
    interviewees: str = Field("", description="访谈对象（座谈访谈必填）")
    records_checked: str = Field("", description="抽查内容（随机抽查必填）")
    meeting_ref: str = Field("", max_length=100, description="列席的会议（列席会议必填，或给 unit_task）")
    unit_task: int | None = Field(None, description="关联的本单位工作任务 id")
    members_present: list[int] = Field(default_factory=list, description="参加的指导组成员（组成人员 id）")


class ActivityIn(ActivityFields):
    group: int = Field(..., description="指导组 id")
    org: str = Field(..., description="督查单位编码（须为本组联系单位或其下级）")
    round: int | None = Field(None, description="督查轮次 id；不给则按日期自动归入")


class ActivityPatch(Schema):
    kind: ActivityKind | None = None
    held_on: dt.date | None = None
    subject: str | None = Field(None, max_length=200)
    place: str | None = None
    notes: str | None = None
    interviewed_count: int | None = Field(None, ge=0)
    interviewees: str | None = None
    records_checked: str | None = None
    meeting_ref: str | None = Field(None, max_length=100)
    unit_task: int | None = None
    members_present: list[int] | None = None


class ActivityOut(Schema):
    id: int
    group: int
    group_name: str
    org: str
    org_name: str
    round: int | None
    round_name: str
    kind: str
    kind_label: str
    held_on: dt.date
    place: str
    subject: str
    notes: str
    interviewed_count: int
    interviewees: str
    records_checked: str
    meeting_ref: str
    unit_task: int | None
    created_by: str | None
    created_at: dt.datetime


class PhotoOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    caption: str
    url: str


class QuestionItemOut(Schema):
    question: int
    kind: str
    stem: str
    options: list = []
    answer: list = []
    given: str = ""
    correct: bool | None = None


class QuestioningOut(Schema):
    id: int
    member: int
    member_name: str
    score: float | None
    items: list[QuestionItemOut]


class FindingOut(Schema):
    id: int
    activity: int
    org: str
    org_name: str
    group_name: str
    feedback: str
    status: FeedbackStatus
    status_label: str
    problem: int | None
    problem_number: str
    problem_title: str
    problem_status: str
    answer: str
    answered_at: dt.datetime | None
    answered_by: str | None
    created_by: str | None
    created_at: dt.datetime


class ExemplarOut(Schema):
    id: int
    activity: int
    org: str
    org_name: str
    title: str
    description: str
    created_by: str | None
    created_at: dt.datetime


class ActivityDetail(ActivityOut):
    members_present: list[int]
    photos: list[PhotoOut]
    questionings: list[QuestioningOut]
    findings: list[FindingOut]
    exemplars: list[ExemplarOut]


class ActivityPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ActivityOut]


class DrawIn(Schema):
    member: int | None = Field(None, description="本单位党员 id；不给则随机抽取一名本单位党员")
    count: int = Field(3, ge=1, le=20, description="题数")
    tags: list[str] = Field(default_factory=list, description="只抽带这些标签的题")


class MarkIn(Schema):
    question: int
    correct: bool
    given: str = ""


class MarksIn(Schema):
    marks: list[MarkIn]
    note: str = ""


class FindingIn(Schema):
    activity: int = Field(..., description="督查活动 id")
    feedback: str = Field(..., description="反馈意见（发给单位回复）")
    title: str = Field(..., max_length=200, description="问题概述")
    aspect: int | str = Field(..., description="问题方面 id 或简称")
    description: str = ""
    leader: str = Field(..., max_length=50, description="责任领导")
    owner: str = Field(..., max_length=50, description="责任人")
    due_on: dt.date = Field(..., description="整改时限")


class FindingFilters(PageParams):
    status: FeedbackStatus | None = Field(None, description="sent（待回复）或 answered（已回复）")
    org: str | None = Field(None, description="单位编码（含下级）")


class FindingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FindingOut]


class AnswerIn(Schema):
    answer: str = Field(..., max_length=5000)


class ExemplarIn(Schema):
    activity: int = Field(..., description="督查活动 id")
    title: str = Field(..., max_length=200)
    description: str


class ExemplarPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ExemplarOut]


class ExemplarFilters(PageParams):
    org: str | None = Field(None, description="单位编码（含下级）")
