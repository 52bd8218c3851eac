"""Theory study (理论学习): plans, sessions with agenda and attendance, the materials library with
distribution and reading progress, the question bank, quizzes and random questioning.

Attendance, reading progress and quiz attempts carry `org`, the member's org when the row was
made, so the three rates group by one indexed column without joining members (see rates.py).
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


def _secret() -> str:
    return secrets.token_hex(16)


# ----------------------------------------------------------------------------------- plans
class StudyMethod(models.TextChoices):
    """The methods the seeds name."""

    CENTRAL = "central", "集中学习"
    SELF = "self", "个人自学"
    LEAD_READING = "lead_reading", "领学领读"
    DISCUSSION = "discussion", "研讨交流"
    READING_CLASS = "reading_class", "读书班"
    LECTURE = "lecture", "专题党课"
    TRAINING = "training", "专题培训"
    ONSITE = "onsite", "现场教学"
    HOME_DELIVERY = "home_delivery", "送学上门"
    ONLINE = "online", "线上学习"


class TargetGroup(models.TextChoices):
    """Who a plan target or a session addresses (seed 001: young, retired and floating members)."""

    ALL = "all", "全体党员"
    YOUNG = "young", "青年党员"
    RETIRED = "retired", "离退休党员"
    FLOATING = "floating", "流动党员"
    STUDENT = "student", "学生党员"
    STAFF = "staff", "在职党员"
    CADRES = "cadres", "处级以上干部"


class StudyPlan(models.Model):
    """An org's study plan for a period (e.g. a quarter)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="study_plans", verbose_name="党组织")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="study_plans", verbose_name="主题教育")
    title = models.CharField("计划名称", max_length=200)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    content = models.TextField("学习内容", blank=True)
    methods = models.JSONField("学习方式", default=list, blank=True)  # StudyMethod values
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="制定人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="学习计划历史")

    class Meta:
        verbose_name = "学习计划"
        verbose_name_plural = "学习计划"
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class PlanTarget(models.Model):
    """What the plan sets for one group of members: sessions to hold, the method, a note."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="targets", verbose_name="学习计划")
    group = models.CharField("对象", max_length=12, choices=TargetGroup.choices, default=TargetGroup.ALL)
    method = models.CharField("学习方式", max_length=20, choices=StudyMethod.choices, default=StudyMethod.CENTRAL)
    sessions = models.PositiveSmallIntegerField("计划次数", default=1)
    note = models.CharField("要求", max_length=200, blank=True)

    class Meta:
        verbose_name = "计划目标"
        verbose_name_plural = "计划目标"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_group_display()} · {self.get_method_display()}"


# -------------------------------------------------------------------------------- sessions
class SessionKind(models.TextChoices):
    CENTRAL_GROUP = "central_group", "中心组学习"
    READING_CLASS = "reading_class", "读书班"
    LECTURE = "lecture", "专题党课"
    TRAINING = "training", "专题培训"
    BRANCH_STUDY = "branch_study", "支部学习"


class Attendees(models.TextChoices):
    """Who is expected: computed from the session's orgs (see services.expected_members)."""

    MEMBERS = "members", "所在组织党员"  # members of the orgs (and their subtrees), filtered by groups
    LEADERS = "leaders", "领导班子成员"  # the orgs' leadership teams (central-group study)


class StudySession(models.Model):
    """One study session (学习会), held by `org`, possibly with other orgs (joint session of merged
    small units). A reading class may run several days: `starts_at`..`ends_at`."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="study_sessions", verbose_name="主办组织")
    orgs = models.ManyToManyField("orgs.Org", related_name="joint_study_sessions", verbose_name="参加组织")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="study_sessions", verbose_name="主题教育")
    plan = models.ForeignKey(StudyPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions", verbose_name="学习计划")
    kind = models.CharField("类型", max_length=16, choices=SessionKind.choices)
    title = models.CharField("主题", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200, blank=True)
    attendees = models.CharField("参加对象", max_length=10, choices=Attendees.choices, default=Attendees.MEMBERS)
    groups = models.JSONField("人员范围", default=list, blank=True)  # TargetGroup values; empty: all
    include_subtree = models.BooleanField("含下级组织党员", default=False)
    summary = models.TextField("学习情况记录", blank=True)  # what was shared, questions raised
    cancelled = models.BooleanField("已取消", default=False)
    # Check-in: the QR code is signed with this secret and rotates (services.qr_token).
    qr_secret = models.CharField(max_length=32, default=_secret, editable=False)
    checkin_opens_minutes = models.PositiveSmallIntegerField("提前签到（分钟）", default=30)
    late_after_minutes = models.PositiveSmallIntegerField("迟到判定（分钟）", default=5)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="学习会历史", excluded_fields=["qr_secret"], m2m_fields=[orgs])

    class Meta:
        verbose_name = "学习会"
        verbose_name_plural = "学习会"
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["org", "starts_at"], name="session_org_start")]

    def __str__(self) -> str:
        return self.title


class AgendaKind(models.TextChoices):
    """Seed 003: plan → lead reading → sharing → questions → attendance."""

    FIRST_TOPIC = "first_topic", "第一议题"
    LEAD_READING = "lead_reading", "领学"
    SHARING = "sharing", "交流研讨"
    QUESTIONS = "questions", "提问答疑"
    OTHER = "other", "其他"


class AgendaItem(models.Model):
    """One item of a session. A first-topic item (第一议题) must come first."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="agenda", verbose_name="学习会")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    kind = models.CharField("环节", max_length=14, choices=AgendaKind.choices, default=AgendaKind.LEAD_READING)
    title = models.CharField("内容", max_length=200)
    lead_readers = models.ManyToManyField("orgs.Member", blank=True, related_name="lead_readings", verbose_name="领学人")
    materials = models.ManyToManyField("study.Material", blank=True, related_name="agenda_items", verbose_name="学习资料")
    notes = models.TextField("记录", blank=True)

    class Meta:
        verbose_name = "议程"
        verbose_name_plural = "议程"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", "待签到"
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"
    MAKEUP = "makeup", "补学"


class CheckinMethod(models.TextChoices):
    QR = "qr", "扫码签到"
    SECRETARY = "secretary", "书记登记"
    API = "api", "接口"


class LeaveStatus(models.TextChoices):
    NONE = "", "—"
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class Attendance(models.Model):
    """One expected attendee of a session. Rows are made when the session is saved (the expected
    attendees); a check-in is one conditional UPDATE of the row, so a member checks in once."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendances", verbose_name="学习会")
    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="attendances", verbose_name="党员")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="所在组织")
    status = models.CharField("考勤", max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.EXPECTED)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    method = models.CharField("签到方式", max_length=10, choices=CheckinMethod.choices, blank=True)
    late = models.BooleanField("迟到", default=False)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登记人")
    leave_status = models.CharField("请假审批", max_length=10, choices=LeaveStatus.choices, blank=True, default="")
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)
    leave_requested_at = models.DateTimeField("请假时间", null=True, blank=True)
    leave_decided_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="审批人")
    leave_decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    makeup_note = models.TextField("补学情况", blank=True)
    makeup_at = models.DateTimeField("补学时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="考勤历史", no_db_index=["member", "org", "recorded_by", "leave_decided_by"])

    class Meta:
        verbose_name = "考勤登记"
        verbose_name_plural = "考勤登记"
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="uniq_attendance")]
        indexes = [
            # Covers the rates' count (org, status) and its join to the session without the table.
            models.Index(fields=["org", "status", "session"], name="attendance_org_status"),
            models.Index(fields=["member"], name="attendance_member"),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.member}"


A = AttendanceStatus
# Counted as having taken part (training participation rate).
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.MAKEUP)


# ------------------------------------------------------------------------------- materials
class MaterialKind(models.TextChoices):
    BOOK = "book", "图书"
    DOCUMENT = "document", "文件"
    VIDEO = "video", "视频"


def material_path(instance: Material, filename: str) -> str:
    return f"materials/{instance.org_id}/{filename}"


class Material(models.Model):
    """A book, document or video in the library, published by `org` to its whole subtree.

    `text` is the electronic edition read online: pages separated by form feeds (\\f)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="materials", verbose_name="发布组织")
    kind = models.CharField("类型", max_length=10, choices=MaterialKind.choices)
    title = models.CharField("名称", max_length=200)
    author = models.CharField("作者", max_length=100, blank=True)
    publisher = models.CharField("出版单位", max_length=100, blank=True)
    description = models.TextField("简介", blank=True)
    file = models.FileField("文件", upload_to=material_path, max_length=300, blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小", default=0)
    text = models.TextField("电子版正文", blank=True)
    pages = models.PositiveIntegerField("页数", default=0)  # text pages, PDF pages, or video seconds
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="上传人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="学习资料历史", excluded_fields=["text"])

    class Meta:
        verbose_name = "学习资料"
        verbose_name_plural = "学习资料"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class CampaignMaterial(models.Model):
    """A material on a campaign's list: required (必读) or optional (选读)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="materials", verbose_name="主题教育")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="campaign_lists", verbose_name="学习资料")
    required = models.BooleanField("必读", default=True)
    order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "书目"
        verbose_name_plural = "书目"
        ordering = ["-required", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "material"], name="uniq_campaign_material")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.material}"


class Distribution(models.Model):
    """Copies of a material handed to an org (发放)."""

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="distributions", verbose_name="学习资料")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="material_distributions", verbose_name="领取单位")
    quantity = models.PositiveIntegerField("数量")
    handed_on = models.DateField("发放日期")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="发放记录历史")

    class Meta:
        verbose_name = "发放记录"
        verbose_name_plural = "发放记录"
        ordering = ["-handed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.material} → {self.org} × {self.quantity}"


class ReadingProgress(models.Model):
    """How far one member has read one material online (阅读进度): where to pick up, and the
    share read. Kept per member for the member and the content-completion rate; never ranked."""

    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="reading", verbose_name="党员")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="reading", verbose_name="学习资料")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="所在组织")
    position = models.PositiveIntegerField("读到", default=0)  # page index, or seconds of a video
    furthest = models.PositiveIntegerField("最远", default=0)
    percent = models.PositiveSmallIntegerField("进度（%）", default=0)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    finished_at = models.DateTimeField("读完时间", null=True, blank=True)

    class Meta:
        verbose_name = "阅读进度"
        verbose_name_plural = "阅读进度"
        constraints = [models.UniqueConstraint(fields=["member", "material"], name="uniq_reading")]
        indexes = [models.Index(fields=["org", "material"], name="reading_org_material")]

    def __str__(self) -> str:
        return f"{self.member} · {self.material} {self.percent}%"


# --------------------------------------------------------------------- questions and quizzes
class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    JUDGE = "judge", "判断题"
    FILL = "fill", "填空题"


class Question(models.Model):
    """A question in an org's bank.

    options: choice texts (single/multiple); answer: list of option letters ("A", "C") for
    choices, ["对"] or ["错"] for judge, accepted texts for fill (any one is right)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="questions", verbose_name="题库所属组织")
    kind = models.CharField("题型", max_length=10, choices=QuestionKind.choices)
    stem = models.TextField("题干")
    options = models.JSONField("选项", default=list, blank=True)
    answer = models.JSONField("答案", default=list)
    tags = models.JSONField("标签", default=list, blank=True)
    explanation = models.TextField("解析", blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="试题历史")

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.stem[:40]


def default_excellent_score() -> int:
    return getattr(settings, "DANGJIAN_EXCELLENT_SCORE", 90)


class QuizMode(models.TextChoices):
    FIXED = "fixed", "固定试题"
    RANDOM = "random", "按标签随机抽题"


class QuizStatus(models.TextChoices):
    DRAFT = "draft", "未发布"
    PUBLISHED = "published", "已发布"
    CLOSED = "closed", "已结束"


class Quiz(models.Model):
    """A quiz (测试) for the members of `org`'s subtree. Scores are out of 100."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="quizzes", verbose_name="组织单位")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="quizzes", verbose_name="主题教育")
    title = models.CharField("名称", max_length=200)
    mode = models.CharField("组卷方式", max_length=10, choices=QuizMode.choices, default=QuizMode.RANDOM)
    questions = models.ManyToManyField(Question, blank=True, related_name="quizzes", verbose_name="试题")
    tags = models.JSONField("抽题标签", default=list, blank=True)
    count = models.PositiveSmallIntegerField("抽题数量", default=10)
    time_limit_minutes = models.PositiveSmallIntegerField("限时（分钟）", default=30)
    max_attempts = models.PositiveSmallIntegerField("可作答次数", default=1)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("结束时间")
    excellent_score = models.PositiveSmallIntegerField("优秀分数线", default=default_excellent_score)
    status = models.CharField("状态", max_length=10, choices=QuizStatus.choices, default=QuizStatus.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="测试历史", m2m_fields=[questions])

    class Meta:
        verbose_name = "测试"
        verbose_name_plural = "测试"
        ordering = ["-opens_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class QuizAttempt(models.Model):
    """One attempt of one member: the questions drawn, the answers, the score (0–100)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name="测试")
    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name="党员")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="所在组织")
    number = models.PositiveSmallIntegerField("第几次", default=1)
    question_ids = models.JSONField("试题", default=list)
    answers = models.JSONField("作答", default=dict, blank=True)
    started_at = models.DateTimeField("开始时间")
    deadline_at = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    excellent = models.BooleanField("优秀", default=False)

    class Meta:
        verbose_name = "答题记录"
        verbose_name_plural = "答题记录"
        constraints = [models.UniqueConstraint(fields=["quiz", "member", "number"], name="uniq_quiz_attempt")]
        indexes = [models.Index(fields=["org", "quiz"], name="attempt_org_quiz")]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.member} 第{self.number}次"


class Questioning(models.Model):
    """Random questioning (随机提问): an inspector draws questions for one member on the spot and
    scores the answers. `items`: [{"question": id, "stem", "answer", "given", "correct": bool}]."""

    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="questionings", verbose_name="党员")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="所在组织")
    asked_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="提问人")
    asked_at = models.DateTimeField("提问时间", auto_now_add=True)
    items = models.JSONField("问答", default=list)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    note = models.TextField("备注", blank=True)
    # Set by the supervision app (issue 6) when asked during an inspection activity.
    activity_ref = models.CharField("关联督查活动", max_length=100, blank=True)

    class Meta:
        verbose_name = "随机提问"
        verbose_name_plural = "随机提问"
        ordering = ["-asked_at", "-pk"]


    def __str__(self) -> str:
        return f"随机提问 · {self.member}"

