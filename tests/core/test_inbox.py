"""Notifications: written once per key, delivered by channels, read in the inbox."""
import pytest
from django.core import mail
from django.urls import reverse

from dangjian.core import notify
from dangjian.core.models import Notification


def test_notify_once_per_key(world):
    w = world
    assert notify.notify([w.ua_admin, w.ub_admin.pk], "标题", "内容", "/x/", "test", key="k1") == 2
    assert notify.notify([w.ua_admin], "标题", key="k1") == 0
    assert notify.notify([w.ua_admin], "无键消息") == 1
    assert notify.notify([w.ua_admin], "无键消息") == 1  # no key: no dedup
    assert Notification.objects.filter(user=w.ua_admin).count() == 3
    assert notify.unread_count(w.ua_admin) == 3


def test_email_channel(world, settings, django_capture_on_commit_callbacks):
    w = world
    settings.DANGJIAN_NOTIFY_CHANNELS = ["inapp", "email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w.ua_admin.email = "ua@example.org"
    w.ua_admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify([w.ua_admin, w.ub_admin], "任务即将截止", "请按时提交", "/campaigns/", key="e1")
    assert len(mail.outbox) == 1  # ub_admin has no address
    assert mail.outbox[0].to == ["ua@example.org"] and "任务即将截止" in mail.outbox[0].subject


def test_custom_channel_registered(world, settings, django_capture_on_commit_callbacks):
    got = []
    notify.register_channel("test", lambda rows: got.extend(n.title for n in rows))
    settings.DANGJIAN_NOTIFY_CHANNELS = ["inapp", "test", "unknown"]
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify([world.ua_admin], "自定义")
    assert got == ["自定义"]


def test_inbox_pages(world, login):
    w = world
    notify.notify([w.ua_admin], "给我的", url="/campaigns/notices/")
    notify.notify([w.ub_admin], "给别人的")
    c = login(w.ua_admin)
    page = c.get(reverse("inbox")).content.decode()
    assert "给我的" in page and "给别人的" not in page
    # A system admin sees only their own messages too.
    assert "给别人的" not in login(w.sysadmin).get(reverse("inbox")).content.decode()
    c = login(w.ua_admin)
    mine = Notification.objects.get(user=w.ua_admin)
    other = Notification.objects.get(user=w.ub_admin)
    assert c.get(reverse("inbox_open", kwargs={"pk": other.pk})).status_code == 404
    r = c.get(reverse("inbox_open", kwargs={"pk": mine.pk}))
    assert r.status_code == 302 and r["Location"] == "/campaigns/notices/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    notify.notify([w.ua_admin], "第二条")
    c.post(reverse("inbox_mark_read"))
    assert notify.unread_count(w.ua_admin) == 0
    assert notify.unread_count(w.ub_admin) == 1


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x"])
def test_open_does_not_redirect_off_site(world, login, url):
    notify.notify([world.ua_admin], "外链", url=url)
    n = Notification.objects.get()
    r = login(world.ua_admin).get(reverse("inbox_open", kwargs={"pk": n.pk}))
    assert r["Location"] == reverse("inbox")
