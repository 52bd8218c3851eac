"""/api/v1/me and /api/v1/roles: the caller, and the grants they may manage."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import Role, RoleGrant
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def send(client, method, path, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_me_lists_roles_with_their_org_codes(login, world):
    RoleGrant.objects.create(user=world.ua_liaison, role=Role.LIAISON, org=world.unit_b)
    body = login(world.ua_liaison).get("/api/v1/me").json()
    assert body["username"] == "ua_liaison" and body["is_superuser"] is False
    assert body["roles"] == [
        {"role": "liaison", "role_label": "联络员", "org": "UA", "org_name": "文学院党委"},
        {"role": "liaison", "role_label": "联络员", "org": "UB", "org_name": "后勤处党总支"},
    ]


def test_me_for_system_admin_and_nobody(login, world):
    assert login(world.sysadmin).get("/api/v1/me").json()["roles"] == [
        {"role": "system_admin", "role_label": "系统管理员", "org": None, "org_name": None}]
    assert login(world.nobody).get("/api/v1/me").json()["roles"] == []
    root = make_user("root", is_superuser=True)
    assert login(root).get("/api/v1/me").json()["roles"][0]["role"] == "system_admin"


def grant_keys(response) -> list[tuple[str, str, str | None]]:
    assert response.status_code == 200, response.content
    return [(g["username"], g["role"], g["org"]) for g in response.json()["items"]]


def test_roles_lists_grants_inside_the_grant_scope(login, world):
    got = grant_keys(login(world.ua_admin).get("/api/v1/roles"))
    assert got == [("ua_admin", "unit_admin", "UA"), ("ua_liaison", "liaison", "UA"),
                   ("a1_secretary", "branch_secretary", "UA01"), ("member_a1", "member", "UA01")]
    assert ("sysadmin", "system_admin", None) in grant_keys(login(world.sysadmin).get("/api/v1/roles"))
    assert ("sysadmin", "system_admin", None) not in grant_keys(login(world.office).get("/api/v1/roles"))


@pytest.mark.parametrize("who", ["ua_liaison", "a1_secretary", "guide", "member_user", "nobody"])
def test_roles_list_is_empty_without_the_grant_permission(login, world, who):
    assert grant_keys(login(getattr(world, who)).get("/api/v1/roles")) == []


def test_roles_filters(login, world):
    client = login(world.office)
    assert {g[0] for g in grant_keys(client.get("/api/v1/roles", {"org": "UA01"}))} == {"a1_secretary", "member_a1"}
    assert grant_keys(client.get("/api/v1/roles", {"role": "liaison"})) == [("ua_liaison", "liaison", "UA")]
    assert grant_keys(client.get("/api/v1/roles", {"username": "guide"})) == [("guide", "guidance_member", "UB")]


def test_roles_list_costs_the_same_queries_at_any_size(login, world):
    client = login(world.office)
    client.get("/api/v1/me")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/roles")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    small, n_small = count()
    for i in range(15):
        make_user(f"extra{i}", Role.LIAISON, world.a2)
    big, n_big = count()
    assert n_big == n_small + 15 and small == big


def test_grant_and_revoke_inside_scope(login, world):
    client = login(world.ua_admin)
    response = send(client, "post", "/api/v1/roles", {"username": "nobody", "role": "liaison", "org": "UA02"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["username"], body["role_label"], body["org"], body["created_by"]) == ("nobody", "联络员", "UA02", "ua_admin")
    assert errors(send(client, "post", "/api/v1/roles", {"username": "nobody", "role": "liaison", "org": "UA02"})) == {
        "role": "该账号已有此授权"}
    assert client.delete(f"/api/v1/roles/{body['id']}").status_code == 204
    assert not RoleGrant.objects.filter(user=world.nobody).exists()


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def test_grant_refusals(login, world):
    admin = login(world.ua_admin)
    assert send(admin, "post", "/api/v1/roles", {"username": "nobody", "role": "liaison", "org": "UB"}).status_code == 403
    assert send(admin, "post", "/api/v1/roles", {"username": "nobody", "role": "committee_admin", "org": "UA"}).status_code == 403
    assert errors(send(admin, "post", "/api/v1/roles", {"username": "ghost", "role": "liaison", "org": "UA"})) == {
        "username": "账号“ghost”不存在"}
    assert errors(send(admin, "post", "/api/v1/roles", {"username": "nobody", "role": "liaison", "org": "NOPE"})) == {
        "org": "组织“NOPE”不存在"}
    assert "role" in errors(send(admin, "post", "/api/v1/roles", {"username": "nobody", "role": "king", "org": "UA"}))
    assert send(login(world.ua_liaison), "post", "/api/v1/roles", {"username": "nobody", "role": "liaison", "org": "UA"}).status_code == 403
    assert not RoleGrant.objects.filter(user=world.nobody).exists()


def test_revoke_refusals(login, world):
    ub_grant = RoleGrant.objects.get(user=world.ub_admin)
    assert login(world.ua_admin).delete(f"/api/v1/roles/{ub_grant.pk}").status_code == 404
    office_grant = RoleGrant.objects.get(user=world.office)
    assert login(world.ua_admin).delete(f"/api/v1/roles/{office_grant.pk}").status_code == 404
    a1_grant = RoleGrant.objects.get(user=world.a1_secretary)
    assert login(world.ua_liaison).delete(f"/api/v1/roles/{a1_grant.pk}").status_code == 404
    assert RoleGrant.objects.filter(pk__in=[ub_grant.pk, office_grant.pk, a1_grant.pk]).count() == 3
