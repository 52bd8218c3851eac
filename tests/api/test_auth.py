"""API authentication: bearer tokens, the session with CSRF, and 401 for everyone else."""
import json

import pytest
from django.conf import settings
from django.test import Client

from dangjian.core.models import ApiToken
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db

NEW_BRANCH = {"code": "UA03", "name": "文学院第三党支部", "kind": "branch", "parent": "UA"}


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def post_json(client, path, body, **kw):
    return client.post(path, data=json.dumps(body), content_type="application/json", **kw)


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/orgs", "/api/v1/members", "/api/v1/rollups", "/api/v1/roles"])
def test_anonymous_gets_401(client, world, path):
    response = client.get(path)
    assert response.status_code == 401
    assert "未登录" in response.json()["detail"]


def test_anonymous_post_gets_401_not_a_csrf_403(world):
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, "/api/v1/orgs", NEW_BRANCH)
    assert response.status_code == 401
    assert not Org.objects.filter(code="UA03").exists()


def test_bearer_token_authenticates_and_records_use(client, world):
    token, raw = ApiToken.issue(world.ua_admin, name="sync")
    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "ua_admin"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer dj_not-a-real-token", "Bearer ", "bearer dj_wrong"])
def test_bad_token_gets_401(client, world, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_bad_token_does_not_fall_back_to_the_session(login, world):
    client = login(world.office)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", headers=bearer("dj_wrong")).status_code == 401


def test_revoked_token_and_inactive_user_get_401(client, world):
    token, raw = ApiToken.issue(world.ua_admin)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    token.delete()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    _, raw2 = ApiToken.issue(world.ub_admin)
    world.ub_admin.is_active = False
    world.ub_admin.save()
    assert client.get("/api/v1/me", headers=bearer(raw2)).status_code == 401


def test_bearer_write_needs_no_csrf_and_is_attributed(world):
    client = Client(enforce_csrf_checks=True)
    _, raw = ApiToken.issue(world.ua_admin)
    response = post_json(client, "/api/v1/orgs", NEW_BRANCH, headers=bearer(raw))
    assert response.status_code == 201, response.content
    org = Org.objects.get(code="UA03")
    assert org.history.latest().history_user == world.ua_admin


def test_bearer_write_outside_scope_is_403(client, world):
    _, raw = ApiToken.issue(world.ua_liaison)
    response = post_json(client, "/api/v1/orgs", NEW_BRANCH, headers=bearer(raw))
    assert response.status_code == 403


def test_session_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ua_admin, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    response = post_json(client, "/api/v1/orgs", NEW_BRANCH)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Org.objects.filter(code="UA03").exists()
    response = client.patch("/api/v1/orgs/UA01", data=json.dumps({"name": "改名"}), content_type="application/json")
    assert response.status_code == 403
    assert Org.objects.get(code="UA01").name == "文学院教工第一党支部"


def test_session_post_with_csrf_token_from_the_docs_page_succeeds(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ua_admin, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = post_json(client, "/api/v1/orgs", NEW_BRANCH, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.content
    # A token that does not match the cookie is refused.
    response = post_json(client, "/api/v1/orgs", {**NEW_BRANCH, "code": "UA04"}, headers={"X-CSRFToken": "x" * 32})
    assert response.status_code == 403


def test_session_get_needs_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ua_admin, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    assert client.get("/api/v1/orgs").status_code == 200
