"""Schemas of the three lists' API."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class CountsOut(Schema):
    total: int = Field(description="计入该级的问题数（分级审核已通过至页面所选组织的层级）")
    by_status: dict[str, int] = Field(description="按状态：reviewing、open、rectifying、rectified、verified、closed")
    by_aspect: dict[str, int] = Field(description="按问题方面（键为问题方面 ID）")
    by_level: dict[str, int] = Field(description="已提交的问题按审核已到达的层级（组织树深度：1 党委，2 二级单位，3 及以下基层组织）计数，含尚未计入本级的")
    below: int = Field(description="已提交、尚在下级审核、未计入本级的问题数")
    overdue: int = Field(description="逾期问题：待整改或整改中且整改时限已过")
    due_soon: int = Field(description="即将到期：待整改或整改中且整改时限在今后 DANGJIAN_DUE_SOON_DAYS 天内（含今天）")
    closed: int
    closed_rate: float | None = Field(description="销号率（%）；没有问题时为 null")
    measures: int = Field(description="整改措施条数")
    measures_done: int
    measures_overdue: int = Field(description="未完成且完成时限已过的措施")
    measures_rate: float | None = Field(description="措施完成率（%）")


class OrgRowOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    own: bool = Field(description="true：该组织本级的问题（不含下级）")
    has_children: bool
    counts: CountsOut


class AspectOut(Schema):
    id: int
    name: str
    short_name: str
    active: bool


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    found: int = Field(description="当月发现（按发现日期）")
    closed: int = Field(description="当月销号（按销号时间）")
    open_after: int = Field(description="月末仍未销号的问题数")


class FilterOut(Schema):
    campaign_id: int | None
    starts: dt.date | None
    ends: dt.date | None
    label: str


class DueItem(Schema):
    id: int
    number: str
    title: str
    org: str
    org_name: str
    aspect: str
    source: str
    source_label: str
    status: str
    status_label: str
    leader: str
    owner: str
    found_on: dt.date
    due_on: dt.date
    days: int = Field(description="逾期天数（逾期列表）或剩余天数（即将到期列表）")
    measures: int
    measures_done: int
    measures_overdue: int


class ListsPage(Schema):
    org: OrgRowOut
    filter: FilterOut
    today: dt.date
    due_soon_days: int
    aspects: list[AspectOut]
    children: list[OrgRowOut] = Field(description="本级（own=true，若有）和每个下级组织一行")
    months: list[MonthOut]
    overdue: list[DueItem] = Field(description="最紧迫的 20 个逾期问题；全部见 /rectification/lists/due")
    due_soon: list[DueItem]
    definitions: dict[str, str]


class DuePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DueItem]
