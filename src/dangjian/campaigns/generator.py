"""Deterministic campaign data for benchmarks and tests: a campaign at the root of a generated
tree (orgs.generator), its phases and guidance groups, published tasks to every unit and a
realistic partial status mix with its transition log, written with bulk inserts.

Scales (the org tree's): ``tiny`` 5 tasks, ``small`` 12 tasks, ``city`` 30 tasks over ~5,000
units (about 150,000 unit tasks).
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from dangjian.campaigns.models import (
    Campaign,
    CampaignStatus,
    GuidanceAssignment,
    GuidanceGroup,
    Phase,
    Reviewer,
    TargetMode,
    Task,
    TaskStatus,
    Transition,
    UnitTask,
    UnitTaskStatus,
)
from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Org, OrgKind

S = UnitTaskStatus
SEED = 2023
TASKS = {"tiny": 5, "small": 12, "city": 30}
GROUPS = {"tiny": 2, "small": 10, "city": 10}
UNIT_KINDS = [OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH]
PHASES = ("学习教育", "调查研究", "推动发展", "检视整改")
TITLES = (
    "召开动员部署会", "报送工作方案", "举办读书班", "开展专题党课", "召开专题民主生活会", "开展调查研究",
    "报送调研报告", "建立问题清单", "制定整改措施", "开展主题党日", "组织专题学习研讨", "开展“我为群众办实事”",
    "召开专题组织生活会", "开展民主评议党员", "报送阶段性总结", "开展警示教育", "开展理论测试", "报送典型案例",
    "开展谈心谈话", "组织红色教育", "开展检视剖析", "报送整改台账", "召开推进会", "报送学习心得",
    "开展实践活动", "开展满意度测评", "报送制度成果", "召开总结会议", "报送工作总结", "开展回头看",
)


@dataclass
class CampaignResult:
    campaign: Campaign
    tasks: int
    units: int
    unit_tasks: int
    transitions: int
    seconds: float


def _mix(rng: random.Random, task: Task, today: dt.date) -> str:
    """A status for one unit task: mostly done for tasks long due, mostly untouched for new ones."""
    r = rng.random()
    if task.starts_on > today:
        return S.NOT_STARTED if r < 0.9 else S.IN_PROGRESS
    if task.due_on < today:
        table = ((0.70, S.APPROVED), (0.78, S.SUBMITTED), (0.80, S.RESUBMITTED), (0.85, S.RETURNED), (0.93, S.IN_PROGRESS))
    else:
        table = ((0.25, S.APPROVED), (0.45, S.SUBMITTED), (0.48, S.RESUBMITTED), (0.53, S.RETURNED), (0.78, S.IN_PROGRESS))
    for upto, status in table:
        if r < upto:
            return status
    return S.NOT_STARTED


def _history(rng: random.Random, status: str, start: dt.datetime, end: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    """(from, to, at) steps that lead to `status`, at increasing moments between start and end."""
    chain = {
        S.NOT_STARTED: [],
        S.IN_PROGRESS: [(S.NOT_STARTED, S.IN_PROGRESS)],
        S.SUBMITTED: [(S.IN_PROGRESS, S.SUBMITTED)],
        S.RETURNED: [(S.IN_PROGRESS, S.SUBMITTED), (S.SUBMITTED, S.RETURNED)],
        S.RESUBMITTED: [(S.IN_PROGRESS, S.SUBMITTED), (S.SUBMITTED, S.RETURNED), (S.RETURNED, S.RESUBMITTED)],
        S.APPROVED: [(S.IN_PROGRESS, S.SUBMITTED), (S.SUBMITTED, S.APPROVED)],
    }[status]
    if not chain:
        return []
    span = max((end - start).total_seconds(), 3600.0)
    moments = sorted(rng.random() for _ in chain)
    return [(a, b, start + dt.timedelta(seconds=span * m)) for (a, b), m in zip(chain, moments, strict=True)]


@transaction.atomic
def load_campaign(scale: str, root: Org, *, seed: int = SEED, today: dt.date | None = None, tasks: int | None = None,
                  name: str = "学习贯彻主题教育") -> CampaignResult:
    """A campaign at `root` with `tasks` published tasks to every committee, general branch and
    branch of its subtree, statuses as of `today` (default: now)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    n_tasks = tasks if tasks is not None else TASKS[scale]
    begins = today - dt.timedelta(days=70)
    campaign = Campaign.objects.create(org=root, name=name, starts_on=begins, ends_on=begins + dt.timedelta(days=240),
                                       requirements="学思想、强党性、重实践、建新功", status=CampaignStatus.ACTIVE)
    phases = [Phase.objects.create(campaign=campaign, name=n, order=i, starts_on=begins + dt.timedelta(days=30 * i))
              for i, n in enumerate(PHASES, start=1)]
    units = list(Org.objects.filter(subtree_q("path", root.path), kind__in=UNIT_KINDS).order_by("path").values_list("id", "path", "depth"))
    secondary = [u for u in units if u[2] == root.depth + 1]
    groups = [GuidanceGroup(campaign=campaign, name=f"第{i}巡回指导组", order=i) for i in range(1, GROUPS[scale] + 1)]
    GuidanceGroup.objects.bulk_create(groups)
    groups = list(GuidanceGroup.objects.filter(campaign=campaign).order_by("order"))
    GuidanceAssignment.objects.bulk_create([
        GuidanceAssignment(campaign=campaign, group=groups[i % len(groups)], org_id=u[0]) for i, u in enumerate(secondary)
    ])

    task_objs = []
    for i in range(n_tasks):
        # Spread over the campaign: the first tasks are long due, the last not yet begun.
        starts = begins + dt.timedelta(days=int(i * 150 / max(n_tasks, 1)))
        task_objs.append(Task(
            campaign=campaign, phase=phases[min(i * len(phases) // max(n_tasks, 1), len(phases) - 1)],
            kind="work_plan" if i == 1 else "general", title=TITLES[i % len(TITLES)] + ("" if i < len(TITLES) else f"（{i // len(TITLES) + 1}）"),
            starts_on=starts, due_on=starts + dt.timedelta(days=14), order=i + 1, target_mode=TargetMode.KINDS,
            target_kinds=list(UNIT_KINDS), evidence_required=["file"], reviewer=Reviewer.GUIDANCE if i % 3 else Reviewer.PARENT,
            status=TaskStatus.PUBLISHED, published_at=timezone.make_aware(dt.datetime.combine(starts, dt.time(9))),
        ))
    Task.objects.bulk_create(task_objs)

    now = timezone.now()
    rows, steps = [], []
    for task in task_objs:
        start = timezone.make_aware(dt.datetime.combine(task.starts_on, dt.time(8)))
        end = min(now, timezone.make_aware(dt.datetime.combine(task.due_on + dt.timedelta(days=10), dt.time(18))))
        for org_id, _path, _depth in units:
            status = _mix(rng, task, today) if end > start else S.NOT_STARTED
            hist = _history(rng, status, start, end)
            subs = [at for _a, b, at in hist if b in (S.SUBMITTED, S.RESUBMITTED)]
            approved = hist[-1][2] if status == S.APPROVED else None
            rows.append((task.pk, org_id, status, len(subs), subs[0] if subs else None, subs[-1] if subs else None, approved))
            steps.append(hist)
    n_log = _insert_unit_tasks(campaign, rows, steps, now)
    return CampaignResult(campaign=campaign, tasks=len(task_objs), units=len(units), unit_tasks=len(rows),
                          transitions=n_log, seconds=time.perf_counter() - started)


def _insert_unit_tasks(campaign: Campaign, rows: list[tuple], steps: list[list], now: dt.datetime) -> int:
    """Plain executemany: the ORM's bulk_create spends most of its time preparing 150,000
    model instances. Ids are read back by (task, org) for the transition log."""
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value
    ut, tr = UnitTask._meta.db_table, Transition._meta.db_table
    q = connection.ops.quote_name
    cols = ("task_id", "org_id", "status", "active", "values", "plan_text", "submission_count", "first_submitted_at",
            "submitted_at", "approved_at", "updated_at")
    sql = f"INSERT INTO {q(ut)} ({', '.join(q(c) for c in cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            cursor.executemany(sql, [(t, o, st, True, "{}", "", n, stamp(a), stamp(b), stamp(c), stamp(now)) for t, o, st, n, a, b, c in chunk])
    ids = {(t, o): pk for pk, t, o in UnitTask.objects.filter(task__campaign=campaign).values_list("pk", "task_id", "org_id")}
    log = [(ids[(r[0], r[1])], a, b, stamp(at), "") for r, hist in zip(rows, steps, strict=True) for a, b, at in hist]
    tcols = ("unit_task_id", "from_status", "to_status", "at", "comment")
    tsql = f"INSERT INTO {q(tr)} ({', '.join(q(c) for c in tcols)}) VALUES ({', '.join(['%s'] * len(tcols))})"
    with connection.cursor() as cursor:
        for chunk in _chunks(log, 5000):
            cursor.executemany(tsql, chunk)
    return len(log)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
