"""The campaign: phases, working and guidance groups, tasks, unit tasks with their submissions
and evidence, and notices with their receipts."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "筹备中"
    ACTIVE = "active", "进行中"
    CLOSED = "closed", "已结束"


class Campaign(models.Model):
    """One theme-education campaign run by a committee (its `org`) across its subtree."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="campaigns", verbose_name="牵头党组织")
    name = models.CharField("名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    requirements = models.TextField("总要求", blank=True)
    goals = models.TextField("具体目标", blank=True)
    description = models.TextField("工作安排", blank=True)
    status = models.CharField("状态", max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="主题教育历史")

    class Meta:
        verbose_name = "主题教育"
        verbose_name_plural = "主题教育"
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """A stage or strand of the campaign. Strands may overlap: study, research, development and
    rectification run together (不划阶段、不分环节), so phases carry dates but no order rule."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name="主题教育")
    name = models.CharField("名称", max_length=50)
    order = models.IntegerField("排序", default=0)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "阶段"
        verbose_name_plural = "阶段"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class SeatRole(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY = "deputy", "副组长"
    LIAISON = "liaison", "联络员"
    MEMBER = "member", "成员"


class WorkingGroupKind(models.TextChoices):
    LEADING = "leading", "领导小组"
    OFFICE = "office", "办公室"
    WORKING = "working", "工作组"


class WorkingGroup(models.Model):
    """The leading group, its office, and the working groups (secretariat, organisation,
    publicity, inspection in seed 000)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="working_groups", verbose_name="主题教育")
    kind = models.CharField("类型", max_length=10, choices=WorkingGroupKind.choices)
    name = models.CharField("名称", max_length=50)
    duties = models.TextField("职责", blank=True)
    order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "工作机构"
        verbose_name_plural = "工作机构"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class GuidanceGroup(models.Model):
    """A guidance group (巡回指导组): it reviews, visits and supervises its assigned units.

    It lives with the campaign because the campaign engine's reviews depend on it; supervision
    (a higher app) builds its rounds and activities on these groups."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="guidance_groups", verbose_name="主题教育")
    name = models.CharField("名称", max_length=50)
    order = models.IntegerField("排序", default=0)
    note = models.TextField("说明", blank=True)
    history = HistoricalRecords(verbose_name="巡回指导组历史")

    class Meta:
        verbose_name = "巡回指导组"
        verbose_name_plural = "巡回指导组"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """A person's place in a working or guidance group. `user` links the account that acts for
    the seat (a guidance group's scope follows it); `member` the party member, when known."""

    working_group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="seats", verbose_name="工作机构")
    guidance_group = models.ForeignKey(GuidanceGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="seats", verbose_name="巡回指导组")
    role = models.CharField("组内职务", max_length=10, choices=SeatRole.choices, default=SeatRole.MEMBER)
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("单位职务", max_length=100, blank=True)
    duty = models.CharField("分工", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaign_seats", verbose_name="账号")
    member = models.ForeignKey("orgs.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="党员")
    order = models.IntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="组成人员历史")

    class Meta:
        verbose_name = "组成人员"
        verbose_name_plural = "组成人员"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(working_group__isnull=True, guidance_group__isnull=False)
                | models.Q(working_group__isnull=False, guidance_group__isnull=True),
                name="seat_in_one_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class GuidanceAssignment(models.Model):
    """A unit assigned to a guidance group; the group covers the unit's whole subtree.
    A unit has at most one group per campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments", verbose_name="主题教育")
    group = models.ForeignKey(GuidanceGroup, on_delete=models.CASCADE, related_name="assignments", verbose_name="巡回指导组")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="guidance_assignments", verbose_name="联系单位")
    liaison = models.CharField("单位联络员", max_length=50, blank=True)
    history = HistoricalRecords(verbose_name="联系单位历史")

    class Meta:
        verbose_name = "联系单位"
        verbose_name_plural = "联系单位"
        constraints = [models.UniqueConstraint(fields=["campaign", "org"], name="uniq_assignment_per_campaign")]

    def __str__(self) -> str:
        return f"{self.group} · {self.org}"


class JointGroup(models.Model):
    """Small units merged for joint activities (seed 002: units with fewer than 3 leaders)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="joint_groups", verbose_name="主题教育")
    name = models.CharField("名称", max_length=100)
    lead_org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="牵头单位")
    orgs = models.ManyToManyField("orgs.Org", related_name="joint_groups", verbose_name="合并单位")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "联合开展"
        verbose_name_plural = "联合开展"

    def __str__(self) -> str:
        return self.name


class TargetMode(models.TextChoices):
    KINDS = "kinds", "按组织类型和层级"
    LIST = "list", "指定单位"
    SUBTREE = "subtree", "某组织及其下级"


class Reviewer(models.TextChoices):
    GUIDANCE = "guidance", "联系的巡回指导组"
    PARENT = "parent", "上级党组织"
    OFFICE = "office", "主题教育办公室"


class EvidenceKind(models.TextChoices):
    FILE = "file", "文件"
    PHOTO = "photo", "照片"
    RECORD = "record", "关联记录"


class TaskKind(models.TextChoices):
    GENERAL = "general", "工作任务"
    WORK_PLAN = "work_plan", "工作方案"


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "未发布"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class Task(models.Model):
    """Something every targeted unit must do by a deadline.

    `fields` are extra per-task fields a unit fills in: a list of
    {"key": "participants", "label": "参加人数", "type": "text|number|date", "required": bool}.
    `evidence_required` lists the evidence kinds that must each be present on submission.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks", verbose_name="主题教育")
    phase = models.ForeignKey(Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name="阶段")
    kind = models.CharField("任务类型", max_length=10, choices=TaskKind.choices, default=TaskKind.GENERAL)
    title = models.CharField("任务名称", max_length=200)
    description = models.TextField("任务要求", blank=True)
    starts_on = models.DateField("开始日期")
    due_on = models.DateField("截止日期")
    order = models.IntegerField("排序", default=0)
    target_mode = models.CharField("下发范围", max_length=10, choices=TargetMode.choices, default=TargetMode.KINDS)
    target_kinds = models.JSONField("组织类型", default=list, blank=True)  # OrgKind values; empty: any kind
    target_depth = models.PositiveSmallIntegerField("组织层级", null=True, blank=True)  # 2 = secondary units
    target_root = models.ForeignKey("orgs.Org", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="下发到（含下级）")
    target_orgs = models.ManyToManyField("orgs.Org", blank=True, related_name="+", verbose_name="指定单位")
    evidence_required = models.JSONField("佐证材料要求", default=list, blank=True)
    evidence_note = models.CharField("佐证材料说明", max_length=200, blank=True)
    reviewer = models.CharField("审核方", max_length=10, choices=Reviewer.choices, default=Reviewer.GUIDANCE)
    fields = models.JSONField("填报项", default=list, blank=True)
    status = models.CharField("发布状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="工作任务历史", m2m_fields=[target_orgs])

    class Meta:
        verbose_name = "工作任务"
        verbose_name_plural = "工作任务"
        ordering = ["order", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class UnitTaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "进行中"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    RESUBMITTED = "resubmitted", "已重新提交"
    APPROVED = "approved", "已通过"


S = UnitTaskStatus
WAITING_REVIEW = (S.SUBMITTED, S.RESUBMITTED)
OPEN_FOR_WORK = (S.NOT_STARTED, S.IN_PROGRESS, S.RETURNED)


class UnitTask(ConcurrentTransitionMixin, models.Model):
    """One task for one unit. Status changes only through the transitions below (django-fsm-2);
    a save whose status changed under it raises ConcurrentTransition, so two reviewers acting at
    once cannot both succeed. Overdue is derived (see `is_overdue`), never stored."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="unit_tasks", verbose_name="工作任务")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="unit_tasks", verbose_name="单位")
    status = FSMField("状态", max_length=12, choices=UnitTaskStatus.choices, default=S.NOT_STARTED, protected=False)
    # False when a retargeted task no longer reaches this unit but work had been done: kept, not counted.
    active = models.BooleanField("在下发范围内", default=True)
    values = models.JSONField("填报内容", default=dict, blank=True)
    plan_text = models.TextField("方案正文", blank=True)
    submission_count = models.PositiveIntegerField("提交次数", default=0)
    first_submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True)
    submitted_at = models.DateTimeField("最近提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="最近提交人")
    approved_at = models.DateTimeField("通过时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="单位任务历史", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "单位任务"
        verbose_name_plural = "单位任务"
        constraints = [models.UniqueConstraint(fields=["task", "org"], name="uniq_unit_task")]
        indexes = [models.Index(fields=["org", "task"], name="unittask_org_task")]

    def __str__(self) -> str:
        return f"{self.org} · {self.task}"

    # Transitions. Side effects (submission rows, transition log, audit) live in services.
    @transition(field=status, source=[S.NOT_STARTED], target=S.IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=status, source=[S.NOT_STARTED, S.IN_PROGRESS], target=S.SUBMITTED)
    def submit(self) -> None:
        now = timezone.now()
        self.submission_count += 1
        self.first_submitted_at = self.first_submitted_at or now
        self.submitted_at = now

    @transition(field=status, source=[S.RETURNED], target=S.RESUBMITTED)
    def resubmit(self) -> None:
        self.submission_count += 1
        self.submitted_at = timezone.now()

    @transition(field=status, source=list(WAITING_REVIEW), target=S.RETURNED)
    def return_(self) -> None:
        pass

    @transition(field=status, source=list(WAITING_REVIEW), target=S.APPROVED)
    def approve(self) -> None:
        self.approved_at = timezone.now()

    def due_on(self) -> dt.date:
        return self.task.due_on

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Past the due date and not done: not approved and not waiting for review."""
        today = today or timezone.localdate()
        return self.active and self.status in OPEN_FOR_WORK and today > self.task.due_on


def overdue_q(today: dt.date, prefix: str = "") -> models.Q:
    """The same rule as UnitTask.is_overdue, for querysets (prefix: lookup to the unit task)."""
    return models.Q(**{f"{prefix}active": True, f"{prefix}status__in": list(OPEN_FOR_WORK), f"{prefix}task__due_on__lt": today})


class Transition(models.Model):
    """The log of every status change of a unit task: who, when, from, to, comment."""

    unit_task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="transitions", verbose_name="单位任务")
    from_status = models.CharField("原状态", max_length=12, choices=UnitTaskStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=UnitTaskStatus.choices)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作人")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    comment = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Decision(models.TextChoices):
    PENDING = "pending", "待审核"
    RETURNED = "returned", "退回"
    APPROVED = "approved", "通过"


class Submission(models.Model):
    """One version of what a unit submitted for a unit task: its fields, plan text and
    evidence at that moment, and the review it received. Every version stays readable."""

    unit_task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="submissions", verbose_name="单位任务")
    version = models.PositiveIntegerField("版本")
    values = models.JSONField("填报内容", default=dict, blank=True)
    plan_text = models.TextField("方案正文", blank=True)
    note = models.TextField("提交说明", blank=True)
    evidence = models.ManyToManyField("Evidence", blank=True, related_name="submissions", verbose_name="佐证材料")
    submitted_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="提交人")
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    decision = models.CharField("审核结果", max_length=10, choices=Decision.choices, default=Decision.PENDING)
    review_comment = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="审核人")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "提交记录"
        verbose_name_plural = "提交记录"
        ordering = ["unit_task", "version"]
        constraints = [models.UniqueConstraint(fields=["unit_task", "version"], name="uniq_submission_version")]

    def __str__(self) -> str:
        return f"第{self.version}版"


def evidence_path(instance: Evidence, filename: str) -> str:
    today = timezone.localdate()
    return f"evidence/{today:%Y/%m}/{instance.unit_task_id}/{filename}"


class Evidence(models.Model):
    """A file, a photo, or a link to a record in the system that proves a task is done.

    Files go through Django's storage API and are served only through a scoped view."""

    unit_task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="evidence", verbose_name="单位任务")
    kind = models.CharField("类型", max_length=10, choices=EvidenceKind.choices)
    file = models.FileField("文件", upload_to=evidence_path, max_length=300, blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小", default=0)
    # A linked record, e.g. "study.StudySession:42", with the label shown for it.
    record_ref = models.CharField("关联记录", max_length=100, blank=True)
    record_label = models.CharField("关联记录名称", max_length=200, blank=True)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # Removed evidence that belonged to a submitted version stays for that version's record.
    removed = models.BooleanField("已移除", default=False)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.record_label or self.get_kind_display()


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SENT = "sent", "已发送"


class Notice(models.Model):
    """A notice (通知) from an org to chosen units; each unit acknowledges it with a receipt.
    `roles` says who in a unit receives it (liaisons by default)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="notices_sent", verbose_name="发文单位")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices", verbose_name="主题教育")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    roles = models.JSONField("接收角色", default=list, blank=True)
    ack_required = models.BooleanField("需要回执", default=True)
    ack_due_on = models.DateField("回执截止日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="发送人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="通知历史")

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.title


def notice_attachment_path(instance: NoticeAttachment, filename: str) -> str:
    return f"notices/{instance.notice_id}/{filename}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name="通知")
    file = models.FileField("附件", upload_to=notice_attachment_path, max_length=300)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小", default=0)

    class Meta:
        verbose_name = "通知附件"
        verbose_name_plural = "通知附件"

    def __str__(self) -> str:
        return self.original_name


class NoticeReceipt(models.Model):
    """One recipient unit of a notice: when someone there first read it and who acknowledged it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name="通知")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="notice_receipts", verbose_name="接收单位")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("回执时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="回执人")
    reply = models.CharField("回执说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "通知回执"
        verbose_name_plural = "通知回执"
        constraints = [models.UniqueConstraint(fields=["notice", "org"], name="uniq_notice_receipt")]

    def __str__(self) -> str:
        return f"{self.notice} · {self.org}"
