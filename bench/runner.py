"""Runs the benchmarks against the current (throwaway) database and reports their figures.

`dangjian bench` calls `run()` in a child process whose database is fresh. The data is set
up once (the org tree of the scale, users), then each benchmark module's `run(ctx)` returns
its figures. A figure is a value and a unit, and where it has one a limit (what the value is
compared with) and the ratio value/limit. These are figures to watch, never pass/fail timings.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

# Run in this order: the import fills the tree with members for the benchmarks after it.
MODULES = ("bench_import", "bench_subtree_count", "bench_member_list", "bench_rollup",
           "bench_progress_table", "bench_progress_export", "bench_publish_task", "bench_three_rates", "bench_problem_rollup",
           "bench_redblack", "bench_questionnaire", "bench_brief", "bench_checkin_burst")
SCALES = ("tiny", "small", "city")
# The smaller tree whose list-page query count is shown next to the city's.
SMALLER = {"city": "small"}


class BenchError(Exception):
    """A benchmark could not run (its data was wrong, or the code under test failed)."""


class Skip(Exception):  # noqa: N818 - reads as `raise Skip("why")`
    """A benchmark that cannot run here; the message says why. It stays out of the JSON."""


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    limit: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.limit is None:
            return None
        return self.value / self.limit if self.limit else float("inf")

    def as_json(self) -> dict:
        data: dict = {"value": round(self.value, 6), "unit": self.unit}
        if self.limit is not None:
            data["limit"] = round(self.limit, 6)
            data["ratio"] = round(self.ratio, 6)
        data.update(self.extra)
        return data

    def line(self) -> str:
        text = f"{self.name:<28} {self.value:>12.3f} {self.unit:<3}"
        if self.limit is not None:
            text += f"  limit {self.limit:>10.3f} {self.unit:<3} ratio {self.ratio:>6.2f}"
        if self.extra:
            text += "  " + " ".join(f"{k}={_fmt(v)}" for k, v in self.extra.items())
        return text


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def seconds(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall time of one call, and its result."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median_seconds(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of `repeat` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Context:
    """What the benchmarks share: the scale's tree, its users, a working directory."""

    def __init__(self, scale: str, workdir: Path, write: Callable[[str], object]):
        from dangjian.orgs import generator

        self.scale = scale
        self.workdir = workdir
        self.write = write
        self.rows = generator.build_tree(scale)
        self.members_loaded = False
        self.figures: list[Figure] = []
        elapsed, result = seconds(lambda: generator.load(scale, members=False))
        self.root = result.root
        self.figures.append(Figure(f"generate_tree_{scale}", elapsed, "s", extra={"orgs": result.orgs}))
        self.users = self._users(self.root, scale)
        self.smaller_root = None
        self.campaign = None
        self.smaller_campaign = None

    def name(self, base: str) -> str:
        return f"{base}_{self.scale}"

    def _users(self, root, tag: str) -> dict:
        from django.contrib.auth import get_user_model

        from dangjian.core.models import Role, RoleGrant
        from dangjian.orgs.models import Org

        User = get_user_model()
        unit = Org.objects.get_children(root).order_by("order", "path").first()
        users = {}
        for key, role, org in (
            ("sysadmin", Role.SYSTEM_ADMIN, None),
            ("root_admin", Role.COMMITTEE_ADMIN, root),
            ("unit_admin", Role.UNIT_ADMIN, unit),
        ):
            user = User.objects.create_user(username=f"bench_{tag}_{key}", display_name=key)
            RoleGrant.objects.create(user=user, role=role, org=org)
            users[key] = user
        return users

    def ensure_members(self) -> None:
        """Members for the benchmarks that need them, when the import benchmark did not run."""
        if self.members_loaded:
            return
        from dangjian.orgs import generator

        result = generator.load_members(self.scale)
        self.figures.append(Figure(self.name("generate_members"), result.seconds, "s", extra={"members": result.members}))
        self.members_loaded = True
        self.analyze()

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics after a bulk load, as autovacuum soon would
        in a real deployment (a fresh database has none, and plans on guesses)."""
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def ensure_campaign(self):
        """The campaign of the scale at the root (30 tasks over ~5,000 units at city), built once."""
        if self.campaign is None:
            from dangjian.campaigns import generator

            result = generator.load_campaign(self.scale, self.root)
            self.campaign = result.campaign
            self.figures.append(Figure(self.name("generate_campaign"), result.seconds, "s", extra={
                "tasks": result.tasks, "units": result.units, "unit_tasks": result.unit_tasks, "transitions": result.transitions}))
            self.analyze()
        return self.campaign

    def ensure_smaller_campaign(self):
        """The smaller scale's campaign (for query counts next to the city's); None below city."""
        if self.ensure_smaller() is None:
            return None
        if self.smaller_campaign is None:
            from dangjian.campaigns import generator

            self.smaller_campaign = generator.load_campaign(SMALLER[self.scale], self.smaller_root).campaign
        return self.smaller_campaign

    def ensure_smaller(self):
        """The next smaller scale's tree with members, and its own users; None below city."""
        if self.scale not in SMALLER:
            return None
        if self.smaller_root is None:
            from dangjian.orgs import generator

            smaller = SMALLER[self.scale]
            result = generator.load(smaller, history=False)
            self.smaller_root = result.root
            self.smaller_users = self._users(result.root, smaller)
        return self.smaller_root


def _selected(only: list[str], scale: str) -> Callable[[str], bool]:
    wanted = {w.strip() for item in only for w in item.split(",") if w.strip()}
    if not wanted:
        return lambda base: True
    return lambda base: base in wanted or f"{base}_{scale}" in wanted


def run(scale: str, *, json_path: str | None = None, only: list[str] | None = None, workdir: Path, write: Callable[[str], object] = print) -> dict:
    """Set up, run every (selected) benchmark, print one line each, write the JSON."""
    from django.db import connection

    if scale not in SCALES:
        raise BenchError(f"unknown scale {scale!r}")
    bench_dir = Path(__file__).resolve().parent
    if str(bench_dir) not in sys.path:
        sys.path.insert(0, str(bench_dir))
    wanted = _selected(only or [], scale)
    modules = [import_module(m) for m in MODULES]
    chosen = [m for m in modules if wanted(m.NAME)]
    if not chosen:
        raise BenchError(f"no benchmark matches {only}; names: {', '.join(m.NAME for m in modules)}")

    write(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    ctx = Context(scale, workdir, write)
    for figure in ctx.figures:
        write(figure.line())
    shown = len(ctx.figures)
    for module in chosen:
        try:
            results = module.run(ctx)
        except Skip as exc:
            write(f"{ctx.name(module.NAME):<28} skipped: {exc}")
            continue
        ctx.figures.extend(results)
        for figure in ctx.figures[shown:]:
            write(figure.line())
        shown = len(ctx.figures)

    report = {f.name: f.as_json() for f in ctx.figures}
    if json_path:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write(f"written: {path}")
    return report
