"""API schemas of the question bank, quizzes, attempts and random questioning."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dangjian.core.api import PageParams
from dangjian.study.models import QuestionKind, QuizMode, QuizStatus


def _codes(choices) -> str:
    return "，".join(f"{value} {label}" for value, label in choices.choices)


KIND_DOC = "题型：" + _codes(QuestionKind)
MODE_DOC = "组卷方式：" + _codes(QuizMode)
STATUS_DOC = "状态：" + _codes(QuizStatus)
ANSWER_DOC = ("答案：单选题一个字母如 [\"A\"]；多选题两个或以上字母如 [\"A\",\"C\"]；判断题 [\"对\"] 或 [\"错\"]；"
              "填空题为可接受的写法，任一即对，如 [\"党课\",\"上党课\"]")


class Counts(Schema):
    count: int
    limit: int
    offset: int


# --- questions ------------------------------------------------------------------------------

class QuestionFilters(PageParams):
    kind: QuestionKind | None = Field(None, description=KIND_DOC)
    tag: str | None = Field(None, max_length=30, description="含此标签")
    org: str | None = Field(None, max_length=32, description="题库所属组织编码")
    active: bool | None = Field(None, description="true 只看启用的，false 只看停用的")
    q: str | None = Field(None, max_length=100, description="题干包含")


class QuestionOut(Schema):
    id: int
    org: str
    org_name: str
    kind: str
    kind_label: str
    stem: str
    options: list[str]
    answer: list[str]
    tags: list[str]
    explanation: str
    active: bool
    created_at: dt.datetime
    may_edit: bool


class QuestionPage(Counts):
    items: list[QuestionOut]


class QuestionIn(Schema):
    org: str = Field(max_length=32, description="题库所属组织编码（须有维护权限）")
    kind: QuestionKind = Field(description=KIND_DOC)
    stem: str = Field(max_length=2000)
    options: list[str] = Field(default_factory=list, description="选择题的选项（2–6个，依次为 A–F）；判断题、填空题不填")
    answer: list[str] = Field(description=ANSWER_DOC)
    tags: list[str] = Field(default_factory=list)
    explanation: str = ""
    active: bool = True


class QuestionPatch(Schema):
    org: str | None = Field(None, max_length=32)
    kind: QuestionKind | None = Field(None, description=KIND_DOC)
    stem: str | None = Field(None, max_length=2000)
    options: list[str] | None = None
    answer: list[str] | None = Field(None, description=ANSWER_DOC)
    tags: list[str] | None = None
    explanation: str | None = None
    active: bool | None = Field(None, description="false 停用：不再被抽用")


class ImportErrorOut(Schema):
    row: int = Field(description="Excel 行号（第1行为列名）；0 指整个文件")
    column: str = Field(description="列名；空为整行或整个文件")
    message: str


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    total: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportErrorOut]


# --- quizzes --------------------------------------------------------------------------------

class QuizFilters(PageParams):
    status: QuizStatus | None = Field(None, description=STATUS_DOC)
    org: str | None = Field(None, max_length=32, description="组织单位编码")


class QuizOut(Schema):
    id: int
    org: str
    org_name: str
    campaign: int | None
    title: str
    mode: str
    mode_label: str
    tags: list[str]
    count: int
    time_limit_minutes: int
    max_attempts: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    excellent_score: int
    status: str
    status_label: str
    is_open: bool
    may_manage: bool


class QuizDetail(QuizOut):
    questions: list[int] = Field(description="固定试题的题目 id（按题库可见范围）")


class QuizPage(Counts):
    items: list[QuizOut]


class QuizIn(Schema):
    org: str = Field(max_length=32, description="组织单位编码：其下级组织的党员参加")
    title: str = Field(max_length=200)
    mode: QuizMode = Field(QuizMode.RANDOM, description=MODE_DOC)
    questions: list[int] = Field(default_factory=list, description="固定试题：题目 id，须属于本组织或上级组织题库且启用")
    tags: list[str] = Field(default_factory=list, description="随机抽题：带有任一标签的启用试题；空为全部")
    count: int = Field(10, ge=1, le=200, description="随机抽题数量")
    time_limit_minutes: int = Field(30, ge=1, le=600)
    max_attempts: int = Field(1, ge=1, le=20)
    opens_at: dt.datetime
    closes_at: dt.datetime
    excellent_score: int | None = Field(None, ge=1, le=100, description="优秀分数线；不填为系统默认（90）")
    campaign: int | None = Field(None, description="所属主题教育 id")


class QuizPatch(Schema):
    title: str | None = Field(None, max_length=200)
    mode: QuizMode | None = Field(None, description=MODE_DOC)
    questions: list[int] | None = None
    tags: list[str] | None = None
    count: int | None = Field(None, ge=1, le=200)
    time_limit_minutes: int | None = Field(None, ge=1, le=600)
    max_attempts: int | None = Field(None, ge=1, le=20)
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    excellent_score: int | None = Field(None, ge=1, le=100)


class UnitResultOut(Schema):
    org: str
    org_name: str
    own: bool = Field(description="true：本级直属党员（不含下级组织）")
    has_children: bool
    members: int
    takers: int = Field(description="交卷人数")
    attempts: int = Field(description="交卷份数")
    average: float | None
    excellent: int = Field(description="有一次得分达到优秀分数线的人数")
    participation: float | None = Field(description="参加率（%）= 交卷人数 ÷ 党员数")
    excellent_rate: float | None = Field(description="优秀率（%）= 优秀人数 ÷ 交卷人数")


class ResultsOut(Schema):
    quiz: int
    parent: str
    parent_name: str
    takers: int
    attempts: int
    average: float | None
    excellent: int
    excellent_rate: float | None
    units: list[UnitResultOut]


class ResultsFilters(Schema):
    org: str | None = Field(None, max_length=32, description="下钻：从此组织的下级统计")


# --- attempts -------------------------------------------------------------------------------

class MyQuizOut(QuizOut):
    attempts_used: int
    attempts_left: int
    current_attempt: int | None = Field(description="未交卷且仍在时限内的作答 id")
    best_score: float | None


class PaperQuestion(Schema):
    id: int
    kind: str
    kind_label: str
    stem: str
    options: list[str]
    given: list[str]
    correct: bool | None = Field(description="交卷后：是否答对")
    answer: str | None = Field(description="交卷后：正确答案")
    explanation: str | None = Field(description="交卷后：解析")


class AttemptOut(Schema):
    id: int
    quiz: int
    quiz_title: str
    number: int
    state: str = Field(description="in_progress 答题中，submitted 已交卷，expired 超时未交卷")
    state_label: str
    started_at: dt.datetime
    deadline_at: dt.datetime
    seconds_left: int
    submitted_at: dt.datetime | None
    score: float | None
    excellent: bool
    questions: list[PaperQuestion]


class SubmitIn(Schema):
    answers: dict[str, list[str]] = Field(
        description="题目 id → 作答：选择题为字母列表，判断题 [\"对\"] 或 [\"错\"]，填空题 [\"文字\"]；未作答的题可省略")


# --- questioning ----------------------------------------------------------------------------

class QuestioningFilters(PageParams):
    org: str | None = Field(None, max_length=32, description="党员所在组织（含下级）编码")
    member: int | None = Field(None, description="党员 id")


class QuestioningIn(Schema):
    member: int = Field(description="被提问党员 id")
    count: int = Field(3, ge=1, le=20)
    tags: list[str] = Field(default_factory=list)


class QuestioningItem(Schema):
    question: int
    kind: str
    stem: str
    options: list[str]
    answer: list[str]
    given: str
    correct: bool | None


class QuestioningOut(Schema):
    id: int
    member: int
    member_name: str
    org: str
    org_name: str
    asked_by: str | None
    asked_at: dt.datetime
    score: float | None = Field(description="空：尚未评判")
    note: str
    activity_ref: str
    items: list[QuestioningItem]


class QuestioningPage(Counts):
    items: list[QuestioningOut]


class MarkIn(Schema):
    question: int
    correct: bool
    given: str = Field("", max_length=500, description="回答要点（选填）")


class RecordIn(Schema):
    marks: list[MarkIn] = Field(description="每道抽出的题一条")
    note: str = Field("", max_length=2000)
    activity_ref: str = Field("", max_length=100, description="关联督查活动（督导模块使用）")
