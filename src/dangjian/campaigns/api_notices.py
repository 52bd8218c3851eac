"""API of notices and their receipts, the to-do list, and the caller's notifications.
Thin: every call goes through campaigns.notices, campaigns.todo and core.notify."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from dangjian.campaigns import notices as ns
from dangjian.campaigns.models import Notice, NoticeReceipt, NoticeStatus
from dangjian.campaigns.services import get_campaign
from dangjian.campaigns.todo import todo
from dangjian.core import notify
from dangjian.core.api import ERRORS, READ_ERRORS, PageParams, page
from dangjian.core.models import Role
from dangjian.orgs.models import Org, OrgKind

router = Router(tags=["notices"])

ROLE_DOC = "接收角色代码：" + "，".join(f"{r} {Role(r).label}" for r in ns.RECIPIENT_ROLES)


# ---------------------------------------------------------------- schemas

class NoticeOut(Schema):
    id: int
    org: str = Field(description="发文单位编码")
    org_name: str
    campaign_id: int | None
    title: str
    body: str
    roles: list[str] = Field(description=ROLE_DOC)
    ack_required: bool
    ack_due_on: dt.date | None
    status: str = Field(description="draft 草稿，sent 已发送")
    status_label: str
    sent_at: dt.datetime | None
    created_at: dt.datetime
    unit_count: int = Field(description="接收单位数")
    read_count: int = Field(description="已阅单位数")
    ack_count: int = Field(description="已回执单位数")
    attachments: list[dict] = Field(description="附件：id、文件名、大小、类型")

    @staticmethod
    def resolve_org(obj: Notice) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj: Notice) -> str:
        return obj.org.name

    @staticmethod
    def resolve_status_label(obj: Notice) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_attachments(obj: Notice) -> list[dict]:
        return [{"id": a.pk, "name": a.original_name, "size": a.size, "content_type": a.content_type}
                for a in obj.attachments.all()]


class NoticePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NoticeOut]


class NoticeFilters(PageParams):
    box: str | None = Field(None, description="sent 只列出可管理（发出）的，received 只列出收到的")
    status: NoticeStatus | None = None


class NoticeIn(Schema):
    org: str = Field(description="发文单位编码：您可管理主题教育或管理该单位")
    title: str
    body: str
    roles: list[str] = Field(default_factory=lambda: list(ns.DEFAULT_ROLES), description=ROLE_DOC)
    ack_required: bool = True
    ack_due_on: dt.date | None = None
    campaign_id: int | None = None
    target_mode: str = Field(ns.Target.LIST, description="list 指定单位，kinds 按组织类型和层级，subtree 发文单位下的全部组织")
    target_orgs: list[str] = Field(default_factory=list, description="指定单位的编码（target_mode=list）")
    target_kinds: list[OrgKind] = Field(default_factory=list)
    target_depth: int | None = Field(None, ge=2, le=10)
    send: bool = Field(False, description="true：创建后立即发送")


class NoticePatch(Schema):
    title: str | None = None
    body: str | None = None
    roles: list[str] | None = None
    ack_required: bool | None = None
    ack_due_on: dt.date | None = None
    target_orgs: list[str] | None = Field(None, description="草稿的接收单位编码（替换原有的）")


class ReceiptOut(Schema):
    id: int
    notice_id: int
    org: str
    org_name: str
    read_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    reply: str

    @staticmethod
    def resolve_org(obj: NoticeReceipt) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj: NoticeReceipt) -> str:
        return obj.org.name

    @staticmethod
    def resolve_acknowledged_by(obj: NoticeReceipt) -> str | None:
        return str(obj.acknowledged_by) if obj.acknowledged_by_id else None


class ReceiptPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReceiptOut]


class ReceiptFilters(PageParams):
    pending: bool = Field(False, description="true：只列出未回执的单位")


class AckIn(Schema):
    reply: str = Field("", max_length=200)


class TodoTask(Schema):
    unit_task_id: int
    task_id: int
    title: str
    org: str
    org_name: str
    due_on: dt.date
    status: str
    overdue: bool


class TodoReview(Schema):
    unit_task_id: int
    task_id: int
    title: str
    org: str
    org_name: str
    submitted_at: dt.datetime | None


class TodoNotice(Schema):
    receipt_id: int
    notice_id: int
    title: str
    org: str
    ack_due_on: dt.date | None
    overdue: bool


class TodoExtraItem(Schema):
    title: str
    url: str = ""
    org: str = ""
    when: str = ""
    badge: str = ""
    note: str = ""


class TodoExtra(Schema):
    """A part of the to-do list added by another app (e.g. problems waiting for review)."""

    key: str
    title: str
    count: int
    items: list[TodoExtraItem]


class TodoOut(Schema):
    total: int
    task_count: int
    overdue_count: int
    due_soon_count: int
    returned_count: int
    review_count: int
    notice_count: int
    tasks: list[TodoTask]
    reviews: list[TodoReview]
    notices: list[TodoNotice]
    extra: list[TodoExtra]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilters(PageParams):
    unread: bool = Field(False, description="true：只列出未读")


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="要标为已读的消息；不填则全部标为已读")


class ReadOut(Schema):
    marked: int
    unread: int


# ---------------------------------------------------------------- helpers

def _orgs_by_code(field: str, codes: list[str]) -> list[Org]:
    orgs = list(Org.objects.filter(code__in=codes))
    unknown = set(codes) - {o.code for o in orgs}
    if unknown:
        raise ValidationError({field: f"组织不存在：{'、'.join(sorted(unknown))}"})
    return orgs


def _detail(user, pk: int) -> Notice:
    return ns.with_counts(ns.visible_notices(user).prefetch_related("attachments")).get(pk=pk)


def _notice(user, pk: int) -> Notice:
    return ns.get_notice(user, pk)


# ---------------------------------------------------------------- notices

@router.get("/notices", response={200: NoticePage, **READ_ERRORS}, summary="通知列表")
def list_notices(request, filters: Query[NoticeFilters]):
    """Notices the caller sent or may manage (drafts included) and sent notices to units the
    caller sees, newest first, with their counts of units, read and acknowledged."""
    user = request.auth
    qs = ns.visible_notices(user)
    if filters.box == "sent":
        q = ns._sender_q(user)
        qs = qs if q is None else qs.filter(q)
    elif filters.box == "received":
        from dangjian.core.scoping import Perm, restrict

        qs = qs.filter(status=NoticeStatus.SENT, pk__in=restrict(NoticeReceipt.objects.all(), user, Perm.VIEW).values("notice_id"))
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    return page(ns.with_counts(qs).prefetch_related("attachments").order_by("-status", "-sent_at", "-pk"), filters)


@router.get("/notices/{notice_id}", response={200: NoticeOut, **READ_ERRORS}, summary="通知详情")
def get_notice(request, notice_id: int):
    """One notice. A recipient's first read marks their units' receipts read."""
    notice = _notice(request.auth, notice_id)
    ns.mark_read(request.auth, notice)
    return _detail(request.auth, notice.pk)


@router.post("/notices", response={201: NoticeOut, **ERRORS}, summary="新建通知（草稿或立即发送）")
def create_notice(request, payload: NoticeIn):
    user = request.auth
    org = _orgs_by_code("org", [payload.org])[0]
    campaign = get_campaign(user, payload.campaign_id) if payload.campaign_id else None
    data = ns.NoticeData(
        org=org, title=payload.title, body=payload.body, roles=payload.roles, ack_required=payload.ack_required,
        ack_due_on=payload.ack_due_on, campaign=campaign, target_mode=payload.target_mode,
        target_orgs=_orgs_by_code("target_orgs", payload.target_orgs), target_kinds=[k.value for k in payload.target_kinds],
        target_depth=payload.target_depth,
    )
    notice = ns.create_notice(user, data, send=payload.send)
    return Status(201, _detail(user, notice.pk))


@router.patch("/notices/{notice_id}", response={200: NoticeOut, **ERRORS}, summary="修改通知（草稿；已发送的只能改回执截止日期）")
def update_notice(request, notice_id: int, payload: NoticePatch):
    user = request.auth
    notice = _notice(user, notice_id)
    changes = payload.model_dump(exclude_unset=True)
    if "target_orgs" in changes:
        targets = _orgs_by_code("target_orgs", changes["target_orgs"] or [])
    else:
        targets = [r.org for r in notice.receipts.select_related("org")]
    data = ns.NoticeData(
        org=notice.org, title=changes.get("title", notice.title) or "", body=changes.get("body", notice.body) or "",
        roles=changes.get("roles") or notice.roles, ack_required=changes.get("ack_required", notice.ack_required),
        ack_due_on=changes.get("ack_due_on", notice.ack_due_on), campaign=notice.campaign,
        target_mode=ns.Target.LIST, target_orgs=targets,
    )
    ns.update_notice(user, notice, data)
    return _detail(user, notice.pk)


@router.post("/notices/{notice_id}/send", response={200: NoticeOut, **ERRORS}, summary="发送通知")
def send_notice(request, notice_id: int):
    """Send a draft: its units see it and their role holders are notified."""
    notice = _notice(request.auth, notice_id)
    ns.send_notice(request.auth, notice)
    return _detail(request.auth, notice.pk)


@router.get("/notices/{notice_id}/receipts", response={200: ReceiptPage, **ERRORS}, summary="回执情况（发文单位）")
def list_receipts(request, notice_id: int, filters: Query[ReceiptFilters]):
    """Every recipient unit with its read and acknowledgement state; `pending=true` lists the
    units that have not acknowledged. For those who may manage the notice (403 otherwise)."""
    notice = _notice(request.auth, notice_id)
    return page(ns.receipts_for_sender(request.auth, notice, pending_only=filters.pending), filters)


@router.post("/notice-receipts/{receipt_id}/acknowledge", response={200: ReceiptOut, **ERRORS}, summary="回执")
def acknowledge(request, receipt_id: int, payload: AckIn):
    """Acknowledge a notice for one recipient unit (whoever may act for the unit)."""
    receipt = ns.get_receipt(request.auth, receipt_id)
    ns.acknowledge(request.auth, receipt, reply=payload.reply)
    return NoticeReceipt.objects.select_related("org", "acknowledged_by").get(pk=receipt.pk)


# ---------------------------------------------------------------- to-do and notifications

@router.get("/todo", response={200: TodoOut, **READ_ERRORS}, summary="我的待办")
def get_todo(request, limit: int = Query(50, ge=1, le=500)):
    """Tasks of the units the caller acts for that wait on them, submissions waiting for the
    caller's review, notices waiting for their acknowledgement: the first `limit` of each and
    the counts of all."""
    t = todo(request.auth, limit=limit)
    c = t["task_counts"]
    return {
        "total": t["total"], "task_count": c["total"], "overdue_count": c["overdue"], "due_soon_count": c["due_soon"],
        "returned_count": c["returned"], "review_count": t["review_count"], "notice_count": t["notice_count"],
        "tasks": [{"unit_task_id": ut.pk, "task_id": ut.task_id, "title": ut.task.title, "org": ut.org.code,
                   "org_name": ut.org.name, "due_on": ut.task.due_on, "status": ut.status, "overdue": ut.overdue}
                  for ut in t["tasks"]],
        "reviews": [{"unit_task_id": ut.pk, "task_id": ut.task_id, "title": ut.task.title, "org": ut.org.code,
                     "org_name": ut.org.name, "submitted_at": ut.submitted_at} for ut in t["reviews"]],
        "notices": [{"receipt_id": r.pk, "notice_id": r.notice_id, "title": r.notice.title, "org": r.org.code,
                     "ack_due_on": r.notice.ack_due_on, "overdue": r.overdue} for r in t["notices"]],
        "extra": [{"key": e["key"], "title": e["title"], "count": e["count"],
                   "items": [{k: str(i.get(k) or "") for k in ("title", "url", "org", "when", "badge", "note")} for i in e["items"]]}
                  for e in t["extra"]],
    }


@router.get("/notifications", response={200: NotificationPage, **READ_ERRORS}, summary="我的消息提醒")
def list_notifications(request, filters: Query[NotificationFilters]):
    qs = notify.inbox(request.auth)
    if filters.unread:
        qs = qs.filter(read_at__isnull=True)
    result = page(qs.order_by("-created_at", "-pk"), filters)
    result["unread"] = notify.unread_count(request.auth)
    return result


@router.post("/notifications/read", response={200: ReadOut, **ERRORS}, summary="标为已读")
def mark_notifications_read(request, payload: ReadIn):
    marked = notify.mark_read(request.auth, payload.ids)
    return {"marked": marked, "unread": notify.unread_count(request.auth)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="标记一条为已读")
def mark_one_read(request, notification_id: int):
    n = get_object_or_404(notify.inbox(request.auth), pk=notification_id)
    notify.mark_read(request.auth, [n.pk])
    n.refresh_from_db()
    return n
