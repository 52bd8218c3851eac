"""/api/v1/orgs: list, detail, subtree, create, update, move — each scoped like the UI."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.orgs.models import Org
from tests.factories import make_member, make_org

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def send(client, method, path, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


# --- list -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, expected", [
    ("sysadmin", ["ROOT", "UA", "UA01", "UA01G1", "UA02", "UB", "UB01"]),
    ("office", ["ROOT", "UA", "UA01", "UA01G1", "UA02", "UB", "UB01"]),
    ("ua_admin", ["UA", "UA01", "UA01G1", "UA02"]),
    ("ub_admin", ["UB", "UB01"]),
    ("ua_liaison", ["UA", "UA01", "UA01G1", "UA02"]),
    ("a1_secretary", ["UA01", "UA01G1"]),
    ("guide", ["UB", "UB01"]),
    ("member_user", []),
    ("nobody", []),
])
def test_list_shows_what_the_role_may_see(login, world, who, expected):
    assert codes(login(getattr(world, who)).get("/api/v1/orgs")) == expected


def test_list_rows_carry_code_label_parent_and_counts(login, world):
    body = login(world.office).get("/api/v1/orgs").json()
    assert body["count"] == 7 and body["limit"] == 50 and body["offset"] == 0
    rows = {row["code"]: row for row in body["items"]}
    assert rows["ROOT"]["parent"] is None and rows["ROOT"]["depth"] == 1
    assert rows["UA01"] == {
        "code": "UA01", "name": "文学院教工第一党支部", "kind": "branch", "kind_label": "党支部",
        "order": 0, "parent": "UA", "depth": 3, "children_count": 1,
    }
    assert rows["UB"]["kind_label"] == "党总支" and rows["UB"]["children_count"] == 1
    assert "path" not in rows["UA"]


@pytest.mark.parametrize("query, expected", [
    ({"kind": "branch"}, ["UA01", "UA02", "UB01"]),
    ({"q": "文学院"}, ["UA", "UA01", "UA02"]),
    ({"q": "ub0"}, ["UB01"]),
    ({"parent": "UA"}, ["UA01", "UA02"]),
    ({"parent": "ROOT"}, ["UA", "UB"]),
    ({"parent": "NOPE"}, []),
    ({"depth": 2}, ["UA", "UB"]),
    ({"kind": "branch", "parent": "UB"}, ["UB01"]),
])
def test_list_filters(login, world, query, expected):
    assert codes(login(world.office).get("/api/v1/orgs", query)) == expected


def test_list_parent_filter_stays_in_scope(login, world):
    client = login(world.ua_admin)
    assert codes(client.get("/api/v1/orgs", {"parent": "ROOT"})) == ["UA"]
    assert codes(client.get("/api/v1/orgs", {"parent": "UB"})) == []


def test_list_paginates_with_a_total(login, world):
    client = login(world.office)
    body = client.get("/api/v1/orgs", {"limit": 3, "offset": 2}).json()
    assert body["count"] == 7 and [r["code"] for r in body["items"]] == ["UA01", "UA01G1", "UA02"]
    assert errors(client.get("/api/v1/orgs", {"limit": 0}))["limit"] == "不能小于1"
    assert errors(client.get("/api/v1/orgs", {"limit": 501}))["limit"] == "不能大于500"
    assert "可选" in errors(client.get("/api/v1/orgs", {"kind": "club"}))["kind"]


def _grow(parent, n):
    for i in range(n):
        make_org(f"{parent.code}X{i:03d}", f"新支部{i}", "branch", Org.objects.get(pk=parent.pk))


def test_list_costs_the_same_queries_at_any_size(login, world):
    client = login(world.office)
    client.get("/api/v1/orgs")  # warm the session

    def count(query):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/orgs", query)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    small, n_small = count({"parent": "UA"})
    _grow(world.unit_a, 40)
    big, n_big = count({"parent": "UA"})
    assert (n_small, n_big) == (2, 42)
    assert small == big <= 7  # token, user, grants, guidance assignments, org, count, page
    assert count({})[0] <= 6  # session, user, grants, guidance assignments, count, page


# --- detail ---------------------------------------------------------------------------------

def test_detail_has_parent_children_and_subtree_members(login, world):
    body = login(world.ua_admin).get("/api/v1/orgs/UA").json()
    assert body["code"] == "UA" and body["kind"] == "committee" and body["kind_label"] == "党委"
    assert body["parent"] == "ROOT" and body["parent_name"] == "示范大学党委"
    assert body["depth"] == 2 and body["children_count"] == 2
    assert body["member_count"] == 3  # 2 in UA01, 1 in UA02
    assert "path" not in body and "created_at" in body


@pytest.mark.parametrize("who, code", [
    ("ua_admin", "UB"), ("ua_admin", "UB01"), ("ua_admin", "ROOT"), ("a1_secretary", "UA02"),
    ("member_user", "UA01"), ("guide", "UA"), ("office", "NOPE"),
])
def test_detail_out_of_scope_is_404(login, world, who, code):
    response = login(getattr(world, who)).get(f"/api/v1/orgs/{code}")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到，或不在您的查看范围内"}


# --- subtree --------------------------------------------------------------------------------

def test_subtree_is_flat_in_tree_order_with_parents(login, world):
    body = login(world.ua_admin).get("/api/v1/orgs/UA/subtree").json()
    assert body["root"] == "UA" and body["count"] == 4
    assert [(r["code"], r["parent"], r["depth"]) for r in body["items"]] == [
        ("UA", "ROOT", 2), ("UA01", "UA", 3), ("UA01G1", "UA01", 4), ("UA02", "UA", 3),
    ]


def test_subtree_out_of_scope_is_404(login, world):
    assert login(world.ua_admin).get("/api/v1/orgs/UB/subtree").status_code == 404


def test_subtree_is_one_query_after_the_lookup(login, world):
    client = login(world.office)
    client.get("/api/v1/me")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/orgs/ROOT/subtree")
        assert response.status_code == 200
        selects = [q["sql"] for q in ctx.captured_queries if 'FROM "orgs_org"' in q["sql"].split(" WHERE ")[0]]
        return len(ctx.captured_queries), len(selects), response.json()["count"]

    before = count()
    _grow(world.a1, 0)
    _grow(world.unit_b, 25)
    after = count()
    assert (before[2], after[2]) == (7, 32)
    assert before[:2] == after[:2]
    assert after[1] == 2  # the scoped lookup of the root, then the whole subtree


# --- create ---------------------------------------------------------------------------------

def test_create_under_own_unit(login, world):
    response = send(login(world.ua_admin), "post", "/api/v1/orgs",
                    {"code": "UA03", "name": " 文学院第三党支部 ", "kind": "branch", "parent": "UA", "order": 3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "UA03" and body["name"] == "文学院第三党支部" and body["parent"] == "UA"
    assert body["depth"] == 3 and body["order"] == 3 and body["member_count"] == 0
    org = Org.objects.get(code="UA03")
    assert Org.objects.get_parent(org) == world.unit_a
    assert org.history.latest().history_user == world.ua_admin


@pytest.mark.parametrize("who, parent", [
    ("ua_admin", "UB"), ("ua_admin", "ROOT"), ("ua_liaison", "UA"), ("a1_secretary", "UA01"),
    ("guide", "UB"), ("member_user", "UA01"), ("nobody", "UA"), ("office", None),
])
def test_create_outside_write_scope_is_403(login, world, who, parent):
    response = send(login(getattr(world, who)), "post", "/api/v1/orgs",
                    {"code": "NEW1", "name": "新组织", "kind": "committee" if parent in (None, "ROOT") else "branch", "parent": parent})
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Org.objects.filter(code="NEW1").exists()


def test_create_validation_names_each_field(login, world):
    client = login(world.ua_admin)
    got = errors(send(client, "post", "/api/v1/orgs", {"code": "UA01", "name": "  ", "kind": "committee", "parent": "UA01"}))
    assert got == {"code": "组织编码“UA01”已存在", "name": "组织名称不能为空", "kind": "党委不能设在党支部之下"}
    got = errors(send(client, "post", "/api/v1/orgs", {"name": "x" * 101, "kind": "club"}))
    assert got["code"] == "此项为必填项"
    assert got["name"] == "不能超过100个字符"
    assert got["kind"].startswith("取值无效，可选：committee")
    got = errors(send(client, "post", "/api/v1/orgs", {"code": "NEW1", "name": "新组织", "kind": "branch", "parent": "NOPE"}))
    assert got == {"parent": "组织“NOPE”不存在"}
    assert Org.objects.count() == 7


def test_create_with_a_body_that_is_not_json(login, world):
    response = login(world.ua_admin).post("/api/v1/orgs", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON"}
    response = login(world.ua_admin).post("/api/v1/orgs", data="", content_type="application/json")
    assert errors(response) == {"__all__": "请求体不能为空，应为 JSON 对象"}


# --- update ---------------------------------------------------------------------------------

def test_patch_changes_only_what_is_sent(login, world):
    response = send(login(world.ua_admin), "patch", "/api/v1/orgs/UA01", {"order": 7})
    assert response.status_code == 200, response.content
    org = Org.objects.get(code="UA01")
    assert (org.name, org.kind, org.order) == ("文学院教工第一党支部", "branch", 7)
    response = send(login(world.ua_admin), "patch", "/api/v1/orgs/UA01", {"name": "教工一支部", "kind": "general_branch"})
    assert response.status_code == 422  # UA01 has a party group under it
    assert errors(response) == {"kind": "改为该类型后，下级组织的类型不再相符"}
    response = send(login(world.ua_admin), "patch", "/api/v1/orgs/UA02", {"name": "学生支部", "kind": "general_branch"})
    assert response.json()["name"] == "学生支部" and response.json()["kind_label"] == "党总支"


def test_patch_scope(login, world):
    assert send(login(world.ua_admin), "patch", "/api/v1/orgs/UB01", {"name": "x"}).status_code == 404
    assert send(login(world.ua_liaison), "patch", "/api/v1/orgs/UA01", {"name": "x"}).status_code == 403
    assert send(login(world.a1_secretary), "patch", "/api/v1/orgs/UA01", {"name": "x"}).status_code == 403
    assert Org.objects.get(code="UA01").name == "文学院教工第一党支部"
    assert Org.objects.get(code="UB01").name == "后勤处第一党支部"


# --- move -----------------------------------------------------------------------------------

def test_move_inside_own_unit(login, world):
    response = send(login(world.ua_admin), "post", "/api/v1/orgs/UA01G1/move", {"parent": "UA02"})
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == "UA02" and response.json()["depth"] == 4
    assert Org.objects.get_parent(Org.objects.get(code="UA01G1")).code == "UA02"


def test_move_whole_subtree_across_units_by_office(login, world):
    response = send(login(world.office), "post", "/api/v1/orgs/UA01/move", {"parent": "UB"})
    assert response.status_code == 200
    tree = login(world.office).get("/api/v1/orgs/UB/subtree").json()["items"]
    assert [(r["code"], r["parent"]) for r in tree] == [("UB", "ROOT"), ("UB01", "UB"), ("UA01", "UB"), ("UA01G1", "UA01")]


def test_move_refusals(login, world):
    client = login(world.ua_admin)
    assert send(client, "post", "/api/v1/orgs/UA01/move", {"parent": "UB"}).status_code == 403
    assert send(client, "post", "/api/v1/orgs/UB01/move", {"parent": "UA"}).status_code == 404
    assert send(login(world.ua_liaison), "post", "/api/v1/orgs/UA01/move", {"parent": "UA02"}).status_code == 403
    office = login(world.office)
    assert errors(send(office, "post", "/api/v1/orgs/UA/move", {"parent": "UA01"})) == {"parent": "不能移动到自身或其下级组织之下"}
    assert errors(send(office, "post", "/api/v1/orgs/UA/move", {"parent": "NOPE"})) == {"parent": "组织“NOPE”不存在"}
    assert errors(send(office, "post", "/api/v1/orgs/UA/move", {})) == {"parent": "此项为必填项"}
    assert Org.objects.get_parent(Org.objects.get(code="UA01")).code == "UA"


def test_member_count_follows_scope_of_members(login, world):
    make_member(world.a1g, "孙八")
    assert login(world.a1_secretary).get("/api/v1/orgs/UA01").json()["member_count"] == 3


def test_leadership_team(world, login):
    from dangjian.orgs.models import LeadershipPosition, LeadershipTeam

    client = login(world.ua_admin)
    assert client.get("/api/v1/orgs/UA/leadership").status_code == 404  # no team yet
    team = LeadershipTeam.objects.create(org=world.unit_a, name="文学院党委领导班子")
    LeadershipPosition.objects.create(team=team, member=world.m_a1, title="书记", order=1)
    LeadershipPosition.objects.create(team=team, member=world.m_a2, title="委员", order=2)
    body = client.get("/api/v1/orgs/UA/leadership").json()
    assert body["name"] == "文学院党委领导班子"
    assert [(p["title"], p["name"], p["org"]) for p in body["positions"]] == [("书记", "张三", "UA01"), ("委员", "王五", "UA02")]
    assert login(world.ub_admin).get("/api/v1/orgs/UA/leadership").status_code == 404
