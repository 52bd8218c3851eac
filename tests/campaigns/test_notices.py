"""Notices: create, send, read, acknowledge; who may; recipients notified; attachments."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.campaigns import notices as ns
from dangjian.campaigns.models import NoticeReceipt, NoticeStatus
from dangjian.core.models import Notification, Role
from tests.factories import make_org, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def data(w, **kw):
    base = dict(org=w.root, title="关于召开动员会的通知", body="请各单位按时参加。", target_orgs=[w.unit_a, w.unit_b],
                ack_due_on=dt.date(2099, 5, 1))
    base.update(kw)
    return ns.NoticeData(**base)


def test_office_sends_and_recipients_are_notified(world):
    w = world
    notice = ns.create_notice(w.office, data(w))
    assert notice.status == NoticeStatus.DRAFT
    assert set(notice.receipts.values_list("org__code", flat=True)) == {"UA", "UB"}
    # A draft is seen by its senders only and notifies nobody.
    assert not ns.visible_notices(w.ua_liaison).filter(pk=notice.pk).exists()
    assert Notification.objects.count() == 0
    assert ns.send_notice(w.office, notice) == 2
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.sent_at
    # Liaison and unit admin of UA, unit admin of UB (default roles at exactly the units).
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"ua_liaison", "ua_admin", "ub_admin"}
    assert ns.visible_notices(w.ua_liaison).filter(pk=notice.pk).exists()
    assert ns.visible_notices(w.a1_secretary).filter(pk=notice.pk).exists() is False  # sees UA01 only, not UA
    with pytest.raises(ValidationError):
        ns.send_notice(w.office, notice)


def test_roles_choose_who_is_notified(world):
    w = world
    ns.create_notice(w.office, data(w, target_orgs=[w.a1, w.b1], roles=[Role.BRANCH_SECRETARY]), send=True)
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["a1_secretary"]


def test_who_may_send(world):
    w = world
    with pytest.raises(PermissionDenied):
        ns.create_notice(w.ua_admin, data(w))  # the root is not theirs
    with pytest.raises(PermissionDenied):
        ns.create_notice(w.ua_liaison, data(w, org=w.unit_a, target_orgs=[w.a1]))
    # A unit admin sends to its own subtree.
    notice = ns.create_notice(w.ua_admin, data(w, org=w.unit_a, target_orgs=[w.a1, w.a2]))
    assert notice.receipts.count() == 2
    with pytest.raises(ValidationError) as exc:
        ns.create_notice(w.ua_admin, data(w, org=w.unit_a, target_orgs=[w.b1]))
    assert "target_orgs" in exc.value.message_dict


def test_bad_input_names_the_field(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        ns.create_notice(w.office, data(w, title=" ", body="", roles=["member"], target_orgs=[]))
    assert {"title", "body", "roles", "target_orgs"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        ns.create_notice(w.office, data(w, ack_required=False))
    assert "ack_due_on" in exc.value.message_dict


def test_targets_by_kind_and_depth(world):
    w = world
    n = ns.create_notice(w.office, data(w, target_mode=ns.Target.KINDS, target_kinds=["branch"], target_orgs=[]))
    assert set(n.receipts.values_list("org__code", flat=True)) == {"UA01", "UA02", "UB01"}
    n = ns.create_notice(w.office, data(w, target_mode=ns.Target.KINDS, target_depth=2, target_orgs=[]))
    assert set(n.receipts.values_list("org__code", flat=True)) == {"UA", "UB"}
    n = ns.create_notice(w.ua_admin, data(w, org=w.unit_a, target_mode=ns.Target.SUBTREE, target_orgs=[]))
    assert set(n.receipts.values_list("org__code", flat=True)) == {"UA01", "UA02", "UA01G1"}


def test_read_and_acknowledge(world):
    w = world
    notice = ns.create_notice(w.office, data(w), send=True)
    ua = notice.receipts.get(org=w.unit_a)
    # The sender opening it marks nothing read.
    assert ns.mark_read(w.office, notice) == 0
    assert ns.mark_read(w.ua_liaison, notice) == 1
    ua.refresh_from_db()
    first = ua.read_at
    assert first is not None
    ns.mark_read(w.ua_admin, notice)
    ua.refresh_from_db()
    assert ua.read_at == first  # first view only
    # Out of scope: ub_admin cannot acknowledge for UA.
    with pytest.raises(PermissionDenied):
        ns.acknowledge(w.ub_admin, ua)
    ns.acknowledge(w.ua_liaison, ua, reply="已安排")
    ua.refresh_from_db()
    assert ua.acknowledged_by == w.ua_liaison and ua.acknowledged_at and ua.reply == "已安排"
    with pytest.raises(ValidationError):
        ns.acknowledge(w.ua_admin, ua)
    pending = ns.receipts_for_sender(w.office, notice, pending_only=True)
    assert [r.org.code for r in pending] == ["UB"]
    assert ns.receipt_counts(notice) == {"total": 2, "read": 1, "acknowledged": 1, "pending": 1}
    with pytest.raises(PermissionDenied):
        ns.receipts_for_sender(w.ua_admin, notice)


def test_sent_notice_only_moves_its_deadline(world):
    w = world
    notice = ns.create_notice(w.office, data(w), send=True)
    with pytest.raises(ValidationError):
        ns.update_notice(w.office, notice, data(w, title="改标题"))
    ns.update_notice(w.office, notice, data(w, ack_due_on=dt.date(2099, 6, 1)))
    notice.refresh_from_db()
    assert notice.ack_due_on == dt.date(2099, 6, 1) and notice.title == "关于召开动员会的通知"


def test_draft_retargeted(world):
    w = world
    notice = ns.create_notice(w.office, data(w))
    ns.update_notice(w.office, notice, data(w, target_orgs=[w.unit_b, w.a1]))
    assert set(notice.receipts.values_list("org__code", flat=True)) == {"UB", "UA01"}


def test_attachments_checked_and_served_in_scope(world, media, login):
    w = world
    with pytest.raises(ValidationError) as exc:
        ns.create_notice(w.office, data(w), attachments=[SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 100)])
    assert "attachments" in exc.value.message_dict
    notice = ns.create_notice(w.office, data(w, target_orgs=[w.unit_a]), attachments=[SimpleUploadedFile("方案.pdf", PDF)], send=True)
    att = notice.attachments.get()
    url = reverse("notice_attachment", kwargs={"pk": att.pk})
    assert login(w.ua_liaison).get(url).status_code == 200
    assert login(w.ub_admin).get(url).status_code == 404


def test_pages(world, login, media):
    w = world
    c = login(w.office)
    r = c.post(reverse("notice_create"), {
        "org": "ROOT", "title": "通知一", "body": "正文", "target_mode": "list", "target_orgs": "UA, UB",
        "roles": ["liaison", "unit_admin"], "ack_required": "on", "ack_due_on": "2099-05-01", "send": "1",
        "attachments": [SimpleUploadedFile("a.pdf", PDF)],
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    notice = ns.Notice.objects.get(title="通知一")
    assert notice.status == NoticeStatus.SENT and notice.attachments.count() == 1
    assert "未回执" in c.get(reverse("notice_detail", kwargs={"pk": notice.pk})).content.decode()
    # Unknown codes are named next to the field.
    r = c.post(reverse("notice_create"), {"org": "ROOT", "title": "x", "body": "y", "target_mode": "list",
                                          "target_orgs": "NOPE", "roles": ["liaison"]})
    assert r.status_code == 200 and "NOPE" in r.content.decode()
    lc = login(w.ua_liaison)
    page = lc.get(reverse("notice_detail", kwargs={"pk": notice.pk})).content.decode()
    assert "回执" in page and "接收单位" not in page
    receipt = notice.receipts.get(org=w.unit_a)
    assert lc.post(reverse("notice_ack", kwargs={"pk": receipt.pk}), {"reply": "收到"}).status_code == 302
    receipt.refresh_from_db()
    assert receipt.acknowledged_by == w.ua_liaison and receipt.read_at


def test_list_queries_constant(world, login):
    w = world
    c = login(w.office)
    ns.create_notice(w.office, data(w), send=True)
    with CaptureQueriesContext(connection) as one:
        assert c.get(reverse("notice_list")).status_code == 200
    parent = w.root
    for i in range(8):
        org = make_org(f"X{i:02d}", f"单位{i}", "branch", parent)
        make_user(f"liaison{i}", Role.LIAISON, org)
        ns.create_notice(w.office, data(w, title=f"通知{i}", target_orgs=[org, w.unit_a]), send=True)
    with CaptureQueriesContext(connection) as many:
        assert c.get(reverse("notice_list")).status_code == 200
    assert len(many) == len(one)
    notice = ns.Notice.objects.order_by("-pk").first()
    with CaptureQueriesContext(connection) as detail:
        c.get(reverse("notice_detail", kwargs={"pk": notice.pk}))
    assert len(detail) < 20
    assert NoticeReceipt.objects.count() == 2 + 16
