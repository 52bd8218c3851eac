"""The monthly red/black list (红黑榜) of responsible units.

Per unit and month, from the requests received in that month:
- 响应及时率 = responded within the limit (DANGJIAN_RESPONSE_LIMIT_HOURS) ÷ received;
- 解决率 = resolved (办结) ÷ received;
- 满意率 = (满意 + 基本满意) ÷ rated.
The rules (RankingRule) then place a unit: on the black list when a black rule holds (each
rule that holds is named with the figure that tripped it), else on the red list when a red
rule holds. A unit with fewer requests than a rule's minimum is not judged by that rule.

One aggregate query (GROUP BY unit) counts both the month and the month before, for the
comparison; the units and the rules are one query each. Never a loop over requests.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.scoping import Perm, can, scope_of, subtree_q
from dangjian.orgs.models import Org
from dangjian.services.models import (
    SATISFIED,
    ListKind,
    Metric,
    RankingRule,
    ServiceRequest,
    ServiceUnit,
)
from dangjian.services.requests import RespondedWithin, limit_hours, month_bounds

METRICS = (Metric.RESPONSE, Metric.RESOLUTION, Metric.SATISFACTION)
METRIC_LABEL = {str(k): v for k, v in Metric.choices}
OPS = {"lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
OP_LABEL = {"lt": "低于", "lte": "不高于", "gt": "高于", "gte": "不低于"}


def definitions(hours: int | None = None) -> dict[str, str]:
    hours = limit_hours() if hours is None else hours
    return {
        "response": f"响应及时率 = 受理后{hours}小时内响应的诉求件数 ÷ 当月受理的诉求件数",
        "resolution": "解决率 = 已办结的诉求件数 ÷ 当月受理的诉求件数",
        "satisfaction": "满意率 = 评价为“满意”或“基本满意”的件数 ÷ 参与评价的件数",
    }


@dataclass
class Figures:
    """One unit's counts for one month, and the three rates (Fractions; None without a base)."""

    received: int = 0
    timely: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def response(self) -> Fraction | None:
        return Fraction(self.timely, self.received) if self.received else None

    @property
    def resolution(self) -> Fraction | None:
        return Fraction(self.resolved, self.received) if self.received else None

    @property
    def satisfaction(self) -> Fraction | None:
        return Fraction(self.satisfied, self.rated) if self.rated else None

    def rate(self, metric: str) -> Fraction | None:
        return getattr(self, metric)

    def pct(self, metric: str) -> float | None:
        value = self.rate(metric)
        return None if value is None else round(float(value) * 100, 1)

    def as_dict(self) -> dict:
        return {"received": self.received, "timely": self.timely, "resolved": self.resolved, "rated": self.rated,
                "satisfied": self.satisfied, **{m.value: self.pct(m) for m in METRICS}}


def pct_text(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


@dataclass
class Hit:
    """A rule that placed a unit, with the figures that made it hold."""

    rule: RankingRule
    reasons: list[str]

    @property
    def text(self) -> str:
        return f"{self.rule.name}：" + "；".join(self.reasons)


@dataclass
class UnitRow:
    unit: ServiceUnit
    current: Figures
    previous: Figures
    list_kind: str = ""  # "red", "black" or ""
    hits: list[Hit] = field(default_factory=list)

    def trend(self, metric: str) -> str:
        """'up', 'down', 'same' or '' (no figure in one of the months)."""
        a, b = self.current.rate(metric), self.previous.rate(metric)
        if a is None or b is None:
            return ""
        return "up" if a > b else "down" if a < b else "same"

    def change(self, metric: str) -> float | None:
        a, b = self.current.rate(metric), self.previous.rate(metric)
        return None if a is None or b is None else round((float(a) - float(b)) * 100, 1)

    @property
    def list_label(self) -> str:
        return dict(ListKind.choices).get(self.list_kind, "")


@dataclass
class Result:
    org: Org
    month: dt.date
    previous_month: dt.date
    limit_hours: int
    rules: list[RankingRule]
    rows: list[UnitRow]
    parents: list[Org] = field(default_factory=list)

    @property
    def red(self) -> list[UnitRow]:
        return sorted((r for r in self.rows if r.list_kind == ListKind.RED), key=_best_first)

    @property
    def black(self) -> list[UnitRow]:
        return sorted((r for r in self.rows if r.list_kind == ListKind.BLACK), key=_worst_first)

    @property
    def total(self) -> Figures:
        out = Figures()
        for r in self.rows:
            for name in ("received", "timely", "resolved", "rated", "satisfied"):
                setattr(out, name, getattr(out, name) + getattr(r.current, name))
        return out


def _key(row: UnitRow) -> tuple:
    return tuple(float(row.current.rate(m)) if row.current.rate(m) is not None else 1.0 for m in METRICS)


def _best_first(row: UnitRow):
    return (tuple(-v for v in _key(row)), row.unit.code)


def _worst_first(row: UnitRow):
    return (min(_key(row)), _key(row), row.unit.code)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def default_month(today: dt.date | None = None) -> dt.date:
    """The list is published for the last full month."""
    return previous_month(today or timezone.localdate())


def active_rules() -> list[RankingRule]:
    return list(RankingRule.objects.filter(active=True).order_by("list_kind", "order", "pk"))


_METRIC_VALUES = frozenset(m.value for m in METRICS)
_PARTS = {"response": ("timely", "received"), "resolution": ("resolved", "received"), "satisfaction": ("satisfied", "rated")}
_COMPARE = {"lt": lambda x, y: x < y, "lte": lambda x, y: x <= y, "gt": lambda x, y: x > y, "gte": lambda x, y: x >= y}


def _compiled(rule: RankingRule) -> list[tuple[str, str, int, int, float]]:
    """The rule's conditions as (metric, op, a, b, value) with the threshold a/b exact
    (95.5% → 191/200): compared by integer cross-multiplication, no Fractions per unit."""
    out = getattr(rule, "_compiled", None)
    if out is None:
        out = []
        for c in rule.conditions or []:
            metric, op, value = c.get("metric"), c.get("op"), c.get("value")
            if metric not in _METRIC_VALUES or op not in OPS or value is None:
                out.append((metric, op, 0, 0, 0.0))  # never holds
                continue
            t = Fraction(str(value)) / 100
            out.append((metric, op, t.numerator, t.denominator, float(value)))
        rule._compiled = out
    return out


def _holds(cond: tuple, figures: Figures) -> tuple[bool, str]:
    metric, op, a, b, value = cond
    if not b:
        return False, ""
    num_name, den_name = _PARTS[metric]
    num, den = getattr(figures, num_name), getattr(figures, den_name)
    if not den:
        return False, ""
    ok = _COMPARE[op](num * b, a * den)  # num/den ? a/b
    return ok, f"{METRIC_LABEL[metric]} {num * 100 / den:.1f}% {OPS[op]} {value:g}%"


def judge(rule: RankingRule, figures: Figures) -> Hit | None:
    """The hit if `rule` places a unit with these figures, else None."""
    conds = _compiled(rule)
    if figures.received < max(1, rule.min_requests) or not conds:
        return None
    if rule.match == "any":
        reasons = [text for ok, text in (_holds(c, figures) for c in conds) if ok]
        return Hit(rule, reasons) if reasons else None
    results = []
    for c in conds:
        ok, text = _holds(c, figures)
        if not ok:
            return None
        results.append(text)
    return Hit(rule, results)


def place(rules: list[RankingRule], figures: Figures) -> tuple[str, list[Hit]]:
    """Black first: any black rule that holds puts the unit there; else red."""
    for kind in (ListKind.BLACK, ListKind.RED):
        hits = [h for rule in rules if rule.list_kind == kind and (h := judge(rule, figures)) is not None]
        if hits:
            return kind, hits
    return "", []


def aggregate(org: Org, month: dt.date, hours: int) -> dict[int, tuple[Figures, Figures]]:
    """{unit id: (this month, the month before)} in ONE query grouped by unit. It counts
    unit_id (never null), not id, so that an index holding the columns it reads
    (migration 0003) answers it alone."""
    start, end = month_bounds(month)
    prev_start, _ = month_bounds(previous_month(month))
    qs = ServiceRequest.objects.filter(received_at__gte=prev_start, received_at__lt=end)
    if org.depth > 1:
        qs = qs.filter(subtree_q("org__path", org.path))
    cur, prev = Q(received_at__gte=start), Q(received_at__lt=start)
    timely = RespondedWithin(hours)
    resolved = Q(resolved_at__isnull=False)
    rated = ~Q(satisfaction="")
    happy = Q(satisfaction__in=list(SATISFIED))
    rows = (qs.values("unit_id").order_by()
            .annotate(n=Count("unit_id", filter=cur), t=Count("unit_id", filter=cur & Q(timely)), r=Count("unit_id", filter=cur & resolved),
                      v=Count("unit_id", filter=cur & rated), s=Count("unit_id", filter=cur & happy),
                      pn=Count("unit_id", filter=prev), pt=Count("unit_id", filter=prev & Q(timely)), pr=Count("unit_id", filter=prev & resolved),
                      pv=Count("unit_id", filter=prev & rated), ps=Count("unit_id", filter=prev & happy))
            .values_list("unit_id", "n", "t", "r", "v", "s", "pn", "pt", "pr", "pv", "ps"))
    return {u: (Figures(*c[:5]), Figures(*c[5:])) for u, *c in rows}


def compute(user, org: Org, month: dt.date, *, include_inactive: bool = False) -> Result:
    """The red/black list of the units under `org` for `month` (any day of it). VIEW at `org`."""
    if not can(user, Perm.VIEW, org):
        raise PermissionDenied("超出查看范围")
    month = month.replace(day=1)
    hours = limit_hours()
    unit_qs = (ServiceUnit.objects.select_related("org").filter(subtree_q("org__path", org.path))
               .only("code", "name", "kind", "active", "org__code", "org__name", "org__path", "org__kind"))
    if not include_inactive:
        unit_qs = unit_qs.filter(active=True)
    units = list(unit_qs.order_by("code"))
    rules = active_rules()
    counts = aggregate(org, month, hours)
    rows = []
    for unit in units:
        cur, prev = counts.get(unit.pk, (Figures(), Figures()))
        kind, hits = place(rules, cur)
        rows.append(UnitRow(unit=unit, current=cur, previous=prev, list_kind=kind, hits=hits))
    scope = scope_of(user)
    step = Org.steplen
    above = [org.path[:i] for i in range(step, len(org.path), step)]
    parents = [o for o in Org.objects.filter(path__in=above).order_by("depth") if scope.covers(Perm.VIEW, o.path)] if above else []
    return Result(org=org, month=month, previous_month=previous_month(month), limit_hours=hours, rules=rules, rows=rows,
                  parents=parents)


def top_org(user) -> Org | None:
    """Where the list opens: the highest org the user sees."""
    scope = scope_of(user)
    if Perm.VIEW in scope.is_global:
        return Org.objects.filter(depth=1).order_by("path").first()
    paths = scope.paths(Perm.VIEW)
    return Org.objects.filter(path__in=paths).order_by("depth", "path").first() if paths else None


def rule_text(rule: RankingRule) -> str:
    """'响应及时率低于95%' style text of a rule's conditions."""
    joiner = "且" if rule.match == "all" else "或"
    parts = [f"{METRIC_LABEL.get(c.get('metric'), c.get('metric'))}{OP_LABEL.get(c.get('op'), c.get('op'))}{float(c.get('value', 0)):g}%"
             for c in rule.conditions]
    return joiner.join(parts) + f"（当月诉求不少于{rule.min_requests}件）"


# ------------------------------------------------------------------------------ the rules
def may_manage_rules(user) -> bool:
    """The rules are the committee office's (MANAGE_CAMPAIGN somewhere), like the aspects."""
    return can(user, Perm.MANAGE_CAMPAIGN)


def update_rule(user, rule: RankingRule, data: dict) -> RankingRule:
    """Change a rule's name, thresholds, match, minimum or whether it is used. Bad input:
    ValidationError naming the field (conditions: `conditions.<i>.value`)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from dangjian.core.audit import stamp

    if not may_manage_rules(user):
        raise PermissionDenied("只有党委办公室可以设置红黑榜规则")
    errors: dict[str, str] = {}
    if "name" in data:
        name = (data.get("name") or "").strip()
        if not name:
            errors["name"] = "请填写规则名称"
        elif len(name) > 100:
            errors["name"] = "规则名称不能超过100个字符"
        else:
            rule.name = name
    if "list_kind" in data and data["list_kind"] is not None:
        if data["list_kind"] not in ListKind.values:
            errors["list_kind"] = "榜单只能是 red（红榜）或 black（黑榜）"
        else:
            rule.list_kind = data["list_kind"]
    if "match" in data and data["match"] is not None:
        if data["match"] not in ("any", "all"):
            errors["match"] = "满足方式只能是 any（任一条件）或 all（全部条件）"
        else:
            rule.match = data["match"]
    if "min_requests" in data and data["min_requests"] is not None:
        try:
            n = int(data["min_requests"])
            if n < 1 or n > 100000:
                raise ValueError
            rule.min_requests = n
        except (TypeError, ValueError):
            errors["min_requests"] = "最少诉求件数应为1至100000的整数"
    if "active" in data and data["active"] is not None:
        rule.active = bool(data["active"])
    if "order" in data and data["order"] is not None:
        try:
            rule.order = int(data["order"])
        except (TypeError, ValueError):
            errors["order"] = "排序应为整数"
    if "conditions" in data and data["conditions"] is not None:
        conds = []
        raw = data["conditions"]
        if not isinstance(raw, list) or not raw:
            errors["conditions"] = "至少需要一个条件"
        else:
            for i, c in enumerate(raw):
                c = dict(c)
                if c.get("metric") not in Metric.values:
                    errors[f"conditions.{i}.metric"] = "指标只能是 response（响应及时率）、resolution（解决率）、satisfaction（满意率）"
                if c.get("op") not in OPS:
                    errors[f"conditions.{i}.op"] = "比较方式只能是 lt（低于）、lte、gt、gte（不低于）"
                try:
                    value = float(c.get("value"))
                    if not 0 <= value <= 100:
                        raise ValueError
                except (TypeError, ValueError):
                    errors[f"conditions.{i}.value"] = "阈值应为0至100之间的百分数"
                    value = None
                conds.append({"metric": c.get("metric"), "op": c.get("op"), "value": value})
            rule.conditions = conds
            rule.__dict__.pop("_compiled", None)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        stamp(rule, user, "修改红黑榜规则")
        rule.save()
    return rule
