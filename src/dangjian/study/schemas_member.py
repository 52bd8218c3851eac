"""API schemas of check-in and the member's own study: the check-in itself, my sessions with my
attendance, leave and make-up, the live counts and the current QR code of a session."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from dangjian.core.api import PageParams
from dangjian.study.models import AttendanceStatus, CheckinMethod, LeaveStatus


def _codes(choices) -> str:
    return "，".join(f"{value or '空'} {label}" for value, label in choices.choices)


STATUS_DOC = "考勤：" + _codes(AttendanceStatus)
LEAVE_DOC = "请假审批：" + _codes(LeaveStatus)
METHOD_DOC = "签到方式：" + _codes(CheckinMethod)


class CheckinIn(Schema):
    """Only the scanned code: the member checked in is always the caller's own record."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=64, description="签到码：二维码链接中 `t=` 后的部分（形如 `12.88877123.ab12…`）")


class CheckinOut(Schema):
    created: bool = Field(description="true：本次签到成功；false：此前已签到，未作任何更改")
    session: int
    session_title: str
    member_name: str
    status: str = Field(description=STATUS_DOC)
    status_label: str
    checked_in_at: dt.datetime | None
    late: bool
    method: str = Field(description=METHOD_DOC)
    method_label: str


class MyAttendanceOut(Schema):
    id: int = Field(description="考勤记录 id（请假、补学时使用）")
    session: int
    session_title: str
    session_kind: str
    session_kind_label: str
    org: str = Field(description="主办组织编码")
    org_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    cancelled: bool
    status: str = Field(description=STATUS_DOC)
    status_label: str
    checked_in_at: dt.datetime | None
    late: bool
    leave_status: str = Field(description=LEAVE_DOC)
    leave_status_label: str
    leave_reason: str
    makeup_note: str
    makeup_at: dt.datetime | None
    may_request_leave: bool = Field(description="现在可以请假（学习会尚未开始）")
    may_makeup: bool = Field(description="现在可以登记补学（缺席或请假）")


class MyAttendancePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MyAttendanceOut]


class MyAttendanceFilters(PageParams):
    when: Literal["upcoming", "past"] | None = Field(None, description="upcoming：未结束的；past：已结束的；不填：全部")


class LeaveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=200, description="请假事由")


class MakeupIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(max_length=5000, description="补学内容")


class LiveOut(Schema):
    session: int
    expected: int = Field(description="应到")
    present: int = Field(description="已签到（含迟到）")
    late: int = Field(description="其中迟到")
    leave: int = Field(description="请假（已批准）")
    leave_pending: int = Field(description="请假待审批")
    waiting: int = Field(description="尚未签到")
    absent: int = Field(description="缺席（学习会结束后）")
    makeup: int = Field(description="已补学")


class QrOut(Schema):
    session: int
    token: str = Field(description="当前签到码；每 rotate_seconds 秒更换，扫到的码在其后一个周期内仍有效")
    url: str = Field(description="二维码中的链接：党员手机打开后点“签到”")
    rotate_seconds: int
    seconds_left: int = Field(description="距离下一次更换的秒数")
    open: bool = Field(description="现在是否在签到时间内")
    opens_at: dt.datetime
    closes_at: dt.datetime
