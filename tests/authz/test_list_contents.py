"""Lists show exactly what each role may see: the member list page, the API and the export."""
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.authz import truth

ALL_NAMES = truth.MEMBERS_A1 | truth.MEMBERS_A2 | truth.MEMBERS_B1
ROLES = sorted(truth.VISIBLE_MEMBERS)


@pytest.mark.parametrize("role", ROLES)
def test_member_list_page(role, world, login):
    html = login(getattr(world, role)).get(reverse("member_list")).content.decode()
    assert {n for n in ALL_NAMES if n in html} == truth.VISIBLE_MEMBERS[role]


@pytest.mark.parametrize("role", ROLES)
def test_member_list_api(role, world, login):
    items = login(getattr(world, role)).get("/api/v1/members?limit=100").json()["items"]
    assert {m["name"] for m in items} == truth.VISIBLE_MEMBERS[role]


@pytest.mark.parametrize("role", ROLES)
def test_org_list_api(role, world, login):
    items = login(getattr(world, role)).get("/api/v1/orgs?limit=100").json()["items"]
    visible = {"UA01"} if role in truth.MAY[("view", "UA01")] else set()
    visible |= {"UB01"} if role in truth.MAY[("view", "UB01")] else set()
    assert {o["code"] for o in items} & {"UA01", "UB01"} == visible


@pytest.mark.parametrize("role", ROLES)
def test_member_export(role, world, login):
    response = login(getattr(world, role)).get(reverse("export_members"))
    if role in ("member_user", "nobody"):  # no viewing role over any org
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    names = {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert names == truth.VISIBLE_MEMBERS[role]


ORG_NAMES = {"UA": "文学院党委", "UB": "后勤处党总支", "UA01": "文学院教工第一党支部", "UB01": "后勤处第一党支部"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["org_tree", "home"])
def test_pages_name_only_visible_units(role, page, world, login):
    html = login(getattr(world, role)).get(reverse(page)).content.decode()
    sees_a = role in truth.MAY[("view", "UA01")]
    sees_b = role in truth.MAY[("view", "UB01")]
    # The tree opens lazily, so a page names at least the top of what is visible and never
    # anything outside it.
    if not sees_a and role != "member_user":  # the member's own record names its branch
        assert ORG_NAMES["UA01"] not in html and ORG_NAMES["UA"] not in html
    if not sees_b:
        assert ORG_NAMES["UB"] not in html and ORG_NAMES["UB01"] not in html
    if sees_a and sees_b:
        assert ORG_NAMES["UA"] in html and ORG_NAMES["UB"] in html
