"""The progress table (工作推进表): units × published tasks with each cell's status, counts per
task, per unit and per secondary unit, the overdue list and completion over time.

Everything is scoped by `core.scoping.restrict(UnitTask, user, VIEW)` and computed in the
database: the query count does not grow with the number of units, and the roll-ups cover the
whole scope while only one page of unit rows is read.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from dangjian.campaigns.models import (
    OPEN_FOR_WORK,
    Campaign,
    GuidanceAssignment,
    Task,
    TaskStatus,
    Transition,
    UnitTask,
    UnitTaskStatus,
)
from dangjian.core.scoping import Perm, restrict, subtree_q
from dangjian.orgs.models import Org

S = UnitTaskStatus
PER_PAGE = 50
OVERDUE = "overdue"

# What a cell shows: submitted and resubmitted both wait for review.
SHOWN = {
    S.NOT_STARTED: "not_started", S.IN_PROGRESS: "in_progress", S.SUBMITTED: "submitted",
    S.RESUBMITTED: "submitted", S.RETURNED: "returned", S.APPROVED: "approved",
}
# Short labels as offices print them; "overdue" replaces the status of a late open cell.
SHORT = {
    "approved": "已通过", "submitted": "已提交", "returned": "退回", "not_started": "未开始",
    "in_progress": "进行中", OVERDUE: "逾期",
}
STATUS_FILTERS = {
    "not_started": "未开始", "in_progress": "进行中", "submitted": "已提交（待审核）",
    "returned": "已退回", "approved": "已通过", OVERDUE: "逾期",
}
_FILTER_STATUSES = {
    "not_started": [S.NOT_STARTED], "in_progress": [S.IN_PROGRESS], "submitted": [S.SUBMITTED, S.RESUBMITTED],
    "returned": [S.RETURNED], "approved": [S.APPROVED],
}
COUNT_KEYS = ("approved", "submitted", "returned", "in_progress", "not_started")


@dataclass
class Filters:
    """unit: code of a secondary unit; group: a guidance group of the campaign; phase: a phase
    of the campaign; status: a STATUS_FILTERS key (units with at least one such cell)."""

    unit: str = ""
    group: int | None = None
    phase: int | None = None
    status: str = ""

    def errors(self) -> dict:
        if self.status and self.status not in STATUS_FILTERS:
            return {"status": f"状态无效，可选：{'、'.join(STATUS_FILTERS)}"}
        return {}

    def as_query(self) -> dict:
        return {k: v for k, v in (("unit", self.unit), ("group", self.group), ("phase", self.phase), ("status", self.status)) if v}


def is_late(status: str, due_on: dt.date, today: dt.date) -> bool:
    """The rule of models.UnitTask.is_overdue for an active cell (kept in one place there too)."""
    return status in OPEN_FOR_WORK and today > due_on


def shown(status: str, late: bool) -> str:
    return OVERDUE if late else SHOWN[status]


@dataclass
class Counts:
    """Cells by shown status; `overdue` counts late open cells (they are also in their status)."""

    total: int = 0
    approved: int = 0
    submitted: int = 0
    returned: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0

    def add(self, status: str, n: int, late: int = 0) -> None:
        self.total += n
        key = SHOWN[status]
        setattr(self, key, getattr(self, key) + n)
        self.overdue += late

    def merge(self, other: Counts) -> None:
        self.total += other.total
        self.approved += other.approved
        self.submitted += other.submitted
        self.returned += other.returned
        self.in_progress += other.in_progress
        self.not_started += other.not_started
        self.overdue += other.overdue

    @property
    def done_pct(self) -> float:
        return round(100 * self.approved / self.total, 1) if self.total else 0.0

    @property
    def submitted_or_done(self) -> int:
        return self.approved + self.submitted

    @property
    def mobilised_pct(self) -> float:
        """Share of units that have submitted or been approved (e.g. "39 of 39 mobilised")."""
        return round(100 * self.submitted_or_done / self.total, 1) if self.total else 0.0

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("total", *COUNT_KEYS, "overdue")} | {
            "done_pct": self.done_pct, "submitted_or_done": self.submitted_or_done,
        }


@dataclass
class Cell:
    unit_task_id: int
    task_id: int
    status: str
    overdue: bool

    @property
    def shown(self) -> str:
        return shown(self.status, self.overdue)

    @property
    def label(self) -> str:
        return SHORT[self.shown]


@dataclass
class Row:
    org: Org
    secondary: str  # path prefix of its secondary unit
    cells: list[Cell | None]  # one per column; None where the task does not reach the unit
    counts: Counts


@dataclass
class Rollup:
    """One secondary unit: its units and, per task, the counts of its cells."""

    org: Org | None
    prefix: str
    units: int
    per_task: dict[int, Counts]
    counts: Counts


@dataclass
class Table:
    campaign: Campaign
    filters: Filters
    today: dt.date
    tasks: list[Task]
    task_counts: dict[int, Counts]
    rollups: list[Rollup]
    totals: Counts
    units: int  # units (rows) in the whole filtered scope
    rows: list[Row] = field(default_factory=list)
    offset: int = 0
    limit: int = PER_PAGE


# ---------------------------------------------------------------- querysets

def published_tasks(campaign: Campaign, filters: Filters) -> list[Task]:
    qs = Task.objects.filter(campaign=campaign, status=TaskStatus.PUBLISHED).select_related("phase")
    if filters.phase:
        qs = qs.filter(phase_id=filters.phase)
    return list(qs.order_by("order", "due_on", "pk"))


def _group_paths(campaign: Campaign, group_id: int) -> list[str]:
    return list(GuidanceAssignment.objects.filter(campaign=campaign, group_id=group_id).values_list("org__path", flat=True))


def cells_queryset(user, campaign: Campaign, filters: Filters, tasks: list[Task], today: dt.date) -> QuerySet[UnitTask]:
    """Active unit tasks of the given (published) tasks that `user` may see, narrowed by the
    filters. The tasks come from `published_tasks`, so no join to tasks is needed."""
    task_ids = [t.pk for t in tasks]
    errors = filters.errors()
    if errors:
        raise ValidationError(errors)
    qs = restrict(UnitTask.objects.filter(task_id__in=task_ids, active=True), user, Perm.VIEW)
    if filters.unit:
        unit = Org.objects.filter(code=filters.unit, depth=Org.SECONDARY_DEPTH).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("org__path", unit)) if unit else qs.none()
    if filters.group:
        paths = _group_paths(campaign, filters.group)
        q = Q(pk__in=[])
        for p in paths:
            q |= subtree_q("org__path", p)
        qs = qs.filter(q)
    if filters.status == OVERDUE:
        late_tasks = [t.pk for t in tasks if t.due_on < today]
        qs = qs.filter(org_id__in=qs.filter(task_id__in=late_tasks, status__in=list(OPEN_FOR_WORK)).values("org_id"))
    elif filters.status:
        qs = qs.filter(org_id__in=qs.filter(status__in=_FILTER_STATUSES[filters.status]).values("org_id"))
    return qs


# ---------------------------------------------------------------- the table

def _secondary_len() -> int:
    return Org.secondary_prefix_len()


def rollup_rows(cells: QuerySet[UnitTask]) -> list[tuple[str, int, str, int]]:
    """(secondary unit path, task id, status, count) for the whole (filtered) scope: one query."""
    return list(
        cells.annotate(unit=Substr("org__path", 1, _secondary_len()))
        # COUNT(*), not COUNT(id): PostgreSQL then groups by hashing instead of sorting 150,000
        # rows on disk (twice as fast at city scale).
        .values_list("unit", "task_id", "status").annotate(n=Count("*")).order_by()
    )


def units_queryset(user, campaign: Campaign, cells: QuerySet[UnitTask]) -> QuerySet[Org]:
    """The units (rows) of the table: orgs in scope with at least one cell. Driven by the orgs
    in the campaign's subtree, each probing the (org, task) index, rather than by the cells."""
    orgs = restrict(Org.objects.filter(subtree_q("path", campaign.org.path)), user, Perm.VIEW)
    return orgs.filter(Exists(cells.filter(org_id=OuterRef("pk")).values("pk")))


def units_by_secondary(units: QuerySet[Org]) -> dict[str, int]:
    rows = units.annotate(unit=Substr("path", 1, _secondary_len())).values("unit").annotate(n=Count("id")).order_by()
    return {r["unit"]: r["n"] for r in rows}


def build_table(user, campaign: Campaign, filters: Filters | None = None, *, offset: int = 0, limit: int | None = PER_PAGE,
                today: dt.date | None = None) -> Table:
    """The progress table of `campaign` as `user` may see it. `limit` None: every unit row
    (the export); otherwise one page of rows from `offset`."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    tasks = published_tasks(campaign, filters)
    task_ids = [t.pk for t in tasks]
    due = {t.pk: t.due_on for t in tasks}
    cells = cells_queryset(user, campaign, filters, tasks, today)

    task_counts = {t.pk: Counts() for t in tasks}
    totals = Counts()
    by_unit: dict[str, dict[int, Counts]] = {}
    open_ = set(OPEN_FOR_WORK)
    for unit, task_id, status, n in rollup_rows(cells) if task_ids else []:
        per_task = by_unit.get(unit)
        if per_task is None:
            per_task = by_unit[unit] = {pk: Counts() for pk in task_ids}
        c = per_task[task_id]
        key = SHOWN[status]
        setattr(c, key, getattr(c, key) + n)
        c.total += n
        if status in open_ and today > due[task_id]:
            c.overdue += n
    for per_task in by_unit.values():
        for pk, c in per_task.items():
            task_counts[pk].merge(c)
            totals.merge(c)
    units = units_queryset(user, campaign, cells)
    unit_counts = units_by_secondary(units) if task_ids else {}
    names = {o.path: o for o in Org.objects.filter(path__in=list(by_unit)).only("id", "code", "name", "path", "depth", "kind")} if by_unit else {}
    rollups = []
    for prefix in sorted(by_unit):
        per_task = by_unit[prefix]
        counts = Counts()
        for c in per_task.values():
            counts.merge(c)
        rollups.append(Rollup(org=names.get(prefix), prefix=prefix, units=unit_counts.get(prefix, 0), per_task=per_task, counts=counts))

    table = Table(campaign=campaign, filters=filters, today=today, tasks=tasks, task_counts=task_counts, rollups=rollups,
                  totals=totals, units=sum(unit_counts.values()), offset=offset, limit=limit or 0)
    if task_ids:
        table.rows = unit_rows(units, cells, tasks, today, offset=offset, limit=limit)
    return table


def unit_rows(units: QuerySet[Org], cells: QuerySet[UnitTask], tasks: list[Task], today: dt.date, *, offset: int = 0,
              limit: int | None = PER_PAGE) -> list[Row]:
    """Rows for one page of units (every unit when `limit` is None), in tree order: two queries."""
    orgs = units.order_by("path").only("id", "code", "name", "path", "depth", "kind")
    orgs = list(orgs[offset:offset + limit] if limit else orgs[offset:])
    if not orgs:
        return []
    column = {t.pk: i for i, t in enumerate(tasks)}
    due = {t.pk: t.due_on for t in tasks}
    rows = {o.pk: Row(org=o, secondary=o.path[:_secondary_len()], cells=[None] * len(tasks), counts=Counts()) for o in orgs}
    page_cells = cells.filter(org_id__in=list(rows)) if limit else cells
    values = page_cells.values_list("id", "org_id", "task_id", "status").order_by()
    # A page is small; every unit (the export) is streamed rather than held twice.
    for pk, org_id, task_id, status in (values if limit else values.iterator(chunk_size=5000)):
        row = rows.get(org_id)
        if row is None:
            continue
        late = is_late(status, due[task_id], today)
        row.cells[column[task_id]] = Cell(pk, task_id, status, late)
        row.counts.add(status, 1, int(late))
    return list(rows.values())


# ---------------------------------------------------------------- the overdue list

def overdue_queryset(user, campaign: Campaign, filters: Filters | None = None, today: dt.date | None = None) -> QuerySet[UnitTask]:
    """Late unit tasks in scope, the most overdue first, with what a list shows."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    tasks = published_tasks(campaign, filters)
    late = [t for t in tasks if t.due_on < today]
    qs = cells_queryset(user, campaign, filters, late, today).filter(status__in=list(OPEN_FOR_WORK))
    return qs.select_related("org", "task").order_by("task__due_on", "task__order", "org__path", "pk")


# ---------------------------------------------------------------- completion over time

@dataclass
class Point:
    day: dt.date
    submitted: int  # cumulative first submissions
    approved: int  # cumulative approvals


def completion_series(user, campaign: Campaign, filters: Filters | None = None, today: dt.date | None = None) -> list[Point]:
    """Cumulative first submissions and approvals per day, from the transition log: one query
    (plus the task list)."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    tasks = published_tasks(campaign, filters)
    if not tasks:
        return []
    cells = cells_queryset(user, campaign, filters, tasks, today)
    rows = (
        Transition.objects.filter(unit_task__in=cells.values("pk"))
        .filter(Q(to_status=S.APPROVED) | Q(to_status=S.SUBMITTED, from_status__in=[S.NOT_STARTED, S.IN_PROGRESS]))
        .annotate(day=TruncDate("at")).values("day", "to_status").annotate(n=Count("id")).order_by("day")
    )
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        per_day[r["day"]][0 if r["to_status"] == S.SUBMITTED else 1] += r["n"]
    points, sub, app = [], 0, 0
    for day in sorted(per_day):
        sub += per_day[day][0]
        app += per_day[day][1]
        points.append(Point(day, sub, app))
    return points
