"""Notices (通知): an org sends a notice to chosen units; in each unit the holders of the chosen
roles (liaison and unit admin by default) receive it, read it and acknowledge it (回执).

Who may send: whoever may run campaigns at the sending org (Perm.MANAGE_CAMPAIGN: the office),
or administers it (Perm.CHANGE_ORG: a unit admin, to the units of its own subtree). Recipients
always lie inside the sending org's subtree. Who acknowledges: whoever may act for the unit
(Perm.ACT). Who sees a notice: its senders (drafts included), and once sent, whoever sees one of
its recipient units.

A notice's recipient units are its receipts, one per unit, written in one transaction with the
notice (a draft's receipts are its chosen recipient list and show nowhere else); sending marks
it sent and notifies the recipients. A draft can be edited and retargeted; a sent notice only
has its acknowledgement deadline moved.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.campaigns.models import (
    Campaign,
    Notice,
    NoticeAttachment,
    NoticeReceipt,
    NoticeStatus,
)
from dangjian.core import files
from dangjian.core.audit import stamp
from dangjian.core.models import Role, RoleGrant
from dangjian.core.notify import Message, notify_many
from dangjian.core.scoping import Perm, can, restrict, scope_of, subtree_q
from dangjian.orgs.models import Org, OrgKind

# Roles a notice may be addressed to within a unit: those that act for it (Perm.ACT).
RECIPIENT_ROLES = (Role.LIAISON, Role.UNIT_ADMIN, Role.BRANCH_SECRETARY, Role.COMMITTEE_ADMIN)
DEFAULT_ROLES = [Role.LIAISON, Role.UNIT_ADMIN]
SENDER_PERMS = (Perm.MANAGE_CAMPAIGN, Perm.CHANGE_ORG)
MAX_ATTACHMENTS = 10


class Target:
    LIST = "list"
    KINDS = "kinds"
    SUBTREE = "subtree"
    CHOICES = [(LIST, "指定单位"), (KINDS, "按组织类型和层级"), (SUBTREE, "发文单位下的全部组织")]


@dataclass
class NoticeData:
    """What a notice says and whom it reaches, as every entry point hands it in."""

    org: Org | None
    title: str
    body: str
    roles: list[str] = field(default_factory=lambda: list(DEFAULT_ROLES))
    ack_required: bool = True
    ack_due_on: dt.date | None = None
    campaign: Campaign | None = None
    target_mode: str = Target.LIST
    target_orgs: list[Org] = field(default_factory=list)
    target_kinds: list[str] = field(default_factory=list)
    target_depth: int | None = None


# ---------------------------------------------------------------- who may do what

def may_send_from(user, org: Org | None) -> bool:
    return org is not None and any(can(user, p, org) for p in SENDER_PERMS)


def may_manage_notice(user, notice: Notice) -> bool:
    return may_send_from(user, notice.org)


def sender_orgs(user) -> QuerySet[Org]:
    """Orgs the user may send notices from."""
    scope = scope_of(user)
    qs = Org.objects.all()
    if any(p in scope.is_global for p in SENDER_PERMS):
        return qs
    q = Q(pk__in=[])
    for perm in SENDER_PERMS:
        for p in scope.paths(perm):
            q |= subtree_q("path", p)
    return qs.filter(q)


def _sender_q(user, prefix: str = "") -> Q | None:
    scope = scope_of(user)
    if any(p in scope.is_global for p in SENDER_PERMS):
        return None
    q = Q(pk__in=[])
    for perm in SENDER_PERMS:
        for p in scope.paths(perm):
            q |= subtree_q(f"{prefix}org__path", p)
    return q


def visible_notices(user) -> QuerySet[Notice]:
    """Notices the user sent or may manage (drafts too), and sent notices to units they see."""
    qs = Notice.objects.select_related("org", "campaign", "created_by")
    sender = _sender_q(user)
    if sender is None:
        return qs
    received = restrict(NoticeReceipt.objects.filter(notice__status=NoticeStatus.SENT), user, Perm.VIEW)
    return qs.filter(sender | Q(pk__in=received.values("notice_id")))


def get_notice(user, pk: int) -> Notice:
    notice = visible_notices(user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def with_counts(qs: QuerySet[Notice]) -> QuerySet[Notice]:
    """Each notice with its numbers of recipient units, read and acknowledged (one query)."""
    return qs.annotate(
        unit_count=Count("receipts", distinct=True),
        read_count=Count("receipts", filter=Q(receipts__read_at__isnull=False), distinct=True),
        ack_count=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False), distinct=True),
    )


# ---------------------------------------------------------------- recipients

def target_orgs(data: NoticeData) -> QuerySet[Org]:
    """The units a notice reaches: always inside the sending org's subtree, never the sender."""
    root = data.org
    qs = Org.objects.filter(subtree_q("path", root.path)).exclude(pk=root.pk)
    if data.target_mode == Target.LIST:
        return qs.filter(pk__in=[o.pk for o in data.target_orgs])
    if data.target_mode == Target.KINDS:
        if data.target_kinds:
            qs = qs.filter(kind__in=data.target_kinds)
        if data.target_depth is not None:
            qs = qs.filter(depth=data.target_depth)
        return qs
    return qs


def notice_errors(user, data: NoticeData) -> dict:
    errors: dict = {}
    if data.org is None:
        errors["org"] = "请选择发文单位"
    elif not may_send_from(user, data.org):
        raise PermissionDenied("无权以该单位名义发通知")
    if not (data.title or "").strip():
        errors["title"] = "标题不能为空"
    elif len(data.title.strip()) > 200:
        errors["title"] = "标题不能超过200个字"
    if not (data.body or "").strip():
        errors["body"] = "正文不能为空"
    bad_roles = [r for r in data.roles if r not in RECIPIENT_ROLES]
    if not data.roles:
        errors["roles"] = "请选择接收角色"
    elif bad_roles:
        errors["roles"] = f"接收角色无效：{'、'.join(bad_roles)}"
    if data.ack_due_on and not data.ack_required:
        errors["ack_due_on"] = "不需要回执的通知不设回执截止日期"
    if data.campaign is not None and data.org is not None:
        if not (data.org.path.startswith(data.campaign.org.path) or data.campaign.org.path.startswith(data.org.path)):
            errors["campaign"] = "该主题教育与发文单位无关"
    if data.org is not None:
        if data.target_mode == Target.LIST:
            if not data.target_orgs:
                errors["target_orgs"] = "请选择接收单位"
            outside = [o.name for o in data.target_orgs if o.pk == data.org.pk or not o.path.startswith(data.org.path)]
            if outside:
                errors["target_orgs"] = f"不在发文单位的下级范围内：{'、'.join(outside)}"
        elif data.target_mode == Target.KINDS:
            bad = [k for k in data.target_kinds if k not in OrgKind.values]
            if bad:
                errors["target_kinds"] = "组织类型无效"
            elif not data.target_kinds and data.target_depth is None:
                errors["target_kinds"] = "请选择组织类型或层级"
            elif data.target_depth is not None and data.target_depth <= data.org.depth:
                errors["target_depth"] = "层级应低于发文单位"
        elif data.target_mode != Target.SUBTREE:
            errors["target_mode"] = "接收范围无效"
        if not errors and not target_orgs(data).exists():
            errors["target_mode"] = "接收范围内没有单位"
    return errors


def _apply(notice: Notice, data: NoticeData) -> None:
    notice.org, notice.campaign = data.org, data.campaign
    notice.title, notice.body = data.title.strip(), data.body
    notice.roles = [r for r in RECIPIENT_ROLES if r in data.roles]
    notice.ack_required, notice.ack_due_on = data.ack_required, data.ack_due_on if data.ack_required else None


def _set_receipts(notice: Notice, data: NoticeData) -> int:
    wanted = set(target_orgs(data).values_list("pk", flat=True))
    have = set(notice.receipts.values_list("org_id", flat=True))
    notice.receipts.filter(org_id__in=have - wanted).delete()
    NoticeReceipt.objects.bulk_create([NoticeReceipt(notice=notice, org_id=o) for o in sorted(wanted - have)], batch_size=2000)
    return len(wanted)


def _attach(notice: Notice, uploads) -> None:
    uploads = [u for u in uploads or [] if u]
    if notice.attachments.count() + len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": f"附件不能超过{MAX_ATTACHMENTS}个"})
    checked = [(u, files.check_upload(u, allowed=files.ANY, field="attachments")) for u in uploads]
    for upload, content_type in checked:
        att = NoticeAttachment(notice=notice, original_name=upload.name[-200:], content_type=content_type, size=upload.size)
        att.file.save(upload.name, upload, save=False)
        att.save()


@transaction.atomic
def create_notice(user, data: NoticeData, *, attachments=None, send: bool = False) -> Notice:
    """A new notice (a draft, or sent at once with send=True) with its recipient units."""
    errors = notice_errors(user, data)
    if errors:
        raise ValidationError(errors)
    notice = Notice(created_by=user if user.pk else None)
    _apply(notice, data)
    stamp(notice, user, "起草").save()
    _set_receipts(notice, data)
    _attach(notice, attachments)
    if send:
        send_notice(user, notice)
    return notice


def _require_manage(user, notice: Notice) -> None:
    if not may_manage_notice(user, notice):
        raise PermissionDenied("无权修改该通知")


@transaction.atomic
def update_notice(user, notice: Notice, data: NoticeData, *, attachments=None, remove_attachments=()) -> Notice:
    """Change a draft (text, recipients, attachments). A sent notice keeps what it said and to
    whom; only its acknowledgement deadline may move."""
    _require_manage(user, notice)
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.status == NoticeStatus.SENT:
        if data.ack_due_on != notice.ack_due_on:
            if not notice.ack_required:
                raise ValidationError({"ack_due_on": "不需要回执的通知不设回执截止日期"})
            notice.ack_due_on = data.ack_due_on
            stamp(notice, user, "修改回执截止日期").save()
            return notice
        raise ValidationError({"status": "通知已发送，只能修改回执截止日期"})
    errors = notice_errors(user, data)
    if errors:
        raise ValidationError(errors)
    _apply(notice, data)
    stamp(notice, user, "修改").save()
    _set_receipts(notice, data)
    for att in notice.attachments.filter(pk__in=list(remove_attachments)):
        att.file.delete(save=False)
        att.delete()
    _attach(notice, attachments)
    return notice


def recipients(notice: Notice) -> list[tuple[int, int]]:
    """(user id, org id) of everyone who receives the notice: holders of its roles at exactly
    its recipient units. One query."""
    return list(
        RoleGrant.objects.filter(role__in=notice.roles, org__notice_receipts__notice=notice)
        .values_list("user_id", "org_id").distinct()
    )


def _date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def notice_url(notice: Notice) -> str:
    return reverse("notice_detail", kwargs={"pk": notice.pk})


@transaction.atomic
def send_notice(user, notice: Notice) -> int:
    """Send a draft: it becomes visible to its recipient units and their role holders are
    notified. The number of recipient units."""
    _require_manage(user, notice)
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.status == NoticeStatus.SENT:
        raise ValidationError({"status": "该通知已发送"})
    units = notice.receipts.count()
    if not units:
        raise ValidationError({"target_mode": "没有接收单位"})
    notice.status, notice.sent_at = NoticeStatus.SENT, timezone.now()
    stamp(notice, user, "发送").save()
    due = f"，请于{_date(notice.ack_due_on)}前回执" if notice.ack_required and notice.ack_due_on else (
        "，请阅知并回执" if notice.ack_required else "")
    body = f"{notice.org.name}发来通知{due}。"
    url = notice_url(notice)
    notify_many(Message(uid, f"通知：{notice.title}", body, url, "notice", f"notice:{notice.pk}")
                for uid, _org in recipients(notice))
    return units


@transaction.atomic
def delete_notice(user, notice: Notice) -> None:
    _require_manage(user, notice)
    if notice.status == NoticeStatus.SENT:
        raise ValidationError({"status": "已发送的通知不能删除"})
    for att in notice.attachments.all():
        att.file.delete(save=False)
    stamp(notice, user).delete()


# ---------------------------------------------------------------- receiving

def receiving_q(user, prefix: str = "") -> Q:
    """Receipts addressed to the user: at a unit where they hold one of the notice's roles."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    for role, paths in scope.roles.items():
        if role not in RECIPIENT_ROLES:
            continue
        exact = [p for p in paths if p]
        if exact:
            q |= Q(**{f"{prefix}org__path__in": exact, f"{prefix}notice__roles__icontains": f'"{role}"'})
    return q


def my_receipts(user, notice: Notice) -> QuerySet[NoticeReceipt]:
    """The notice's receipts for units the user sees (when sent), each with whether they may
    acknowledge it."""
    if notice.status != NoticeStatus.SENT:
        return NoticeReceipt.objects.none()
    return restrict(notice.receipts.select_related("org", "acknowledged_by"), user, Perm.VIEW).order_by("org__path")


def mark_read(user, notice: Notice) -> int:
    """The first view by a recipient marks their units' receipts read."""
    if notice.status != NoticeStatus.SENT:
        return 0
    return NoticeReceipt.objects.filter(receiving_q(user), notice=notice, read_at__isnull=True).update(read_at=timezone.now())


def get_receipt(user, pk: int, perm: str = Perm.ACT) -> NoticeReceipt:
    from dangjian.core.scoping import get_in_scope

    qs = NoticeReceipt.objects.filter(notice__status=NoticeStatus.SENT).select_related("notice__org", "org")
    return get_in_scope(qs, user, perm, pk=pk)


@transaction.atomic
def acknowledge(user, receipt: NoticeReceipt, *, reply: str = "") -> NoticeReceipt:
    """Acknowledge the notice for the receipt's unit (who and when are recorded)."""
    if not can(user, Perm.ACT, receipt.org):
        raise PermissionDenied("无权代表该单位回执")
    if receipt.notice.status != NoticeStatus.SENT:
        raise Http404
    if not receipt.notice.ack_required:
        raise ValidationError({"status": "该通知无需回执"})
    reply = (reply or "").strip()
    if len(reply) > 200:
        raise ValidationError({"reply": "回执说明不能超过200个字"})
    now = timezone.now()
    done = NoticeReceipt.objects.filter(pk=receipt.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=user if user.pk else None, reply=reply,
    )
    if not done:
        receipt.refresh_from_db()
        raise ValidationError({"status": f"{receipt.org.name}已于{timezone.localtime(receipt.acknowledged_at):%Y-%m-%d %H:%M}回执"})
    NoticeReceipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
    receipt.refresh_from_db()
    return receipt


# ---------------------------------------------------------------- the sender's view

def receipts_for_sender(user, notice: Notice, *, pending_only: bool = False) -> QuerySet[NoticeReceipt]:
    """Every recipient unit of the notice with its read and acknowledgement state."""
    _require_manage(user, notice)
    qs = notice.receipts.select_related("org", "acknowledged_by").order_by("acknowledged_at", "org__path")
    return qs.filter(acknowledged_at__isnull=True) if pending_only else qs


def receipt_counts(notice: Notice) -> dict:
    counts = notice.receipts.aggregate(
        total=Count("pk"),
        read=Count("pk", filter=Q(read_at__isnull=False)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
    )
    counts["pending"] = counts["total"] - counts["acknowledged"]
    return counts


def to_acknowledge(user) -> QuerySet[NoticeReceipt]:
    """Receipts waiting for the user's acknowledgement: sent notices that ask for one, to a unit
    where the user holds one of the notice's roles, not yet acknowledged (for the to-do list)."""
    return NoticeReceipt.objects.filter(
        receiving_q(user), notice__status=NoticeStatus.SENT, notice__ack_required=True, acknowledged_at__isnull=True,
    )
