"""/api/v1/notices, receipts and acknowledgement, /api/v1/todo, /api/v1/notifications."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.campaigns import notices as ns
from dangjian.campaigns.models import Notice
from dangjian.core.models import Notification

pytestmark = pytest.mark.django_db


def send(client, method, path, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def body(**kw):
    b = {"org": "ROOT", "title": "关于报送名单的通知", "body": "请于5月1日前报送。", "target_orgs": ["UA", "UB"],
         "ack_due_on": "2099-05-01"}
    b.update(kw)
    return b


def test_create_send_acknowledge(world, login):
    w = world
    c = login(w.office)
    r = send(c, "post", "/api/v1/notices", body())
    assert r.status_code == 201, r.content
    notice = r.json()
    assert notice["status"] == "draft" and notice["unit_count"] == 2
    r = c.post(f"/api/v1/notices/{notice['id']}/send")
    assert r.status_code == 200 and r.json()["status"] == "sent"
    assert c.post(f"/api/v1/notices/{notice['id']}/send").status_code == 422
    receipts = c.get(f"/api/v1/notices/{notice['id']}/receipts?pending=true").json()
    assert receipts["count"] == 2
    ua = next(x for x in receipts["items"] if x["org"] == "UA")
    lc = login(w.ua_liaison)
    assert lc.get(f"/api/v1/notices/{notice['id']}").json()["read_count"] == 1
    assert lc.get(f"/api/v1/notices/{notice['id']}/receipts").status_code == 403
    r = send(lc, "post", f"/api/v1/notice-receipts/{ua['id']}/acknowledge", {"reply": "收到"})
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "ua_liaison"
    assert send(lc, "post", f"/api/v1/notice-receipts/{ua['id']}/acknowledge", {}).status_code == 422
    ub = next(x for x in receipts["items"] if x["org"] == "UB")
    assert send(lc, "post", f"/api/v1/notice-receipts/{ub['id']}/acknowledge", {}).status_code == 404
    c = login(w.office)
    assert c.get(f"/api/v1/notices/{notice['id']}/receipts?pending=true").json()["count"] == 1


def test_bad_input_and_scope(world, login):
    w = world
    r = send(login(w.office), "post", "/api/v1/notices", body(title="", target_orgs=["NOPE"]))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["detail"]} == {"target_orgs"}
    r = send(login(w.office), "post", "/api/v1/notices", body(title=" ", roles=["member"]))
    assert {e["field"] for e in r.json()["detail"]} == {"title", "roles"}
    assert send(login(w.ua_admin), "post", "/api/v1/notices", body()).status_code == 403
    n = ns.create_notice(w.office, ns.NoticeData(org=w.root, title="草稿", body="x", target_orgs=[w.unit_a]))
    assert login(w.ua_liaison).get(f"/api/v1/notices/{n.pk}").status_code == 404
    r = send(login(w.office), "patch", f"/api/v1/notices/{n.pk}", {"title": "改过", "target_orgs": ["UB"]})
    assert r.status_code == 200 and r.json()["title"] == "改过" and r.json()["unit_count"] == 1


def test_list_constant_queries(world, login):
    w = world
    c = login(w.office)
    ns.create_notice(w.office, ns.NoticeData(org=w.root, title="一", body="x", target_orgs=[w.unit_a]), send=True)
    with CaptureQueriesContext(connection) as one:
        assert c.get("/api/v1/notices").json()["count"] == 1
    for i in range(6):
        ns.create_notice(w.office, ns.NoticeData(org=w.root, title=f"通知{i}", body="x", target_orgs=[w.unit_a, w.unit_b]), send=True)
    with CaptureQueriesContext(connection) as many:
        assert c.get("/api/v1/notices").json()["count"] == 7
    assert len(many) == len(one)
    assert [n["title"] for n in login(w.ub_admin).get("/api/v1/notices?box=received").json()["items"]][0] == "通知5"
    assert Notice.objects.count() == 7


def test_todo_and_notifications(world, login):
    w = world
    ns.create_notice(w.office, ns.NoticeData(org=w.root, title="待回执", body="x", target_orgs=[w.unit_a]), send=True)
    c = login(w.ua_liaison)
    t = c.get("/api/v1/todo").json()
    assert t["notice_count"] == 1 and t["task_count"] == 3 and t["notices"][0]["title"] == "待回执"
    page = c.get("/api/v1/notifications").json()
    assert page["count"] == 1 and page["unread"] == 1
    nid = page["items"][0]["id"]
    assert login(w.ub_admin).post(f"/api/v1/notifications/{nid}/read").status_code == 404
    c = login(w.ua_liaison)
    assert c.post(f"/api/v1/notifications/{nid}/read").json()["read_at"]
    assert send(c, "post", "/api/v1/notifications/read", {}).json() == {"marked": 0, "unread": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # ua_admin's
