"""Schemas of the rates and study-record API."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class RatesOut(Schema):
    members: int = Field(description="本组织及下级党员数")
    attended: int = Field(description="出席（含补学）人次")
    expected: int = Field(description="期间内已开始、未取消的学习会应到人次")
    leave: int = Field(description="请假人次")
    absent: int = Field(description="缺席人次（含学习会结束仍未签到）")
    finished: int = Field(description="已读完的（党员，必读书目）对数")
    required: int = Field(description="党员数 × 必读书目数")
    excellent: int = Field(description="最高得分达到优秀分数线的（党员，测试）对数")
    taken: int = Field(description="已交卷的（党员，测试）对数")
    quiz_expected: int = Field(description="应考的（党员，测试）对数")
    participation: float | None = Field(description="参学率（%，一位小数）；没有应到人次时为 null")
    completion: float | None = Field(description="学习内容完成率（%）")
    excellence: float | None = Field(description="考试优秀率（%）")


class OrgRatesOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    has_children: bool
    rates: RatesOut


class PeriodOut(Schema):
    starts: dt.date
    ends: dt.date
    campaign_id: int | None
    label: str


class RatesPage(Schema):
    org: OrgRatesOut
    period: PeriodOut
    definitions: dict[str, str]
    children: list[OrgRatesOut]


class AttendanceItem(Schema):
    session_id: int
    title: str
    kind: str
    kind_label: str
    org: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    status_label: str
    late: bool
    leave_status: str
    makeup_at: dt.datetime | None
    makeup_note: str


class TotalsOut(Schema):
    expected: int
    attended: int
    present: int
    late: int
    leave: int
    absent: int
    makeup: int
    upcoming: int


class ReadingItem(Schema):
    material_id: int
    title: str
    required: bool
    percent: int
    finished_at: dt.datetime | None


class QuizItem(Schema):
    quiz_id: int
    title: str
    excellent_score: int
    attempts: int
    best: float | None
    excellent: bool


class QuestioningItem(Schema):
    id: int
    asked_at: dt.datetime
    questions: int
    score: float | None
    note: str


class RecordOut(Schema):
    member_id: int
    name: str
    org: str
    org_name: str
    totals: TotalsOut
    sessions: list[AttendanceItem]
    required_total: int
    required_finished: int
    reading: list[ReadingItem]
    quizzes: list[QuizItem]
    questionings: list[QuestioningItem]
