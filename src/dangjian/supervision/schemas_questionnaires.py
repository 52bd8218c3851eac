"""API schemas of questionnaires: design, answers, results."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.orgs.models import Category, OrgKind
from dangjian.supervision.models import Audience, QuestionKind


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices)


class ItemIn(Schema):
    section: str = Field("", max_length=100, description="分节标题（相同的归为一节）")
    kind: QuestionKind = Field(description="题型：" + _codes(QuestionKind))
    text: str = Field(max_length=500, description="题目")
    options: list[str] = Field(default_factory=list, description="选项（单选、多选，2–20 个）")
    scale_max: int = Field(5, ge=2, le=10, description="量表最高分（1 到此分）")
    required: bool = Field(True, description="必答")


class ItemOut(Schema):
    id: int
    section: str
    order: int
    kind: str
    text: str
    options: list[str]
    scale_max: int
    required: bool


class QuestionnaireIn(Schema):
    org: str = Field(max_length=32, description="发布单位编码（须有修改该组织的权限）")
    title: str = Field(max_length=200)
    intro: str = ""
    audience: Audience = Field(Audience.MEMBERS, description="填写对象：" + _codes(Audience))
    target_kinds: list[OrgKind] = Field(default_factory=list, description="单位填报时的单位类型：" + _codes(OrgKind))
    target_categories: list[Category] = Field(default_factory=list, description="党员填写时的人员类别：" + _codes(Category))
    anonymous: bool = True
    deadline: dt.datetime
    items: list[ItemIn]


class QuestionnairePatch(Schema):
    title: str | None = Field(None, max_length=200)
    intro: str | None = None
    anonymous: bool | None = None
    deadline: dt.datetime | None = Field(None, description="已发布的问卷只能改截止时间")
    items: list[ItemIn] | None = Field(None, description="整体替换题目（仅设计中）")


class QuestionnaireOut(Schema):
    id: int
    org: str
    org_name: str
    title: str
    intro: str
    audience: str
    target_kinds: list[str]
    target_categories: list[str]
    anonymous: bool
    deadline: dt.datetime
    status: str
    published_at: dt.datetime | None
    responses: int
    items: list[ItemOut]


class QuestionnaireRow(Schema):
    id: int
    org: str
    org_name: str
    title: str
    audience: str
    anonymous: bool
    deadline: dt.datetime
    status: str
    responses: int


class QuestionnairePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[QuestionnaireRow]


class QuestionnaireFilters(PageParams):
    status: str | None = Field(None, description="draft 设计中，published 已发布，closed 已结束")


class WaitingOut(Schema):
    id: int
    org: str
    org_name: str
    title: str
    audience: str
    deadline: dt.datetime


class ResponseIn(Schema):
    org: str | None = Field(None, max_length=32, description="单位填报时代表的单位编码")
    answers: dict[str, int | list[int] | str] = Field(
        description="题目编号 → 回答：单选为选项序号（从 0 起），多选为序号列表，量表为分值，文字为字符串")


class ResponseOut(Schema):
    id: int
    questionnaire: int
    submitted_at: dt.datetime


class OptionResult(Schema):
    label: str
    count: int
    percent: float


class ItemResult(Schema):
    id: int
    section: str
    kind: str
    text: str
    answered: int | None = Field(description="作答人数（多选题为 null：百分比按答卷总数）")
    average: float | None
    options: list[OptionResult]


class ResultsOut(Schema):
    total: int
    items: list[ItemResult]


class RemindOut(Schema):
    reminded: int
