"""progress_table_<scale>: the progress table (工作推进表) of the root's campaign for the root's
committee admin (campaigns.progress.build_table: one page of units, roll-ups over all), against
the same roll-up (secondary unit × task × status) as one raw SQL statement."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "progress_table"

RAW = """
SELECT substr(o.path, 1, %s) AS unit, ut.task_id, ut.status, count(*)
FROM campaigns_unittask ut
JOIN campaigns_task t ON t.id = ut.task_id
JOIN orgs_org o ON o.id = ut.org_id
WHERE t.campaign_id = %s AND t.status = 'published' AND ut.active
GROUP BY 1, 2, 3
"""


def _queries(user, campaign) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.campaigns.progress import build_table
    from dangjian.core.scoping import forget

    forget(user)
    with CaptureQueriesContext(connection) as captured:
        build_table(user, campaign)
    return len(captured)


def run(ctx: Context) -> list[Figure]:
    from django.db import connection

    from dangjian.campaigns.progress import build_table
    from dangjian.core.scoping import forget
    from dangjian.orgs.models import Org

    campaign = ctx.ensure_campaign()
    user = ctx.users["root_admin"]

    def table():
        forget(user)
        return build_table(user, campaign)

    result = table()
    if result.totals.total == 0:
        raise BenchError("the progress table found no unit tasks")

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW, [Org.secondary_prefix_len(), campaign.pk])
            return cursor.fetchall()

    if sum(r[3] for r in raw()) != result.totals.total:
        raise BenchError("the raw roll-up and the progress table disagree")
    ms = median_seconds(table) * 1000
    limit = median_seconds(raw) * 1000
    extra = {"units": result.units, "unit_tasks": result.totals.total, "queries": _queries(user, campaign),
             "queries_unit": _queries(ctx.users["unit_admin"], campaign)}
    if ctx.ensure_smaller_campaign() is not None:
        extra["queries_small"] = _queries(ctx.smaller_users["root_admin"], ctx.smaller_campaign)
    return [Figure(ctx.name(NAME), ms, "ms", limit=limit, extra=extra)]
