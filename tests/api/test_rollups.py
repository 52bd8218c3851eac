"""/api/v1/rollups: counts under an org, and one row per unit directly under it."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_member, make_org

pytestmark = pytest.mark.django_db


def counts(rows) -> dict[str, int]:
    return {row["code"]: row["count"] for row in rows}


def test_office_sees_the_whole_tree_by_default(login, world):
    body = login(world.office).get("/api/v1/rollups").json()
    assert body["org"] is None
    assert counts(body["orgs_by_kind"]) == {"committee": 2, "general_branch": 1, "branch": 3, "group": 1}
    assert counts(body["members_by_category"]) == {"staff": 3, "retired": 1, "student": 1, "floating": 0}
    assert {row["code"]: row["label"] for row in body["members_by_category"]}["retired"] == "离退休"
    units = {u["code"]: u for u in body["units"]}
    assert list(units) == ["UA", "UB"]
    ua = units["UA"]
    assert ua["parent"] == "ROOT" and ua["kind_label"] == "党委"
    assert counts(ua["orgs_by_kind"]) == {"committee": 1, "general_branch": 0, "branch": 2, "group": 1}
    assert (ua["members"], ua["cadres"]) == (3, 1)
    assert counts(ua["members_by_category"]) == {"staff": 1, "retired": 1, "student": 1, "floating": 0}
    assert units["UB"]["members"] == 2


def test_an_org_narrows_the_counts(login, world):
    body = login(world.ua_admin).get("/api/v1/rollups", {"org": "UA01"}).json()
    assert (body["org"], body["org_name"]) == ("UA01", "文学院教工第一党支部")
    assert counts(body["orgs_by_kind"]) == {"committee": 0, "general_branch": 0, "branch": 1, "group": 1}
    assert sum(counts(body["members_by_category"]).values()) == 2
    assert [u["code"] for u in body["units"]] == ["UA01G1"]


def test_unit_admin_default_is_their_own_unit(login, world):
    body = login(world.ua_admin).get("/api/v1/rollups").json()
    assert sum(counts(body["orgs_by_kind"]).values()) == 4
    assert sum(counts(body["members_by_category"]).values()) == 3
    assert [(u["code"], u["parent"]) for u in body["units"]] == [("UA01", "UA"), ("UA02", "UA")]


@pytest.mark.parametrize("who, code", [("ua_admin", "UB"), ("ua_admin", "ROOT"), ("guide", "UA"), ("office", "NOPE")])
def test_out_of_scope_org_is_404(login, world, who, code):
    assert login(getattr(world, who)).get("/api/v1/rollups", {"org": code}).status_code == 404


def test_a_plain_member_sees_only_their_own_record_counted(login, world):
    body = login(world.member_user).get("/api/v1/rollups").json()
    assert sum(counts(body["orgs_by_kind"]).values()) == 0
    assert counts(body["members_by_category"])["staff"] == 1
    assert body["units"] == []


def test_counts_are_computed_in_the_database(login, world):
    client = login(world.office)
    client.get("/api/v1/me")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/rollups", {"org": "ROOT"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(20):
        branch = make_org(f"UBX{i}", f"支部{i}", "branch", world.unit_b)
        make_member(branch, f"成员{i}")
    assert count() == small
