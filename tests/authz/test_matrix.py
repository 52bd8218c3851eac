"""The authorization matrix: every role × every page and API operation × in-scope and
out-of-scope targets. Cases are declared per view (cases_*.py); the URLconf and the OpenAPI
document are enumerated, so a view or endpoint without a case fails `test_every_view_has_a_case`.
"""
import importlib
import json
import pkgutil

import pytest
from django.urls import reverse

import tests.authz
from tests.authz.engine import ANONYMOUS, ROLES, api_operations, fingerprint, page_names

# Every tests/authz/cases_*.py module contributes its PAGE_CASES and API_CASES.
PAGE_CASES, API_CASES = [], []
for _info in pkgutil.iter_modules(tests.authz.__path__):
    if _info.name.startswith("cases_"):
        _mod = importlib.import_module(f"tests.authz.{_info.name}")
        PAGE_CASES += getattr(_mod, "PAGE_CASES", [])
        API_CASES += getattr(_mod, "API_CASES", [])

CASES = {c.key + ("" if c.is_api else f" [{c.method}]"): c for c in PAGE_CASES + API_CASES}
PARAMS = [(key, target, role) for key, case in CASES.items() for target in case.targets_for_rule() for role in ROLES]


def test_every_view_has_a_case():
    pages = {c.key for c in PAGE_CASES}
    missing_pages = page_names() - pages
    missing_api = api_operations() - {c.key for c in API_CASES}
    assert not missing_pages, f"pages without an authorization case: {sorted(missing_pages)}"
    assert not missing_api, f"API operations without an authorization case: {sorted(missing_api)}"
    stale = (pages - page_names()) | ({c.key for c in API_CASES} - api_operations())
    assert not stale, f"cases for views that no longer exist: {sorted(stale)}"


def _url(case, w, target, client=None, user=None):
    if case.prepare:
        kwargs = case.prepare(client, w, target, user)
    else:
        kwargs = case.kwargs(w, target) if case.kwargs else {}
    if case.is_api:
        path = case.key.split(" ", 1)[1]
        for k, v in kwargs.items():
            path = path.replace("{" + k + "}", str(v))
        return path
    return reverse(case.key, kwargs=kwargs)


@pytest.mark.parametrize("key,target,role", PARAMS, ids=[f"{k}|{t}|{r}" for k, t, r in PARAMS])
def test_access(key, target, role, world, client, media):
    case = CASES[key]
    user = None if role == ANONYMOUS else getattr(world, role)
    if user is not None:
        client.force_login(user, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    url = _url(case, world, target, client, user)
    query = case.query(world, target) if case.query else {}
    data = case.data(world, target) if case.data else None
    before = fingerprint()
    if case.is_api:
        if data is None:
            body = {}
        elif case.multipart:
            body = {"data": data}
        else:
            body = {"data": json.dumps(data), "content_type": "application/json"}
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        response = getattr(client, case.method.lower())(url, **body)
    elif case.method == "GET":
        response = client.get(url, query)
    else:
        response = client.post(url, data or {})
    allowed = role in case.allowed(target)
    status = response.status_code
    if allowed:
        assert status < 400, f"{role} should reach {key} on {target}, got {status}"
    elif role == ANONYMOUS and case.rule != "none":
        if case.is_api:
            assert status == 401, status
        else:
            assert status == 302 and "/login/" in response["Location"], status
    else:
        assert status in case.refused, f"{role} must not reach {key} on {target}, got {status}"
    if case.method == "GET":
        return
    if not allowed:
        assert fingerprint() == before, f"a refused {case.method} by {role} changed data"
    elif case.changes:
        assert fingerprint() != before, f"an allowed {case.method} by {role} changed nothing: fix the case's data"
