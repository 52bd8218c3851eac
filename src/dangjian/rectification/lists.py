"""The three lists (问题清单、责任清单、整改清单) of an org, rolled up the tree.

What counts at an org X: the problems in X's subtree whose tiered review has reached X's level
(`level_depth <= X.depth`, see models.py). Drafts and returned problems count nowhere.

Everything is computed in the database, a fixed handful of queries whatever the tree's size:
one aggregation of the problems grouped by (child prefix of the org path, status, aspect,
level reached), one of those still under review below, one of the measures grouped by (child prefix, status), two of the months
(found, closed), and the first rows of the overdue and due-soon lists. The figures of X and of
each child are summed from those groups in Python (a few thousand rows at city scale).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core.scoping import Perm, can, scope_of, subtree_q
from dangjian.orgs.models import Org
from dangjian.rectification.models import (
    NOWHERE,
    UNDER_WAY,
    Aspect,
    Measure,
    MeasureStatus,
    Problem,
    ProblemStatus,
)

STEP = Org.steplen
S = ProblemStatus
# The statuses a problem on a list can be in (drafts and returned ones are on no list), in
# the order of its life.
LIST_STATUSES = (S.REVIEWING, S.OPEN, S.RECTIFYING, S.RECTIFIED, S.VERIFIED, S.CLOSED)
LIST_LIMIT = 20  # rows of the overdue and due-soon lists on the page
CHART_MONTHS = 12  # months shown by default
MAX_MONTHS = 60

DEFINITIONS = {
    "counted": "计入本级的问题：本组织及下级组织的问题中，分级审核已通过至本级的问题（草稿、已退回的问题不计入）",
    "overdue": "逾期问题：待整改或整改中、整改时限已过的问题；逾期措施：未完成且完成时限已过的整改措施",
    "due_soon": "即将到期：待整改或整改中、整改时限在今后 {days} 天内（含今天）的问题",
    "level": "审核层级：问题经分级审核已到达的最高层级（支部提交后计入支部，二级单位审核通过后计入二级单位，党委审核通过后计入党委）",
    "chart": "发现与销号：按发现日期统计每月发现的问题数，按销号时间统计每月销号的问题数；未销号累计为当月末仍未销号的问题数",
}


def due_soon_days() -> int:
    return int(getattr(settings, "DANGJIAN_DUE_SOON_DAYS", 7))


def level_label(depth: int) -> str:
    """The level a problem's review has reached, by tree depth."""
    if depth <= 1:
        return "党委"
    if depth == 2:
        return "二级单位"
    return f"基层组织（第{depth}级）"


# ----------------------------------------------------------------------------------- filter
@dataclass
class Filter:
    """Which problems: of one campaign, and/or found from `starts` to `ends` (inclusive)."""

    campaign: object | None = None
    starts: dt.date | None = None
    ends: dt.date | None = None

    @property
    def label(self) -> str:
        parts = []
        if self.campaign is not None:
            parts.append(self.campaign.name)
        if self.starts or self.ends:
            parts.append(f"发现日期 {self.starts or '最早'} 至 {self.ends or '今天'}")
        return "；".join(parts) or "全部问题"

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.campaign is not None:
            q &= Q(**{f"{prefix}campaign_id": self.campaign.pk})
        if self.starts:
            q &= Q(**{f"{prefix}found_on__gte": self.starts})
        if self.ends:
            q &= Q(**{f"{prefix}found_on__lte": self.ends})
        return q

    def query(self) -> dict:
        """The filter as query parameters (to keep it across drill-down links)."""
        out = {}
        if self.campaign is not None:
            out["campaign"] = self.campaign.pk
        if self.starts:
            out["from"] = self.starts.isoformat()
        if self.ends:
            out["to"] = self.ends.isoformat()
        return out


def parse_filter(user, *, campaign_id=None, starts: str | None = None, ends: str | None = None) -> Filter:
    """The filter of a request. Bad input: ValidationError naming the field (campaign, from, to)."""
    from django.http import Http404

    from dangjian.campaigns.services import get_campaign

    errors: dict[str, str] = {}
    flt = Filter()
    if campaign_id not in (None, ""):
        try:
            flt.campaign = get_campaign(user, int(campaign_id))
        except (TypeError, ValueError):
            errors["campaign"] = "主题教育编号无效"
        except Http404:
            errors["campaign"] = "没有这个主题教育，或超出可见范围"
    for name, value in (("from", starts), ("to", ends)):
        if value in (None, ""):
            continue
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        except ValueError:
            errors[name] = "日期格式应为 YYYY-MM-DD"
            continue
        setattr(flt, "starts" if name == "from" else "ends", day)
    if not errors and flt.starts and flt.ends and flt.ends < flt.starts:
        errors["to"] = "结束日期不能早于开始日期"
    if errors:
        raise ValidationError(errors)
    return flt


def counted_q(org: Org, prefix: str = "") -> Q:
    """Problems (rows reached by `prefix`, e.g. "problem__") that count at `org`."""
    return subtree_q(f"{prefix}org__path", org.path) & Q(**{f"{prefix}level_depth__lte": org.depth})


def _require_view(user, org: Org) -> None:
    if not can(user, Perm.VIEW, org):
        raise PermissionDenied("超出管理范围")


def counted_problems(user, org: Org, flt: Filter | None = None) -> QuerySet[Problem]:
    """The problems on `org`'s list (VIEW on `org`, which covers its subtree)."""
    _require_view(user, org)
    return Problem.objects.filter(counted_q(org), (flt or Filter()).q())


# ----------------------------------------------------------------------------------- counts
@dataclass
class Counts:
    """The figures of one row: the problems counted at the page's org, by status and aspect;
    their measures; and every submitted problem by the level its review has reached."""

    total: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIST_STATUSES, 0))
    by_aspect: dict[int, int] = field(default_factory=dict)
    by_level: dict[int, int] = field(default_factory=dict)  # level_depth -> submitted problems
    below: int = 0  # submitted, still under review below the page's org level
    overdue: int = 0
    due_soon: int = 0
    measures: int = 0
    measures_done: int = 0
    measures_overdue: int = 0

    def add(self, other: Counts) -> None:
        for name in ("total", "below", "overdue", "due_soon", "measures", "measures_done", "measures_overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("by_status", "by_aspect", "by_level"):
            mine = getattr(self, name)
            for k, v in getattr(other, name).items():
                mine[k] = mine.get(k, 0) + v

    @property
    def closed(self) -> int:
        return self.by_status.get(S.CLOSED, 0)

    @property
    def under_way(self) -> int:
        return sum(self.by_status.get(s, 0) for s in UNDER_WAY)

    @property
    def reviewing(self) -> int:
        return self.by_status.get(S.REVIEWING, 0)

    @property
    def closed_rate(self) -> float | None:
        return round(self.closed * 100 / self.total, 1) if self.total else None

    @property
    def measures_rate(self) -> float | None:
        return round(self.measures_done * 100 / self.measures, 1) if self.measures else None

    def as_dict(self) -> dict:
        return {
            "total": self.total, "by_status": dict(self.by_status),
            "by_aspect": {str(k): v for k, v in self.by_aspect.items()},
            "by_level": {str(k): v for k, v in sorted(self.by_level.items())}, "below": self.below,
            "overdue": self.overdue, "due_soon": self.due_soon, "closed": self.closed, "closed_rate": self.closed_rate,
            "measures": self.measures, "measures_done": self.measures_done, "measures_overdue": self.measures_overdue,
            "measures_rate": self.measures_rate,
        }


@dataclass
class Row:
    org: Org
    counts: Counts
    own: bool = False  # the page's org itself (its own problems, not a child's)

    @property
    def drill(self) -> bool:
        return not self.own and self.org.numchild > 0


@dataclass
class Month:
    month: dt.date  # first day
    found: int = 0
    closed: int = 0
    open_after: int = 0  # not closed at the month's end (of the problems counted)

    @property
    def label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"


@dataclass
class Rollup:
    org: Org
    filter: Filter
    today: dt.date
    soon_days: int
    total: Counts
    rows: list[Row]
    aspects: list[Aspect]
    months: list[Month]
    overdue: list[Problem]
    due_soon: list[Problem]
    parents: list[Org] = field(default_factory=list)


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def chart_span(flt: Filter, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last month of the chart: the filter's dates, the campaign's, or the last
    CHART_MONTHS months; never past this month, never more than MAX_MONTHS."""
    last = min(flt.ends or today, today)
    if flt.ends is None and flt.campaign is not None and getattr(flt.campaign, "ends_on", None):
        last = min(flt.campaign.ends_on, today)
    first = flt.starts or (flt.campaign.starts_on if flt.campaign is not None else None)
    if first is None or first > last:
        y, m = last.year, last.month - (CHART_MONTHS - 1)
        while m < 1:
            y, m = y - 1, m + 12
        first = dt.date(y, m, 1)
    months = _months_between(first, last)
    if len(months) > MAX_MONTHS:
        months = months[-MAX_MONTHS:]
    return months[0], months[-1]


def _row_width(org: Org) -> int:
    return len(org.path) + STEP


def rollup(user, org: Org, flt: Filter | None = None, *, today: dt.date | None = None, lists: bool = True) -> Rollup:
    """The three lists' figures of `org` (itself and everything under it) and of each child,
    the months' found and closed, and the first overdue and due-soon problems. VIEW on `org`.
    `lists=False` skips the two lists (the benchmark's like-for-like comparison)."""
    _require_view(user, org)
    flt = flt or Filter()
    today = today or timezone.localdate()
    days = due_soon_days()
    soon_until = today + dt.timedelta(days=days)
    width = _row_width(org)

    children = list(Org.objects.filter(subtree_q("path", org.path), depth=org.depth + 1).order_by("order", "path"))
    counts: dict[str, Counts] = {c.path: Counts() for c in children}
    own = Counts()
    counts[org.path] = own

    overdue_f = Q(status__in=UNDER_WAY, due_on__lt=today)
    soon_f = Q(status__in=UNDER_WAY, due_on__gte=today, due_on__lte=soon_until)
    # The level reached only matters below the root (at depth d a counted problem has reached
    # one of the levels 1..d); leaving it out of the grouping at the root keeps the groups few.
    keys = ["unit", "status", "aspect_id"] + (["level_depth"] if org.depth > 1 else [])
    problems = (Problem.objects.filter(subtree_q("org__path", org.path), flt.q(), level_depth__lte=org.depth)
                .annotate(unit=Substr("org__path", 1, width))
                .values(*keys).order_by()
                .annotate(n=Count("*"), late=Count("id", filter=overdue_f), soon=Count("id", filter=soon_f))
                .values_list(*keys, "n", "late", "soon"))
    for unit, status, aspect_id, *level, n, late, soon in problems:
        c = counts.get(unit)
        if c is None:  # a row of another tree under a shorter root path: not ours
            continue
        level = level[0] if level else org.depth
        c.by_level[level] = c.by_level.get(level, 0) + n
        c.total += n
        c.by_status[status] = c.by_status.get(status, 0) + n
        c.by_aspect[aspect_id] = c.by_aspect.get(aspect_id, 0) + n
        c.overdue += late
        c.due_soon += soon
    # Submitted problems still under review below this level: few, found by the level index.
    below = (Problem.objects.filter(subtree_q("org__path", org.path), flt.q(), level_depth__gt=org.depth, level_depth__lt=NOWHERE)
             .annotate(unit=Substr("org__path", 1, width))
             .values("unit", "level_depth").order_by().annotate(n=Count("*")).values_list("unit", "level_depth", "n"))
    for unit, level, n in below:
        c = counts.get(unit)
        if c is not None:
            c.by_level[level] = c.by_level.get(level, 0) + n
            c.below += n

    m_late = Q(due_on__lt=today) & ~Q(status=MeasureStatus.DONE)
    measures = (Measure.objects.filter(counted_q(org, "problem__"), flt.q("problem__"))
                .annotate(unit=Substr("problem__org__path", 1, width))
                .values("unit", "status").order_by()
                .annotate(n=Count("*"), late=Count("id", filter=m_late))
                .values_list("unit", "status", "n", "late"))
    for unit, status, n, late in measures:
        c = counts.get(unit)
        if c is None:
            continue
        c.measures += n
        c.measures_overdue += late
        if status == MeasureStatus.DONE:
            c.measures_done += n

    total = Counts()
    for c in counts.values():
        total.add(c)

    months = _months(org, flt, today)
    overdue, due_soon = [], []
    if lists:
        overdue = list(_listed(org, flt).filter(overdue_f).order_by("due_on", "pk")[:LIST_LIMIT])
        due_soon = list(_listed(org, flt).filter(soon_f).order_by("due_on", "pk")[:LIST_LIMIT])
        with_measure_counts(overdue + due_soon, today)
    rows = [Row(c, counts[c.path]) for c in children]
    if own.total or own.below:
        rows.insert(0, Row(org, own, own=True))
    return Rollup(org=org, filter=flt, today=today, soon_days=days, total=total, rows=rows,
                  aspects=list(Aspect.objects.all()), months=months, overdue=overdue, due_soon=due_soon,
                  parents=_parents(user, org) if lists else [])


def _bucket(field: str, bounds: list) -> Case:
    """The index of the chart month a value falls in (-1 before the first, None after the last,
    or null): plain comparisons, so the database needs no date function."""
    whens = [When(**{f"{field}__lt": bounds[0]}, then=Value(-1))]
    whens += [When(**{f"{field}__lt": b}, then=Value(i)) for i, b in enumerate(bounds[1:])]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _months(org: Org, flt: Filter, today: dt.date) -> list[Month]:
    """Problems found and closed per month of the chart, and those open before it, in one
    query grouped by (month found, month closed)."""
    first, last = chart_span(flt, today)
    starts = _months_between(first, last)
    y, m = last.year, last.month + 1
    ends_at = dt.date(y + 1, 1, 1) if m == 13 else dt.date(y, m, 1)
    day_bounds = [*starts, ends_at]
    tz = timezone.get_current_timezone()
    time_bounds = [dt.datetime.combine(d, dt.time.min, tzinfo=tz) for d in day_bounds]
    rows = (Problem.objects.filter(counted_q(org), flt.q())
            .annotate(f=_bucket("found_on", day_bounds), c=_bucket("closed_at", time_bounds))
            .values("f", "c").order_by().annotate(n=Count("*")).values_list("f", "c", "n"))
    out = [Month(month) for month in starts]
    open_now = 0
    for f, c, n in rows:
        # Open when the chart begins: found before it and not closed before it.
        if f == -1 and c != -1:
            open_now += n
        if f is not None and f >= 0:
            out[f].found += n
        if c is not None and c >= 0:
            out[c].closed += n
    for point in out:
        open_now += point.found - point.closed
        point.open_after = max(open_now, 0)
    return out


def _listed(org: Org, flt: Filter) -> QuerySet[Problem]:
    return Problem.objects.filter(counted_q(org), flt.q()).select_related("org", "aspect")


def with_measure_counts(problems: list[Problem], today: dt.date) -> list[Problem]:
    """Set m_total, m_done and m_late (overdue measures) on each of `problems`: one query."""
    counts = {}
    if problems:
        late = Q(due_on__lt=today) & ~Q(status=MeasureStatus.DONE)
        counts = {pid: (n, done, lt) for pid, n, done, lt in Measure.objects.filter(problem_id__in=[p.pk for p in problems])
                  .values("problem_id").order_by()
                  .annotate(n=Count("*"), done=Count("id", filter=Q(status=MeasureStatus.DONE)), lt=Count("id", filter=late))
                  .values_list("problem_id", "n", "done", "lt")}
    for p in problems:
        p.m_total, p.m_done, p.m_late = counts.get(p.pk, (0, 0, 0))
    return problems


def due_list(user, org: Org, flt: Filter | None = None, *, kind: str = "overdue", today: dt.date | None = None) -> QuerySet[Problem]:
    """All overdue (kind="overdue") or due-soon ("due_soon") problems on `org`'s list, the
    most urgent first (with_measure_counts adds their measures to a page of them)."""
    _require_view(user, org)
    today = today or timezone.localdate()
    flt = flt or Filter()
    if kind == "overdue":
        q = Q(status__in=UNDER_WAY, due_on__lt=today)
    elif kind == "due_soon":
        q = Q(status__in=UNDER_WAY, due_on__gte=today, due_on__lte=today + dt.timedelta(days=due_soon_days()))
    else:
        raise ValidationError({"kind": "应为 overdue（逾期）或 due_soon（即将到期）"})
    return _listed(org, flt).filter(q).order_by("due_on", "pk")


def _parents(user, org: Org) -> list[Org]:
    """The way down from the top the user sees, for breadcrumbs."""
    scope = scope_of(user)
    above = [org.path[:i] for i in range(STEP, len(org.path), STEP)]
    if not above:
        return []
    return [o for o in Org.objects.filter(path__in=above).order_by("depth") if scope.covers(Perm.VIEW, o.path)]


def top_org(user) -> Org | None:
    """Where the lists open: the highest org the user sees."""
    scope = scope_of(user)
    if Perm.VIEW in scope.is_global:
        return Org.objects.filter(depth=1).order_by("path").first()
    paths = scope.paths(Perm.VIEW)
    if not paths:
        return None
    return Org.objects.filter(path__in=paths).order_by("depth", "path").first()


@dataclass
class Summary:
    org: Org
    total: int
    reviewing: int
    under_way: int
    rectified: int
    closed: int
    overdue: int
    due_soon: int
    to_review: int  # waiting for the review of a level the user reviews


def summary(user, org: Org, *, today: dt.date | None = None) -> Summary:
    """The few figures of the home panel, in one aggregate query (plus one for reviews)."""
    _require_view(user, org)
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=due_soon_days())
    agg = Problem.objects.filter(counted_q(org)).aggregate(
        total=Count("id"),
        reviewing=Count("id", filter=Q(status=S.REVIEWING)),
        under_way=Count("id", filter=Q(status__in=UNDER_WAY)),
        rectified=Count("id", filter=Q(status__in=(S.RECTIFIED, S.VERIFIED))),
        closed=Count("id", filter=Q(status=S.CLOSED)),
        overdue=Count("id", filter=Q(status__in=UNDER_WAY, due_on__lt=today)),
        due_soon=Count("id", filter=Q(status__in=UNDER_WAY, due_on__gte=today, due_on__lte=soon)),
    )
    scope = scope_of(user)
    review_q = Q(status=S.REVIEWING, review_org__isnull=False) & subtree_q("org__path", org.path)
    if Perm.REVIEW not in scope.is_global:
        paths = scope.paths(Perm.REVIEW)
        inner = Q(pk__in=[])
        for p in paths:
            inner |= subtree_q("review_org__path", p)
        review_q &= inner
    to_review = Problem.objects.filter(review_q).count() if (Perm.REVIEW in scope.is_global or scope.paths(Perm.REVIEW)) else 0
    return Summary(org=org, to_review=to_review, **agg)
