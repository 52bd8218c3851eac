"""rollup_secondary_<scale>: the per-secondary-unit roll-up of the whole tree (no limit)."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "rollup_secondary"


def run(ctx: Context) -> list[Figure]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.core.scoping import forget
    from dangjian.orgs.rollups import secondary_unit_rollup

    ctx.ensure_members()
    user, root = ctx.users["root_admin"], ctx.root

    def rollup():
        forget(user)
        return secondary_unit_rollup(user, root)

    with CaptureQueriesContext(connection) as captured:
        rows = rollup()
    total = sum(r["members"] for r in rows)
    if not rows or total == 0:
        raise BenchError("the roll-up found no members")
    ms = median_seconds(rollup, repeat=5) * 1000
    return [Figure(ctx.name(NAME), ms, "ms", extra={"units": len(rows), "members": total, "queries": len(captured)})]
