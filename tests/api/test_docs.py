"""The OpenAPI document and the interactive docs, served by the app with no outside URL."""
import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/me", "/api/v1/roles", "/api/v1/roles/{grant_id}", "/api/v1/orgs", "/api/v1/orgs/{code}",
    "/api/v1/orgs/{code}/subtree", "/api/v1/orgs/{code}/move", "/api/v1/members",
    "/api/v1/members/{member_id}", "/api/v1/rollups",
]


def test_openapi_document_is_valid_json_with_every_path(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "党建云 API"
    assert set(PATHS) <= set(doc["paths"])
    assert set(doc["paths"]["/api/v1/orgs/{code}"]) == {"get", "patch"}
    assert set(doc["paths"]["/api/v1/orgs"]) == {"get", "post"}
    assert "subtree" in doc["info"]["description"].lower()
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_openapi_documents_the_error_shape_and_enums(client):
    doc = client.get("/api/v1/openapi.json").json()
    responses = doc["paths"]["/api/v1/members"]["post"]["responses"]
    assert {"201", "401", "403", "404", "422"} <= set(responses)
    schemas = doc["components"]["schemas"]
    assert set(schemas["FieldError"]["properties"]) == {"field", "message"}
    assert schemas["Category"]["enum"] == ["staff", "retired", "student", "floating"]


def test_docs_page_loads_only_the_apps_own_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    # No URL to any other host: absolute http(s) URLs, protocol-relative ones, nothing.
    assert re.findall(r"https?://", html) == []
    assert re.findall(r"""["'(]//[a-z0-9]""", html, flags=re.I) == []
    # Swagger UI would fetch a badge from validator.swagger.io unless told not to.
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings["validatorUrl"] is None
    assert settings["url"] == "/api/v1/openapi.json"


def test_docs_assets_resolve_and_are_served(client):
    html = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) >= 4
    for url in assets:
        assert finders.find(url.removeprefix("/static/")), url
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100, url
