"""Schemas of the service-request API: units, requests, the import, the red/black list, rules."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from dangjian.core.api import PageParams


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    org: str = Field(description="所属党组织编码")
    org_name: str
    contact: str
    active: bool


class UnitPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[UnitOut]


class UnitFilters(PageParams):
    org: str | None = Field(None, max_length=32, description="组织编码：该组织及其下级的单位")
    q: str | None = Field(None, max_length=100, description="名称或编码包含")


class UnitIn(Schema):
    org: str = Field(max_length=32, description="所属党组织编码（须有管理权限）")
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    kind: Literal["org", "company"] = "company"
    contact: str = Field("", max_length=50)
    active: bool = True


class UnitPatch(Schema):
    org: str | None = Field(None, max_length=32)
    code: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=200)
    kind: Literal["org", "company"] | None = None
    contact: str | None = Field(None, max_length=50)
    active: bool | None = None


class RequestOut(Schema):
    id: int
    number: str
    unit: str = Field(description="责任单位编码")
    unit_name: str
    org: str
    channel: str
    channel_label: str
    category: str
    content: str
    received_at: dt.datetime
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    satisfaction: str = Field(description="satisfied 满意、basic 基本满意、unsatisfied 不满意；空为未评价")
    satisfaction_label: str
    timely: bool = Field(description="是否在响应时限内响应")
    late: bool = Field(description="超过响应时限才响应，或已超时仍未响应")


class RequestPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RequestOut]


class RequestFilters(PageParams):
    org: str | None = Field(None, max_length=32, description="组织编码：该组织及其下级单位的诉求")
    unit: str | None = Field(None, max_length=40, description="责任单位编码")
    month: str | None = Field(None, description="受理月份 YYYY-MM")
    status: Literal["unanswered", "late", "unresolved", "unrated"] | None = Field(
        None, description="unanswered 未响应、late 响应超时、unresolved 未办结、unrated 未评价")
    q: str | None = Field(None, max_length=100, description="编号、类别或内容包含")


Channel = Literal["hotline", "online", "visit", "letter", "other"]
Sat = Literal["satisfied", "basic", "unsatisfied", ""]


class RequestIn(Schema):
    unit: str = Field(max_length=40, description="责任单位编码（须可为其登记诉求）")
    number: str = Field("", max_length=40, description="诉求编号；留空自动生成")
    channel: Channel = "hotline"
    category: str = Field("", max_length=50)
    content: str = Field("", max_length=4000)
    received_at: dt.datetime
    responded_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    satisfaction: Sat = ""


class RequestPatch(Schema):
    unit: str | None = Field(None, max_length=40)
    number: str | None = Field(None, max_length=40)
    channel: Channel | None = None
    category: str | None = Field(None, max_length=50)
    content: str | None = Field(None, max_length=4000)
    received_at: dt.datetime | None = None
    responded_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    satisfaction: Sat | None = None


class ImportErrorOut(Schema):
    row: int = Field(description="出错的行（第1行为列名）；0 为整个文件")
    column: str
    message: str


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    total: int
    created: int
    updated: int
    summary: str
    errors: list[ImportErrorOut]


class FiguresOut(Schema):
    received: int = Field(description="当月受理件数（响应及时率、解决率的分母）")
    timely: int = Field(description="时限内响应件数")
    resolved: int = Field(description="已办结件数")
    rated: int = Field(description="参与评价件数（满意率的分母）")
    satisfied: int = Field(description="满意和基本满意件数")
    response: float | None = Field(description="响应及时率（%，一位小数）；无诉求时为 null")
    resolution: float | None = Field(description="解决率（%）")
    satisfaction: float | None = Field(description="满意率（%）；无评价时为 null")


class HitOut(Schema):
    rule_id: int
    rule: str
    reasons: list[str] = Field(description="使规则成立的指标，如“响应及时率 92.0% < 95%”")


class RankedUnitOut(Schema):
    unit: str
    unit_name: str
    org: str
    org_name: str
    list_kind: str = Field(description="red 红榜、black 黑榜，或空")
    list_label: str
    current: FiguresOut
    previous: FiguresOut
    change: dict[str, float | None] = Field(description="各比率较上月的变化（百分点）")
    hits: list[HitOut]


class ConditionSchema(Schema):
    metric: Literal["response", "resolution", "satisfaction"]
    op: Literal["lt", "lte", "gt", "gte"]
    value: float = Field(ge=0, le=100, description="阈值（%）")


class RuleOut(Schema):
    id: int
    list_kind: str
    list_kind_label: str
    name: str
    conditions: list[dict]
    match: str
    min_requests: int
    active: bool
    order: int
    text: str


class RulePatch(Schema):
    name: str | None = Field(None, max_length=100)
    list_kind: Literal["red", "black"] | None = None
    conditions: list[ConditionSchema] | None = None
    match: Literal["any", "all"] | None = None
    min_requests: int | None = Field(None, ge=1, le=100000)
    active: bool | None = None
    order: int | None = None


class RedBlackOut(Schema):
    org: str
    org_name: str
    month: str
    previous_month: str
    limit_hours: int
    definitions: dict[str, str]
    rules: list[RuleOut]
    red: list[RankedUnitOut]
    black: list[RankedUnitOut]
    units: list[RankedUnitOut]
