"""The benchmark data (supervision.generator) and the results over it agree with one raw SQL
aggregation; a second load is a no-op."""
import pytest
from django.db import connection

from dangjian.supervision import generator
from dangjian.supervision import questionnaires as qn

pytestmark = pytest.mark.django_db(transaction=False)


def test_generator_and_results_agree_with_raw_sql(world):
    result = generator.load_questionnaire("tiny", world.root)
    assert result.created and result.responses == 1000 and result.answers > 30_000
    q = result.questionnaire
    assert q.items.count() == 30
    res = qn.results(q)
    assert res["total"] == 1000
    ids = ",".join(str(i) for i in q.items.values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute(f"SELECT item_id, COUNT(*) FROM supervision_answer WHERE item_id IN ({ids}) GROUP BY item_id")
        raw = dict(cur.fetchall())
    for e in res["items"]:
        counted = e["answered"] if e["kind"] == "text" else sum(o["count"] for o in e["options"])
        assert counted == raw.get(e["id"], 0)
        if e["kind"] in ("single", "scale"):
            assert e["answered"] == 1000 and abs(sum(o["percent"] for o in e["options"]) - 100) < 0.5
    again = generator.load_questionnaire("tiny", world.root)
    assert not again.created and again.responses == 1000
