"""API of the three rates, the member's study record and the study-record export."""
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.factories import make_member, make_org
from tests.study.test_rates import rated  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
API = "/api/v1/study"


def test_rates_with_children(rated, client, login):  # noqa: F811
    w = rated
    login(w.office)
    res = client.get(f"{API}/rates", {"org": w.root.code, "campaign": w.campaign.pk})
    assert res.status_code == 200
    data = res.json()
    assert data["period"]["campaign_id"] == w.campaign.pk and set(data["definitions"]) == {"participation", "completion", "excellence"}
    assert data["org"]["code"] == w.root.code
    children = {c["code"]: c for c in data["children"]}
    assert list(children) == ["UA", "UB"] and children["UB"]["kind_label"] == "党总支" and children["UB"]["has_children"]
    # The campaign's own dates may not cover today: by dates the hand counts hold.
    res = client.get(f"{API}/rates", {"org": w.unit_b.code, "from": w.period.starts.isoformat(), "to": w.period.ends.isoformat()})
    ub = res.json()["org"]["rates"]
    assert (ub["attended"], ub["expected"], ub["participation"]) == (1, 2, 50.0)


def test_rates_bad_input_and_scope(rated, client, login):  # noqa: F811
    w = rated
    login(w.ua_admin)
    res = client.get(f"{API}/rates", {"from": "2026-02-30"})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "from"
    assert client.get(f"{API}/rates", {"org": w.unit_b.code}).status_code == 404
    assert client.get(f"{API}/rates").json()["org"]["code"] == "UA"
    login(w.member_user)
    assert client.get(f"{API}/rates").status_code == 404


def test_rates_constant_queries(rated, client, login):  # noqa: F811
    w = rated
    login(w.office)

    def count():
        with CaptureQueriesContext(connection) as q:
            assert client.get(f"{API}/rates", {"org": w.root.code}).status_code == 200
        return len(q)

    first = count()
    for i in range(4):
        make_member(make_org(f"UX{i}", f"新单位{i}", "committee", w.root), "新党员")
    assert count() == first


def test_member_record(rated, client, login):  # noqa: F811
    w = rated
    login(w.member_user)
    me = client.get(f"{API}/me/record").json()
    assert me["name"] == "张三" and me["totals"]["present"] == 1 and me["required_total"] == 1
    assert client.get(f"{API}/members/{w.m_a1.pk}/record").status_code == 200
    assert client.get(f"{API}/members/{w.m_b1.pk}/record").status_code == 404
    login(w.guide)
    rec = client.get(f"{API}/members/{w.m_b1b.pk}/record").json()
    assert rec["sessions"][0]["status"] == "makeup" and rec["sessions"][0]["status_label"] == "补学"
    assert any(q["best"] == 95.0 and q["excellent"] for q in rec["quizzes"])
    assert client.get(f"{API}/me/record").status_code == 404


def test_export(rated, client, login):  # noqa: F811
    w = rated
    login(w.a1_secretary)
    res = client.get(f"{API}/records/export", {"org": w.a1.code})
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(res.content)).active.iter_rows()]
    assert {r[1] for r in rows[3:5]} == {"张三", "李四"}
    assert client.get(f"{API}/records/export", {"org": w.b1.code}).status_code == 404
