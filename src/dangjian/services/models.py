"""Practical matters for the people (我为群众办实事), service requests from the public (群众诉求)
and the rules of the monthly red/black list (红黑榜).

A service request belongs to a responsible unit (`ServiceUnit`): an org of the tree, or an
outside company under one (a property company under 后勤处). It carries the org path it sits
under (`org`) so the scoping policy and the roll-ups filter by one indexed column.
The list itself is computed from the requests every time (redblack.py), never typed.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


# ------------------------------------------------------------------------- practical matters
class MatterCategory(models.TextChoices):
    MEDICAL = "medical", "医疗服务"
    TEACHING = "teaching", "教学科研"
    CAMPUS = "campus", "校园环境"
    SAFETY = "safety", "安全保障"
    LOGISTICS = "logistics", "后勤服务"
    EMPLOYMENT = "employment", "就业创业"
    LIVING = "living", "生活服务"
    COMMUNITY = "community", "社区服务"
    OTHER = "other", "其他"


class MatterStatus(models.TextChoices):
    PLANNED = "planned", "未启动"
    DOING = "doing", "推进中"
    DONE = "done", "已办结"
    SUSPENDED = "suspended", "已暂停"


class PracticalMatter(models.Model):
    """One practical matter for the people (seed 000: more than 70)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="practical_matters", verbose_name="责任单位")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="practical_matters", verbose_name="主题教育")
    title = models.CharField("实事名称", max_length=200)
    category = models.CharField("类别", max_length=12, choices=MatterCategory.choices, default=MatterCategory.OTHER)
    description = models.TextField("群众关切与工作内容", blank=True)
    leader = models.CharField("牵头领导", max_length=50, blank=True)
    owner = models.CharField("责任人", max_length=50)
    starts_on = models.DateField("开始日期")
    due_on = models.DateField("计划完成日期")
    status = models.CharField("状态", max_length=10, choices=MatterStatus.choices, default=MatterStatus.PLANNED, db_index=True)
    progress = models.TextField("进展情况", blank=True)
    outcome = models.TextField("办理成效", blank=True)
    done_on = models.DateField("办结日期", null=True, blank=True)
    beneficiaries = models.PositiveIntegerField("受益人数", null=True, blank=True)
    # Share of the people asked who were satisfied, 0–100 (from a survey, e.g. a questionnaire).
    satisfaction = models.DecimalField("满意度（%）", max_digits=5, decimal_places=1, null=True, blank=True)
    problem = models.ForeignKey("rectification.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="practical_matters", verbose_name="对应问题")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="办实事项目历史")

    class Meta:
        verbose_name = "办实事项目"
        verbose_name_plural = "办实事项目"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["org", "status"], name="matter_org_status")]

    def __str__(self) -> str:
        return self.title


# -------------------------------------------------------------------------- service requests
class UnitKind(models.TextChoices):
    ORG = "org", "党组织（单位）"
    COMPANY = "company", "企业/项目"


class ServiceUnit(models.Model):
    """A unit answerable for service requests: an org itself, or an outside company (物业企业,
    项目) under an org. Ranked on the red/black list."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="service_units", verbose_name="所属党组织")
    kind = models.CharField("类型", max_length=8, choices=UnitKind.choices, default=UnitKind.COMPANY)
    code = models.CharField("单位编码", max_length=40, unique=True)
    name = models.CharField("单位名称", max_length=200)
    contact = models.CharField("联系人", max_length=50, blank=True)
    active = models.BooleanField("参与排名", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="责任单位历史")

    class Meta:
        verbose_name = "诉求责任单位"
        verbose_name_plural = "诉求责任单位"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    HOTLINE = "hotline", "热线电话"
    ONLINE = "online", "网络平台"
    VISIT = "visit", "来访"
    LETTER = "letter", "来信"
    OTHER = "other", "其他"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


# Counted as satisfied in the satisfaction rate (满意率 = 满意 + 基本满意 ÷ 参评).
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASIC)


class ServiceRequest(models.Model):
    """One request from the public, with its times (响应 = first answer to the person)."""

    unit = models.ForeignKey(ServiceUnit, on_delete=models.PROTECT, related_name="requests", verbose_name="责任单位")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属党组织")  # = unit.org
    number = models.CharField("诉求编号", max_length=40, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices, default=Channel.HOTLINE)
    category = models.CharField("诉求类别", max_length=50, blank=True)
    content = models.TextField("诉求内容", blank=True)
    received_at = models.DateTimeField("受理时间")
    responded_at = models.DateTimeField("响应时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    satisfaction = models.CharField("满意度评价", max_length=12, choices=Satisfaction.choices, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="群众诉求历史")

    class Meta:
        verbose_name = "群众诉求"
        verbose_name_plural = "群众诉求"
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["received_at", "unit"], name="request_received_unit"),
            models.Index(fields=["org", "received_at"], name="request_org_received"),
            # Every column the monthly red/black list reads: answered from the index alone.
            models.Index(fields=["received_at", "unit", "responded_at", "resolved_at", "satisfaction"], name="request_month_cover"),
        ]

    def __str__(self) -> str:
        return self.number


class ListKind(models.TextChoices):
    RED = "red", "红榜"
    BLACK = "black", "黑榜"


class Metric(models.TextChoices):
    RESPONSE = "response", "响应及时率"
    RESOLUTION = "resolution", "解决率"
    SATISFACTION = "satisfaction", "满意率"


class RankingRule(models.Model):
    """A rule of the red/black list: when a unit's rate for the month is below (black) or at
    least (red) each threshold, it goes on the list. A black rule with one condition names
    the rate that put the unit there; a red rule may ask for all three (`conditions`).

    conditions: [{"metric": "response", "op": "lt"|"gte", "value": 95.0}, ...]
    match: "any" (one condition is enough) or "all".
    """

    list_kind = models.CharField("榜单", max_length=6, choices=ListKind.choices)
    name = models.CharField("规则名称", max_length=100)
    conditions = models.JSONField("条件", default=list)
    match = models.CharField("满足方式", max_length=4, choices=[("any", "任一条件"), ("all", "全部条件")], default="all")
    min_requests = models.PositiveIntegerField("最少诉求件数", default=1)
    active = models.BooleanField("启用", default=True)
    order = models.IntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="红黑榜规则历史")

    class Meta:
        verbose_name = "红黑榜规则"
        verbose_name_plural = "红黑榜规则"
        ordering = ["list_kind", "order", "pk"]

    def __str__(self) -> str:
        return self.name
