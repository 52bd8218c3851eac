"""subtree_count_<scale>: members under the root by category, ORM roll-up against one raw SQL."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "subtree_count"


def raw_counts(root) -> dict[str, int]:
    """The same count as one hand-written statement: a path range join, grouped by category."""
    from django.db import connection

    from dangjian.core.scoping import prefix_upper
    from dangjian.orgs.models import Member, Org

    member, org = Member._meta.db_table, Org._meta.db_table
    sql = (
        f"SELECT m.category, COUNT(*) FROM {member} m JOIN {org} o ON o.id = m.org_id "
        "WHERE o.path >= %s AND o.path < %s GROUP BY m.category"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [root.path, prefix_upper(root.path)])
        return dict(cursor.fetchall())


def run(ctx: Context) -> list[Figure]:
    from django.db import connection

    from dangjian.core.scoping import forget
    from dangjian.orgs.rollups import member_counts_by_category

    ctx.ensure_members()
    user, root = ctx.users["root_admin"], ctx.root

    def orm():
        forget(user)  # as in a request: the user's scope is looked up afresh
        return member_counts_by_category(user, root)

    counted = {k: v for k, v in orm().items() if v}
    raw = raw_counts(root)
    if counted != raw:
        raise BenchError(f"ORM and raw SQL disagree: {counted} != {raw}")
    orm_ms = median_seconds(orm) * 1000
    raw_ms = median_seconds(lambda: raw_counts(root)) * 1000
    extra = {"members": sum(raw.values()), "goal_ratio": 1.5}
    if connection.vendor == "sqlite":
        extra["goal_ms"] = 100
    return [Figure(ctx.name(NAME), orm_ms, "ms", limit=raw_ms, extra=extra)]
