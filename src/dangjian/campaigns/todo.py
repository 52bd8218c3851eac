"""The to-do list (我的待办) of a user: tasks of the units they act for that wait on the unit
(not started, in progress or returned; overdue first), submissions waiting for their review,
and notices waiting for their acknowledgement. Counts for the home page and the navigation.

Who acts for a unit here: holders of a unit admin, liaison or branch secretary role at the unit
or above it, up to its secondary unit (a role at the root is the office's: it sees everything
and does none of the units' work, so those tasks are not on its list). Costs a fixed number of
queries whatever the number of units.

Other apps add their own parts through `register_todo_source` (campaigns imports none of them):
rectification adds the problems waiting for the user's review and the problems of the user's
units that are returned, due soon or overdue. Each source costs a fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangjian.campaigns.models import (
    OPEN_FOR_WORK,
    CampaignStatus,
    NoticeReceipt,
    TaskStatus,
    UnitTask,
    UnitTaskStatus,
)
from dangjian.campaigns.notices import to_acknowledge
from dangjian.campaigns.services import waiting_for_review
from dangjian.core.models import Role
from dangjian.core.scoping import Perm, _minimal, restrict, scope_of, subtree_q
from dangjian.orgs.models import Org

ACTING_ROLES = (Role.UNIT_ADMIN, Role.LIAISON, Role.BRANCH_SECRETARY)
SECONDARY_PATH_LEN = Org.steplen * 2  # a path this long or longer lies at a secondary unit or below


def acting_paths(user) -> tuple[str, ...]:
    """Subtrees of the units the user acts for (no query: the scope is cached per user)."""
    scope = scope_of(user)
    paths = {p for role in ACTING_ROLES for p in scope.roles.get(role, ()) if len(p) >= SECONDARY_PATH_LEN}
    return _minimal(paths)


def my_unit_tasks(user) -> QuerySet[UnitTask]:
    """Open unit tasks of the units the user acts for, in running campaigns."""
    paths = acting_paths(user)
    if not paths:
        return UnitTask.objects.none()
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q("org__path", p)
    qs = UnitTask.objects.filter(q, active=True, status__in=list(OPEN_FOR_WORK), task__status=TaskStatus.PUBLISHED,
                                 task__campaign__status=CampaignStatus.ACTIVE)
    return restrict(qs, user, Perm.ACT)


@dataclass(frozen=True)
class TodoSource:
    """A part of the to-do list contributed by another app.

    count(user) -> int: how many items wait (one query; for the navigation's badge);
    items(user, limit, today) -> list of dicts with "title", "url", "org", "when" (a date or
    text), "badge" and "badge_class" (a status label and its css class, may be ""), "note"."""

    key: str
    title: str
    count: Callable
    items: Callable
    order: int = 100
    columns: tuple[str, ...] = ("事项", "单位", "时限", "状态")
    empty: str = "没有待办事项"
    more_url: str = ""  # "url_name" or "url_name?query": the page listing all of them (optional)


_SOURCES: dict[str, TodoSource] = {}


def register_todo_source(key: str, *, title: str, count: Callable, items: Callable, order: int = 100,
                         columns: tuple[str, ...] = ("事项", "单位", "时限", "状态"), empty: str = "没有待办事项",
                         more_url: str = "") -> None:
    """Add (or replace, by `key`) a part of 我的待办; call it from an AppConfig.ready()."""
    _SOURCES[key] = TodoSource(key, title, count, items, order, tuple(columns), empty, more_url)


def _more(spec: str) -> str:
    from django.urls import NoReverseMatch, reverse

    name, _, query = spec.partition("?")
    if not name:
        return ""
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def todo_sources() -> list[TodoSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def _soon(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.DANGJIAN_REMIND_DAYS_BEFORE)


def task_counts(user, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    return my_unit_tasks(user).aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(task__due_on__lt=today)),
        due_soon=Count("pk", filter=Q(task__due_on__gte=today, task__due_on__lte=_soon(today))),
        returned=Count("pk", filter=Q(status=UnitTaskStatus.RETURNED)),
    )


def todo_count(user) -> int:
    """How many things wait on the user (three counts; for the navigation)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    own = my_unit_tasks(user).count() + waiting_for_review(user).count() + to_acknowledge(user).count()
    return own + sum(source.count(user) for source in todo_sources())


def todo(user, *, limit: int = 20, today: dt.date | None = None) -> dict:
    """The to-do list: the first `limit` items of each part and the counts of all of them."""
    today = today or timezone.localdate()
    counts = task_counts(user, today)
    tasks = list(
        my_unit_tasks(user).select_related("task__campaign", "org")
        .order_by("task__due_on", "org__path", "task__order", "pk")[:limit]
    )
    soon = _soon(today)
    for ut in tasks:
        ut.overdue = ut.task.due_on < today
        ut.due_soon = not ut.overdue and ut.task.due_on <= soon
        ut.days_left = (ut.task.due_on - today).days
    reviews_qs = waiting_for_review(user)
    review_count = reviews_qs.count()
    reviews = list(reviews_qs.select_related("task__campaign", "org", "submitted_by").order_by("submitted_at", "pk")[:limit])
    notices_qs: QuerySet[NoticeReceipt] = to_acknowledge(user)
    notice_count = notices_qs.count()
    notices = list(notices_qs.select_related("notice__org", "org").order_by("notice__ack_due_on", "-notice__sent_at", "pk")[:limit])
    for r in notices:
        r.overdue = bool(r.notice.ack_due_on and r.notice.ack_due_on < today)
    extra = []
    for source in todo_sources():
        n = source.count(user)
        extra.append({"key": source.key, "title": source.title, "count": n, "columns": source.columns, "empty": source.empty,
                      "more": _more(source.more_url), "items": source.items(user, limit, today) if n else []})
    return {
        "today": today,
        "extra": extra,
        "tasks": tasks,
        "task_counts": counts,
        "reviews": reviews,
        "review_count": review_count,
        "notices": notices,
        "notice_count": notice_count,
        "total": counts["total"] + review_count + notice_count + sum(e["count"] for e in extra),
        "limit": limit,
    }
