"""Core pages: the home dashboard for each kind of user, role grants, revocation and their history."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import Role, RoleGrant
from dangjian.core.templatetags.ui import optional_url, section_of
from tests.factories import make_member, make_org, make_user

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=args)


def body(response):
    return response.content.decode()


def panel(response):
    """The context of the home page's orgs panel."""
    return response.context["panels"][0]["context"]


# ----------------------------------------------------------------------------- home

def test_home_for_the_committee_office(world, login):
    response = login(world.office).get(url("home"))
    assert response.status_code == 200
    p = panel(response)
    assert p["org_total"] == 7
    assert dict(p["kinds"]) == {"党委": 2, "党总支": 1, "党支部": 3, "党小组": 1}
    assert dict(p["categories"]) == {"在职": 3, "离退休": 1, "学生": 1, "流动": 0}
    assert p["totals"] == {"total": 5, "full": 4, "probationary": 1, "cadres": 1}
    [table] = p["tables"]
    assert [(r["org"].code, r["members"], r["cadres"]) for r in table["rows"]] == [("UA", 3, 1), ("UB", 2, 0)]
    [column] = table["chart"]
    assert [(b["org"].code, b["pct"]) for b in column] == [("UA", "100.0"), ("UB", "66.7")]
    html = body(response)
    assert '<svg class="chart"' in html and 'width="66.7%"' in html
    assert "示范大学党委 · 下属单位" in html


def test_home_chart_ranks_units_by_members(world, login):
    for _ in range(3):
        make_member(world.b1)
    [column] = panel(login(world.office).get(url("home")))["tables"][0]["chart"]
    assert [(b["org"].code, b["members"]) for b in column] == [("UB", 5), ("UA", 3)]


def test_home_chart_splits_many_units_into_two_columns(world, login):
    for i in range(12):
        make_member(make_org(f"UX{i}", f"新单位{i}", "branch", world.root), "某")
    p = panel(login(world.office).get(url("home")))
    left, right = p["tables"][0]["chart"]
    assert (len(left), len(right)) == (7, 7)
    assert left[0]["org"].code == "UA" and left[-1]["y"] == 6 * 34
    assert p["tables"][0]["chart_height"] == 7 * 34


def test_home_for_a_unit_admin_rolls_up_the_units_children(world, login):
    p = panel(login(world.ua_admin).get(url("home")))
    assert p["totals"]["total"] == 3 and p["org_total"] == 4
    [table] = p["tables"]
    rows = {r["org"].code: r for r in table["rows"]}
    assert set(rows) == {"UA01", "UA02"}
    assert rows["UA01"]["members"] == 2 and rows["UA01"]["kinds"]["group"] == 1
    assert rows["UA02"]["categories"]["student"] == 1


def test_home_with_two_separate_subtrees(world, login):
    user = make_user("two_units", Role.UNIT_ADMIN, world.unit_a)
    RoleGrant.objects.create(user=user, role=Role.LIAISON, org=world.unit_b)
    response = login(user).get(url("home"))
    [table] = panel(response)["tables"]
    assert [(r["org"].code, r["members"]) for r in table["rows"]] == [("UA", 3), ("UB", 2)]
    # The common parent (outside the user's scope) is never shown.
    assert "示范大学党委" not in body(response)


def test_home_for_a_member_shows_their_own_record(world, login):
    response = login(world.member_user).get(url("home"))
    html = body(response)
    assert "我的党员信息" in html and "张三" in html
    assert world.m_a1.phone not in html and world.m_a1.id_number not in html
    assert "tables" not in panel(response)


def test_home_for_someone_without_roles(world, login):
    response = login(world.nobody).get(url("home"))
    assert response.context["panels"] == []
    assert "尚未被授予任何角色" in body(response)


def test_home_counts_cost_constant_queries(world, login, django_assert_max_num_queries):
    client = login(world.office)
    with CaptureQueriesContext(connection) as small:
        client.get(url("home"))
    for i in range(6):
        unit = make_org(f"UX{i}", f"新单位{i}", "committee", world.root)
        make_member(make_org(f"UX{i}B", f"新支部{i}", "branch", unit))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("home"))
    assert len(panel(response)["tables"][0]["rows"]) == 8


def test_links_to_pages_not_installed_are_left_out():
    assert optional_url("home") == "/"
    assert optional_url("no_such_page") == ""


def test_active_navigation_section():
    assert [section_of(n) for n in ("home", "org_tree", "member_detail", "import_preview", "export_members", "role_grant", "account_create")] == [
        "home", "orgs", "members", "import", "members", "roles", "roles",
    ]


# ----------------------------------------------------------------------------- roles

def test_role_list_is_scoped_to_grant_scope(world, login):
    response = login(world.ua_admin).get(url("role_list"))
    assert response.status_code == 200
    users = {r["grant"].user.username for r in response.context["rows"]}
    assert users == {"ua_admin", "ua_liaison", "a1_secretary", "member_a1"}
    office = {r["grant"].user.username for r in login(world.office).get(url("role_list")).context["rows"]}
    assert {"ub_admin", "guide", "office"} <= office and "sysadmin" not in office
    everything = login(world.sysadmin).get(url("role_list")).context["rows"]
    assert "sysadmin" in {r["grant"].user.username for r in everything}


def test_role_list_filters(world, login):
    rows = login(world.office).get(url("role_list"), {"role": Role.UNIT_ADMIN}).context["rows"]
    assert {r["grant"].user.username for r in rows} == {"ua_admin", "ub_admin"}
    rows = login(world.office).get(url("role_list"), {"q": "liaison"}).context["rows"]
    assert [r["grant"].user.username for r in rows] == ["ua_liaison"]


def test_role_pages_need_grant(world, login):
    for who in (world.ua_liaison, world.a1_secretary, world.member_user, world.nobody):
        client = login(who)
        for name in ("role_list", "role_grant", "role_history"):
            assert client.get(url(name)).status_code == 403, (who, name)


def test_grant_a_role(world, login):
    client = login(world.ua_admin)
    form = client.get(url("role_grant"), {"account": "nobody"})
    assert form.context["form"].initial["account"] == "nobody"
    assert Role.COMMITTEE_ADMIN not in dict(form.context["form"].fields["role"].choices)
    response = client.post(url("role_grant"), {"account": "nobody", "role": Role.LIAISON, "org": "UA01"}, follow=True)
    assert response.redirect_chain[-1][0] == url("role_list")
    grant = RoleGrant.objects.get(user=world.nobody)
    assert (grant.role, grant.org, grant.created_by) == (Role.LIAISON, world.a1, world.ua_admin)
    assert "已授予 nobody" in body(response)


def test_grant_by_phone(world, login):
    login(world.office).post(url("role_grant"), {"account": "13700000001", "role": Role.LIAISON, "org": "UB"})
    assert RoleGrant.objects.filter(user=world.member_user, role=Role.LIAISON, org=world.unit_b).exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"account": "nobody", "role": Role.LIAISON, "org": "UB"}, "org", "不在您的授权范围内"),
        ({"account": "nobody", "role": Role.COMMITTEE_ADMIN, "org": "UA"}, "role", "请选择列表中的选项"),
        ({"account": "ghost", "role": Role.LIAISON, "org": "UA"}, "account", "找不到账号“ghost”"),
        ({"account": "nobody", "role": Role.LIAISON, "org": ""}, "org", "请填写管理范围"),
        ({"account": "ua_liaison", "role": Role.LIAISON, "org": "UA"}, "role", "该账号已有此授权"),
    ],
)
def test_grant_form_errors(world, login, data, field, message):
    before = RoleGrant.objects.count()
    response = login(world.ua_admin).post(url("role_grant"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert RoleGrant.objects.count() == before


def test_grant_role_the_user_may_not_give_there(world, login):
    # Only a system admin hands out system admin, and that role has no org.
    response = login(world.office).post(url("role_grant"), {"account": "nobody", "role": Role.SYSTEM_ADMIN, "org": ""})
    assert "请选择列表中的选项" in response.context["form"].errors["role"][0]
    response = login(world.sysadmin).post(url("role_grant"), {"account": "nobody", "role": Role.SYSTEM_ADMIN, "org": "UA"})
    assert "不要填写组织" in response.context["form"].errors["org"][0]


def test_revoke_a_role(world, login):
    grant = RoleGrant.objects.get(user=world.ua_liaison)
    client = login(world.ua_admin)
    assert client.get(url("role_revoke", grant.pk)).status_code == 405
    response = client.post(url("role_revoke", grant.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("role_list")
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert "已撤销 ua_liaison" in body(response)


def test_revoke_scope(world, login):
    client = login(world.ua_admin)
    for who in (world.ub_admin, world.office, world.sysadmin):
        grant = RoleGrant.objects.get(user=who)
        assert client.post(url("role_revoke", grant.pk)).status_code == 404
    # In scope, but a role a unit admin may not hand out: forbidden.
    guide_here = RoleGrant.objects.create(user=world.nobody, role=Role.GUIDANCE_MEMBER, org=world.unit_a)
    assert client.post(url("role_revoke", guide_here.pk)).status_code == 403
    assert RoleGrant.objects.filter(pk=guide_here.pk).exists()
    row = next(r for r in client.get(url("role_list")).context["rows"] if r["grant"].pk == guide_here.pk)
    assert row["can_revoke"] is False


def test_role_history_shows_grants_and_revocations_in_scope(world, login):
    admin = login(world.ua_admin)
    admin.post(url("role_grant"), {"account": "nobody", "role": Role.LIAISON, "org": "UA02"})
    admin.post(url("role_revoke", RoleGrant.objects.get(user=world.nobody).pk))
    login(world.office).post(url("role_grant"), {"account": "nobody", "role": Role.LIAISON, "org": "UB"})
    events = list(login(world.ua_admin).get(url("role_history"), {"account": "nobody"}).context["page"])
    assert [(e.history_type, e.org_id, e.history_user) for e in events] == [
        ("-", world.a2.pk, world.ua_admin), ("+", world.a2.pk, world.ua_admin),
    ]
    office_events = login(world.office).get(url("role_history"), {"account": "nobody"}).context["page"]
    assert [e.history_type for e in office_events] == ["+", "-", "+"]
    html = body(login(world.office).get(url("role_history")))
    assert "撤销" in html and "授予" in html


def test_access_log_lists_unmasked_views(world, login):
    from django.urls import reverse

    client = login(world.office)
    client.post(reverse("member_unmask", kwargs={"pk": world.m_b1.pk}))
    page = login(world.sysadmin).get(reverse("access_log"), {"account": "office"}).content.decode()
    assert "office" in page and "查看明文" in page and f"党员 #{world.m_b1.pk}" in page
    other = login(world.sysadmin).get(reverse("access_log"), {"account": "ua_admin"}).content.decode()
    assert f"党员 #{world.m_b1.pk}" not in other
