"""three_rates_<scale>: the three rates (三个100%) of every org of the tree for the root's
committee admin (study.rates.rates_for_tree: one aggregation per measure grouped by org, the
roll-up to every ancestor in Python), against one raw SQL statement that makes the same three
counts grouped by secondary unit (path prefix). The data: study.generator (city: about a
million attendance rows, 200,000 quiz attempts, reading of three required materials)."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "three_rates"

# Each measure pre-aggregated by org in its own subquery (the fastest single statement), then
# summed per secondary unit.
RAW = """
SELECT substr(o.path, 1, %s) AS unit, SUM(x.yes), SUM(x.n), SUM(x.done), SUM(x.good)
FROM (
  SELECT a.org_id, SUM(CASE WHEN a.status IN ('present', 'makeup') THEN 1 ELSE 0 END) AS yes, COUNT(*) AS n, 0 AS done, 0 AS good
  FROM study_attendance a JOIN study_studysession s ON s.id = a.session_id
  WHERE s.cancelled = %s AND s.starts_at >= %s AND s.starts_at < %s
  GROUP BY a.org_id
  UNION ALL
  SELECT r.org_id, 0, 0, COUNT(*), 0 FROM study_readingprogress r
  WHERE r.material_id IN ({materials}) AND r.finished_at IS NOT NULL
  GROUP BY r.org_id
  UNION ALL
  SELECT qa.org_id, 0, 0, 0, COUNT(DISTINCT qa.member_id) FROM study_quizattempt qa JOIN study_quiz q ON q.id = qa.quiz_id
  WHERE qa.quiz_id IN ({quizzes}) AND qa.submitted_at IS NOT NULL AND qa.score >= q.excellent_score
  GROUP BY qa.org_id, qa.quiz_id
) x JOIN orgs_org o ON o.id = x.org_id
GROUP BY 1
"""


def _queries(user, root, period) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.core.scoping import forget
    from dangjian.study.rates import rates_for_tree

    forget(user)
    with CaptureQueriesContext(connection) as captured:
        rates_for_tree(user, root, period)
    return len(captured)


def run(ctx: Context) -> list[Figure]:
    from django.db import connection
    from django.utils import timezone

    from dangjian.core.scoping import forget
    from dangjian.orgs.models import Org
    from dangjian.study import generator
    from dangjian.study.models import Attendance, QuizAttempt
    from dangjian.study.rates import _inputs, campaign_period, rates_for_tree

    ctx.ensure_members()
    result = generator.load_study(ctx.scale, ctx.root)
    figures = [Figure(ctx.name("generate_study"), result.seconds, "s", extra={
        "sessions": result.sessions, "attendances": result.attendances, "reading": result.reading, "attempts": result.attempts})]
    if result.created:
        ctx.analyze()
    user = ctx.users["root_admin"]
    period = campaign_period(result.campaign)
    now = timezone.now()

    def rates():
        forget(user)
        return rates_for_tree(user, ctx.root, period, now=now)

    tree = rates()
    top = tree[ctx.root.pk]
    inputs = _inputs(period)
    start, end = period.bounds(now)
    sql = RAW.format(materials=", ".join(["%s"] * len(inputs.materials)), quizzes=", ".join(["%s"] * len(inputs.quizzes)))
    params = [Org.secondary_prefix_len(), False, start, end, *inputs.materials, *(q for q, _ in inputs.quizzes)]

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    rows = raw()
    sums = [sum(int(r[i] or 0) for r in rows) for i in (1, 2, 3, 4)]
    if sums != [top.attended, top.expected, top.finished, top.excellent]:
        raise BenchError(f"the raw aggregation {sums} and rates_for_tree {[top.attended, top.expected, top.finished, top.excellent]} disagree")
    if top.expected == 0:
        raise BenchError("no attendance counted")
    ms = median_seconds(rates) * 1000
    limit = median_seconds(raw) * 1000
    figures.append(Figure(ctx.name(NAME), ms, "ms", limit=limit, extra={
        "orgs": len(tree), "attendance_rows": Attendance.objects.count(), "attempts": QuizAttempt.objects.count(),
        "counted": top.expected, "participation": round(top.attended / top.expected * 100, 1),
        "queries": _queries(user, ctx.root, period)}))
    return figures
