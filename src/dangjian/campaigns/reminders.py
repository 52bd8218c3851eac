"""Reminders, sent by a periodic job (campaigns/tasks.py) through core.notify:

- a unit task due within DANGJIAN_REMIND_DAYS_BEFORE days and not done (not started, in
  progress or returned): to the users who act for the unit (unit admin, liaison, branch
  secretary at the unit or above it up to its secondary unit; see todo.acting_paths);
- a unit task overdue: to them again, and one summary per task to the office (committee admins
  at the campaign's org or above);
- a notice whose acknowledgement deadline is near or past, not acknowledged: to the unit's
  recipients (holders of the notice's roles at the unit).

Each reminder goes once: its key (e.g. "task-due:<unit task id>") is unique per user. The job
only looks at deadlines in a recent window (an overdue reminder goes out within OVERDUE_WINDOW
days of the due date, even if the worker was down meanwhile), and skips keys already sent with
one query, so a run costs a fixed number of queries plus one insert per thousand new reminders,
whatever the number of units.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.campaigns.models import (
    OPEN_FOR_WORK,
    CampaignStatus,
    NoticeReceipt,
    NoticeStatus,
    TaskStatus,
    UnitTask,
)
from dangjian.campaigns.notices import RECIPIENT_ROLES
from dangjian.campaigns.todo import ACTING_ROLES, SECONDARY_PATH_LEN
from dangjian.core.models import Notification, Role, RoleGrant
from dangjian.core.notify import Message, notify_many
from dangjian.orgs.models import Org

STEP = Org.steplen
OVERDUE_WINDOW = 14  # days after a deadline within which the overdue reminder is still sent
KINDS = ("task_due", "task_overdue", "task_overdue_office", "notice_due", "notice_overdue")


def _url(name: str, pk: int, fallback: str = "todo") -> str:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        try:
            return reverse(fallback)
        except NoReverseMatch:
            return ""


def _d(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def _actor_index() -> dict[str, set[int]]:
    """Org path -> users holding an acting role there (secondary units and below). One query."""
    index: dict[str, set[int]] = defaultdict(set)
    rows = RoleGrant.objects.filter(role__in=ACTING_ROLES, org__depth__gte=2).values_list("org__path", "user_id")
    for path, uid in rows:
        index[path].add(uid)
    return index


def _actors(path: str, index: dict[str, set[int]]) -> set[int]:
    users: set[int] = set()
    for i in range(SECONDARY_PATH_LEN, len(path) + 1, STEP):
        users |= index.get(path[:i], set())
    return users


def _office_index() -> dict[str, set[int]]:
    index: dict[str, set[int]] = defaultdict(set)
    for path, uid in RoleGrant.objects.filter(role=Role.COMMITTEE_ADMIN).values_list("org__path", "user_id"):
        index[path].add(uid)
    return index


def _office(path: str, index: dict[str, set[int]]) -> set[int]:
    users: set[int] = set()
    for i in range(STEP, len(path) + 1, STEP):
        users |= index.get(path[:i], set())
    return users


def _already_sent(today: dt.date) -> set[tuple[int, str]]:
    """(user, key) of reminders sent recently enough to matter. One query."""
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=OVERDUE_WINDOW + settings.DANGJIAN_REMIND_DAYS_BEFORE + 2), dt.time()))
    return set(Notification.objects.filter(kind__in=KINDS, created_at__gte=since).values_list("user_id", "key"))


def task_messages(today: dt.date) -> list[Message]:
    soon = today + dt.timedelta(days=settings.DANGJIAN_REMIND_DAYS_BEFORE)
    rows = (
        UnitTask.objects.filter(
            active=True, status__in=list(OPEN_FOR_WORK), task__status=TaskStatus.PUBLISHED,
            task__campaign__status=CampaignStatus.ACTIVE,
            task__due_on__gte=today - dt.timedelta(days=OVERDUE_WINDOW), task__due_on__lte=soon,
        )
        .values_list("pk", "org__path", "org__name", "task_id", "task__title", "task__due_on", "task__campaign__org__path")
    )
    actors = _actor_index()
    office = _office_index()
    messages: list[Message] = []
    overdue_per_task: Counter = Counter()
    task_info: dict[int, tuple[str, dt.date, str]] = {}
    for pk, path, org_name, task_id, title, due_on, campaign_path in rows.iterator(chunk_size=2000):
        url = _url("unit_task_detail", pk)
        if due_on < today:
            overdue_per_task[task_id] += 1
            task_info[task_id] = (title, due_on, campaign_path)
            kind, key = "task_overdue", f"task-overdue:{pk}"
            head = f"任务逾期：{title}"
            body = f"{org_name}的任务“{title}”已于{_d(due_on)}截止，尚未完成提交，请抓紧办理。"
        else:
            kind, key = "task_due", f"task-due:{pk}"
            days = (due_on - today).days
            head = f"任务即将截止：{title}"
            when = "今天" if days == 0 else f"{days}天后（{_d(due_on)}）"
            body = f"{org_name}的任务“{title}”将于{when}截止，请按时完成并提交。"
        for uid in _actors(path, actors):
            messages.append(Message(uid, head, body, url, kind, key))
    for task_id, n in overdue_per_task.items():
        title, due_on, campaign_path = task_info[task_id]
        body = f"任务“{title}”已于{_d(due_on)}截止，{n}个单位尚未完成提交。"
        for uid in _office(campaign_path, office):
            messages.append(Message(uid, f"任务逾期汇总：{title}", body, _url("task_detail", task_id, fallback="home"), "task_overdue_office",
                                    f"overdue-office:{task_id}"))
    return messages


def notice_messages(today: dt.date) -> list[Message]:
    soon = today + dt.timedelta(days=settings.DANGJIAN_REMIND_DAYS_BEFORE)
    receipts = NoticeReceipt.objects.filter(
        notice__status=NoticeStatus.SENT, notice__ack_required=True, acknowledged_at__isnull=True,
        notice__ack_due_on__gte=today - dt.timedelta(days=OVERDUE_WINDOW), notice__ack_due_on__lte=soon,
    )
    rows = list(receipts.values_list("pk", "org_id", "org__name", "notice_id", "notice__title", "notice__ack_due_on", "notice__roles"))
    if not rows:
        return []
    holders: dict[int, list[tuple[str, int]]] = defaultdict(list)
    grants = RoleGrant.objects.filter(role__in=RECIPIENT_ROLES, org__in=receipts.values("org_id")).values_list("org_id", "role", "user_id")
    for org_id, role, uid in grants:
        holders[org_id].append((role, uid))
    messages = []
    for pk, org_id, org_name, notice_id, title, due_on, roles in rows:
        url = _url("notice_detail", notice_id)
        if due_on < today:
            kind, key, head = "notice_overdue", f"notice-overdue:{pk}", f"通知回执逾期：{title}"
            body = f"通知“{title}”要求{_d(due_on)}前回执，{org_name}尚未回执，请尽快办理。"
        else:
            kind, key, head = "notice_due", f"notice-due:{pk}", f"通知待回执：{title}"
            body = f"通知“{title}”要求{_d(due_on)}前回执，{org_name}尚未回执。"
        for role, uid in holders.get(org_id, ()):
            if role in (roles or ()):
                messages.append(Message(uid, head, body, url, kind, key))
    return messages


def run(today: dt.date | None = None) -> int:
    """Send every reminder that is due and not yet sent; how many were sent."""
    today = today or timezone.localdate()
    sent = _already_sent(today)
    messages = [m for m in task_messages(today) + notice_messages(today) if (m.user_id, m.key) not in sent]
    return notify_many(messages) if messages else 0

