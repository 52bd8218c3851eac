"""redblack_<scale>: the monthly red/black list of every responsible unit under the root for
the last full month (services.redblack.compute: one aggregate query grouped by unit counting
the month and the month before, plus the units and the rules; the rules applied in Python to
500 rows), against one raw SQL statement making the same counts grouped by unit. The data:
services.generator (city: 500 units, 1,000,000 requests over a year)."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "redblack"

RAW = """
SELECT r.unit_id,
  SUM(CASE WHEN r.received_at >= %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at >= %s AND {timely} THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at >= %s AND r.resolved_at IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at >= %s AND r.satisfaction <> '' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at >= %s AND r.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at < %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at < %s AND {timely} THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at < %s AND r.resolved_at IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at < %s AND r.satisfaction <> '' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.received_at < %s AND r.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END)
FROM services_servicerequest r
WHERE r.received_at >= %s AND r.received_at < %s
GROUP BY r.unit_id
"""
TIMELY = {
    "sqlite": "julianday(r.responded_at) - julianday(r.received_at) <= {days}",
    "postgresql": "r.responded_at <= r.received_at + interval '{hours} hours'",
}


def _queries(user, root, month) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.core.scoping import forget
    from dangjian.services.redblack import compute

    forget(user)
    with CaptureQueriesContext(connection) as captured:
        compute(user, root, month)
    return len(captured)


def run(ctx: Context) -> list[Figure]:
    from django.db import connection

    from dangjian.core.scoping import forget
    from dangjian.services import generator
    from dangjian.services.models import ServiceRequest
    from dangjian.services.redblack import compute, default_month, previous_month
    from dangjian.services.requests import limit_hours, month_bounds

    result = generator.load_requests(ctx.scale, ctx.root)
    figures = [Figure(ctx.name("generate_requests"), result.seconds, "s", extra={"units": result.units, "requests": result.requests})]
    if result.created:
        ctx.analyze()
    user = ctx.users["root_admin"]
    month = default_month()
    hours = limit_hours()

    def redblack():
        forget(user)
        return compute(user, ctx.root, month)

    rb = redblack()
    start, end = month_bounds(month)
    prev_start, _ = month_bounds(previous_month(month))
    timely = TIMELY[connection.vendor].format(days=hours / 24 + 1e-9, hours=hours)
    sql = RAW.format(timely=timely)
    params = [start] * 5 + [start] * 5 + [prev_start, end]
    if connection.vendor == "sqlite":
        params = [connection.ops.adapt_datetimefield_value(p) for p in params]

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    rows = raw()
    sums = [sum(int(r[i] or 0) for r in rows) for i in range(1, 11)]
    mine = rb.total
    prev = [sum(getattr(r.previous, f) for r in rb.rows) for f in ("received", "timely", "resolved", "rated", "satisfied")]
    ours = [mine.received, mine.timely, mine.resolved, mine.rated, mine.satisfied, *prev]
    if sums != ours:
        raise BenchError(f"the raw aggregation {sums} and redblack.compute {ours} disagree")
    if mine.received == 0:
        raise BenchError("no request counted in the month")
    ms = median_seconds(redblack) * 1000
    limit = median_seconds(raw) * 1000
    figures.append(Figure(ctx.name(NAME), ms, "ms", limit=limit, extra={
        "units": len(rb.rows), "requests": ServiceRequest.objects.count(), "month": f"{month:%Y-%m}", "counted": mine.received,
        "red": len(rb.red), "black": len(rb.black), "queries": _queries(user, ctx.root, month)}))
    return figures
