"""API schemas of the library: materials, campaign reading lists, distributions, reading
progress and statistics. Choice fields carry the code and `<field>_label`; orgs are named by code."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.study.models import MaterialKind

KIND_DOC = "资料类型：" + "，".join(f"{v} {label}" for v, label in MaterialKind.choices)


class Counts(Schema):
    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int


class ProgressOut(Schema):
    material: int
    position: int = Field(description="读到的位置：文本与 PDF 为页序号（从 0 起），视频为秒数")
    page: int | None = Field(description="读到第几页（从 1 起）；视频为 null")
    furthest: int = Field(description="读到过的最远位置（同 position 的单位）")
    percent: int = Field(description="进度（%），按最远位置计算")
    started_at: dt.datetime | None
    updated_at: dt.datetime | None
    finished_at: dt.datetime | None = Field(description="首次读到最后一页（视频播完）的时间")


class MaterialOut(Schema):
    id: int
    org: str = Field(description="发布组织编码：资料发布给该组织及其全部下级组织")
    org_name: str
    kind: MaterialKind = Field(description=KIND_DOC)
    kind_label: str
    title: str
    author: str
    publisher: str
    reader: str = Field(description="在线阅读方式：text 文本分页，pdf，video，空串表示不能在线阅读")
    pages: int = Field(description="电子版页数；仅 PDF 时为 PDF 页数；视频为时长（秒）")
    has_file: bool
    created_at: dt.datetime


class MaterialDetail(MaterialOut):
    description: str
    original_name: str
    content_type: str
    size: int
    file_url: str | None = Field(description="文件地址（PDF、视频可在浏览器中预览）")
    may_edit: bool
    my_progress: ProgressOut | None = Field(description="本人的阅读进度（仅党员本人；未开始为 null）")


class MaterialPage(Counts):
    items: list[MaterialOut]


class MaterialFilters(PageParams):
    kind: MaterialKind | None = Field(None, description=KIND_DOC)
    campaign: int | None = Field(None, description="只列出该主题教育书目中的资料")
    q: str = Field("", max_length=100, description="按名称搜索")


class MaterialIn(Schema):
    """JSON body (no file: the text edition is pasted in `text`). Upload files as multipart."""

    org: str = Field(max_length=32, description="发布组织编码（须有该组织的办理权限）")
    kind: MaterialKind = Field(description=KIND_DOC)
    title: str = Field(max_length=200)
    author: str = Field("", max_length=100)
    publisher: str = Field("", max_length=100)
    description: str = ""
    text: str = Field("", description="电子版正文：按章节标题与段落自动分页（每页约1500字），单独一行 === 强制分页")
    pages: int | None = Field(None, ge=1, description="PDF 页数或视频时长（秒），无法从文件读出时填写")


class MaterialPatch(Schema):
    org: str | None = Field(None, max_length=32)
    kind: MaterialKind | None = Field(None, description=KIND_DOC)
    title: str | None = Field(None, max_length=200)
    author: str | None = Field(None, max_length=100)
    publisher: str | None = Field(None, max_length=100)
    description: str | None = None
    text: str | None = Field(None, description="新的电子版正文（重新分页）；空串表示删除电子版")
    pages: int | None = Field(None, ge=1)


class PageOut(Schema):
    material: int
    page: int = Field(description="第几页（从 1 起）")
    pages: int
    text: str


class EntryOut(Schema):
    id: int
    campaign: int
    material: MaterialOut
    required: bool
    required_label: str = Field(description="必读 或 选读")
    order: int


class EntryIn(Schema):
    material: int = Field(description="学习资料 id：须由主题教育牵头组织或其上级发布")
    required: bool = True
    order: int = Field(0, ge=-(2**31), le=2**31 - 1)


class DistributionOut(Schema):
    id: int
    material: int
    material_title: str
    org: str
    org_name: str
    quantity: int
    handed_on: dt.date
    note: str
    recorded_by: str | None
    created_at: dt.datetime


class MaterialTotal(Schema):
    material: int
    title: str
    records: int
    quantity: int


class UnitTotal(Schema):
    org: str | None = Field(description="下级单位编码；null 表示所选组织本级")
    name: str
    quantity: int


class DistributionTotals(Schema):
    org: str | None = Field(description="汇总的组织（按其直接下级单位汇总）")
    quantity: int
    per_material: list[MaterialTotal]
    per_unit: list[UnitTotal]


class DistributionPage(Counts):
    items: list[DistributionOut]
    totals: DistributionTotals


class DistributionFilters(PageParams):
    material: int | None = None
    org: str = Field("", max_length=32, description="组织编码：只看该组织及其下级，按其直接下级单位汇总；默认为查看范围的最上级")


class DistributionIn(Schema):
    material: int
    org: str = Field(max_length=32, description="领取单位编码（须有该单位的办理权限）")
    quantity: int = Field(description="数量（册/份），至少为 1")
    handed_on: dt.date = Field(description="发放日期，不能晚于今天")
    note: str = Field("", max_length=200)


class ProgressIn(Schema):
    position: int = Field(description="文本与 PDF：页序号（从 0 起，第 1 页为 0）；视频：秒数")


class MyReadingItem(Schema):
    material: MaterialOut
    campaign: int | None
    section: str = Field(description="required 必读，optional 选读，other 其他在读")
    progress: ProgressOut | None


class StatsRowOut(Schema):
    org: str | None = Field(description="单位编码；null 表示所选组织本级")
    name: str
    members: int
    started: int = Field(description="已开始阅读必读书目的党员人数")
    finished: int = Field(description="读完全部必读书目的党员人数")
    share: int = Field(description="完成率（%）= finished / members")
    has_children: bool


class StatsMaterialOut(Schema):
    material: int
    title: str
    started: int
    finished: int


class ReadingStatsOut(Schema):
    org: str
    org_name: str
    campaign: int | None
    campaign_name: str | None
    required: int = Field(description="必读书目种数")
    total: StatsRowOut
    rows: list[StatsRowOut]
    materials: list[StatsMaterialOut]


class StatsFilters(Schema):
    org: str = Field("", max_length=32, description="组织编码；默认为查看范围的最上级")
    campaign: int | None = Field(None, description="主题教育 id；默认为该组织或其上级正在开展的主题教育")
