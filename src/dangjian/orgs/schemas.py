"""API schemas of orgs: the tree, members and roll-up counts (enum fields carry code and label)."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.orgs.models import Category, Gender, MemberStatus, Org, OrgKind


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices)


KIND_DOC = "组织类型：" + _codes(OrgKind)
GENDER_DOC = "性别：" + _codes(Gender)
CATEGORY_DOC = "人员类别：" + _codes(Category)
STATUS_DOC = "党员状态：" + _codes(MemberStatus)
INT32 = {"ge": -(2**31), "le": 2**31 - 1}


# --- orgs -----------------------------------------------------------------------------------

class OrgOut(Schema):
    code: str
    name: str
    kind: OrgKind = Field(description=KIND_DOC)
    kind_label: str
    order: int
    parent: str | None = Field(description="上级组织编码；根组织为 null")
    depth: int = Field(description="层级：根组织为 1，二级单位为 2")
    children_count: int = Field(description="直接下级组织数")

    @staticmethod
    def resolve_kind_label(obj: Org) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_parent(obj: Org) -> str | None:
        # Set by the API's queryset (a subquery), so a page of orgs costs one query.
        return obj.parent_code

    @staticmethod
    def resolve_children_count(obj: Org) -> int:
        return obj.numchild


class OrgDetail(OrgOut):
    parent_name: str | None
    member_count: int = Field(description="本组织及全部下级组织的党员数")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_parent_name(obj: Org) -> str | None:
        return obj.parent_name

    @staticmethod
    def resolve_member_count(obj: Org) -> int:
        return obj.member_count


class OrgPage(Schema):
    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int
    items: list[OrgOut]


class Subtree(Schema):
    root: str = Field(description="子树根组织的编码")
    count: int
    items: list[OrgOut] = Field(description="扁平列表，按树的先序（路径）排列；用 parent 与 depth 还原层级")


class OrgFilters(PageParams):
    kind: OrgKind | None = Field(None, description=KIND_DOC)
    q: str | None = Field(None, description="名称或编码中包含的文字")
    parent: str | None = Field(None, description="上级组织编码：只列出它的直接下级")
    depth: int | None = Field(None, ge=1, description="层级：根组织为 1")


class OrgIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    kind: OrgKind = Field(description=KIND_DOC)
    parent: str | None = Field(None, max_length=32, description="上级组织编码；建立根组织时为空（仅系统管理员）")
    order: int = Field(0, **INT32)


class OrgPatch(Schema):
    name: str | None = Field(None, max_length=100)
    kind: OrgKind | None = Field(None, description=KIND_DOC)
    order: int | None = Field(None, **INT32)


class MoveIn(Schema):
    parent: str = Field(max_length=32, description="新的上级组织编码")


# --- members --------------------------------------------------------------------------------

class MemberOut(Schema):
    id: int
    name: str
    gender: Gender = Field(description=GENDER_DOC)
    gender_label: str
    id_number: str = Field(description="身份证号；未申请查看明文时为脱敏值")
    phone: str = Field(description="手机号；未申请查看明文时为脱敏值")
    masked: bool = Field(description="id_number 与 phone 是否为脱敏值")
    org: str = Field(description="所在组织编码")
    org_name: str
    category: Category = Field(description=CATEGORY_DOC)
    category_label: str
    status: MemberStatus = Field(description=STATUS_DOC)
    status_label: str
    joined_on: dt.date
    is_cadre: bool
    position: str
    has_account: bool = Field(description="是否已绑定登录账号")


class MemberPage(Schema):
    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int
    masked: bool
    items: list[MemberOut]


class MemberFilters(PageParams):
    org: str | None = Field(None, description="组织编码：该组织及其全部下级组织的党员")
    category: Category | None = Field(None, description=CATEGORY_DOC)
    status: MemberStatus | None = Field(None, description=STATUS_DOC)
    is_cadre: bool | None = None
    q: str | None = Field(None, description="姓名中包含的文字")
    unmask: bool = Field(False, description="显示身份证号与手机号明文：须对所查组织（未指定时为全部可见范围）有查看明文权限，每次查看都会记录")


class MemberIn(Schema):
    name: str = Field(max_length=50)
    gender: Gender = Field(description=GENDER_DOC)
    id_number: str = Field(description="18位身份证号")
    phone: str = Field("", description="11位手机号，可为空")
    org: str = Field(max_length=32, description="所在组织编码")
    category: Category = Field(description=CATEGORY_DOC)
    status: MemberStatus = Field(description=STATUS_DOC)
    joined_on: dt.date = Field(description="入党日期，YYYY-MM-DD")
    is_cadre: bool = False
    position: str = Field("", max_length=100)


class MemberPatch(Schema):
    name: str | None = Field(None, max_length=50)
    gender: Gender | None = Field(None, description=GENDER_DOC)
    id_number: str | None = None
    phone: str | None = None
    org: str | None = Field(None, max_length=32, description="所在组织编码")
    category: Category | None = Field(None, description=CATEGORY_DOC)
    status: MemberStatus | None = Field(None, description=STATUS_DOC)
    joined_on: dt.date | None = None
    is_cadre: bool | None = None
    position: str | None = Field(None, max_length=100)


# --- roll-ups -------------------------------------------------------------------------------

class CountOut(Schema):
    code: str
    label: str
    count: int


class UnitRollup(Schema):
    code: str
    name: str
    kind: OrgKind = Field(description=KIND_DOC)
    kind_label: str
    parent: str = Field(description="所汇总的上级组织编码")
    orgs_by_kind: list[CountOut] = Field(description="该单位及其全部下级组织按类型计数")
    members_by_category: list[CountOut]
    members: int
    cadres: int


class RollupOut(Schema):
    org: str | None = Field(description="汇总的组织编码；未指定时为 null，表示全部可见范围")
    org_name: str | None
    orgs_by_kind: list[CountOut]
    members_by_category: list[CountOut]
    units: list[UnitRollup] = Field(description="所汇总组织的每个直接下级单位一行（未指定组织时，对每个可见的顶层组织各列其下级单位）")


# --- leadership teams -----------------------------------------------------------------------

class PositionOut(Schema):
    title: str
    member_id: int
    name: str
    org: str = Field(description="该党员所在组织编码")
    is_cadre: bool


class LeadershipOut(Schema):
    org: str
    name: str
    term_start: dt.date | None
    term_end: dt.date | None
    positions: list[PositionOut]
