"""/api/v1/supervision activities, findings, feedback and exemplars: scoped like the pages (a
group sees only its units, a unit only its own feedback), bad input named by field, refusals
that change nothing, lists at a constant number of queries."""
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.rectification.models import Problem
from dangjian.supervision.models import Activity, Finding
from tests.authz.engine import fingerprint

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def send(client, method, path, body=None):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json")


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def _body(w, **over):
    return {"group": w.group1.pk, "org": w.b1.code, "kind": "interview", "held_on": timezone.localdate().isoformat(),
            "subject": "座谈", "interviewed_count": 5, "interviewees": "党员五人", **over}


def test_group_member_records_and_reads_own_only(world, client, login):
    w = world
    login(w.guide)
    out = ok(send(client, "post", f"{API}/activities", _body(w)), 201)
    assert out["kind"] == "interview" and out["interviewed_count"] == 5 and out["round"] == w.round_now.pk
    ids = {a["id"] for a in ok(client.get(f"{API}/activities"))["items"]}
    assert ids == {w.activity_b.pk, out["id"]}
    assert client.get(f"{API}/activities/{w.activity_a.pk}").status_code == 404
    kinds = ok(client.get(f"{API}/activities", {"kind": "interview"}))["items"]
    assert [a["id"] for a in kinds] == [out["id"]]


def test_unit_not_assigned_refused_by_field(world, client, login):
    w = world
    login(w.guide)
    before = fingerprint()
    assert errors(send(client, "post", f"{API}/activities", _body(w, org=w.a1.code)))["org"] == "该单位不在本组联系范围内"
    assert errors(send(client, "post", f"{API}/activities", _body(w, interviewees="")))["interviewees"] == "座谈访谈请填写访谈对象"
    assert send(client, "post", f"{API}/activities", _body(w, group=w.group2.pk, org=w.a1.code)).status_code == 403
    assert fingerprint() == before


def test_patch_photo_questioning(world, client, login, media):
    w = world
    login(w.guide)
    a = ok(send(client, "patch", f"{API}/activities/{w.activity_b.pk}", {"notes": "补充记录"}))
    assert a["notes"] == "补充记录"
    r = client.post(f"{API}/activities/{w.activity_b.pk}/photos", {"file": SimpleUploadedFile("x.png", PNG), "caption": "现场"})
    photo = ok(r, 201)
    assert photo["content_type"] == "image/png"
    assert client.get(photo["url"]).status_code == 200
    bad = client.post(f"{API}/activities/{w.activity_b.pk}/photos", {"file": SimpleUploadedFile("x.png", b"plain text")})
    assert "类型不允许" in errors(bad)["file"]
    q = ok(send(client, "post", f"{API}/activities/{w.activity_b.pk}/questionings", {"member": w.m_b1.pk, "count": 2}), 201)
    assert len(q["items"]) == 2 and q["score"] is None
    assert "marks" in errors(send(client, "post", f"{API}/activities/{w.activity_b.pk}/questionings/{q['id']}/marks",
                                  {"marks": [{"question": q["items"][0]["question"], "correct": True}]}))
    marks = [{"question": i["question"], "correct": True} for i in q["items"]]
    done = ok(send(client, "post", f"{API}/activities/{w.activity_b.pk}/questionings/{q['id']}/marks", {"marks": marks}))
    assert done["score"] == 100
    detail = ok(client.get(f"{API}/activities/{w.activity_b.pk}"))
    assert [x["score"] for x in detail["questionings"]] == [100] and len(detail["photos"]) == 1


def test_finding_feedback_answer(world, client, login):
    w = world
    login(w.guide)
    body = {"activity": w.activity_b.pk, "feedback": "请规范记录", "title": "记录不规范", "aspect": w.aspect.pk, "leader": "书记",
            "owner": "委员", "due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}
    f = ok(send(client, "post", f"{API}/findings", body), 201)
    p = Problem.objects.get(pk=f["problem"])
    assert p.source == "inspection" and p.status == "open" and p.org == w.b1 and p.created_by == w.guide
    assert f["status"] == "sent"
    before = fingerprint()
    assert "due_on" in errors(send(client, "post", f"{API}/findings", {**body, "due_on": "2000-01-01"}))
    assert fingerprint() == before
    # the unit sees its own feedback only, and answers it once
    login(w.ub_admin)
    ids = {x["id"] for x in ok(client.get(f"{API}/feedback", {"status": "sent"}))["items"]}
    assert ids == {w.finding_b.pk, f["id"]}
    out = ok(send(client, "post", f"{API}/feedback/{f['id']}/answer", {"answer": "已整改"}))
    assert out["status"] == "answered" and out["answer"] == "已整改"
    assert "answer" in errors(send(client, "post", f"{API}/feedback/{f['id']}/answer", {"answer": "再答"}))
    login(w.ua_admin)
    assert client.get(f"{API}/feedback/{f['id']}").status_code == 404
    assert {x["id"] for x in ok(client.get(f"{API}/feedback"))["items"]} == {w.finding_a.pk}


def test_exemplars(world, client, login):
    w = world
    login(w.guide)
    e = ok(send(client, "post", f"{API}/exemplars", {"activity": w.activity_b.pk, "title": "共建", "description": "与社区共建"}), 201)
    assert e["org"] == w.b1.code
    assert "title" in errors(send(client, "post", f"{API}/exemplars", {"activity": w.activity_b.pk, "title": " ", "description": "x"}))
    login(w.ub_admin)
    assert {x["id"] for x in ok(client.get(f"{API}/exemplars"))["items"]} == {w.exemplar_b.pk, e["id"]}


@pytest.mark.parametrize("path", ["activities", "feedback", "exemplars"])
def test_lists_constant_queries(world, client, login, path):
    w = world
    login(w.office)
    url = f"{API}/{path}"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        ok(client.get(url))
    for i in range(10):
        a = Activity.objects.create(group=w.group1, org=w.b1, kind="visit", held_on=timezone.localdate(), subject=f"走访{i}", round=w.round_now)
        Finding.objects.create(activity=a, org=w.b1, feedback=f"意见{i}")
        a.exemplars.create(org=w.b1, title=f"经验{i}", description="d")
    with CaptureQueriesContext(connection) as big:
        out = ok(client.get(url))
    assert out["count"] >= 12
    assert len(big) == len(small)
