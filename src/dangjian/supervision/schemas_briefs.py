"""Schemas of the briefs API."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class BriefSection(Schema):
    key: str
    title: str
    text: str


class BriefOut(Schema):
    id: int
    kind: str
    kind_label: str
    org: str = Field(description="印发单位编码")
    org_name: str
    round_id: int | None
    campaign_id: int | None
    period_start: dt.date
    period_end: dt.date
    number: str = Field(description="期号，印发时生成，如 督查专报〔2026〕第3期")
    title: str
    status: str
    status_label: str
    issued_on: dt.date | None
    issued_at: dt.datetime | None


class BriefDetail(BriefOut):
    figures: dict = Field(description="数据：草稿为当前统计，已印发为定稿数据")
    sections: list[BriefSection]


class BriefPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BriefOut]


class BriefCreate(Schema):
    kind: str = Field(description="round（督查专报，须给 round_id）或 monthly（月度督导工作汇总，须给 org 和 month）")
    round_id: int | None = None
    org: str | None = Field(None, max_length=32, description="印发单位编码（月度汇总）")
    month: str | None = Field(None, max_length=7, description="月份 YYYY-MM（月度汇总）")
    title: str = Field("", max_length=200)


class BriefPatch(Schema):
    title: str | None = Field(None, max_length=200)
    sections: dict[str, str] | None = Field(None, description="按 key 修改各部分正文，如 {\"next\": \"……\"}")


class BriefIssue(Schema):
    issued_on: dt.date | None = Field(None, description="印发日期，默认今天")
