"""Matrix cases for notices, receipts, the to-do list and the inbox (pages and API)."""
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.campaigns import notices as ns
from dangjian.core import notify
from tests.authz.engine import Case, org_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _notice(w, t, *, send: bool, attach: bool = False):
    data = ns.NoticeData(org=w.root, title="矩阵测试通知", body="请阅知并回执。", target_orgs=[org_of(w, t)])
    files = [SimpleUploadedFile("附件.pdf", PDF, content_type="application/pdf")] if attach else None
    return ns.create_notice(w.office, data, attachments=files, send=send)


def _sent(client, w, t, user):
    return {"pk": _notice(w, t, send=True).pk}


def _draft(client, w, t, user):
    return {"pk": _notice(w, t, send=False).pk}


def _receipt(client, w, t, user):
    return {"pk": _notice(w, t, send=True).receipts.get().pk}


def _attachment(client, w, t, user):
    return {"pk": _notice(w, t, send=True, attach=True).attachments.get().pk}


def _form(w, t):
    return {"org": w.root.code, "title": "矩阵测试通知", "body": "正文", "target_mode": "list",
            "target_orgs": org_of(w, t).code, "roles": ["liaison", "unit_admin"], "ack_required": "on", "send": "1"}


def _edit_form(w, t):
    return {**_form(w, t), "title": "矩阵测试通知（修订）"}


def _my_notification(client, w, t, user):
    n = notify.notify([user or w.nobody], "矩阵测试消息", url="/")
    assert n == 1
    from dangjian.core.models import Notification

    return {"pk": Notification.objects.filter(user=user or w.nobody).latest("pk").pk}


def _api(prepare, name):
    def inner(client, w, t, user):
        return {name: prepare(client, w, t, user)["pk"]}
    return inner


PAGE_CASES = [
    Case("notice_list", "login"),
    Case("notice_create", "any_change_org"),
    # ua_admin / ub_admin may send from their own units, not from the root: the form says so.
    Case("notice_create", "campaign_manager", method="POST", data=_form, refused=(403, 404, 200)),
    Case("notice_detail", "view", prepare=_sent),
    Case("notice_edit", "campaign_manager", prepare=_draft),
    Case("notice_edit", "campaign_manager", method="POST", prepare=_draft, data=_edit_form),
    Case("notice_send", "campaign_manager", method="POST", prepare=_draft),
    Case("notice_delete", "campaign_manager", method="POST", prepare=_draft),
    # Acknowledging fills who and when on the receipt: no row count changes.
    Case("notice_ack", "act", method="POST", prepare=_receipt, data=lambda w, t: {"reply": "收到"}, changes=False),
    Case("notice_attachment", "view", prepare=_attachment),
    Case("todo", "login"),
    Case("inbox", "login"),
    Case("inbox_open", "login", prepare=_my_notification),
    Case("inbox_mark_read", "login", method="POST", changes=False),
]

API_CASES = [
    Case("GET /api/v1/notices", "login"),
    Case("GET /api/v1/notices/{notice_id}", "view", prepare=_api(_sent, "notice_id")),
    Case("POST /api/v1/notices", "campaign_manager", method="POST",
         data=lambda w, t: {"org": w.root.code, "title": "矩阵测试通知", "body": "正文", "target_orgs": [org_of(w, t).code]}),
    Case("PATCH /api/v1/notices/{notice_id}", "campaign_manager", method="PATCH", prepare=_api(_draft, "notice_id"),
         data=lambda w, t: {"title": "修订"}),
    Case("POST /api/v1/notices/{notice_id}/send", "campaign_manager", method="POST", prepare=_api(_draft, "notice_id")),
    Case("GET /api/v1/notices/{notice_id}/receipts", "campaign_manager", prepare=_api(_sent, "notice_id")),
    Case("POST /api/v1/notice-receipts/{receipt_id}/acknowledge", "act", method="POST", prepare=_api(_receipt, "receipt_id"),
         data=lambda w, t: {"reply": "收到"}, changes=False),
    Case("GET /api/v1/todo", "login"),
    Case("GET /api/v1/notifications", "login"),
    Case("POST /api/v1/notifications/read", "login", method="POST", data=lambda w, t: {}, changes=False),
    Case("POST /api/v1/notifications/{notification_id}/read", "login", method="POST",
         prepare=_api(_my_notification, "notification_id"), changes=False),
]
