"""/api/v1/rectification/problems…: scoped like the pages, the whole way through the API, bad
input named by field, refusals that change nothing, constant queries on the list."""
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.rectification.models import Measure, Problem, ProblemEvidence
from tests.authz.engine import fingerprint

pytestmark = pytest.mark.django_db
API = "/api/v1/rectification"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send(client, method, path, body=None):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json")


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def _body(w, **over):
    body = {"org": "UA01", "title": "谈心谈话不经常", "description": "支部委员与党员谈心谈话少", "source": "self", "aspect": w.aspect.pk,
            "found_on": "2026-05-01", "due_on": "2026-12-31", "leader": "院党委书记", "owner": "支部书记",
            "measures": [{"text": "每季度谈心谈话全覆盖", "due_on": "2026-09-30"}]}
    body.update(over)
    return body


def test_list_is_scoped_and_filtered(world, login):
    w = world
    c = login(w.a1_secretary)
    data = ok(c.get(f"{API}/problems"))
    ids = {p["id"] for p in data["items"]}
    assert data["count"] == 5 and w.prob_a.pk in ids and w.prob_b.pk not in ids
    row = next(p for p in data["items"] if p["id"] == w.prob_a.pk)
    assert row["status"] == "rectifying" and row["status_label"] == "整改中" and row["measures_total"] == 1 and row["org"] == "UA01"
    assert ok(c.get(f"{API}/problems?status=reviewing"))["items"][0]["review_org"] == "UA"
    assert ok(c.get(f"{API}/problems?org=UB01"))["count"] == 0
    assert ok(c.get(f"{API}/problems?q=走过场"))["count"] == 1
    assert ok(c.get(f"{API}/problems?status=accepted"))["count"] == 3
    Problem.objects.filter(pk=w.prob_a.pk).update(due_on=dt.date(2026, 6, 1))
    over = ok(c.get(f"{API}/problems?overdue=true"))
    assert [p["id"] for p in over["items"]] == [w.prob_a.pk] and over["items"][0]["overdue"] is True
    assert c.get(f"{API}/problems/{w.prob_b.pk}").status_code == 404


def test_list_constant_queries(world, login):
    w = world
    c = login(w.office)
    c.get(f"{API}/problems")
    with CaptureQueriesContext(connection) as small:
        ok(c.get(f"{API}/problems"))
    for i in range(25):
        p = Problem.objects.create(org=w.a1, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title=f"问题{i}", leader="甲", owner="乙",
                                   due_on=dt.date(2026, 12, 1), status="open", level_depth=1)
        Measure.objects.create(problem=p, text="措施", due_on=dt.date(2026, 7, 1))
    with CaptureQueriesContext(connection) as big:
        assert ok(c.get(f"{API}/problems"))["count"] == 35
    assert len(big) == len(small)


def test_whole_way_through_the_api(world, login, media):
    w = world
    c = login(w.a1_secretary)
    p = ok(send(c, "post", f"{API}/problems", _body(w)), 201)
    assert p["status"] == "draft" and p["number"].startswith("UA01-2026-") and p["measures"][0]["text"] == "每季度谈心谈话全覆盖"
    pid = p["id"]
    p = ok(send(c, "patch", f"{API}/problems/{pid}", {"description": "谈心谈话流于形式"}))
    assert p["description"] == "谈心谈话流于形式"
    p = ok(send(c, "post", f"{API}/problems/{pid}/submit"))
    assert p["status"] == "reviewing" and p["review_org"] == "UA"
    # The branch cannot review its own problem; the unit returns it with a comment.
    assert send(c, "post", f"{API}/problems/{pid}/review", {"approve": True}).status_code == 403
    c = login(w.ua_admin)
    assert "comment" in errors(send(c, "post", f"{API}/problems/{pid}/review", {"approve": False}))
    p = ok(send(c, "post", f"{API}/problems/{pid}/review", {"approve": False, "comment": "措施不具体"}))
    assert p["status"] == "returned" and p["level_depth"] is None
    c = login(w.a1_secretary)
    ok(send(c, "post", f"{API}/problems/{pid}/submit"))
    c = login(w.ua_admin)
    p = ok(send(c, "post", f"{API}/problems/{pid}/review", {"approve": True, "expected_level": w.unit_a.pk}))
    assert p["review_org"] == w.root.code
    c = login(w.office)
    assert "status" in errors(send(c, "post", f"{API}/problems/{pid}/review", {"approve": True, "expected_level": w.unit_a.pk}))
    p = ok(send(c, "post", f"{API}/problems/{pid}/review", {"approve": True, "expected_level": w.root.pk}))
    assert p["status"] == "open" and p["level_depth"] == 1
    steps = ok(c.get(f"{API}/problems/{pid}/steps"))
    assert [s["action"] for s in steps] == ["submit", "return", "submit", "approve", "approve"]
    assert steps[1]["comment"] == "措施不具体" and steps[1]["level_org"] == "UA"
    # The branch works: a measure done, a file as evidence, declares.
    c = login(w.a1_secretary)
    mid = p["measures"][0]["id"]
    m = ok(send(c, "patch", f"{API}/measures/{mid}", {"status": "done", "progress": "已全覆盖"}))
    assert m["status"] == "done"
    extra = ok(send(c, "post", f"{API}/problems/{pid}/measures", {"text": "建立谈心谈话台账", "due_on": "2026-10-31"}), 201)
    assert "measures" in errors(send(c, "post", f"{API}/problems/{pid}/rectified", {"note": "已整改"}))
    ok(send(c, "patch", f"{API}/measures/{extra['id']}", {"status": "done"}))
    r = c.post(f"{API}/problems/{pid}/evidence", {"file": SimpleUploadedFile("谈心谈话记录.pdf", PDF), "measure": mid})
    ev = ok(r, 201)
    assert ev["kind"] == "file" and ev["name"] == "谈心谈话记录.pdf" and ev["measure"] == mid
    assert b"".join(c.get(ev["url"]).streaming_content) == PDF
    linked = ok(send(c, "post", f"{API}/problems/{pid}/evidence", {"record_ref": "study.StudySession:1", "record_label": "专题学习会"}), 201)
    assert linked["kind"] == "record"
    assert len(ok(c.get(f"{API}/problems/{pid}/evidence"))) == 2
    ok(c.delete(f"{API}/evidence/{linked['id']}"), 204)
    assert len(ok(c.get(f"{API}/problems/{pid}/evidence"))) == 1
    p = ok(send(c, "post", f"{API}/problems/{pid}/rectified", {"note": "谈心谈话全覆盖"}))
    assert p["status"] == "rectified" and p["rectified_by"] == w.a1_secretary.username
    # Close before verify: refused; verify by the unit; close.
    c = login(w.ua_admin)
    assert "status" in errors(send(c, "post", f"{API}/problems/{pid}/close"))
    p = ok(send(c, "post", f"{API}/problems/{pid}/verify", {"approve": True}))
    assert p["status"] == "verified" and p["may_close"] is True
    p = ok(send(c, "post", f"{API}/problems/{pid}/close", {"comment": "同意销号"}))
    assert p["status"] == "closed" and p["closed_by"] == w.ua_admin.username
    hist = ok(c.get(f"{API}/problems/{pid}/history"))
    reasons = [h["reason"] for h in hist]
    assert "销号" in reasons and "录入问题" in reasons and any(h["what"].startswith("措施") for h in hist)


def test_refusals_named_by_field_change_nothing(world, login):
    w = world
    c = login(w.a1_secretary)
    before = fingerprint()
    assert errors(send(c, "post", f"{API}/problems", _body(w, due_on="2026-04-01")))["due_on"] == "整改时限不能早于发现日期"
    e = errors(send(c, "post", f"{API}/problems", _body(w, measures=[{"text": "x", "due_on": "2026-01-01"}])))
    assert "完成时限不能早于发现日期" in e["measures.1.due_on"]
    assert "aspect" in errors(send(c, "post", f"{API}/problems", _body(w, aspect=99999)))
    assert "org" in errors(send(c, "post", f"{API}/problems", _body(w, org="NOPE")))
    assert send(c, "post", f"{API}/problems", _body(w, org="UB01")).status_code == 404
    assert errors(send(c, "post", f"{API}/problems", _body(w, found_on="2026-13-01")))["found_on"]
    # Editing what was reviewed while being rectified: refused on status.
    assert "status" in errors(send(c, "patch", f"{API}/problems/{w.prob_a.pk}", {"title": "换个说法"}))
    # Evidence with neither a file nor a record.
    assert "file" in errors(send(c, "post", f"{API}/problems/{w.prob_a.pk}/evidence", {"record_ref": "", "record_label": ""}))
    r = c.post(f"{API}/problems/{w.prob_a.pk}/evidence", {"file": SimpleUploadedFile("a.pdf", b"not a pdf")})
    assert "file" in errors(r)
    # A done measure is not deleted.
    Measure.objects.filter(pk=w.measure_a.pk).update(status="done")
    before = fingerprint()
    assert "measure" in errors(c.delete(f"{API}/measures/{w.measure_a.pk}"))
    assert fingerprint() == before


def test_verifying_ones_own_rectification_refused(world, login):
    w = world
    p = w.prob_rectified_a
    Problem.objects.filter(pk=p.pk).update(rectified_by=w.ua_admin)
    c = login(w.ua_admin)
    detail = ok(c.get(f"{API}/problems/{p.pk}"))
    assert detail["may_verify"] is False
    before = fingerprint()
    assert errors(send(c, "post", f"{API}/problems/{p.pk}/verify", {"approve": True}))["status"] == "不能验收本人申报的整改"
    assert fingerprint() == before
    c = login(w.a1_secretary)  # the branch does not verify its own problem at all
    assert send(c, "post", f"{API}/problems/{p.pk}/verify", {"approve": True}).status_code == 403
    c = login(w.office)
    assert ok(send(c, "post", f"{API}/problems/{p.pk}/verify", {"approve": False, "comment": "佐证不足"}))["status"] == "rectifying"


def test_evidence_file_is_scoped(world, login, media):
    w = world
    c = login(w.a1_secretary)
    ev = ok(c.post(f"{API}/problems/{w.prob_a.pk}/evidence", {"file": SimpleUploadedFile("x.pdf", PDF)}), 201)
    assert ProblemEvidence.objects.get(pk=ev["id"]).content_type == "application/pdf"
    c = login(w.ub_admin)
    assert c.get(f"{API}/evidence/{ev['id']}/file").status_code == 404
    assert c.delete(f"{API}/evidence/{ev['id']}").status_code == 404


def test_openapi_lists_the_operations(world, client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    for path in ("/api/v1/rectification/problems", "/api/v1/rectification/problems/{problem_id}/review",
                 "/api/v1/rectification/problems/{problem_id}/evidence", "/api/v1/rectification/measures/{measure_id}",
                 "/api/v1/rectification/evidence/{evidence_id}/file", "/api/v1/rectification/problems/{problem_id}/history"):
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/v1/rectification/problems/{problem_id}/evidence"]["post"]["requestBody"]["content"]
