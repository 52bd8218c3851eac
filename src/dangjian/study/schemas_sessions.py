"""API schemas of study plans, sessions, agenda items and the secretary's roster.

Choice fields carry the code and, beside it, `<field>_label` in Chinese; orgs are named by
code, members, plans, campaigns and materials by id."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.study.models import (
    AgendaKind,
    AttendanceStatus,
    Attendees,
    CheckinMethod,
    LeaveStatus,
    SessionKind,
    StudyMethod,
    TargetGroup,
)


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices if value)


METHOD_DOC = "学习方式：" + _codes(StudyMethod)
GROUP_DOC = "学习对象 / 人员范围：" + _codes(TargetGroup)
KIND_DOC = "学习会类型：" + _codes(SessionKind)
ATTENDEES_DOC = "参加对象：" + _codes(Attendees)
AGENDA_DOC = "议程环节：" + _codes(AgendaKind)
STATUS_DOC = "考勤：" + _codes(AttendanceStatus)
LEAVE_DOC = "请假审批：" + _codes(LeaveStatus)
CHECKIN_DOC = "签到方式：" + _codes(CheckinMethod)


class Counts(Schema):
    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int


# ------------------------------------------------------------------------------------ plans
class TargetIn(Schema):
    group: TargetGroup = Field(description=GROUP_DOC)
    method: StudyMethod = Field(StudyMethod.CENTRAL, description=METHOD_DOC)
    sessions: int = Field(1, ge=0, le=366, description="计划次数")
    note: str = Field("", max_length=200, description="要求")


class TargetOut(Schema):
    id: int
    group: str = Field(description=GROUP_DOC)
    group_label: str
    method: str = Field(description=METHOD_DOC)
    method_label: str
    sessions: int = Field(description="计划次数")
    note: str
    held: int | None = Field(description="已举办（由关联本计划的学习会计算；个人自学、线上学习为 null）")
    scheduled: int | None = Field(description="已安排未开始")


class PlanFilters(PageParams):
    org: str | None = Field(None, description="组织编码：该组织及其下级组织的计划")
    campaign: int | None = Field(None, description="主题教育 id")


class PlanIn(Schema):
    org: str = Field(max_length=32, description="党组织编码（须有办理权限）")
    title: str = Field(max_length=200)
    starts_on: dt.date = Field(description="YYYY-MM-DD")
    ends_on: dt.date = Field(description="YYYY-MM-DD")
    content: str = ""
    methods: list[StudyMethod] = Field([], description=METHOD_DOC)
    campaign: int | None = Field(None, description="主题教育 id")
    targets: list[TargetIn] = Field([], description="学习对象与目标")


class PlanPatch(Schema):
    org: str | None = Field(None, max_length=32)
    title: str | None = Field(None, max_length=200)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    content: str | None = None
    methods: list[StudyMethod] | None = Field(None, description=METHOD_DOC)
    campaign: int | None = Field(None, description="主题教育 id；null 取消关联")
    targets: list[TargetIn] | None = Field(None, description="送出时整体替换学习对象与目标")


class PlanOut(Schema):
    id: int
    org: str
    org_name: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    campaign: int | None
    methods: list[str] = Field(description=METHOD_DOC)
    methods_label: list[str]
    sessions: int = Field(description="关联本计划且未取消的学习会数")
    may_edit: bool


class PlanDetail(PlanOut):
    content: str
    targets: list[TargetOut]
    created_by: str | None
    created_at: dt.datetime


class PlanPage(Counts):
    items: list[PlanOut]


# --------------------------------------------------------------------------------- sessions
class SessionFilters(PageParams):
    org: str | None = Field(None, description="组织编码：该组织及其下级组织主办的学习会")
    kind: SessionKind | None = Field(None, description=KIND_DOC)
    campaign: int | None = Field(None, description="主题教育 id")
    plan: int | None = Field(None, description="学习计划 id")
    date_from: dt.date | None = Field(None, description="结束日期不早于")
    date_to: dt.date | None = Field(None, description="开始日期不晚于")
    when: Literal["upcoming", "now", "past"] | None = Field(None, description="upcoming 未开始，now 进行中，past 已结束")


class SessionIn(Schema):
    org: str = Field(max_length=32, description="主办组织编码（须有办理权限）")
    orgs: list[str] = Field([], description="联合参加的其他组织编码（合并开展的小单位）")
    kind: SessionKind = Field(description=KIND_DOC)
    title: str = Field(max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime = Field(description="读书班可连续多天，不超过14天")
    place: str = Field("", max_length=200)
    campaign: int | None = Field(None, description="主题教育 id")
    plan: int | None = Field(None, description="学习计划 id（须为主办组织的计划）")
    attendees: Attendees | None = Field(None, description=ATTENDEES_DOC + "；不送按类型（中心组学习为领导班子成员）")
    groups: list[TargetGroup] = Field([], description=GROUP_DOC + "；空为全体党员")
    include_subtree: bool | None = Field(None, description="含下级组织党员；不送则党支部为否，其他为是")
    summary: str = Field("", description="学习情况记录")
    checkin_opens_minutes: int = Field(30, ge=0, le=240)
    late_after_minutes: int = Field(5, ge=0, le=240)


class SessionPatch(Schema):
    org: str | None = Field(None, max_length=32)
    orgs: list[str] | None = None
    kind: SessionKind | None = Field(None, description=KIND_DOC)
    title: str | None = Field(None, max_length=200)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=200)
    campaign: int | None = None
    plan: int | None = None
    attendees: Attendees | None = Field(None, description=ATTENDEES_DOC)
    groups: list[TargetGroup] | None = Field(None, description=GROUP_DOC)
    include_subtree: bool | None = None
    summary: str | None = None
    checkin_opens_minutes: int | None = Field(None, ge=0, le=240)
    late_after_minutes: int | None = Field(None, ge=0, le=240)


class OrgRef(Schema):
    code: str
    name: str


class AttendanceCounts(Schema):
    expected: int = Field(description="应到")
    present: int
    late: int
    leave: int
    makeup: int
    absent: int
    waiting: int = Field(description="待签到")


class SessionOut(Schema):
    id: int
    org: str
    org_name: str
    kind: str = Field(description=KIND_DOC)
    kind_label: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    campaign: int | None
    plan: int | None
    cancelled: bool
    expected: int = Field(description="应到人数")
    attended: int = Field(description="出席与补学人数")


class MaterialRef(Schema):
    id: int
    title: str


class MemberRef(Schema):
    id: int
    name: str


class AgendaOut(Schema):
    id: int
    session: int
    order: int = Field(description="第几项，从1开始")
    kind: str = Field(description=AGENDA_DOC)
    kind_label: str
    title: str
    lead_readers: list[MemberRef]
    materials: list[MaterialRef]
    notes: str


class EvidenceRef(Schema):
    id: int = Field(description="佐证材料 id")
    unit_task: int
    task_title: str
    org: str
    status: str
    status_label: str


class SessionDetail(SessionOut):
    orgs: list[OrgRef] = Field(description="参加组织（含主办组织）")
    attendees: str = Field(description=ATTENDEES_DOC)
    attendees_label: str
    groups: list[str] = Field(description=GROUP_DOC)
    include_subtree: bool
    summary: str = Field(description="学习情况记录")
    checkin_opens_minutes: int
    late_after_minutes: int
    counts: AttendanceCounts
    agenda: list[AgendaOut]
    evidence_for: list[EvidenceRef] = Field(description="以本次学习会为佐证材料的单位任务（调用者可见的）")
    may_run: bool = Field(description="调用者能否管理本次学习会（修改、议程、考勤）")


class SessionPage(Counts):
    items: list[SessionOut]


class AgendaIn(Schema):
    kind: AgendaKind = Field(AgendaKind.LEAD_READING, description=AGENDA_DOC + "；第一议题须为第1项")
    title: str = Field(max_length=200)
    lead_readers: list[int] = Field([], description="领学人（党员 id），须是本次学习会的参加人员")
    materials: list[int] = Field([], description="学习资料 id")
    notes: str = ""
    order: int | None = Field(None, ge=1, le=1000, description="第几项；不送则排在最后")


class AgendaPatch(Schema):
    kind: AgendaKind | None = Field(None, description=AGENDA_DOC)
    title: str | None = Field(None, max_length=200)
    lead_readers: list[int] | None = None
    materials: list[int] | None = None
    notes: str | None = None
    order: int | None = Field(None, ge=1, le=1000)


class AgendaOrderIn(Schema):
    items: list[int] = Field(description="本次学习会全部议程的 id，按新顺序")


# ----------------------------------------------------------------------------- the roster
class RosterFilters(PageParams):
    status: AttendanceStatus | None = Field(None, description=STATUS_DOC)


class AttendanceOut(Schema):
    id: int
    session: int
    member: int
    member_name: str
    org: str
    org_name: str
    status: str = Field(description=STATUS_DOC)
    status_label: str
    checked_in_at: dt.datetime | None
    late: bool
    method: str = Field(description=CHECKIN_DOC)
    method_label: str
    leave_status: str = Field(description=LEAVE_DOC)
    leave_status_label: str
    leave_reason: str
    makeup_note: str
    makeup_at: dt.datetime | None


class AttendancePage(Counts):
    items: list[AttendanceOut]


class MarkIn(Schema):
    status: Literal["present", "absent", "leave", "expected"] = Field(description="present 出席，absent 缺席，leave 请假（即批准），expected 待签到")
    note: str = Field("", max_length=200, description="说明（请假事由）")


class LeaveDecisionIn(Schema):
    approve: bool = Field(description="true 批准，false 不批准")


class MakeupIn(Schema):
    note: str = Field(max_length=2000, description="补学内容")


class EvidenceIn(Schema):
    unit_task: int = Field(description="主办组织的单位任务 id")
    description: str = Field("", max_length=200)


class EvidenceOut(Schema):
    id: int
    unit_task: int
    kind: str
    record_ref: str
    record_label: str
