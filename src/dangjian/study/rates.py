"""The three rates of seed 003 (三个100%) per org, rolled up the tree.

- 参学率 (training participation): attendance rows with status present or make-up, over the
  attendance rows of non-cancelled sessions that started in the period and have started by
  now (each row is one expected attendee; Attendance.org is the member's org).
- 学习内容完成率 (content completion): (member, required material) pairs whose reading is
  finished, over the members under the org × the required materials of the campaign (of the
  campaigns overlapping a date range).
- 考试优秀率 (exam excellence): (member, quiz) pairs whose best submitted score reaches the
  quiz's excellence line, over the pairs expected: each published (or closed) quiz of the
  campaign (of the period) counts every member under the quiz's org.

Computed in the database: one aggregation per measure grouped by the org id the rows carry,
plus the members per org; every ancestor's figures are then summed in Python by path prefix.
The rates of every org of a subtree cost the same few queries whatever its size.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.utils import timezone

from dangjian.core.scoping import Perm, can, scope_of, subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.study.models import (
    ATTENDED,
    Attendance,
    CampaignMaterial,
    Quiz,
    QuizAttempt,
    QuizStatus,
    ReadingProgress,
)

STEP = Org.steplen
RATED_QUIZ = (QuizStatus.PUBLISHED, QuizStatus.CLOSED)

DEFINITIONS = {
    "participation": "参学率 = 出席（含补学）人次 ÷ 期间内已开始、未取消的学习会应到人次",
    "completion": "学习内容完成率 = 已读完的（党员，必读书目）对数 ÷ 本组织及下级党员数 × 必读书目数",
    "excellence": "考试优秀率 = 最高得分达到优秀分数线的（党员，测试）对数 ÷ 各测试应考党员数之和（测试所属组织下的党员）",
}


@dataclass
class Period:
    """What the rates count: sessions that started on `starts`..`ends` (inclusive dates);
    required materials and quizzes of `campaign`, or without one, of the campaigns (quizzes)
    of those dates."""

    starts: dt.date
    ends: dt.date
    campaign: object | None = None

    @property
    def label(self) -> str:
        dates = f"{self.starts:%Y-%m-%d} 至 {self.ends:%Y-%m-%d}"
        return f"{self.campaign.name}（{dates}）" if self.campaign is not None else dates

    def bounds(self, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
        """Session start times counted: from the first day's midnight to the end of the last
        day, or now if that is earlier (a session counts once it has started)."""
        now = now or timezone.now()
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.starts, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.ends + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, min(end, now)


def campaign_period(campaign) -> Period:
    return Period(starts=campaign.starts_on, ends=campaign.ends_on, campaign=campaign)


def default_period(user, today: dt.date | None = None) -> Period:
    """The current active campaign the user sees (the latest begun); else this year so far."""
    from dangjian.campaigns.services import visible_campaigns

    today = today or timezone.localdate()
    campaign = (visible_campaigns(user).filter(status="active", starts_on__lte=today)
                .order_by("-starts_on", "-pk").first())
    if campaign is None:
        campaign = visible_campaigns(user).filter(status="active").order_by("starts_on", "pk").first()
    if campaign is not None:
        return campaign_period(campaign)
    return Period(starts=dt.date(today.year, 1, 1), ends=today)


def parse_period(user, *, campaign_id=None, starts: str | None = None, ends: str | None = None) -> Period:
    """The period of a request: a campaign (by id, among those the user sees), a date range,
    or the default. Bad input: ValidationError naming the field."""
    from django.http import Http404

    from dangjian.campaigns.services import get_campaign

    if campaign_id not in (None, ""):
        try:
            pk = int(campaign_id)
        except (TypeError, ValueError):
            raise ValidationError({"campaign": "主题教育编号无效"}) from None
        try:
            campaign = get_campaign(user, pk)
        except Http404:
            raise ValidationError({"campaign": "没有这个主题教育，或超出可见范围"}) from None
        period = campaign_period(campaign)
    elif starts or ends:
        errors, dates = {}, {}
        for name, value in (("from", starts), ("to", ends)):
            try:
                dates[name] = dt.date.fromisoformat(value) if value else None
            except ValueError:
                errors[name] = "日期格式应为 YYYY-MM-DD"
        if errors:
            raise ValidationError(errors)
        today = timezone.localdate()
        s = dates["from"] or dt.date(today.year, 1, 1)
        e = dates["to"] or today
        if e < s:
            raise ValidationError({"to": "结束日期不能早于开始日期"})
        if (e - s).days > 3660:
            raise ValidationError({"to": "统计期间不超过十年"})
        period = Period(starts=s, ends=e)
    else:
        return default_period(user)
    if starts and campaign_id not in (None, ""):
        raise ValidationError({"from": "按主题教育统计时不能再指定日期"})
    return period


@dataclass
class Rates:
    """The inputs of the three rates for one org (itself and everything under it)."""

    members: int = 0
    attended: int = 0  # present or make-up
    expected: int = 0  # attendance rows of sessions that have started
    leave: int = 0
    absent: int = 0  # absent, or never checked in after the session
    finished: int = 0  # (member, required material) pairs read to the end
    required: int = 0  # members × required materials
    excellent: int = 0  # (member, quiz) pairs with best score ≥ the line
    taken: int = 0  # (member, quiz) pairs with a submitted attempt
    quiz_expected: int = 0  # (member, quiz) pairs expected

    def add(self, other: Rates) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def ratio(num: int, den: int) -> Fraction | None:
        return Fraction(num, den) if den else None

    @property
    def participation(self) -> Fraction | None:
        return self.ratio(self.attended, self.expected)

    @property
    def completion(self) -> Fraction | None:
        return self.ratio(self.finished, self.required)

    @property
    def excellence(self) -> Fraction | None:
        return self.ratio(self.excellent, self.quiz_expected)

    def as_dict(self) -> dict:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("participation", "completion", "excellence"):
            out[name] = pct(getattr(self, name))
        return out


def pct(value: Fraction | None, places: int = 1) -> float | None:
    return None if value is None else round(float(value) * 100, places)


def pct_text(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _ancestors_within(path: str, root_len: int) -> list[str]:
    return [path[:i] for i in range(root_len, len(path) + 1, STEP)]


@dataclass
class Inputs:
    """What the rates of a period count, looked up once: required materials and quizzes."""

    period: Period
    materials: list[int] = field(default_factory=list)
    quizzes: list[tuple[int, str]] = field(default_factory=list)  # (id, org path)


def _inputs(period: Period) -> Inputs:
    if period.campaign is not None:
        materials = CampaignMaterial.objects.filter(campaign=period.campaign, required=True)
        quizzes = Quiz.objects.filter(campaign=period.campaign, status__in=RATED_QUIZ)
    else:
        materials = CampaignMaterial.objects.filter(required=True, campaign__starts_on__lte=period.ends,
                                                    campaign__ends_on__gte=period.starts)
        start, end = period.bounds()
        quizzes = Quiz.objects.filter(status__in=RATED_QUIZ, opens_at__lt=end, closes_at__gte=start)
    return Inputs(
        period=period,
        materials=sorted(set(materials.values_list("material_id", flat=True))),
        quizzes=list(quizzes.values_list("pk", "org__path")),
    )


def _require_view(user, org: Org) -> None:
    if not can(user, Perm.VIEW, org):
        raise PermissionDenied("超出管理范围")


def rates_for_tree(user, root_org: Org, period: Period, *, now: dt.datetime | None = None) -> dict[int, Rates]:
    """The rates of `root_org` and of every org under it: {org id: Rates}. The user must see
    `root_org` (VIEW), which covers its whole subtree."""
    _require_view(user, root_org)
    orgs = list(Org.objects.filter(subtree_q("path", root_org.path)).values_list("pk", "path"))
    return _compute(root_org, orgs, period, now=now)


def _compute(root_org: Org, orgs: list[tuple[int, str]], period: Period, *, now=None) -> dict[int, Rates]:
    inputs = _inputs(period)
    root_len = len(root_org.path)
    path_of = dict(orgs)
    by_path: dict[str, Rates] = {path: Rates() for _, path in orgs}
    own: dict[int, Rates] = {}

    def at(org_id: int) -> Rates | None:
        if org_id not in path_of:
            return None
        r = own.get(org_id)
        if r is None:
            r = own[org_id] = Rates()
        return r

    # Rows carry their org: under a tree's root every row is in the subtree (rows of another
    # root's tree, if any, are dropped below), so no join to the orgs is needed.
    sub = Q() if root_org.depth == 1 else subtree_q("org__path", root_org.path)
    for org_id, n in Member.objects.filter(sub).values("org_id").annotate(n=Count("*")).order_by().values_list("org_id", "n"):
        if (r := at(org_id)) is not None:
            r.members += n

    start, end = period.bounds(now)
    att = (Attendance.objects.filter(sub, session__cancelled=False, session__starts_at__gte=start, session__starts_at__lt=end)
           .values("org_id").order_by()
           .annotate(n=Count("*"), yes=Count("id", filter=Q(status__in=ATTENDED)),
                     leave=Count("id", filter=Q(status="leave")),
                     no=Count("id", filter=Q(status="absent") | Q(status="expected", session__ends_at__lt=now or timezone.now())))
           .values_list("org_id", "n", "yes", "leave", "no"))
    for org_id, n, yes, leave, no in att:
        if (r := at(org_id)) is not None:
            r.expected += n
            r.attended += yes
            r.leave += leave
            r.absent += no

    if inputs.materials:
        done = (ReadingProgress.objects.filter(sub, material_id__in=inputs.materials, finished_at__isnull=False)
                .values("org_id").order_by().annotate(n=Count("*")).values_list("org_id", "n"))
        for org_id, n in done:
            if (r := at(org_id)) is not None:
                r.finished += n

    if inputs.quizzes:
        ids = [q for q, _ in inputs.quizzes]
        attempts = (QuizAttempt.objects.filter(sub, quiz_id__in=ids, submitted_at__isnull=False)
                    .values("org_id", "quiz_id").order_by()
                    .annotate(taken=Count("member_id", distinct=True),
                              good=Count("member_id", distinct=True, filter=Q(score__gte=F("quiz__excellent_score"))))
                    .values_list("org_id", "taken", "good"))
        for org_id, taken, good in attempts:
            if (r := at(org_id)) is not None:
                r.taken += taken
                r.excellent += good

    # Expected pairs per org: its own members × the quizzes whose org is at or above it.
    quiz_at: dict[str, int] = {}
    for _, qpath in inputs.quizzes:
        quiz_at[qpath] = quiz_at.get(qpath, 0) + 1
    n_materials = len(inputs.materials)
    for org_id, r in own.items():
        path = path_of[org_id]
        r.required = r.members * n_materials
        if quiz_at:
            r.quiz_expected = r.members * sum(quiz_at.get(path[:i], 0) for i in range(STEP, len(path) + 1, STEP))
        for p in _ancestors_within(path, root_len):
            by_path[p].add(r)
    return {pk: by_path[path] for pk, path in orgs}


@dataclass
class Row:
    org: Org
    rates: Rates


@dataclass
class ChildRates:
    org: Org
    period: Period
    total: Rates
    rows: list[Row]
    parents: list[Org]  # the way down from the top the user sees, for breadcrumbs


def rates_children(user, org: Org, period: Period, *, now: dt.datetime | None = None) -> ChildRates:
    """`org`'s own rates and each child's, for the page and the API (VIEW on `org`)."""
    _require_view(user, org)
    orgs = list(Org.objects.filter(subtree_q("path", org.path)).values_list("pk", "path"))
    rates = _compute(org, orgs, period, now=now)
    children = list(Org.objects.filter(subtree_q("path", org.path), depth=org.depth + 1).order_by("order", "path"))
    scope = scope_of(user)
    above = [org.path[:i] for i in range(STEP, len(org.path), STEP)]
    parents = [o for o in Org.objects.filter(path__in=above).order_by("depth") if scope.covers(Perm.VIEW, o.path)] if above else []
    return ChildRates(org=org, period=period, total=rates[org.pk], rows=[Row(c, rates[c.pk]) for c in children], parents=parents)


def top_org(user) -> Org | None:
    """Where the rates page opens: the highest org the user sees."""
    scope = scope_of(user)
    if Perm.VIEW in scope.is_global:
        return Org.objects.filter(depth=1).order_by("path").first()
    paths = scope.paths(Perm.VIEW)
    if not paths:
        return None
    return Org.objects.filter(path__in=paths).order_by("depth", "path").first()
