"""Notifications: one call writes the in-app message (消息提醒) and hands it to every configured
delivery channel.

    notify(users, title, body, url=..., kind=..., key=...)
    notify_many([Message(user_id, title, body, url, kind, key), ...])   # bulk, for reminders

`key` (optional) makes a message idempotent per user: a user never gets two notifications with
the same key, so a reminder job may run any number of times. Channels are registered by name
(`register_channel`); settings.DANGJIAN_NOTIFY_CHANNELS chooses which run. "inapp" is the
Notification row itself; "email" sends through Django's email settings to users with an
address. Channels other than inapp run as a background task, so a slow mail server never holds
up a request.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from dangjian.core.models import Notification

logger = logging.getLogger("dangjian.notify")

BATCH = 1000


@dataclass(frozen=True)
class Message:
    user_id: int
    title: str
    body: str = ""
    url: str = ""
    kind: str = ""
    key: str = ""


# ------------------------------------------------------------------ channels

Channel = Callable[[list[Notification]], None]
_channels: dict[str, Channel] = {}


def register_channel(name: str, deliver: Channel) -> None:
    """A delivery channel: `deliver(notifications)` sends copies of new notifications."""
    _channels[name] = deliver


def channels() -> dict[str, Channel]:
    return dict(_channels)


def _inapp(notifications: list[Notification]) -> None:
    """The inbox is the Notification row: nothing more to do."""


def _email(notifications: list[Notification]) -> None:
    site = getattr(settings, "DANGJIAN_SITE_URL", "").rstrip("/")
    messages = []
    for n in notifications:
        address = getattr(n.user, "email", "")
        if not address:
            continue
        body = n.body + (f"\n\n{site}{n.url}" if n.url else "")
        messages.append(EmailMessage(f"【党建云】{n.title}", body, settings.DEFAULT_FROM_EMAIL, [address]))
    if messages:
        get_connection().send_messages(messages)


register_channel("inapp", _inapp)
register_channel("email", _email)


def _configured() -> list[str]:
    names = [c for c in getattr(settings, "DANGJIAN_NOTIFY_CHANNELS", ["inapp"]) if c != "inapp"]
    unknown = [c for c in names if c not in _channels]
    if unknown:
        logger.warning("unknown notification channels ignored: %s", ", ".join(unknown))
    return [c for c in names if c in _channels]


@task()
def deliver(channel: str, ids: list[int]) -> int:
    """Background task: send notifications `ids` through `channel`; how many were handed over."""
    rows = list(Notification.objects.filter(pk__in=ids).select_related("user"))
    _channels[channel](rows)
    return len(rows)


# ------------------------------------------------------------------ writing

def notify(users: Iterable, title: str, body: str = "", url: str = "", kind: str = "", key: str = "") -> int:
    """Notify each of `users` (User objects or ids); how many notifications were new."""
    ids = dict.fromkeys(getattr(u, "pk", u) for u in users)
    return notify_many([Message(uid, title, body, url, kind, key) for uid in ids if uid is not None])


def notify_many(messages: Iterable[Message]) -> int:
    """Write many notifications at once; ones whose (user, key) exists already are skipped.
    Queries: one insert per 1,000 messages, plus (only when a channel other than inapp is on)
    one select of the new rows and one task per channel."""
    now = timezone.now()
    seen: set[tuple[int, str]] = set()
    rows = []
    for m in messages:
        if m.key:
            if (m.user_id, m.key) in seen:
                continue
            seen.add((m.user_id, m.key))
        rows.append(Notification(user_id=m.user_id, title=m.title[:200], body=m.body, url=m.url[:300], kind=m.kind[:30],
                                 key=m.key[:200], created_at=now))
    if not rows:
        return 0
    # Keys already there are left alone by the database (unique per user and key).
    Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    # The rows of this batch are the ones stamped `now` (an existing row is older).
    new = Notification.objects.filter(created_at=now, user_id__in={r.user_id for r in rows})
    extra = _configured()
    count = new.count() if not extra else None
    if extra:
        ids = list(new.values_list("pk", flat=True))
        count = len(ids)
        for channel in extra:
            for i in range(0, len(ids), BATCH):
                chunk = ids[i : i + BATCH]
                transaction.on_commit(lambda c=channel, ch=chunk: _safe_enqueue(c, ch))
    return count


def _safe_enqueue(channel: str, ids: list[int]) -> None:
    try:
        deliver.enqueue(channel, ids)
    except Exception:  # noqa: BLE001 - a channel failing must not lose the in-app message
        logger.exception("could not queue delivery on %s", channel)


# ------------------------------------------------------------------ reading

def inbox(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (a sysadmin sees only their own too)."""
    from dangjian.core.scoping import restrict

    if not getattr(user, "pk", None):
        return Notification.objects.none()
    return restrict(Notification.objects.all(), user).filter(user_id=user.pk)


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when `ids` is None)."""
    qs = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
