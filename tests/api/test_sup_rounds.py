"""API of inspection plans, rounds, coverage and the group workspace."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.supervision.models import Activity, InspectionPlan, Round, RoundUnit
from tests.authz.engine import fingerprint
from tests.factories import make_org

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"


def _json(client, method, url, data):
    import json

    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def test_plan_and_round_lifecycle(world, client, login):
    w = world
    login(w.office)
    res = _json(client, "post", f"{API}/plans", {"campaign": w.campaign.pk, "title": "2027年督查计划", "starts_on": "2027-01-01",
                                                 "ends_on": "2027-12-31", "target_units": 10, "target_branches": 100, "target_members": 1000})
    assert res.status_code == 201, res.content
    plan = res.json()
    assert plan["org"] == "ROOT" and [t["key"] for t in plan["progress"]] == ["units", "branches", "members"]
    res = _json(client, "post", f"{API}/plans/{plan['id']}/rounds", {"name": "2027年1月督查", "starts_on": "2027-01-01", "ends_on": "2027-01-31",
                                                                     "split": [{"org": "UA", "group": w.group1.pk}]})
    assert res.status_code == 201, res.content
    rnd = res.json()
    assert (rnd["units"], rnd["covered"], rnd["status"], rnd["full"]) == (1, 0, "planned", False)
    assert [(g["name"], g["left"]) for g in rnd["groups"]] == [("第一巡回指导组", 1)]
    res = _json(client, "patch", f"{API}/rounds/{rnd['id']}", {"status": "active", "split": [{"org": "UA", "group": w.group2.pk},
                                                                                            {"org": "UB", "group": w.group1.pk}]})
    assert res.status_code == 200 and res.json()["status"] == "active" and res.json()["units"] == 2
    Activity.objects.create(group=w.group2, round_id=rnd["id"], org=w.a1, kind="interview", held_on="2027-01-05", subject="座谈", interviewed_count=6)
    res = client.get(f"{API}/rounds/{rnd['id']}/coverage")
    rows = {r["org"]: r for r in res.json()["items"]}
    assert rows["UA"]["visited"] and rows["UA"]["interviewed"] == 6 and not rows["UB"]["visited"]
    assert [r["org"] for r in client.get(f"{API}/rounds/{rnd['id']}/coverage", {"left": "true"}).json()["items"]] == ["UB"]
    res = client.get(f"{API}/plans/{plan['id']}")
    assert {t["key"]: t["done"] for t in res.json()["progress"]} == {"units": 1, "branches": 1, "members": 6}
    assert client.get(f"{API}/rounds", {"plan": plan["id"]}).json()["count"] == 1
    res = _json(client, "patch", f"{API}/plans/{plan['id']}", {"target_units": 12})
    assert res.status_code == 200 and res.json()["target_units"] == 12 and res.json()["title"] == "2027年督查计划"


def _data():
    return {k: v for k, v in fingerprint().items() if not k.startswith("axes.")}  # logging in is logged


def test_bad_input_names_the_field_and_changes_nothing(world, client, login):
    w = world
    login(w.office)
    before = _data()
    res = _json(client, "post", f"{API}/plans", {"campaign": w.campaign.pk, "title": "x", "starts_on": "2027-02-01", "ends_on": "2027-01-01"})
    assert res.status_code == 422 and res.json()["detail"] == [{"field": "ends_on", "message": "结束日期不能早于开始日期"}]
    res = _json(client, "post", f"{API}/plans/{w.plan.pk}/rounds", {"name": "y", "starts_on": "2020-01-01", "ends_on": "2020-01-31"})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "starts_on"
    res = _json(client, "post", f"{API}/plans/{w.plan.pk}/rounds", {"name": "y", "starts_on": w.round_now.starts_on.isoformat(),
                                                                    "ends_on": w.round_now.ends_on.isoformat(), "split": [{"org": "NOPE", "group": w.group1.pk}]})
    assert res.status_code == 422 and res.json()["detail"] == [{"field": "split", "message": "第1项：没有编码为“NOPE”的组织"}]
    res = _json(client, "patch", f"{API}/rounds/{w.round_now.pk}", {"name": "改名", "status": "planned"})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "status"
    assert Round.objects.get(pk=w.round_now.pk).name == w.round_now.name  # the rename was rolled back
    login(w.guide)
    assert _json(client, "patch", f"{API}/rounds/{w.round_now.pk}", {"status": "closed"}).status_code == 403
    assert _json(client, "post", f"{API}/groups/{w.group2.pk}/notices", {"title": "越权"}).status_code == 404
    assert _data() == before
    assert InspectionPlan.objects.count() == 1


def test_workspace_and_notices(world, client, login):
    w = world
    login(w.guide)
    data = client.get(f"{API}/groups/{w.group1.pk}/workspace").json()
    assert data["units"] == ["UB"] and [a["id"] for a in data["recent_activities"]] == [w.activity_b.pk]
    assert data["open_findings_count"] == 1 and data["open_findings"][0]["org"] == "UB01"
    assert [n["title"] for n in data["notices"]] == ["本周五集中学习"] and data["progress"][0]["org"] == "UB"
    res = _json(client, "post", f"{API}/groups/{w.group1.pk}/notices", {"title": "新通知", "body": "内容"})
    assert res.status_code == 201 and res.json()["created_by"]
    res = _json(client, "post", f"{API}/groups/{w.group1.pk}/notices", {"title": " "})
    assert res.status_code == 422 and res.json()["detail"] == [{"field": "title", "message": "请填写标题"}]
    assert [n["title"] for n in client.get(f"{API}/groups/{w.group1.pk}/notices").json()["items"]] == ["新通知", "本周五集中学习"]
    assert client.get(f"{API}/groups/{w.group2.pk}/workspace").status_code == 404
    # The guide's coverage shows only group1's unit.
    assert [r["org"] for r in client.get(f"{API}/rounds/{w.round_now.pk}/coverage").json()["items"]] == ["UB"]


def test_lists_cost_the_same_at_two_sizes(world, client, login):
    w = world
    login(w.office)
    urls = [f"{API}/rounds/{w.round_now.pk}/coverage", f"{API}/rounds", f"{API}/plans", f"{API}/rounds/{w.round_now.pk}",
            f"{API}/groups/{w.group1.pk}/workspace"]

    def counts():
        out = []
        for u in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(u).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    for i in range(5):
        org = make_org(f"UD{i}", f"单位{i}", "committee", w.root)
        RoundUnit.objects.create(round=w.round_now, group=w.group1, org=org)
        Activity.objects.create(group=w.group1, round=w.round_now, org=org, kind="visit", held_on=w.round_now.starts_on, subject="走访")
        Round.objects.create(plan=w.plan, name=f"轮次{i}", starts_on=w.round_now.starts_on, ends_on=w.round_now.ends_on)
        InspectionPlan.objects.create(campaign=w.campaign, org=w.root, title=f"计划{i}", starts_on=w.plan.starts_on, ends_on=w.plan.ends_on)
    assert counts() == small
    assert client.get(urls[0]).json()["count"] == 7
