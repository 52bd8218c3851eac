"""/api/v1/services/matters: scoped like the pages, bad input named by field, refusals that
change nothing, constant queries, the history."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.campaigns.models import Evidence, UnitTask
from dangjian.services.models import PracticalMatter
from tests.authz.engine import fingerprint

pytestmark = pytest.mark.django_db
API = "/api/v1/services/matters"


def send(client, method, path, body=None):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json")


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def test_crud_progress_and_history(world, login):
    w = world
    c = login(w.a1_secretary)
    body = {"org": "UA01", "title": "校园夜间照明改造", "category": "safety", "owner": "保卫处王科长", "leader": "副校长",
            "starts_on": "2026-06-01", "due_on": "2026-09-30", "campaign": w.campaign.pk, "problem": w.prob_a.pk}
    m = ok(send(c, "post", API, body), 201)
    assert (m["status"], m["category_label"], m["problem"], m["may_edit"]) == ("planned", "安全保障", w.prob_a.pk, True)
    m = ok(send(c, "patch", f"{API}/{m['id']}", {"title": "校园夜间照明改造（一期）", "problem": None}))
    assert m["title"].endswith("（一期）") and m["problem"] is None
    m = ok(send(c, "post", f"{API}/{m['id']}/progress", {"status": "done", "outcome": "新装路灯120盏", "beneficiaries": 20000,
                                                          "satisfaction": 97.5, "done_on": "2026-09-01"}))
    assert (m["status_label"], m["done_on"], m["satisfaction"], m["beneficiaries"]) == ("已办结", "2026-09-01", 97.5, 20000)
    hist = ok(c.get(f"{API}/{m['id']}/history"))
    assert [h["reason"] for h in hist] == ["办结", "修改办实事项目", "登记办实事项目"]
    assert hist[0]["user"] == "a1_secretary" or hist[0]["user"]
    changed = {ch["field"] for ch in hist[0]["changes"]}
    assert {"状态", "办理成效", "受益人数"} <= changed


def test_bad_input_by_field(world, login):
    w = world
    c = login(w.ua_admin)
    before = fingerprint()
    e = errors(send(c, "post", API, {"org": "UA01", "title": "x", "owner": "", "starts_on": "2026-06-01", "due_on": "2026-05-01"}))
    assert e == {"owner": "请填写责任人", "due_on": "计划完成日期不能早于开始日期"}
    e = errors(send(c, "post", API, {"org": "NOPE", "title": "x", "owner": "y", "starts_on": "2026-06-01", "due_on": "2026-07-01"}))
    assert e == {"org": "组织“NOPE”不存在"}
    e = errors(send(c, "post", API, {"org": "UA01", "title": "x", "owner": "y", "starts_on": "2026-06-01", "due_on": "2026-07-01",
                                     "problem": w.prob_b.pk}))
    assert e == {"problem": "对应问题不存在或不在查看范围内"}
    e = errors(send(c, "post", f"{API}/{w.matter_a.pk}/progress", {"status": "done"}))
    assert e == {"outcome": "办结时请填写办理成效"}
    e = errors(send(c, "post", f"{API}/{w.matter_a.pk}/progress", {"status": "doing", "satisfaction": 120}))
    assert set(e) == {"satisfaction"}
    e = errors(send(c, "patch", f"{API}/{w.matter_a.pk}", {"title": None}))
    assert e == {"title": "不能为空"}
    assert fingerprint() == before


def test_scope(world, login):
    w = world
    c = login(w.ua_admin)
    data = ok(c.get(API))
    assert [i["id"] for i in data["items"]] == [w.matter_a.pk]
    assert c.get(f"{API}/{w.matter_b.pk}").status_code == 404
    before = fingerprint()
    assert send(c, "patch", f"{API}/{w.matter_b.pk}", {"title": "越权"}).status_code == 404
    assert send(c, "post", API, {"org": "UB01", "title": "越权", "owner": "y", "starts_on": "2026-06-01",
                                 "due_on": "2026-07-01"}).status_code == 403
    assert fingerprint() == before
    g = login(w.guide)  # sees UB, may not act there
    before = fingerprint()
    assert ok(g.get(f"{API}/{w.matter_b.pk}"))["may_edit"] is False
    assert send(g, "post", f"{API}/{w.matter_b.pk}/progress", {"status": "doing"}).status_code == 403
    assert fingerprint() == before


def test_filters_and_counts(world, login):
    w = world
    c = login(w.office)
    PracticalMatter.objects.create(org=w.a2, title="逾期的实事", owner="x", starts_on=dt.date(2026, 1, 1), due_on=dt.date(2026, 2, 1),
                                   status="doing", category="campus")
    data = ok(c.get(API, {"overdue": "true"}))
    assert [i["title"] for i in data["items"]] == ["逾期的实事"] and data["items"][0]["overdue"] is True
    data = ok(c.get(API, {"org": "UA", "status": "doing"}))
    assert data["count"] == 2 and data["counts"]["total"] == 2
    assert {s["status"]: s["n"] for s in data["counts"]["by_status"]}["doing"] == 2
    data = ok(c.get(API, {"category": "logistics"}))
    assert [i["id"] for i in data["items"]] == [w.matter_b.pk]
    data = ok(c.get(API, {"q": "核磁"}))
    assert [i["id"] for i in data["items"]] == [w.matter_a.pk]
    assert c.get(API, {"status": "bogus"}).status_code == 422


def test_list_queries_constant(world, login):
    w = world
    c = login(w.office)
    c.get(API)
    with CaptureQueriesContext(connection) as small:
        ok(c.get(API))
    today = timezone.localdate()
    PracticalMatter.objects.bulk_create([PracticalMatter(org=w.b1, title=f"实事{i}", owner="x", starts_on=today, due_on=today,
                                                         status="done" if i % 2 else "planned") for i in range(80)])
    with CaptureQueriesContext(connection) as large:
        data = ok(c.get(API))
    assert data["count"] == 82 and len(data["items"]) == 50
    assert len(large) == len(small)


def test_link_as_task_evidence(world, login):
    w = world
    c = login(w.a1_secretary)
    ut = UnitTask.objects.get(task=w.task_g, org=w.a1)
    ev = ok(send(c, "post", f"{API}/{w.matter_a.pk}/evidence", {"unit_task": ut.pk, "description": "成效材料"}), 201)
    assert ev["record_ref"] == f"services.PracticalMatter:{w.matter_a.pk}" and ev["kind"] == "record"
    detail = ok(c.get(f"{API}/{w.matter_a.pk}"))
    assert [e["unit_task"] for e in detail["evidence_for"]] == [ut.pk]
    e = errors(send(c, "post", f"{API}/{w.matter_a.pk}/evidence", {"unit_task": ut.pk}))
    assert e == {"unit_task": "该任务已关联本办实事项目"}
    other = UnitTask.objects.get(task=w.task_g, org=w.a2)
    e = errors(send(login(w.ua_admin), "post", f"{API}/{w.matter_a.pk}/evidence", {"unit_task": other.pk}))
    assert e == {"unit_task": "只能作为本项目责任单位自己任务的佐证材料"}
    assert Evidence.objects.filter(record_ref__startswith="services.PracticalMatter:").count() == 1


def test_in_openapi(world, client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/v1/services/matters", "/api/v1/services/matters/{matter_id}", "/api/v1/services/matters/{matter_id}/progress",
            "/api/v1/services/matters/{matter_id}/evidence", "/api/v1/services/matters/{matter_id}/history"} <= set(paths)
