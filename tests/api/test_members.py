"""/api/v1/members: scoped lists and details, masking and its audit, create and partial update."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AccessLog
from dangjian.core.personal import mask_id_number, mask_phone
from dangjian.orgs.models import Member
from tests.factories import make_id_number, make_member

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def send(client, method, path, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def new_member(**kw) -> dict:
    body = {"name": "孙八", "gender": "female", "id_number": make_id_number(901), "phone": "13900000901",
            "org": "UA02", "category": "student", "status": "probationary", "joined_on": "2024-06-30"}
    body.update(kw)
    return body


# --- list -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, expected", [
    ("office", ["张三", "李四", "王五", "赵六", "钱七"]),
    ("ua_admin", ["张三", "李四", "王五"]),
    ("ua_liaison", ["张三", "李四", "王五"]),
    ("a1_secretary", ["张三", "李四"]),
    ("ub_admin", ["赵六", "钱七"]),
    ("guide", ["赵六", "钱七"]),
    ("member_user", ["张三"]),
    ("nobody", []),
])
def test_list_shows_what_the_role_may_see(login, world, who, expected):
    assert sorted(names(login(getattr(world, who)).get("/api/v1/members"))) == sorted(expected)


def test_list_is_masked_with_codes_and_labels(login, world):
    body = login(world.ua_admin).get("/api/v1/members", {"org": "UA02"}).json()
    assert body["count"] == 1 and body["masked"] is True
    row = body["items"][0]
    m = world.m_a2
    assert row == {
        "id": m.pk, "name": "王五", "gender": "male", "gender_label": "男",
        "id_number": mask_id_number(m.id_number), "phone": mask_phone(m.phone), "masked": True,
        "org": "UA02", "org_name": "文学院学生党支部", "category": "student", "category_label": "学生",
        "status": "probationary", "status_label": "预备党员", "joined_on": "2010-07-01",
        "is_cadre": False, "position": "", "has_account": False,
    }
    assert m.id_number not in json.dumps(body) and m.phone not in json.dumps(body)
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("query, expected", [
    ({"org": "UA"}, ["张三", "李四", "王五"]),
    ({"org": "UA01"}, ["张三", "李四"]),
    ({"org": "UB"}, ["赵六", "钱七"]),
    ({"org": "NOPE"}, []),
    ({"category": "retired"}, ["李四"]),
    ({"status": "probationary"}, ["王五"]),
    ({"is_cadre": "true"}, ["张三"]),
    ({"is_cadre": "false", "org": "UA01"}, ["李四"]),
    ({"q": "赵"}, ["赵六"]),
])
def test_list_filters(login, world, query, expected):
    assert sorted(names(login(world.office).get("/api/v1/members", query))) == sorted(expected)


def test_list_org_filter_stays_in_scope(login, world):
    assert names(login(world.ua_admin).get("/api/v1/members", {"org": "UB"})) == []
    assert names(login(world.member_user).get("/api/v1/members", {"org": "UA01"})) == ["张三"]


def test_list_filter_errors_name_the_parameter(login, world):
    got = errors(login(world.office).get("/api/v1/members", {"category": "cadre", "is_cadre": "maybe", "offset": -1}))
    assert set(got) == {"category", "is_cadre", "offset"}
    assert got["is_cadre"] == "应为 true 或 false"


def test_list_pages(login, world):
    body = login(world.office).get("/api/v1/members", {"limit": 2, "offset": 1}).json()
    assert body["count"] == 5 and len(body["items"]) == 2 and body["offset"] == 1


# --- unmasking ------------------------------------------------------------------------------

def test_unmasked_list_for_who_may_and_it_is_logged(login, world):
    response = login(world.ua_admin).get("/api/v1/members", {"org": "UA01", "unmask": "true"})
    body = response.json()
    assert body["masked"] is False
    got = {row["name"]: (row["id_number"], row["phone"], row["masked"]) for row in body["items"]}
    assert got["张三"] == (world.m_a1.id_number, world.m_a1.phone, False)
    log = AccessLog.objects.get()
    assert log.user == world.ua_admin and log.action == "api" and log.object_type == "orgs.member"
    assert "unmask=true" in log.detail and str(world.m_a1.pk) in log.detail and str(world.m_a1b.pk) in log.detail


@pytest.mark.parametrize("who, query", [
    ("ua_liaison", {}),
    ("ua_liaison", {"org": "UA01"}),
    ("guide", {"org": "UB"}),
    ("ua_admin", {"org": "UB"}),
    ("ua_admin", {"org": "ROOT"}),
    ("ua_admin", {"org": "NOPE"}),
    ("a1_secretary", {"org": "UA"}),
    ("member_user", {"org": "UA01"}),
])
def test_unmasked_list_refused_without_the_right_over_the_whole_range(login, world, who, query):
    response = login(getattr(world, who)).get("/api/v1/members", {**query, "unmask": "true"})
    assert response.status_code == 403
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("who", ["office", "ua_admin", "a1_secretary", "member_user"])
def test_unmasked_list_without_org_covers_the_callers_whole_view(login, world, who):
    response = login(getattr(world, who)).get("/api/v1/members", {"unmask": "true"})
    assert response.status_code == 200
    assert all(not row["masked"] for row in response.json()["items"])
    assert AccessLog.objects.filter(user=getattr(world, who)).count() == 1


def test_unmasked_detail_is_checked_and_logged(login, world):
    url = f"/api/v1/members/{world.m_a1.pk}"
    assert login(world.ua_liaison).get(url, {"unmask": "true"}).status_code == 403
    assert login(world.ua_liaison).get(url).json()["id_number"] == mask_id_number(world.m_a1.id_number)
    assert not AccessLog.objects.exists()
    body = login(world.member_user).get(url, {"unmask": "true"}).json()  # their own record
    assert body["id_number"] == world.m_a1.id_number and body["masked"] is False
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id) == (world.member_user, "api", "orgs.member", str(world.m_a1.pk))


# --- query counts ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", [{}, {"unmask": "true"}, {"org": "UA01", "category": "staff", "q": "员"}])
def test_list_costs_the_same_queries_at_any_size(login, world, query):
    client = login(world.ua_admin)
    client.get("/api/v1/me")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/members", query)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    for i in range(3):
        make_member(world.a1, f"党员{i}")
    small, rows_small = count()
    for i in range(3, 60):
        make_member(world.a1 if i % 2 else world.a1g, f"党员{i}")
    big, rows_big = count()
    assert rows_big > rows_small >= 3
    assert small == big <= 7


# --- detail ---------------------------------------------------------------------------------

def test_detail_masked_by_default(login, world):
    body = login(world.a1_secretary).get(f"/api/v1/members/{world.m_a1.pk}").json()
    assert body["name"] == "张三" and body["is_cadre"] is True and body["has_account"] is True
    assert body["phone"] == mask_phone(world.m_a1.phone) and body["masked"] is True


@pytest.mark.parametrize("who, member", [
    ("ua_admin", "m_b1"), ("a1_secretary", "m_a2"), ("member_user", "m_a1b"), ("guide", "m_a1"), ("nobody", "m_a1"),
])
def test_detail_out_of_scope_is_404(login, world, who, member):
    response = login(getattr(world, who)).get(f"/api/v1/members/{getattr(world, member).pk}", {"unmask": "true"})
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_detail_of_a_missing_member_is_404(login, world):
    assert login(world.office).get("/api/v1/members/999999").status_code == 404
    assert login(world.office).get("/api/v1/members/abc").status_code == 422


# --- create ---------------------------------------------------------------------------------

def test_create(login, world):
    response = send(login(world.ua_admin), "post", "/api/v1/members", new_member())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "孙八" and body["org"] == "UA02" and body["category_label"] == "学生"
    assert body["joined_on"] == "2024-06-30" and body["masked"] is True
    member = Member.objects.get(pk=body["id"])
    assert member.id_number == make_id_number(901) and member.status == "probationary"
    assert member.history.latest().history_user == world.ua_admin


@pytest.mark.parametrize("who, org", [
    ("ua_admin", "UB01"), ("ua_liaison", "UA02"), ("a1_secretary", "UA02"), ("guide", "UB01"), ("member_user", "UA01"),
])
def test_create_outside_write_scope_is_403(login, world, who, org):
    response = send(login(getattr(world, who)), "post", "/api/v1/members", new_member(org=org))
    assert response.status_code == 403
    assert not Member.objects.filter(name="孙八").exists()


def test_create_domain_errors_name_each_field(login, world):
    bad_id = make_id_number(902)[:17] + ("0" if make_id_number(902)[17] != "0" else "1")
    got = errors(send(login(world.ua_admin), "post", "/api/v1/members",
                      new_member(id_number=bad_id, phone="12345", name=" ", joined_on="2999-01-01")))
    assert got == {"id_number": "身份证号校验位错误", "phone": "手机号应为以1开头的11位数字",
                   "name": "姓名不能为空", "joined_on": "入党日期不能晚于今天"}
    got = errors(send(login(world.ua_admin), "post", "/api/v1/members", new_member(id_number=world.m_a1.id_number)))
    assert got == {"id_number": "该身份证号已登记"}
    assert errors(send(login(world.ua_admin), "post", "/api/v1/members", new_member(org="NOPE"))) == {"org": "组织“NOPE”不存在"}
    assert Member.objects.count() == 5


def test_create_shape_errors_name_each_field(login, world):
    body = new_member(category="在职", joined_on="30/06/2024", is_cadre="maybe")
    del body["gender"]
    got = errors(send(login(world.ua_admin), "post", "/api/v1/members", body))
    assert got["gender"] == "此项为必填项"
    assert got["category"] == "取值无效，可选：staff, retired, student, floating"
    assert got["joined_on"] == "日期格式应为 YYYY-MM-DD"
    assert got["is_cadre"] == "应为 true 或 false"
    assert set(got) == {"gender", "category", "joined_on", "is_cadre"}


# --- update ---------------------------------------------------------------------------------

def test_patch_merges_with_the_stored_record(login, world):
    m = world.m_a1b
    response = send(login(world.a1_secretary), "patch", f"/api/v1/members/{m.pk}", {"position": "组织委员", "is_cadre": True})
    assert response.status_code == 200, response.content
    assert response.json()["position"] == "组织委员" and response.json()["masked"] is True
    fresh = Member.objects.get(pk=m.pk)
    assert (fresh.position, fresh.is_cadre) == ("组织委员", True)
    assert (fresh.name, fresh.id_number, fresh.phone, fresh.category, fresh.org_id) == (m.name, m.id_number, m.phone, m.category, m.org_id)
    assert fresh.history.latest().history_user == world.a1_secretary


def test_patch_moves_a_member_to_another_branch_in_scope(login, world):
    response = send(login(world.ua_admin), "patch", f"/api/v1/members/{world.m_a1b.pk}", {"org": "UA02", "phone": None})
    assert response.json()["org"] == "UA02" and response.json()["phone"] == ""
    assert send(login(world.ua_admin), "patch", f"/api/v1/members/{world.m_a1.pk}", {"org": "UB01"}).status_code == 403
    assert Member.objects.get(pk=world.m_a1.pk).org == world.a1


def test_patch_errors(login, world):
    client = login(world.ua_admin)
    url = f"/api/v1/members/{world.m_a1.pk}"
    assert errors(send(client, "patch", url, {"name": None, "id_number": "123"})) == {
        "name": "不能为空", "id_number": "身份证号应为18位，实为3位"}
    assert errors(send(client, "patch", url, {"id_number": "123"})) == {"id_number": "身份证号应为18位，实为3位"}
    assert errors(send(client, "patch", url, {"id_number": world.m_b1.id_number})) == {"id_number": "该身份证号已登记"}
    assert Member.objects.get(pk=world.m_a1.pk).id_number == world.m_a1.id_number


@pytest.mark.parametrize("who, member, status", [
    ("ua_liaison", "m_a1", 403), ("member_user", "m_a1", 403), ("guide", "m_b1", 403),
    ("ua_admin", "m_b1", 404), ("a1_secretary", "m_a2", 404), ("member_user", "m_a1b", 404),
])
def test_patch_scope(login, world, who, member, status):
    target = getattr(world, member)
    response = send(login(getattr(world, who)), "patch", f"/api/v1/members/{target.pk}", {"position": "书记"})
    assert response.status_code == status
    assert Member.objects.get(pk=target.pk).position == ""
