"""questionnaire_results_<scale>: the results of a questionnaire of 30 questions (city: 100,000
responses, about 3.3 million answers): supervision.questionnaires.results (the items, the count
of responses and one GROUP BY item, option, value over the answers), against one raw SQL
statement making the same GROUP BY. The data: supervision.generator. Goal: under 1 s, ratio ≤ 2."""
from __future__ import annotations

from runner import BenchError, Context, Figure, median_seconds

NAME = "questionnaire"

RAW = """
SELECT a.item_id, a.option, a.value, COUNT(*)
FROM supervision_answer a
WHERE a.item_id IN ({ids})
GROUP BY a.item_id, a.option, a.value
"""


def run(ctx: Context) -> list[Figure]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.supervision import generator
    from dangjian.supervision import questionnaires as qn
    from dangjian.supervision.models import Questionnaire

    result = generator.load_questionnaire(ctx.scale, ctx.root)
    figures = [Figure(ctx.name("generate_questionnaire"), result.seconds, "s",
                      extra={"responses": result.responses, "answers": result.answers})]
    if result.created:
        ctx.analyze()
    q = result.questionnaire

    def ours():
        fresh = Questionnaire.objects.get(pk=q.pk)
        return qn.results(fresh)

    ids = list(q.items.values_list("pk", flat=True))
    sql = RAW.format(ids=", ".join(str(int(i)) for i in ids))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    res = ours()
    rows = raw()
    raw_total = sum(r[3] for r in rows)
    our_total = 0
    for e in res["items"]:
        if e["kind"] == "text":
            our_total += e["answered"]
        else:
            our_total += sum(o["count"] for o in e["options"])
    if raw_total != our_total:
        raise BenchError(f"the raw aggregation counts {raw_total} answers and questionnaires.results {our_total}")
    if res["total"] != result.responses or not result.responses:
        raise BenchError(f"results count {res['total']} responses, the data has {result.responses}")
    with CaptureQueriesContext(connection) as captured:
        ours()
    ms = median_seconds(ours, repeat=5) * 1000
    limit = median_seconds(raw, repeat=5) * 1000
    figures.append(Figure(ctx.name("questionnaire_results"), ms, "ms", limit=limit, extra={
        "responses": result.responses, "answers": result.answers, "questions": len(ids), "queries": len(captured)}))
    return figures
