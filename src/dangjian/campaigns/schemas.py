"""API schemas of the campaign engine: campaigns, phases, groups, tasks, unit tasks, evidence.

Choice fields carry the code and, beside it, `<field>_label` in Chinese; orgs are named by
code, accounts by username, everything else by id."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from dangjian.campaigns.models import (
    CampaignStatus,
    Decision,
    EvidenceKind,
    Reviewer,
    SeatRole,
    TargetMode,
    TaskKind,
    TaskStatus,
    UnitTaskStatus,
    WorkingGroupKind,
)
from dangjian.core.api import PageParams
from dangjian.orgs.models import OrgKind


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices)


CAMPAIGN_STATUS_DOC = "状态：" + _codes(CampaignStatus)
SEAT_ROLE_DOC = "组内职务：" + _codes(SeatRole)
WG_KIND_DOC = "工作机构类型：" + _codes(WorkingGroupKind)
TASK_KIND_DOC = "任务类型：" + _codes(TaskKind)
TASK_STATUS_DOC = "发布状态：" + _codes(TaskStatus)
TARGET_MODE_DOC = "下发范围：" + _codes(TargetMode)
REVIEWER_DOC = "审核方：" + _codes(Reviewer)
EVIDENCE_DOC = "佐证材料类型：" + _codes(EvidenceKind)
UT_STATUS_DOC = "单位任务状态：" + _codes(UnitTaskStatus)
DECISION_DOC = "审核结果：" + _codes(Decision)
ORG_KIND_DOC = "组织类型：" + _codes(OrgKind)
INT32 = {"ge": -(2**31), "le": 2**31 - 1}


class Counts(Schema):
    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int


# --- campaigns ------------------------------------------------------------------------------

class PhaseOut(Schema):
    id: int
    campaign: int
    name: str
    order: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    description: str


class CampaignOut(Schema):
    id: int
    org: str = Field(description="牵头党组织编码")
    org_name: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    status: CampaignStatus = Field(description=CAMPAIGN_STATUS_DOC)
    status_label: str
    requirements: str = Field(description="总要求")
    goals: str = Field(description="具体目标")
    description: str = Field(description="工作安排")
    created_at: dt.datetime
    may_manage: bool = Field(description="调用者能否管理本次主题教育（修改、建组、发布任务）")


class CampaignDetail(CampaignOut):
    phases: list[PhaseOut]


class CampaignPage(Counts):
    items: list[CampaignOut]


class CampaignFilters(PageParams):
    status: CampaignStatus | None = Field(None, description=CAMPAIGN_STATUS_DOC)


class CampaignIn(Schema):
    org: str = Field(max_length=32, description="牵头党组织编码")
    name: str = Field(max_length=100)
    starts_on: dt.date | None = Field(None, description="YYYY-MM-DD")
    ends_on: dt.date | None = Field(None, description="YYYY-MM-DD")
    requirements: str = ""
    goals: str = ""
    description: str = ""
    status: CampaignStatus = Field(CampaignStatus.DRAFT, description=CAMPAIGN_STATUS_DOC)


class CampaignPatch(Schema):
    name: str | None = Field(None, max_length=100)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    requirements: str | None = None
    goals: str | None = None
    description: str | None = None
    status: CampaignStatus | None = Field(None, description=CAMPAIGN_STATUS_DOC)


class PhaseIn(Schema):
    name: str = Field(max_length=50)
    order: int = Field(0, **INT32)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    description: str = ""


class PhasePatch(Schema):
    name: str | None = Field(None, max_length=50)
    order: int | None = Field(None, **INT32)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    description: str | None = None


# --- groups ---------------------------------------------------------------------------------

class SeatOut(Schema):
    id: int
    role: SeatRole = Field(description=SEAT_ROLE_DOC)
    role_label: str
    name: str
    title: str = Field(description="单位职务")
    duty: str = Field(description="分工")
    phone: str = Field(description="联系电话")
    account: str | None = Field(description="关联的登录账号（用户名）；巡回指导组成员的账号由此获得所联系单位的范围")
    member: int | None = Field(description="关联的党员 id")
    order: int


class SeatIn(Schema):
    role: SeatRole = Field(SeatRole.MEMBER, description=SEAT_ROLE_DOC)
    name: str = Field(max_length=50)
    title: str = Field("", max_length=100)
    duty: str = Field("", max_length=200)
    phone: str = Field("", max_length=20)
    account: str | None = Field(None, max_length=150, description="登录账号的用户名，可为空")
    member: int | None = Field(None, description="党员 id，可为空")
    order: int = Field(0, **INT32)


class SeatPatch(Schema):
    role: SeatRole | None = Field(None, description=SEAT_ROLE_DOC)
    name: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=100)
    duty: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=20)
    account: str | None = Field(None, max_length=150, description="登录账号的用户名；null 解除关联")
    member: int | None = Field(None, description="党员 id；null 解除关联")
    order: int | None = Field(None, **INT32)


class WorkingGroupOut(Schema):
    id: int
    campaign: int
    kind: WorkingGroupKind = Field(description=WG_KIND_DOC)
    kind_label: str
    name: str
    duties: str
    order: int
    seats: list[SeatOut]


class WorkingGroupIn(Schema):
    kind: WorkingGroupKind = Field(description=WG_KIND_DOC)
    name: str = Field(max_length=50)
    duties: str = ""
    order: int = Field(0, **INT32)


class WorkingGroupPatch(Schema):
    kind: WorkingGroupKind | None = Field(None, description=WG_KIND_DOC)
    name: str | None = Field(None, max_length=50)
    duties: str | None = None
    order: int | None = Field(None, **INT32)


class UnitRef(Schema):
    code: str
    name: str


class GuidanceGroupOut(Schema):
    id: int
    campaign: int
    name: str
    order: int
    note: str
    seats: list[SeatOut]
    units: list[UnitRef] = Field(description="联系单位（含其全部下级）")


class GuidanceGroupIn(Schema):
    name: str = Field(max_length=50)
    order: int = Field(0, **INT32)
    note: str = ""


class GuidanceGroupPatch(Schema):
    name: str | None = Field(None, max_length=50)
    order: int | None = Field(None, **INT32)
    note: str | None = None


class UnitsIn(Schema):
    orgs: list[str] = Field(description="联系单位的组织编码；整体替换原有的联系单位")


# --- tasks ----------------------------------------------------------------------------------

class TaskFieldSpec(Schema):
    key: str = Field(max_length=50, description="填报项代码，在 values 中使用")
    label: str = Field(max_length=100)
    type: Literal["text", "number", "date"] = "text"
    required: bool = False


class TaskOut(Schema):
    id: int
    campaign: int
    phase: int | None
    phase_name: str | None
    kind: TaskKind = Field(description=TASK_KIND_DOC)
    kind_label: str
    title: str
    description: str
    starts_on: dt.date
    due_on: dt.date
    order: int
    target_mode: TargetMode = Field(description=TARGET_MODE_DOC)
    target_mode_label: str
    target_kinds: list[str] = Field(description=ORG_KIND_DOC)
    target_depth: int | None = Field(description="组织层级：根组织为 1，二级单位为 2")
    target_root: str | None = Field(description="下发到该组织及其下级（target_mode=subtree）")
    target_orgs: list[str] = Field(description="指定单位的编码（target_mode=list）")
    evidence_required: list[str] = Field(description=EVIDENCE_DOC)
    evidence_note: str
    reviewer: Reviewer = Field(description=REVIEWER_DOC)
    reviewer_label: str
    fields: list[TaskFieldSpec] = Field(description="单位填报项")
    status: TaskStatus = Field(description=TASK_STATUS_DOC)
    status_label: str
    published_at: dt.datetime | None
    unit_count: int = Field(description="下发范围内的单位任务数")


class TaskPage(Counts):
    items: list[TaskOut]


class TaskFilters(PageParams):
    status: TaskStatus | None = Field(None, description=TASK_STATUS_DOC)
    phase: int | None = Field(None, description="阶段 id")


class TaskIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    kind: TaskKind = Field(TaskKind.GENERAL, description=TASK_KIND_DOC)
    phase: int | None = Field(None, description="阶段 id")
    starts_on: dt.date | None = Field(None, description="YYYY-MM-DD")
    due_on: dt.date | None = Field(None, description="YYYY-MM-DD")
    order: int = Field(0, **INT32)
    target_mode: TargetMode = Field(TargetMode.KINDS, description=TARGET_MODE_DOC)
    target_kinds: list[OrgKind] = Field([], description=ORG_KIND_DOC)
    target_depth: int | None = Field(None, ge=1, le=32)
    target_root: str | None = Field(None, max_length=32, description="组织编码（target_mode=subtree）")
    target_orgs: list[str] = Field([], description="组织编码（target_mode=list）")
    evidence_required: list[EvidenceKind] = Field([], description=EVIDENCE_DOC)
    evidence_note: str = Field("", max_length=200)
    reviewer: Reviewer = Field(Reviewer.GUIDANCE, description=REVIEWER_DOC)
    fields: list[TaskFieldSpec] = []


class TaskPatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    kind: TaskKind | None = Field(None, description=TASK_KIND_DOC)
    phase: int | None = Field(None, description="阶段 id；null 清除")
    starts_on: dt.date | None = None
    due_on: dt.date | None = None
    order: int | None = Field(None, **INT32)
    target_mode: TargetMode | None = Field(None, description=TARGET_MODE_DOC)
    target_kinds: list[OrgKind] | None = Field(None, description=ORG_KIND_DOC)
    target_depth: int | None = Field(None, ge=1, le=32, description="null 清除")
    target_root: str | None = Field(None, max_length=32, description="null 清除")
    target_orgs: list[str] | None = None
    evidence_required: list[EvidenceKind] | None = Field(None, description=EVIDENCE_DOC)
    evidence_note: str | None = Field(None, max_length=200)
    reviewer: Reviewer | None = Field(None, description=REVIEWER_DOC)
    fields: list[TaskFieldSpec] | None = None


class PublishOut(Schema):
    task: TaskOut
    created: int = Field(description="新建的单位任务数")
    reactivated: int = Field(description="重新纳入下发范围的单位任务数")
    deactivated: int = Field(description="移出下发范围但保留工作记录的单位任务数")
    deleted: int = Field(description="移出下发范围且未开展工作、已删除的单位任务数")


# --- unit tasks -----------------------------------------------------------------------------

class EvidenceOut(Schema):
    id: int
    kind: EvidenceKind = Field(description=EVIDENCE_DOC)
    kind_label: str
    original_name: str
    content_type: str
    size: int
    file_url: str | None = Field(description="下载或预览地址（文件、照片）；关联记录为 null")
    record_ref: str
    record_label: str
    description: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    removed: bool = Field(description="已从当前工作中移除，仅保留在已提交的版本里")


class SubmissionOut(Schema):
    id: int
    version: int
    values: dict
    plan_text: str
    note: str
    submitted_by: str | None
    submitted_at: dt.datetime
    decision: Decision = Field(description=DECISION_DOC)
    decision_label: str
    review_comment: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    evidence: list[EvidenceOut]


class TransitionOut(Schema):
    id: int
    from_status: UnitTaskStatus = Field(description=UT_STATUS_DOC)
    from_status_label: str
    to_status: UnitTaskStatus = Field(description=UT_STATUS_DOC)
    to_status_label: str
    actor: str | None = Field(description="操作人的用户名")
    actor_name: str | None
    at: dt.datetime
    comment: str


class UnitTaskOut(Schema):
    id: int
    campaign: int
    task: int
    task_title: str
    org: str
    org_name: str
    status: UnitTaskStatus = Field(description=UT_STATUS_DOC)
    status_label: str
    overdue: bool = Field(description="已过截止日期且未提交、未通过（按日期推算）")
    due_on: dt.date
    active: bool = Field(description="是否仍在任务的下发范围内")
    submission_count: int
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    updated_at: dt.datetime


class UnitTaskPage(Counts):
    items: list[UnitTaskOut]


class UnitTaskFilters(PageParams):
    campaign: int | None = Field(None, description="主题教育 id")
    task: int | None = Field(None, description="工作任务 id")
    org: str | None = Field(None, description="组织编码：该组织及其全部下级的单位任务")
    status: UnitTaskStatus | None = Field(None, description=UT_STATUS_DOC)
    overdue: bool | None = Field(None, description="true 只列出逾期的；false 只列出未逾期的")
    waiting_review: bool = Field(False, description="true 只列出等待调用者审核的提交")


class TaskBrief(Schema):
    id: int
    title: str
    kind: TaskKind
    kind_label: str
    description: str
    phase_name: str | None
    starts_on: dt.date
    due_on: dt.date
    evidence_required: list[str] = Field(description=EVIDENCE_DOC)
    evidence_note: str
    reviewer: Reviewer = Field(description=REVIEWER_DOC)
    reviewer_label: str
    fields: list[TaskFieldSpec]
    status: TaskStatus = Field(description=TASK_STATUS_DOC)
    status_label: str


class UnitTaskDetail(UnitTaskOut):
    campaign_name: str
    task_detail: TaskBrief
    values: dict = Field(description="单位填报内容：填报项代码 → 值")
    plan_text: str = Field(description="方案正文（工作方案类任务）")
    submitted_by: str | None
    may_act: bool = Field(description="调用者现在能否填报、上传佐证材料并提交")
    may_review: bool = Field(description="调用者现在能否审核（退回或通过）")
    missing: dict[str, str] = Field(description="提交前还缺什么：字段 → 说明；为空即可提交")
    evidence: list[EvidenceOut] = Field(description="当前的佐证材料")
    submissions: list[SubmissionOut] = Field(description="全部提交版本，从第 1 版起")


class WorkIn(Schema):
    values: dict[str, str | int | float | None] | None = Field(
        None, description="填报内容：只改所给的填报项；值为 null 时清空该项")
    plan_text: str | None = Field(None, description="方案正文")


class SubmitIn(Schema):
    note: str = Field("", description="提交说明")


class ReviewIn(Schema):
    comment: str = Field("", description="审核意见；退回时必填")


class RecordEvidenceIn(Schema):
    kind: EvidenceKind = Field(description=EVIDENCE_DOC + "（JSON 请求体只能是 record）")
    record_ref: str = Field("", max_length=100, description="关联记录，如 study.StudySession:42")
    record_label: str = Field("", max_length=200, description="关联记录的名称")
    description: str = Field("", max_length=200)
