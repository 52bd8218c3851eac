"""Org and member pages: scope (200 / 404 / 403), forms, search, move, masking and query counts."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import AccessLog, Role, RoleGrant
from dangjian.core.personal import mask_id_number, mask_phone
from dangjian.orgs.models import LeadershipPosition, LeadershipTeam, Member, Org
from tests.factories import make_id_number, make_member

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=args)


def body(response):
    return response.content.decode()


# ----------------------------------------------------------------------------- org tree

def test_tree_opens_the_single_root(world, login):
    response = login(world.office).get(url("org_tree"))
    assert response.status_code == 200
    html = body(response)
    assert "示范大学党委" in html and "文学院党委" in html and "后勤处党总支" in html
    # Children of the open root load on click, not now.
    assert "文学院教工第一党支部" not in html
    assert f'hx-get="{url("org_children", "UA")}"' in html
    node = next(n for n in response.context["nodes"])
    assert node["members"] == 5
    assert [c["members"] for c in node["children"]] == [3, 2]


def test_tree_starts_at_the_users_subtree(world, login):
    html = body(login(world.ua_admin).get(url("org_tree")))
    assert "文学院党委" in html and "文学院学生党支部" in html
    assert "示范大学党委" not in html and "后勤处" not in html


def test_children_fragment_in_order_and_scope(world, login):
    world.a2.order = -1
    world.a2.save()
    client = login(world.ua_admin)
    response = client.get(url("org_children", "UA"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    assert html.index("文学院学生党支部") < html.index("文学院教工第一党支部")
    assert [n["members"] for n in response.context["nodes"]] == [1, 2]
    assert client.get(url("org_children", "UB"), HTTP_HX_REQUEST="true").status_code == 404


def test_children_fragment_sends_anonymous_htmx_to_login(client, world):
    response = client.get(url("org_children", "UA"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == url("login")


def test_tree_search_shows_matches_with_breadcrumbs(world, login):
    response = login(world.office).get(url("org_tree"), {"q": "UA01G"})
    results = response.context["results"]
    assert [r["org"].code for r in results] == ["UA01G1"]
    assert [a.code for a in results[0]["ancestors"]] == ["ROOT", "UA", "UA01"]
    assert "示范大学党委" in body(response)


def test_tree_search_by_name_stays_in_scope(world, login):
    response = login(world.ua_admin).get(url("org_tree"), {"q": "支部"})
    assert [r["org"].code for r in response.context["results"]] == ["UA01", "UA02"]
    # The ancestor above the user's scope is not shown.
    assert [a.code for a in response.context["results"][0]["ancestors"]] == ["UA"]
    assert login(world.ua_admin).get(url("org_tree"), {"q": "后勤"}).context["results"] == []


# ----------------------------------------------------------------------------- org detail

@pytest.fixture
def team(world):
    team = LeadershipTeam.objects.create(org=world.unit_a, name="文学院党委委员会", term_start=dt.date(2023, 1, 1), term_end=dt.date(2027, 12, 31))
    LeadershipPosition.objects.create(team=team, member=world.m_a1, title="书记", order=1)
    return team


def test_org_detail_in_scope(world, login, team):
    response = login(world.ua_liaison).get(url("org_detail", "UA"))
    assert response.status_code == 200
    html = body(response)
    assert "书记" in html and "张三" in html and "文学院教工第一党支部" in html
    assert response.context["totals"] == {"total": 3, "full": 2, "probationary": 1, "cadres": 1}
    assert response.context["org_total"] == 4
    # A liaison only looks.
    assert url("org_edit", "UA") not in html and url("org_move", "UA01") not in html


def test_org_detail_out_of_scope_is_404(world, login):
    assert login(world.ua_admin).get(url("org_detail", "UB")).status_code == 404
    assert login(world.member_user).get(url("org_detail", "UA01")).status_code == 404


def test_org_detail_offers_changes_to_admins(world, login):
    html = body(login(world.ua_admin).get(url("org_detail", "UA01")))
    assert url("org_edit", "UA01") in html and url("org_move", "UA01") in html
    assert f'{url("org_create")}?parent=UA01' in html
    # Their own subtree's top cannot be moved by them.
    assert url("org_move", "UA") not in body(login(world.ua_admin).get(url("org_detail", "UA")))


# ----------------------------------------------------------------------------- org create / edit

def test_org_create_under_parent(world, login):
    client = login(world.ua_admin)
    form = client.get(url("org_create"), {"parent": "UA"})
    assert form.status_code == 200 and form.context["form"].initial["kind"] == "branch"
    response = client.post(url("org_create"), {"parent": "UA", "code": "UA03", "name": "文学院研究生党支部", "kind": "branch", "order": "3"})
    assert response.status_code == 302 and response.url == url("org_detail", "UA03")
    org = Org.objects.get(code="UA03")
    assert Org.objects.get_parent(org) == world.unit_a
    assert org.history.first().history_user == world.ua_admin


def test_org_create_errors_next_to_fields(world, login):
    client = login(world.ua_admin)
    response = client.post(url("org_create"), {"parent": "UA", "code": "UA05", "name": " ", "kind": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["请填写组织名称"] and form.errors["kind"] == ["请选择组织类型"]
    assert "请修改以下" in body(response)
    response = client.post(url("org_create"), {"parent": "UA", "code": "UA01", "name": "重复", "kind": "branch"})
    assert response.context["form"].errors["code"] == ["组织编码“UA01”已存在"]


def test_org_create_kind_error_from_the_service(world, login):
    response = login(world.ua_admin).post(url("org_create"), {"parent": "UA", "code": "UA09", "name": "小组", "kind": "group"})
    assert response.context["form"].errors["kind"] == ["党小组不能设在党委之下"]
    assert not Org.objects.filter(code="UA09").exists()


def test_org_create_scope(world, login):
    assert login(world.ua_admin).get(url("org_create"), {"parent": "UB"}).status_code == 404
    assert login(world.ua_liaison).get(url("org_create"), {"parent": "UA"}).status_code == 403
    response = login(world.ua_admin).post(url("org_create"), {"parent": "UB", "code": "UB09", "name": "x", "kind": "branch"})
    assert "不在您的管理范围内" in response.context["form"].errors["parent"][0]
    assert not Org.objects.filter(code="UB09").exists()


def test_org_edit_and_history(world, login):
    client = login(world.ua_admin)
    response = client.post(url("org_edit", "UA02"), {"name": "文学院本科生党支部", "kind": "branch", "order": "5"})
    assert response.status_code == 302
    world.a2.refresh_from_db()
    assert (world.a2.name, world.a2.order) == ("文学院本科生党支部", 5)
    history = client.get(url("org_history", "UA02"))
    assert history.status_code == 200
    latest = history.context["rows"][0]
    assert latest["user"] == world.ua_admin
    assert {"field": "组织名称", "old": "文学院学生党支部", "new": "文学院本科生党支部"} in latest["changes"]


def test_org_edit_refuses_kind_that_breaks_children(world, login):
    response = login(world.ua_admin).post(url("org_edit", "UA01"), {"name": "文学院教工第一党支部", "kind": "general_branch", "order": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == ["改为该类型后，下级组织的类型不再相符"]


def test_org_edit_scope(world, login):
    assert login(world.ua_liaison).get(url("org_edit", "UA01")).status_code == 403
    assert login(world.ub_admin).get(url("org_edit", "UA01")).status_code == 404
    assert login(world.ub_admin).post(url("org_edit", "UA01"), {"name": "x", "kind": "branch"}).status_code == 404
    assert login(world.ub_admin).get(url("org_history", "UA01")).status_code == 404


# ----------------------------------------------------------------------------- move

def test_move_flow_moves_the_subtree(world, login):
    client = login(world.office)
    page = client.get(url("org_move", "UA01"))
    assert page.status_code == 200
    candidates = [c["code"] for c in page.context["candidates"]]
    assert "UB" in candidates and "UA" not in candidates and "UA01G1" not in candidates
    response = client.post(url("org_move", "UA01"), {"parent": "UB"}, follow=True)
    assert response.redirect_chain[-1][0] == url("org_detail", "UA01")
    assert "已将“文学院教工第一党支部”及其下级组织移到“后勤处党总支”之下" in body(response)
    a1, group, unit_b = (Org.objects.get(code=c) for c in ("UA01", "UA01G1", "UB"))
    assert Org.objects.get_parent(a1) == unit_b
    assert group.path.startswith(a1.path) and a1.path.startswith(unit_b.path)
    # The members went with it: the tree's counts now put them under 后勤处.
    assert Member.objects.filter(org__path__startswith=unit_b.path).count() == 4
    history = client.get(url("org_history", "UA01")).context["rows"][0]
    assert "移动到 后勤处党总支" in history["reason"]


def test_root_cannot_be_moved(world, login):
    response = login(world.sysadmin).post(url("org_move", "ROOT"), {"parent": "UA"})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    assert Org.objects.get(code="ROOT").depth == 1


def test_move_errors_are_shown_on_the_form(world, login):
    client = login(world.office)
    response = client.post(url("org_move", "UA"), {"parent": "UA01"})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["不能移动到自身或其下级组织之下"]
    response = client.post(url("org_move", "UA01"), {"parent": "UA01G1"})
    assert response.context["form"].errors["parent"]
    response = client.post(url("org_move", "UA01"), {"parent": "NOPE"})
    assert "找不到编码为“NOPE”" in response.context["form"].errors["parent"][0]
    assert Org.objects.get_parent(Org.objects.get(code="UA01")).code == "UA"


def test_move_target_must_be_in_change_scope(world, login):
    response = login(world.ua_admin).post(url("org_move", "UA01"), {"parent": "UB"})
    assert response.status_code == 200
    assert "不在您的管理范围内" in response.context["form"].errors["parent"][0]
    assert Org.objects.get_parent(Org.objects.get(code="UA01")).code == "UA"


def test_move_scope(world, login):
    assert login(world.ua_liaison).get(url("org_move", "UA01")).status_code == 403
    assert login(world.ub_admin).get(url("org_move", "UA01")).status_code == 404
    # The top of one's own scope cannot be moved away from it.
    assert login(world.ua_admin).get(url("org_move", "UA")).status_code == 403
    assert login(world.ua_admin).post(url("org_move", "UA"), {"parent": "UA02"}).status_code == 403
    assert Org.objects.get_parent(Org.objects.get(code="UA")).code == "ROOT"


# ----------------------------------------------------------------------------- member list

def test_member_list_scope_and_masking(world, login):
    response = login(world.ua_admin).get(url("member_list"))
    assert response.status_code == 200
    names = [r["member"].name for r in response.context["rows"]]
    assert sorted(names) == sorted(["张三", "李四", "王五"])
    html = body(response)
    assert world.m_a1.phone not in html and mask_phone(world.m_a1.phone) in html
    for column in ("姓名", "性别", "所在组织", "人员类别", "党员状态", "入党日期", "职务", "手机号"):
        assert f"<th>{column}</th>" in html


def test_member_list_orders_by_name_then_id(world, login):
    make_member(world.a1, "张三")
    rows = login(world.office).get(url("member_list")).context["rows"]
    members = [r["member"] for r in rows]
    assert members == sorted(members, key=lambda m: (m.name, m.pk))


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"org": "UA01"}, {"张三", "李四"}),
        ({"org": "UA"}, {"张三", "李四", "王五"}),
        ({"category": "retired"}, {"李四"}),
        ({"status": "probationary"}, {"王五"}),
        ({"is_cadre": "1"}, {"张三"}),
        ({"is_cadre": "0", "org": "UB"}, {"赵六", "钱七"}),
        ({"q": "钱"}, {"钱七"}),
    ],
)
def test_member_list_filters(world, login, params, expected):
    rows = login(world.office).get(url("member_list"), params).context["rows"]
    assert {r["member"].name for r in rows} == expected


def test_member_list_org_filter_out_of_scope(world, login):
    response = login(world.ua_admin).get(url("member_list"), {"org": "UB"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "不在您的管理范围内" in response.context["form"].errors["org"][0]


def test_member_search_by_full_numbers_only_when_unmaskable(world, login):
    phone, id_number = world.m_a2.phone, world.m_a2.id_number
    admin = login(world.ua_admin)
    assert [r["member"] for r in admin.get(url("member_list"), {"q": phone}).context["rows"]] == [world.m_a2]
    assert [r["member"] for r in admin.get(url("member_list"), {"q": id_number}).context["rows"]] == [world.m_a2]
    assert AccessLog.objects.filter(user=world.ua_admin, action="search").count() == 2
    # A liaison may not unmask, so a full number finds nothing.
    liaison = login(world.ua_liaison)
    assert liaison.get(url("member_list"), {"q": phone}).context["rows"] == []
    # Nor does a number of a record outside one's scope.
    assert login(world.ub_admin).get(url("member_list"), {"q": phone}).context["rows"] == []


def test_member_list_paginates_by_20(world, login):
    for i in range(21):
        make_member(world.a2, f"测试{i:02d}")
    client = login(world.office)
    first = client.get(url("member_list"))
    assert len(first.context["rows"]) == 20 and first.context["page"].paginator.count == 26
    second = client.get(url("member_list"), {"page": 2})
    assert len(second.context["rows"]) == 6
    assert "下一页" in body(first)


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view, params", [("member_list", {}), ("member_list", {"org": "UA", "q": "党员"})])
def test_member_list_query_count_is_constant(world, login, view, params):
    client = login(world.office)
    branches = [world.a1, world.a2, world.b1]
    for i in range(10):
        make_member(branches[i % 3], "党员")
    small = count_queries(client, url(view), params)
    for i in range(190):
        make_member(branches[i % 3], "党员")
    assert Member.objects.count() == 205
    assert count_queries(client, url(view), params) == small


# ----------------------------------------------------------------------------- member detail

def test_member_detail_is_masked(world, login):
    response = login(world.ua_admin).get(url("member_detail", world.m_a2.pk))
    assert response.status_code == 200
    html = body(response)
    assert mask_id_number(world.m_a2.id_number) in html and world.m_a2.id_number not in html
    assert world.m_a2.phone not in html
    assert url("member_unmask", world.m_a2.pk) in html
    assert not AccessLog.objects.exists()


def test_unmask_shows_full_numbers_and_is_logged(world, login):
    client = login(world.ua_admin)
    response = client.post(url("member_unmask", world.m_a2.pk))
    assert response.status_code == 200
    html = body(response)
    assert world.m_a2.id_number in html and world.m_a2.phone in html
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id) == (world.ua_admin, "view", "orgs.member", str(world.m_a2.pk))
    # The next plain view is masked again.
    assert world.m_a2.id_number not in body(client.get(url("member_detail", world.m_a2.pk)))


def test_unmask_needs_post_and_permission(world, login):
    assert login(world.ua_admin).get(url("member_unmask", world.m_a2.pk)).status_code == 405
    liaison = login(world.ua_liaison)
    page = body(liaison.get(url("member_detail", world.m_a2.pk)))
    assert url("member_unmask", world.m_a2.pk) not in page
    assert liaison.post(url("member_unmask", world.m_a2.pk)).status_code == 403
    assert login(world.ub_admin).post(url("member_unmask", world.m_a2.pk)).status_code == 404
    assert not AccessLog.objects.exists()


def test_member_sees_own_record_only(world, login):
    client = login(world.member_user)
    assert client.get(url("member_detail", world.m_a1.pk)).status_code == 200
    assert client.post(url("member_unmask", world.m_a1.pk)).status_code == 200
    assert AccessLog.objects.filter(user=world.member_user).count() == 1
    assert client.get(url("member_detail", world.m_a1b.pk)).status_code == 404
    assert client.get(url("member_edit", world.m_a1.pk)).status_code == 403


def test_member_detail_lists_leadership_positions(world, login, team):
    html = body(login(world.office).get(url("member_detail", world.m_a1.pk)))
    assert "文学院党委委员会" in html and "书记" in html


# ----------------------------------------------------------------------------- member create / edit

def member_post(org="UA01", **kw):
    data = {
        "name": "孙八", "gender": "female", "id_number": make_id_number(700), "phone": "13812345678",
        "org": org, "category": "student", "status": "probationary", "joined_on": "2024-06-01",
        "position": "组织委员",
    }
    data.update(kw)
    return data


def test_member_create(world, login):
    client = login(world.a1_secretary)
    assert client.get(url("member_create"), {"org": "UA01"}).context["form"].initial["org"] == "UA01"
    response = client.post(url("member_create"), member_post())
    member = Member.objects.get(name="孙八")
    assert response.status_code == 302 and response.url == url("member_detail", member.pk)
    assert (member.org, member.status, member.position) == (world.a1, "probationary", "组织委员")
    assert member.history.first().history_user == world.a1_secretary


def test_member_create_shows_field_errors(world, login):
    response = login(world.a1_secretary).post(url("member_create"), member_post(id_number="110101198501010010", phone="123", joined_on="2999-01-01", name="", gender=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["请填写姓名"] and errors["gender"] == ["请选择性别"]
    assert errors["id_number"] == ["身份证号校验位错误"]
    assert errors["phone"] == ["手机号应为以1开头的11位数字"]
    assert errors["joined_on"] == ["入党日期不能晚于今天"]
    html = body(response)
    assert "请修改以下" in html and 'class="field-error"' in html
    assert not Member.objects.filter(name="孙八").exists()


def test_member_create_scope(world, login):
    response = login(world.a1_secretary).post(url("member_create"), member_post(org="UA02"))
    assert "不在您的管理范围内" in response.context["form"].errors["org"][0]
    assert login(world.ua_liaison).get(url("member_create")).status_code == 403
    assert login(world.a1_secretary).get(url("member_create"), {"org": "UA02"}).status_code == 404


def test_member_edit_keeps_numbers_unless_given(world, login):
    client = login(world.ua_admin)
    page = client.get(url("member_edit", world.m_a2.pk))
    assert world.m_a2.id_number not in body(page) and world.m_a2.phone not in body(page)
    data = member_post(org="UA02", name="王五", id_number="", phone="", category="student", status="full")
    response = client.post(url("member_edit", world.m_a2.pk), data)
    assert response.status_code == 302
    m = Member.objects.get(pk=world.m_a2.pk)
    assert (m.status, m.id_number, m.phone) == ("full", world.m_a2.id_number, world.m_a2.phone)


def test_member_edit_history_masks_numbers(world, login):
    client = login(world.ua_admin)
    client.post(url("member_edit", world.m_a2.pk), member_post(org="UA01", name="王五", id_number="", phone="13911112222"))
    response = client.get(url("member_history", world.m_a2.pk))
    changes = {c["field"]: c for c in response.context["rows"][0]["changes"]}
    assert changes["手机号"]["new"] == "139****2222"
    assert changes["所在组织"]["old"] == "文学院学生党支部（UA02）"
    assert changes["所在组织"]["new"] == "文学院教工第一党支部（UA01）"
    assert "党员状态" not in changes  # unchanged fields are not listed
    assert "13911112222" not in body(response) and world.m_a2.phone not in body(response)


def test_member_edit_can_clear_the_phone(world, login):
    client = login(world.ua_admin)
    client.post(url("member_edit", world.m_a2.pk), member_post(org="UA02", name="王五", id_number="", phone="", clear_phone="on"))
    assert Member.objects.get(pk=world.m_a2.pk).phone == ""


def test_member_edit_scope(world, login):
    assert login(world.a1_secretary).get(url("member_edit", world.m_a2.pk)).status_code == 404
    assert login(world.ua_liaison).get(url("member_edit", world.m_a1.pk)).status_code == 403
    assert login(world.ub_admin).get(url("member_history", world.m_a1.pk)).status_code == 404


# ----------------------------------------------------------------------------- accounts for members

def account_post(**kw):
    data = {"username": "wangwu", "display_name": "", "phone": "", "password1": "Xuexi-2026a", "password2": "Xuexi-2026a", "id_number": ""}
    data.update(kw)
    return data


def test_account_create_linked_to_member(world, login):
    response = login(world.ua_admin).post(url("account_create"), account_post(id_number=world.m_a2.id_number.lower()))
    assert response.status_code == 302 and response.url == f'{url("role_grant")}?account=wangwu'
    account = get_user_model().objects.get(username="wangwu")
    member = Member.objects.get(pk=world.m_a2.pk)
    assert member.user == account
    assert (account.display_name, account.phone) == ("王五", world.m_a2.phone)
    assert account.check_password("Xuexi-2026a")
    assert member.history.first().history_user == world.ua_admin


def test_account_create_refuses_member_out_of_scope(world, login):
    response = login(world.ua_admin).post(url("account_create"), account_post(id_number=world.m_b1.id_number))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == ["在您的管理范围内找不到该身份证号的党员"]
    assert not get_user_model().objects.filter(username="wangwu").exists()


def test_account_create_errors(world, login):
    client = login(world.ua_admin)
    response = client.post(url("account_create"), account_post(password2="Other-2026a"))
    assert response.context["form"].errors["password2"] == ["两次输入的密码不一致"]
    response = client.post(url("account_create"), account_post(username="office", password1="short1", password2="short1"))
    errors = response.context["form"].errors
    assert "已被使用" in errors["username"][0] and errors["password1"]
    response = client.post(url("account_create"), account_post(id_number=world.m_a1.id_number))
    assert "已绑定账号" in response.context["form"].errors["id_number"][0]
    assert not get_user_model().objects.filter(username="wangwu").exists()


def test_account_create_needs_grant(world, login):
    assert login(world.a1_secretary).get(url("account_create")).status_code == 403
    assert login(world.ua_admin).get(url("account_create")).status_code == 200


# ----------------------------------------------------------------------------- assets and nav

def test_htmx_is_served_by_the_app(world, login):
    client = login(world.office)
    html = body(client.get(url("org_tree")))
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert "http://" not in html and "https://" not in html
    static = client.get("/static/django_htmx/htmx-2.min.js")
    assert static.status_code == 200
    assert b"htmx" in b"".join(static.streaming_content) if static.streaming else static.content


def test_navigation_follows_roles(world, login):
    admin = body(login(world.ua_admin).get(url("home")))
    assert url("role_list") in admin and url("member_list") in admin
    liaison = body(login(world.ua_liaison).get(url("home")))
    assert url("role_list") not in liaison and f'href="{url("org_tree")}"' in liaison
    member = body(login(world.member_user).get(url("home")))
    assert f'href="{url("org_tree")}"' not in member and url("member_detail", world.m_a1.pk) in member


def test_forbidden_page_is_chinese(world, login):
    response = login(world.ua_liaison).get(url("org_edit", "UA01"))
    assert response.status_code == 403 and "无权" in body(response)


def test_account_can_log_in_after_creation(world, login, client):
    login(world.ua_admin).post(url("account_create"), account_post(id_number=world.m_a2.id_number))
    client.logout()
    RoleGrant.objects.create(user=get_user_model().objects.get(username="wangwu"), role=Role.MEMBER, org=world.a2)
    response = client.post(url("login"), {"username": world.m_a2.phone, "password": "Xuexi-2026a"}, follow=True)
    assert "我的党员信息" in body(response) and "王五" in body(response)
