"""publish_task_<scale>: publishing one task to every committee, general branch and branch of
the tree (campaigns.services.publish_task: one unit task per unit, one transaction), rolled back
afterwards so the other benchmarks see the same data. Goal: under 2 s at city."""
from __future__ import annotations

import datetime as dt

from runner import BenchError, Context, Figure, seconds

NAME = "publish_task"
GOAL_S = 2.0


class _Rollback(Exception):  # noqa: N818
    pass


def run(ctx: Context) -> list[Figure]:
    from django.db import transaction

    from dangjian.campaigns import services
    from dangjian.campaigns.generator import UNIT_KINDS

    campaign = ctx.ensure_campaign()
    user = ctx.users["root_admin"]
    measured = {}
    try:
        with transaction.atomic():
            task = services.create_task(user, campaign, services.TaskData(
                title="开展专题学习", starts_on=dt.date(2026, 5, 1), due_on=dt.date(2026, 5, 31), target_kinds=list(UNIT_KINDS)))
            measured["s"], result = seconds(lambda: services.publish_task(user, task))
            measured["created"] = result.created
            raise _Rollback
    except _Rollback:
        pass
    if not measured.get("created"):
        raise BenchError("publishing created no unit tasks")
    return [Figure(ctx.name(NAME), measured["s"], "s", limit=GOAL_S, extra={"unit_tasks": measured["created"]})]
