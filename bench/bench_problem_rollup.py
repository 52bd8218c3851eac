"""problem_rollup_<scale>: the three lists' roll-up for the root as its committee admin sees it
(rectification.lists.rollup: problems by child unit × status × aspect × level reached, measures
done and overdue by child unit, found and closed per month, the first overdue and due-soon
problems), against one raw SQL statement that makes the problem and measure counts grouped by
secondary unit (path prefix). The data: rectification.generator (city: 50,000 problems in
every status, 120,000 measures)."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "problem_rollup"

# Problems counted at the root by (unit, status, aspect) with the overdue ones, and measures by
# (unit, status) with the overdue ones: one statement, grouped by the unit's path prefix.
RAW = """
SELECT substr(o.path, 1, %s) AS unit, x.kind, x.status, x.aspect_id, SUM(x.n), SUM(x.late)
FROM (
  SELECT p.org_id, 'p' AS kind, p.status, p.aspect_id, COUNT(*) AS n,
         SUM(CASE WHEN p.status IN ('open', 'rectifying') AND p.due_on < %s THEN 1 ELSE 0 END) AS late
  FROM rectification_problem p WHERE p.level_depth <= %s
  GROUP BY p.org_id, p.status, p.aspect_id
  UNION ALL
  SELECT p.org_id, 'm', m.status, 0, COUNT(*), SUM(CASE WHEN m.status <> 'done' AND m.due_on < %s THEN 1 ELSE 0 END)
  FROM rectification_measure m JOIN rectification_problem p ON p.id = m.problem_id WHERE p.level_depth <= %s
  GROUP BY p.org_id, m.status
) x JOIN orgs_org o ON o.id = x.org_id
WHERE o.path >= %s AND o.path < %s
GROUP BY 1, 2, 3, 4
"""


def _queries(user, root) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.core.scoping import forget
    from dangjian.rectification.lists import rollup

    forget(user)
    with CaptureQueriesContext(connection) as captured:
        rollup(user, root)
    return len(captured)


def run(ctx: Context) -> list[Figure]:
    from django.db import connection
    from django.utils import timezone

    from dangjian.core.scoping import forget, prefix_upper
    from dangjian.rectification import generator
    from dangjian.rectification.lists import rollup

    result = generator.load_problems(ctx.scale, ctx.root)
    figures = [Figure(ctx.name("generate_problems"), result.seconds, "s", extra={
        "problems": result.problems, "measures": result.measures})]
    if result.created:
        ctx.analyze()
    user = ctx.users["root_admin"]
    root = ctx.root
    today = timezone.localdate()

    def lists():
        forget(user)
        return rollup(user, root, today=today)

    table = lists()
    top = table.total
    params = [len(root.path) + 4, today, root.depth, today, root.depth, root.path, prefix_upper(root.path) or "\uffff"]

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW, params)
            return cursor.fetchall()

    rows = raw()
    problems = sum(int(r[4]) for r in rows if r[1] == "p")
    late = sum(int(r[5] or 0) for r in rows if r[1] == "p")
    measures = sum(int(r[4]) for r in rows if r[1] == "m")
    done = sum(int(r[4]) for r in rows if r[1] == "m" and r[2] == "done")
    mine = (top.total, top.overdue, top.measures, top.measures_done)
    if (problems, late, measures, done) != mine:
        raise BenchError(f"the raw aggregation {(problems, late, measures, done)} and lists.rollup {mine} disagree")
    if top.total == 0 or top.measures == 0:
        raise BenchError("nothing counted")
    ms = median_seconds(lists) * 1000
    limit = median_seconds(raw) * 1000
    figures.append(Figure(ctx.name(NAME), ms, "ms", limit=limit, extra={
        "problems": result.problems, "measures": result.measures, "counted": top.total, "units": len(table.rows),
        "overdue": top.overdue, "closed": top.closed, "queries": _queries(user, root)}))
    return figures
