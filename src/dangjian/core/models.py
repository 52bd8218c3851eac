"""Accounts, role grants, API tokens and the personal-data access log."""
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    COMMITTEE_ADMIN = "committee_admin", "党委管理员（主题教育办公室）"
    UNIT_ADMIN = "unit_admin", "单位管理员"
    LIAISON = "liaison", "联络员"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    GUIDANCE_MEMBER = "guidance_member", "巡回指导组成员"
    MEMBER = "member", "党员"


class User(AbstractUser):
    """An account. Members who log in have one, linked from Member.user."""

    phone = models.CharField("手机号", max_length=11, unique=True, null=True, blank=True)
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleGrant(models.Model):
    """A role held by a user over an org subtree (org is empty only for system admins)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants", verbose_name="账号")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    # A string reference: core never imports a domain app (see docs/adr/0002).
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, null=True, blank=True, related_name="grants", verbose_name="管理范围")
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="授权人")
    history = HistoricalRecords(verbose_name="角色授权历史")

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="uniq_role_grant")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org or '全部'}"


class ApiToken(models.Model):
    """A bearer token for scripts; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str = "") -> tuple["ApiToken", str]:
        raw = "dj_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=cls.hash(raw), prefix=raw[:8])
        return token, raw


class AccessLog(models.Model):
    """Who viewed or exported personal data unmasked, and when."""

    ACTIONS = {"view": "查看明文", "export": "导出明文", "api": "接口明文", "search": "按号码查询"}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=32)  # view / export / api
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}#{self.object_id}"

    @property
    def action_label(self) -> str:
        return self.ACTIONS.get(self.action, self.action)


class Notification(models.Model):
    """A message to one user in the in-app inbox (消息提醒); other channels (email, …) deliver
    copies. `key` makes a reminder idempotent: one notification per user and key, ever."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="接收人")
    kind = models.CharField("类型", max_length=30, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    key = models.CharField("去重键", max_length=200, blank=True)
    # Set explicitly (not auto_now_add) so that one batch shares one timestamp.
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息提醒"
        verbose_name_plural = "消息提醒"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~models.Q(key=""), name="uniq_notification_key"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return f"{self.user} · {self.title}"


class ScheduledJob(models.Model):
    """When a periodic job (core.jobs) is next due. A scheduler claims a run by moving
    `next_run_at` forward with a conditional UPDATE, so several schedulers enqueue it once."""

    name = models.CharField("名称", max_length=100, unique=True)
    next_run_at = models.DateTimeField("下次运行时间")
    last_run_at = models.DateTimeField("上次运行时间", null=True, blank=True)
    last_task_id = models.CharField("上次任务编号", max_length=64, blank=True)
    runs = models.PositiveIntegerField("运行次数", default=0)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
