"""API schemas of the records around problems: duplicate check, import, outcomes, aspects."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.rectification.models import OutcomeKind


class SimilarParams(Schema):
    org: str = Field(description="录入问题的党组织编码")
    title: str = Field(max_length=200, description="问题概述")
    description: str = Field("", description="问题表现（选填，只取前 600 字）")
    exclude: int | None = Field(None, description="修改问题时排除它自己（问题 id）")


class SimilarItem(Schema):
    id: int
    number: str
    title: str
    org: str
    org_name: str
    status: str
    status_label: str
    score: float = Field(description="相似度 0–1（字符二元组 Dice 系数）")


class SimilarOut(Schema):
    items: list[SimilarItem]
    hidden: int = Field(description="相近但不在调用者查看范围内的问题数（上级党组织的问题）")
    threshold: float


class ImportRowError(Schema):
    row: int = Field(description="Excel 行号（第1行为列名）；0 表示整个文件")
    column: str
    message: str


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    total: int = Field(description="数据行数")
    created: int = Field(description="新增问题数")
    measures: int = Field(description="新增整改措施数")
    submitted: int = Field(description="导入后即提交审核的问题数")
    problem_ids: list[int]
    errors: list[ImportRowError]
    warnings: list[ImportRowError] = Field(description="疑似重复：不阻止导入")


class OutcomeFilters(PageParams):
    org: str | None = Field(None, description="组织编码：该组织及其下级的制度成果")
    kind: OutcomeKind | None = None
    q: str | None = Field(None, description="制度名称或文号包含")
    problem: int | None = Field(None, description="只列出回应该问题（id）的制度成果")


class OutcomeOut(Schema):
    id: int
    org: str
    org_name: str
    title: str
    kind: str
    kind_label: str
    doc_number: str
    issued_on: dt.date
    summary: str
    campaign: int | None
    problems: list[int] = Field(description="对应问题的 id（调用者可见的）")
    created_at: dt.datetime


class OutcomePage(Schema):
    count: int
    limit: int
    offset: int
    counts_by_kind: dict[str, int]
    items: list[OutcomeOut]


class OutcomeIn(Schema):
    org: str = Field(max_length=32, description="制定或修订该制度的党组织编码")
    title: str = Field(max_length=200)
    kind: OutcomeKind = OutcomeKind.NEW
    doc_number: str = Field("", max_length=100)
    issued_on: dt.date
    summary: str = ""
    campaign: int | None = None
    problems: list[int] = Field(default_factory=list, description="对应问题的 id：该组织及下级党组织清单上的问题")


class OutcomePatch(Schema):
    title: str | None = Field(None, max_length=200)
    kind: OutcomeKind | None = None
    doc_number: str | None = Field(None, max_length=100)
    issued_on: dt.date | None = None
    summary: str | None = None
    problems: list[int] | None = Field(None, description="给出时替换全部对应问题")


class AspectOut(Schema):
    id: int
    name: str
    short_name: str
    order: int
    active: bool
    problems: int = Field(description="属于该方面的问题数")


class AspectIn(Schema):
    name: str = Field(max_length=100)
    short_name: str = Field(max_length=20)
    order: int = 0
    active: bool = True


class AspectPatch(Schema):
    name: str | None = Field(None, max_length=100)
    short_name: str | None = Field(None, max_length=20)
    order: int | None = None
    active: bool | None = None
