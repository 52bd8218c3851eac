"""Rectification (检视整改): problems found, their measures and evidence, the tiered review that
lifts a problem up the tree, and institutional outcomes (制度成果).

A problem's life (status):

    draft ─submit─▶ reviewing ─(every level approves)─▶ open ─measure starts─▶ rectifying
      ▲                │ return (comment)                                         │ declare
      └── returned ◀───┘                                                          ▼
                                          closed ◀─close─ verified ◀─verify─ rectified
                                                                     (refuse ▶ rectifying)

Tiered review (分级审核): a problem entered at a branch is reviewed by its secondary unit, then by
the committee (the root). `review_org` is the level that reviews now; `level_depth` is the
shallowest tree depth at which the problem counts (a branch's submitted problem counts at the
branch; once its unit approves, at the unit; once the committee approves, everywhere). Drafts
and returned problems count nowhere (NOWHERE). See problems.py.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL
NOWHERE = 99  # level_depth of a problem that counts at no level (draft, returned)


class Aspect(models.Model):
    """What a problem is about: a configurable list; the six aspects of the 2023 campaign are
    the default (migration 0002)."""

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=20)
    order = models.IntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)
    history = HistoricalRecords(verbose_name="问题方面历史")

    class Meta:
        verbose_name = "问题方面"
        verbose_name_plural = "问题方面"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Source(models.TextChoices):
    SELF = "self", "自查"
    INSPECTION = "inspection", "督查"
    RESEARCH = "research", "调研"
    PUBLIC = "public", "群众反映"


class ProblemStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEWING = "reviewing", "审核中"
    RETURNED = "returned", "已退回"
    OPEN = "open", "待整改"
    RECTIFYING = "rectifying", "整改中"
    RECTIFIED = "rectified", "已整改待验收"
    VERIFIED = "verified", "已验收"
    CLOSED = "closed", "已销号"


EDITABLE = (ProblemStatus.DRAFT, ProblemStatus.RETURNED)
# Statuses in which the rectification is still to be done (overdue applies).
UNDER_WAY = (ProblemStatus.OPEN, ProblemStatus.RECTIFYING)
# Past the tiered review: on the problem list of every level.
ACCEPTED = (ProblemStatus.OPEN, ProblemStatus.RECTIFYING, ProblemStatus.RECTIFIED, ProblemStatus.VERIFIED, ProblemStatus.CLOSED)


class Problem(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="problems", verbose_name="党组织")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="problems", verbose_name="主题教育")
    number = models.CharField("编号", max_length=40, blank=True, db_index=True)  # e.g. UA01-2026-003
    source = models.CharField("问题来源", max_length=12, choices=Source.choices, default=Source.SELF)
    aspect = models.ForeignKey(Aspect, on_delete=models.PROTECT, related_name="problems", verbose_name="问题方面")
    found_on = models.DateField("发现日期")
    title = models.CharField("问题概述", max_length=200)
    description = models.TextField("问题表现", blank=True)
    leader = models.CharField("责任领导", max_length=50)
    owner = models.CharField("责任人", max_length=50)
    owner_user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_problems", verbose_name="责任人账号")
    due_on = models.DateField("整改时限")
    target = models.CharField("整改目标", max_length=300, blank=True)
    status = models.CharField("状态", max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.DRAFT, db_index=True)
    review_org = models.ForeignKey("orgs.Org", on_delete=models.SET_NULL, null=True, blank=True, related_name="problems_to_review", verbose_name="当前审核层级")
    level_depth = models.PositiveSmallIntegerField("计入层级", default=NOWHERE)
    # Links to where the problem was found (issue 6 fills activity_ref from supervision).
    activity_ref = models.CharField("关联督查活动", max_length=100, blank=True)
    research_ref = models.CharField("关联调研课题", max_length=100, blank=True)
    unit_task = models.ForeignKey("campaigns.UnitTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="problems", verbose_name="关联任务")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("审定时间", null=True, blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    rectified_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="整改完成申报人")
    rectification_note = models.TextField("整改情况", blank=True)
    verified_at = models.DateTimeField("验收时间", null=True, blank=True)
    verified_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="验收人")
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="销号人")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="问题历史")

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ["-found_on", "-pk"]
        indexes = [
            models.Index(fields=["org", "status"], name="problem_org_status"),
            models.Index(fields=["level_depth", "status"], name="problem_level_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status in UNDER_WAY and self.due_on < (today or timezone.localdate())


def overdue_q(today: dt.date, prefix: str = "") -> models.Q:
    """Problems still to be rectified past their deadline (`prefix`: e.g. "problem__")."""
    return models.Q(**{f"{prefix}status__in": UNDER_WAY, f"{prefix}due_on__lt": today})


class MeasureStatus(models.TextChoices):
    PENDING = "pending", "未开始"
    DOING = "doing", "推进中"
    DONE = "done", "已完成"


class Measure(models.Model):
    """One rectification measure (整改措施) with its deadline."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures", verbose_name="问题")
    text = models.CharField("整改措施", max_length=500)
    owner = models.CharField("具体负责人", max_length=50, blank=True)
    due_on = models.DateField("完成时限")
    status = models.CharField("进展", max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.PENDING)
    progress = models.TextField("进展情况", blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    order = models.IntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="整改措施历史")

    class Meta:
        verbose_name = "整改措施"
        verbose_name_plural = "整改措施"
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["problem", "status"], name="measure_problem_status")]

    def __str__(self) -> str:
        return self.text

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status != MeasureStatus.DONE and self.due_on < (today or timezone.localdate())


class Action(models.TextChoices):
    SUBMIT = "submit", "提交审核"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回修改"
    START = "start", "开始整改"
    RECTIFIED = "rectified", "申报整改完成"
    VERIFY = "verify", "验收通过"
    REFUSE = "refuse", "验收不通过"
    CLOSE = "close", "销号"


class ProblemStep(models.Model):
    """One step of the problem's way: review decisions at each level, verification, closing.
    The history of field changes is kept separately (Problem.history)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="steps", verbose_name="问题")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=12, choices=ProblemStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=ProblemStatus.choices)
    level_org = models.ForeignKey("orgs.Org", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="审核层级")
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作人")
    at = models.DateTimeField("时间", default=timezone.now)
    comment = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "问题办理记录"
        verbose_name_plural = "问题办理记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.problem_id}"


def evidence_path(instance: ProblemEvidence, filename: str) -> str:
    today = timezone.localdate()
    return f"rectification/{today:%Y/%m}/{instance.problem_id}/{filename}"


class ProblemEvidence(models.Model):
    """A file or a linked record proving a measure or the problem's rectification."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence", verbose_name="问题")
    measure = models.ForeignKey(Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence", verbose_name="整改措施")
    file = models.FileField("文件", upload_to=evidence_path, max_length=300, blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小", default=0)
    record_ref = models.CharField("关联记录", max_length=100, blank=True)
    record_label = models.CharField("关联记录名称", max_length=200, blank=True)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    removed = models.BooleanField("已移除", default=False)
    history = HistoricalRecords(verbose_name="整改佐证历史")

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.record_label


class OutcomeKind(models.TextChoices):
    NEW = "new", "制定"
    REVISED = "revised", "修订"
    ABOLISHED = "abolished", "废止"


class Outcome(models.Model):
    """An institutional outcome (制度成果): a rule made or revised, linked to the problems it
    answers (seed 001: 310 rules)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="rect_outcomes", verbose_name="党组织")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="rect_outcomes", verbose_name="主题教育")
    title = models.CharField("制度名称", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=OutcomeKind.choices, default=OutcomeKind.NEW)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    issued_on = models.DateField("印发日期")
    summary = models.TextField("主要内容", blank=True)
    problems = models.ManyToManyField(Problem, blank=True, related_name="outcomes", verbose_name="对应问题")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="制度成果历史", m2m_fields=[problems])

    class Meta:
        verbose_name = "制度成果"
        verbose_name_plural = "制度成果"
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.title
