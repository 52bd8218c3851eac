"""API of the three lists: the roll-up with drill-down, the overdue and due-soon pages, the
export; scope, bad input and query counts at two sizes."""
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from openpyxl import load_workbook

from tests.factories import make_org
from tests.rectification.test_lists import add_problem, listed  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
API = "/api/v1/rectification/lists"


def test_rollup(listed, client, login):  # noqa: F811
    w = listed
    login(w.office)
    res = client.get(API, {"org": "ROOT"})
    assert res.status_code == 200
    data = res.json()
    assert data["org"]["code"] == "ROOT" and data["org"]["counts"]["total"] == 10
    assert data["org"]["counts"]["by_status"] == {"reviewing": 0, "open": 2, "rectifying": 3, "rectified": 2, "verified": 2, "closed": 1}
    assert data["org"]["counts"]["by_level"] == {"1": 10, "2": 1, "3": 2} and data["org"]["counts"]["below"] == 3
    assert data["org"]["counts"]["by_aspect"][str(w.aspect2.pk)] == 2
    assert [(c["code"], c["own"], c["counts"]["total"]) for c in data["children"]] == [("ROOT", True, 1), ("UA", False, 5), ("UB", False, 4)]
    assert [p["title"] for p in data["overdue"]] == ["服务窗口推诿扯皮"] and data["overdue"][0]["days"] == 5
    assert data["overdue"][0]["measures_overdue"] == 1 and data["due_soon"][0]["days"] == 3
    assert len(data["months"]) == 12 and data["due_soon_days"] == 7 and len(data["aspects"]) >= 6
    # Drill down: the unit sees its own problem under the committee's review.
    ua = client.get(API, {"org": "UA"}).json()
    assert ua["org"]["counts"]["total"] == 6 and ua["org"]["counts"]["by_status"]["reviewing"] == 1


def test_filter_and_bad_input(listed, client, login):  # noqa: F811
    w = listed
    login(w.office)
    data = client.get(API, {"org": "ROOT", "from": "2026-03-01", "to": "2026-04-30"}).json()
    assert data["org"]["counts"]["total"] == 1 and data["filter"]["starts"] == "2026-03-01"
    assert [m["month"] for m in data["months"]] == ["2026-03", "2026-04"] and data["months"][1]["closed"] == 1
    res = client.get(API, {"org": "ROOT", "from": "2026-02-30"})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "from"
    res = client.get(API, {"org": "ROOT", "campaign": 999999})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "campaign"
    assert client.get(API, {"org": "ROOT", "campaign": w.campaign.pk}).json()["filter"]["campaign_id"] == w.campaign.pk


def test_scope(listed, client, login):  # noqa: F811
    w = listed
    login(w.ua_admin)
    assert client.get(API, {"org": "UB"}).status_code == 404
    assert client.get(API).json()["org"]["code"] == "UA"
    assert client.get(f"{API}/due", {"org": "UB01"}).status_code == 404
    assert client.get(f"{API}/export", {"org": "UB"}).status_code == 404
    login(w.member_user)
    assert client.get(API).status_code == 404


def test_due_pages(listed, client, login):  # noqa: F811
    w = listed
    for i in range(4):
        add_problem(w, w.a2, f"逾期问题{i}", "open", level=1, due=w.today - dt.timedelta(days=i + 1))
    login(w.office)
    data = client.get(f"{API}/due", {"org": "ROOT", "limit": 2, "offset": 1}).json()
    assert data["count"] == 5 and [p["title"] for p in data["items"]] == ["逾期问题3", "逾期问题2"]
    soon = client.get(f"{API}/due", {"org": "ROOT", "kind": "due_soon"}).json()
    assert soon["count"] == 1 and soon["items"][0]["days"] == 3
    assert client.get(f"{API}/due", {"org": "ROOT", "kind": "late"}).status_code == 422


def test_export(listed, client, login):  # noqa: F811
    w = listed
    login(w.ub_admin)
    res = client.get(f"{API}/export", {"org": "UB"})
    rows = [r for r in load_workbook(io.BytesIO(res.content)).active.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert len(rows) == 4
    res = client.get(f"{API}/export", {"org": "UB", "format": "docx"})
    assert len(Document(io.BytesIO(res.content)).tables[0].rows) == 2 + 4
    assert client.get(f"{API}/export", {"org": "UB", "format": "pdf"}).status_code == 422


def test_constant_queries(listed, client, login):  # noqa: F811
    w = listed
    login(w.office)

    def count(path, **params):
        with CaptureQueriesContext(connection) as q:
            assert client.get(path, {"org": "ROOT", **params}).status_code == 200
        return len(q)

    first = (count(API), count(f"{API}/due"), count(f"{API}/due", kind="due_soon"))
    for i in range(4):
        unit = make_org(f"UY{i}", f"新单位{i}", "committee", w.root)
        for j in range(5):
            add_problem(w, unit, f"新问题{i}-{j}", "open", level=1, due=w.today - dt.timedelta(days=j), found=dt.date(2026, 1 + j, 3))
    assert (count(API), count(f"{API}/due"), count(f"{API}/due", kind="due_soon")) == first
