"""Supervision (督促指导、督查): inspection plans and monthly rounds split among the guidance groups,
on-site activities with findings (which become problems on the unit's list) and exemplars,
feedback the unit answers, questionnaires, and the generated briefs (督查专报, the monthly
supervision summary).

Who sees what (see apps.py and access.py):
- plans, rounds, activities, exemplars: the campaign office (VIEW at the campaign's org) and the
  members of the guidance group concerned (seats with an account); a group sees only its units;
- feedback (Finding): the unit it is addressed to and the levels above it, and the group;
- questionnaires: the publishing org's people; respondents see those sent to them;
- briefs: the issuing org's people.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


# ------------------------------------------------------------------------- plans and rounds
class InspectionPlan(models.Model):
    """The inspection plan of a period (seed 003's annual "十百千": so many organs, branches and
    members a year)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="inspection_plans", verbose_name="主题教育")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="inspection_plans", verbose_name="制定单位")
    title = models.CharField("计划名称", max_length=200)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    target_units = models.PositiveIntegerField("计划督查单位数", default=0)
    target_branches = models.PositiveIntegerField("计划督查支部数", default=0)
    target_members = models.PositiveIntegerField("计划访谈党员数", default=0)
    note = models.TextField("工作要求", blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="制定人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="督查计划历史")

    class Meta:
        verbose_name = "督查计划"
        verbose_name_plural = "督查计划"
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class RoundStatus(models.TextChoices):
    PLANNED = "planned", "未开始"
    ACTIVE = "active", "进行中"
    CLOSED = "closed", "已结束"


class Round(models.Model):
    """One round of inspection ("一月一督查"), split among the guidance groups."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="rounds", verbose_name="督查计划")
    name = models.CharField("轮次名称", max_length=100)  # e.g. 2026年11月督查
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    focus = models.TextField("督查重点", blank=True)
    status = models.CharField("状态", max_length=8, choices=RoundStatus.choices, default=RoundStatus.PLANNED)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="督查轮次历史")

    class Meta:
        verbose_name = "督查轮次"
        verbose_name_plural = "督查轮次"
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class RoundUnit(models.Model):
    """A unit a group must cover in a round (全覆盖: at least one activity each)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="units", verbose_name="督查轮次")
    group = models.ForeignKey("campaigns.GuidanceGroup", on_delete=models.CASCADE, related_name="round_units", verbose_name="巡回指导组")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="督查单位")

    class Meta:
        verbose_name = "督查任务单位"
        verbose_name_plural = "督查任务单位"
        constraints = [models.UniqueConstraint(fields=["round", "org"], name="round_unit_once")]
        indexes = [models.Index(fields=["round", "group"], name="round_unit_group")]

    def __str__(self) -> str:
        return f"{self.round} · {self.org}"


# ------------------------------------------------------------------------------- activities
class ActivityKind(models.TextChoices):
    VISIT = "visit", "下沉走访"
    SIT_IN = "sit_in", "列席会议"
    INTERVIEW = "interview", "座谈访谈"
    SPOT_CHECK = "spot_check", "随机抽查"
    QUESTIONING = "questioning", "随机提问"
    DOC_REVIEW = "doc_review", "查阅资料"


class Activity(models.Model):
    """One supervision activity of a group at a unit, recorded on a phone."""

    group = models.ForeignKey("campaigns.GuidanceGroup", on_delete=models.PROTECT, related_name="activities", verbose_name="巡回指导组")
    round = models.ForeignKey(Round, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name="督查轮次")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="supervision_activities", verbose_name="督查单位")
    kind = models.CharField("方式", max_length=12, choices=ActivityKind.choices)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=200, blank=True)
    members_present = models.ManyToManyField("campaigns.Seat", blank=True, related_name="+", verbose_name="参加的指导组成员")
    subject = models.CharField("内容", max_length=200)  # e.g. 列席动员部署会, 抽查支部会议记录
    notes = models.TextField("情况记录", blank=True)
    # Interview (座谈访谈): how many and who.
    interviewed_count = models.PositiveIntegerField("访谈人数", default=0)
    interviewees = models.TextField("访谈对象", blank=True)
    # Spot check (随机抽查): which records were checked.
    records_checked = models.TextField("抽查内容", blank=True)
    # Sitting in / document review: the unit's meeting or campaign task, and the review there.
    unit_task = models.ForeignKey("campaigns.UnitTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="关联任务")
    meeting_ref = models.CharField("关联会议", max_length=100, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="督查活动历史", m2m_fields=[members_present])

    class Meta:
        verbose_name = "督查活动"
        verbose_name_plural = "督查活动"
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["round", "group", "org"], name="activity_round_group_org"),
            models.Index(fields=["held_on", "kind"], name="activity_held_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"


def photo_path(instance: ActivityPhoto, filename: str) -> str:
    return f"supervision/{timezone.localdate():%Y/%m}/{instance.activity_id}/{filename}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos", verbose_name="督查活动")
    file = models.FileField("照片", upload_to=photo_path, max_length=300)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小", default=0)
    caption = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class FeedbackStatus(models.TextChoices):
    SENT = "sent", "待回复"
    ANSWERED = "answered", "已回复"


class Finding(models.Model):
    """A problem found on an activity: it becomes a problem on the unit's list (source
    督查), and its feedback goes to the unit, which answers it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="findings", verbose_name="督查活动")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="supervision_findings", verbose_name="反馈单位")
    problem = models.OneToOneField("rectification.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="finding", verbose_name="问题")
    feedback = models.TextField("反馈意见")
    status = models.CharField("状态", max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.SENT, db_index=True)
    answer = models.TextField("单位回复", blank=True)
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)
    answered_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="回复人")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="反馈人")
    created_at = models.DateTimeField("反馈时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="督查反馈历史")

    class Meta:
        verbose_name = "督查反馈"
        verbose_name_plural = "督查反馈"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.feedback[:40]


class Exemplar(models.Model):
    """Good practice seen on a visit (典型经验), kept for the publicity issue."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="exemplars", verbose_name="督查活动")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="exemplars", verbose_name="单位")
    title = models.CharField("标题", max_length=200)
    description = models.TextField("经验做法")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="典型经验历史")

    class Meta:
        verbose_name = "典型经验"
        verbose_name_plural = "典型经验"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class GroupNotice(models.Model):
    """A notice inside a guidance group's workspace (组内通知)."""

    group = models.ForeignKey("campaigns.GuidanceGroup", on_delete=models.CASCADE, related_name="notices_in_group", verbose_name="巡回指导组")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "指导组通知"
        verbose_name_plural = "指导组通知"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------- questionnaires
class Audience(models.TextChoices):
    UNITS = "units", "单位填报"
    MEMBERS = "members", "党员填写"


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", "设计中"
    PUBLISHED = "published", "已发布"
    CLOSED = "closed", "已结束"


class Questionnaire(models.Model):
    """A questionnaire (问卷 / 调查表) designed once, sent to units or members of `org`'s subtree
    (narrowed by org kinds or member categories), filled on phones, one answer per respondent."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="questionnaires", verbose_name="发布单位")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="questionnaires", verbose_name="主题教育")
    title = models.CharField("标题", max_length=200)
    intro = models.TextField("说明", blank=True)
    audience = models.CharField("填写对象", max_length=8, choices=Audience.choices, default=Audience.MEMBERS)
    target_kinds = models.JSONField("单位类型", default=list, blank=True)  # OrgKind values (audience units)
    target_categories = models.JSONField("人员类别", default=list, blank=True)  # Member.category values (audience members)
    anonymous = models.BooleanField("匿名", default=True)
    deadline = models.DateTimeField("截止时间")
    status = models.CharField("状态", max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="设计人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="问卷历史")

    class Meta:
        verbose_name = "问卷"
        verbose_name_plural = "问卷"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选"
    MULTIPLE = "multiple", "多选"
    SCALE = "scale", "量表"
    TEXT = "text", "文字"


class QItem(models.Model):
    """One question of a questionnaire; `section` groups questions under a heading."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items", verbose_name="问卷")
    section = models.CharField("分节", max_length=100, blank=True)
    order = models.PositiveIntegerField("序号", default=0)
    kind = models.CharField("题型", max_length=8, choices=QuestionKind.choices)
    text = models.CharField("题目", max_length=500)
    options = models.JSONField("选项", default=list, blank=True)  # single / multiple
    scale_max = models.PositiveSmallIntegerField("量表分值", default=5)  # scale: 1..scale_max
    required = models.BooleanField("必答", default=True)

    class Meta:
        verbose_name = "问卷题目"
        verbose_name_plural = "问卷题目"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One respondent's answers. `respondent_key` makes one answer per respondent hold even for
    anonymous questionnaires (an HMAC of the user, or of the unit for unit questionnaires);
    `user` is kept only when the questionnaire is named."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses", verbose_name="问卷")
    respondent_key = models.CharField(max_length=64)
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="填写人")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所在组织")
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "问卷答卷"
        verbose_name_plural = "问卷答卷"
        constraints = [models.UniqueConstraint(fields=["questionnaire", "respondent_key"], name="response_once")]
        indexes = [models.Index(fields=["questionnaire", "org"], name="response_q_org")]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}#{self.pk}"


class Answer(models.Model):
    """One answer: a chosen option (one row per option chosen, for multiple choice), a scale
    value, or a text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name="答卷")
    item = models.ForeignKey(QItem, on_delete=models.CASCADE, related_name="answers", verbose_name="题目")
    option = models.PositiveSmallIntegerField("选项", null=True, blank=True)  # 0-based index
    value = models.PositiveSmallIntegerField("分值", null=True, blank=True)
    text = models.TextField("文字回答", blank=True)

    class Meta:
        verbose_name = "答案"
        verbose_name_plural = "答案"
        indexes = [models.Index(fields=["item", "option", "value"], name="answer_item_option")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.option if self.option is not None else self.value or self.text[:20]}"


# ----------------------------------------------------------------------------------- briefs
class BriefKind(models.TextChoices):
    ROUND = "round", "督查专报"
    MONTHLY = "monthly", "月度督导工作汇总"


class BriefStatus(models.TextChoices):
    DRAFT = "draft", "待印发"
    ISSUED = "issued", "已印发"


def brief_path(instance: Brief, filename: str) -> str:
    return f"briefs/{instance.issued_on:%Y}/{filename}"


class Brief(models.Model):
    """An inspection brief for a round, or the monthly supervision summary. The figures are
    computed from the records (`figures`, refreshed while a draft); the text of each section
    (`sections`: [{"key", "title", "text"}]) may be edited before issue. Issuing freezes it:
    figures, text and the generated docx/pdf are kept and never change."""

    kind = models.CharField("类型", max_length=8, choices=BriefKind.choices)
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="briefs", verbose_name="印发单位")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="briefs", verbose_name="主题教育")
    round = models.ForeignKey(Round, on_delete=models.SET_NULL, null=True, blank=True, related_name="briefs", verbose_name="督查轮次")
    period_start = models.DateField("统计起始日")
    period_end = models.DateField("统计截止日")
    number = models.CharField("期号", max_length=60, blank=True)  # e.g. 督查专报〔2026〕第3期
    title = models.CharField("标题", max_length=200)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    status = models.CharField("状态", max_length=8, choices=BriefStatus.choices, default=BriefStatus.DRAFT)
    figures = models.JSONField("数据", default=dict, blank=True)
    sections = models.JSONField("正文", default=list, blank=True)
    docx = models.FileField("Word 文件", upload_to=brief_path, max_length=300, blank=True)
    pdf = models.FileField("PDF 文件", upload_to=brief_path, max_length=300, blank=True)
    issued_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="印发人")
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="生成人")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="督查专报历史", excluded_fields=["figures"])

    class Meta:
        verbose_name = "督查专报"
        verbose_name_plural = "督查专报"
        ordering = ["-period_end", "-pk"]

    def __str__(self) -> str:
        return self.title
