"""API of the records around problems: duplicate check, import, outcomes, aspects."""
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from dangjian.rectification.importing import COLUMNS
from dangjian.rectification.models import Aspect, Measure, Outcome, Problem

pytestmark = pytest.mark.django_db
V = "/api/v1/rectification"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, data=json.dumps(body), content_type="application/json")


def fields(r):
    return {e["field"] for e in r.json()["detail"]}


# --- duplicate check ---------------------------------------------------------------------------
def test_similar(world, login):
    w = world
    Problem.objects.create(org=w.unit_a, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title="理论学习还不够深入",
                           leader="书记", owner="委员", due_on=dt.date(2026, 12, 31), status="open")
    r = login(w.a1_secretary).get(f"{V}/similar", {"org": "UA01", "title": "理论学习不够深入"})
    body = r.json()
    assert r.status_code == 200 and [i["id"] for i in body["items"]] == [w.prob_a.pk] and body["hidden"] == 1
    assert body["items"][0]["score"] > 0.8 and body["items"][0]["status_label"] == "整改中"
    body = login(w.ua_admin).get(f"{V}/similar", {"org": "UA01", "title": "理论学习不够深入", "exclude": w.prob_a.pk}).json()
    assert [i["title"] for i in body["items"]] == ["理论学习还不够深入"] and body["hidden"] == 0
    assert login(w.a1_secretary).get(f"{V}/similar", {"org": "UB01", "title": "理论学习"}).status_code == 403
    r = login(w.a1_secretary).get(f"{V}/similar", {"org": "NOPE", "title": "理论学习"})
    assert r.status_code == 422 and fields(r) == {"org"}


# --- import ------------------------------------------------------------------------------------
def _xlsx(w, **kw):
    row = {"序号": 1, "组织编码": "UA01", "问题方面": w.aspect.short_name, "发现日期": "2026-05-10", "问题概述": "档案管理制度落实不到位",
           "责任领导": "院党委书记", "责任人": "支部书记", "整改时限": "2026-12-31", "整改措施": "逐卷清理档案", "提交审核": "是", **kw}
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append([row.get(c, "") for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("问题清单.xlsx", buf.getvalue())


def test_import_dry_run_then_for_real(world, login):
    w = world
    c = login(w.a1_secretary)
    n = Problem.objects.count()
    r = c.post(f"{V}/import", {"file": _xlsx(w), "dry_run": "true"})
    body = r.json()
    assert r.status_code == 200 and body["ok"] and body["dry_run"] and body["created"] == 1 and Problem.objects.count() == n
    r = c.post(f"{V}/import", {"file": _xlsx(w)})
    body = r.json()
    assert r.status_code == 200 and body["submitted"] == 1 and body["measures"] == 1
    p = Problem.objects.get(pk=body["problem_ids"][0])
    assert p.status == "reviewing" and p.measures.count() == 1


def test_import_refusals(world, login):
    w = world
    c = login(w.a1_secretary)
    before = (Problem.objects.count(), Measure.objects.count())
    r = c.post(f"{V}/import", {"file": _xlsx(w, 整改时限="2026-01-01", 组织编码="UB01")})
    body = r.json()
    assert r.status_code == 409 and not body["ok"]
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "组织编码"), (2, "整改时限"), (2, "措施完成时限")}
    r = c.post(f"{V}/import", {"file": SimpleUploadedFile("x.xlsx", b"nope")})
    assert r.status_code == 422 and fields(r) == {"file"}
    r = c.post(f"{V}/import", {"file": _xlsx(w), "org": "UB01"})
    assert r.status_code == 422 and fields(r) == {"org"}
    assert login(w.guide).post(f"{V}/import", {"file": _xlsx(w)}).status_code == 403
    assert (Problem.objects.count(), Measure.objects.count()) == before


def test_import_warns_of_duplicates(world, login):
    w = world
    body = login(w.ua_admin).post(f"{V}/import", {"file": _xlsx(w, 问题概述=w.prob_a.title), "dry_run": "1"}).json()
    assert body["ok"] and body["warnings"] and w.prob_a.title in body["warnings"][0]["message"]


# --- outcomes ----------------------------------------------------------------------------------
def test_outcomes_crud(world, login):
    w = world
    c = login(w.a1_secretary)
    r = post(c, f"{V}/outcomes", {"org": "UA01", "title": "支部档案管理办法", "issued_on": "2026-06-15", "problems": [w.prob_a.pk]})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["kind"] == "new" and body["kind_label"] == "制定" and body["problems"] == [w.prob_a.pk]
    oid = body["id"]
    r = patch(c, f"{V}/outcomes/{oid}", {"kind": "revised", "problems": [w.prob_a.pk, w.prob_verified_a.pk]})
    assert r.status_code == 200 and r.json()["kind"] == "revised" and sorted(r.json()["problems"]) == sorted([w.prob_a.pk, w.prob_verified_a.pk])
    assert c.get(f"{V}/outcomes/{oid}").json()["title"] == "支部档案管理办法"
    listed = c.get(f"{V}/outcomes", {"problem": w.prob_verified_a.pk}).json()
    assert [i["id"] for i in listed["items"]] == [oid] and listed["counts_by_kind"]["revised"] == 1
    assert login(w.ub_admin).get(f"{V}/outcomes/{oid}").status_code == 404
    assert patch(login(w.ub_admin), f"{V}/outcomes/{oid}", {"title": "x"}).status_code == 404


def test_outcome_refusals_name_the_field(world, login):
    w = world
    c = login(w.a1_secretary)
    n = Outcome.objects.count()
    r = post(c, f"{V}/outcomes", {"org": "UA01", "title": " ", "issued_on": "2099-01-01", "problems": [w.prob_b.pk]})
    assert r.status_code == 422 and fields(r) == {"title", "issued_on"}
    r = post(c, f"{V}/outcomes", {"org": "UA01", "title": "制度", "issued_on": "2026-06-01", "problems": [w.prob_b.pk]})
    assert r.status_code == 422 and fields(r) == {"problems"}
    r = post(c, f"{V}/outcomes", {"org": "UB01", "title": "制度", "issued_on": "2026-06-01"})
    assert r.status_code == 422 and fields(r) == {"org"}
    r = patch(c, f"{V}/outcomes/{w.outcome_a.pk}", {"title": None})
    assert r.status_code == 422 and fields(r) == {"title"}
    assert Outcome.objects.count() == n


def test_outcome_list_scoped_and_constant_queries(world, login):
    w = world
    assert [i["id"] for i in login(w.a1_secretary).get(f"{V}/outcomes").json()["items"]] == [w.outcome_a.pk]
    assert login(w.nobody).get(f"{V}/outcomes").json()["count"] == 0
    c = login(w.office)
    with CaptureQueriesContext(connection) as small:
        assert c.get(f"{V}/outcomes").json()["count"] == 2
    for i in range(20):
        o = Outcome.objects.create(org=w.a1, title=f"制度{i}", issued_on=dt.date(2026, 6, 1))
        o.problems.set([w.prob_a, w.prob_rectified_a])
    with CaptureQueriesContext(connection) as big:
        assert c.get(f"{V}/outcomes").json()["count"] == 22
    assert len(big) == len(small)


# --- aspects -----------------------------------------------------------------------------------
def test_aspects(world, login):
    w = world
    body = login(w.a1_secretary).get(f"{V}/aspects").json()
    assert len(body) == 6 and body[0]["problems"] >= 1
    assert login(w.nobody).get(f"{V}/aspects").status_code == 403
    c = login(w.office)
    r = post(c, f"{V}/aspects", {"name": "党建引领发展方面", "short_name": "党建引领", "order": 7})
    assert r.status_code == 201 and r.json()["active"]
    new_id = r.json()["id"]
    r = post(c, f"{V}/aspects", {"name": "党建引领发展方面", "short_name": "另一个"})
    assert r.status_code == 422 and fields(r) == {"name"}
    assert patch(c, f"{V}/aspects/{w.aspect.pk}", {"active": False}).json()["active"] is False
    r = c.delete(f"{V}/aspects/{w.aspect.pk}")
    assert r.status_code == 422 and Aspect.objects.filter(pk=w.aspect.pk).exists()
    assert c.delete(f"{V}/aspects/{new_id}").status_code == 204
    assert post(login(w.ua_admin), f"{V}/aspects", {"name": "甲", "short_name": "甲"}).status_code == 403
