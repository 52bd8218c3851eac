"""/api/v1/campaigns/{id}/progress and .../overdue: the table as JSON, scoped like the page."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.campaigns import services as cs
from dangjian.campaigns.models import UnitTask
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def url(w, tail=""):
    return f"/api/v1/campaigns/{w.campaign.pk}/progress{tail}"


def test_office_gets_tasks_rows_rollups_and_totals(login, world):
    UnitTask.objects.filter(task=world.task_g, org__code="UA01").update(status="approved")
    body = login(world.office).get(url(world)).json()
    assert [t["title"] for t in body["tasks"]] == ["召开动员部署会", "报送工作方案"]
    assert body["tasks"][0]["counts"]["approved"] == 1 and body["tasks"][0]["counts"]["total"] == 3
    rows = body["rows"]
    assert rows["count"] == 3 and [r["code"] for r in rows["items"]] == ["UA01", "UA02", "UB01"]
    ua01 = rows["items"][0]
    assert ua01["secondary"] == "UA" and ua01["cells"][0]["label"] == "已通过" and ua01["cells"][0]["shown"] == "approved"
    assert rows["items"][1]["cells"][1] is None
    assert [(r["code"], r["units"]) for r in body["rollups"]] == [("UA", 2), ("UB", 1)]
    assert body["rollups"][0]["tasks"][0]["approved"] == 1
    assert body["totals"]["total"] == 5 and body["totals"]["approved"] == 1


@pytest.mark.parametrize("who, codes", [("ua_admin", ["UA01", "UA02"]), ("guide", ["UB01"]), ("a1_secretary", ["UA01"])])
def test_rows_are_scoped(login, world, who, codes):
    body = login(getattr(world, who)).get(url(world)).json()
    assert [r["code"] for r in body["rows"]["items"]] == codes
    assert body["totals"]["total"] == sum(r["counts"]["total"] for r in body["rows"]["items"])


def test_paging_and_filters(login, world):
    client = login(world.office)
    body = client.get(url(world), {"limit": 1, "offset": 1}).json()
    assert body["rows"]["count"] == 3 and [r["code"] for r in body["rows"]["items"]] == ["UA02"]
    assert body["totals"]["total"] == 5  # totals cover the whole scope, not the page
    assert [r["code"] for r in client.get(url(world), {"unit": "UB"}).json()["rows"]["items"]] == ["UB01"]
    assert [r["code"] for r in client.get(url(world), {"group": world.group2.pk}).json()["rows"]["items"]] == ["UA01", "UA02"]
    bad = client.get(url(world), {"status": "bogus"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "status"


def test_overdue_list(login, world):
    world.task_g.due_on = dt.date(2020, 4, 23)
    world.task_g.save()
    UnitTask.objects.filter(task=world.task_g, org__code="UA01").update(status="submitted")
    body = login(world.office).get(url(world, "/overdue")).json()
    assert body["count"] == 2 and [i["code"] for i in body["items"]] == ["UA02", "UB01"]
    assert body["items"][0]["task_title"] == "召开动员部署会" and body["items"][0]["days_late"] > 0
    assert [i["code"] for i in login(world.guide).get(url(world, "/overdue")).json()["items"]] == ["UB01"]


def test_outside_scope_is_404(login, world):
    assert login(world.member_user).get(url(world)).status_code == 404
    assert login(world.office).get("/api/v1/campaigns/999999/progress").status_code == 404


def test_query_count_does_not_grow_with_units(login, world):
    client = login(world.office)
    client.get(url(world))

    def count():
        with CaptureQueriesContext(connection) as q:
            assert client.get(url(world)).status_code == 200
        return len(q)

    before = count()
    for i in range(10):
        make_org(f"UBX{i}", f"新支部{i}", "branch", world.unit_b)
    cs.sync_unit_tasks(world.task_g)
    assert count() == before
    assert client.get(url(world)).json()["rows"]["count"] == 13
