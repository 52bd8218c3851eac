"""The import pages (upload → preview → confirm) and the export downloads, through HTTP."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core.models import AccessLog
from dangjian.orgs.importing import MEMBER_COLUMNS, ORG_COLUMNS
from dangjian.orgs.models import Member, Org
from tests.orgs.test_importing import fixed_id, member_row, org_row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, kind: str, buf: io.BytesIO, name: str = "名单.xlsx"):
    return client.post(reverse("import_upload", kwargs={"kind": kind}), {"file": SimpleUploadedFile(name, buf.getvalue())})


def token_of(response) -> str:
    assert response.status_code == 302, response.content[:500]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_index_lists_what_the_user_may_import(world, login):
    html = login(world.office).get(reverse("import_index")).content.decode()
    assert "导入党组织" in html and "导入党员" in html
    assert reverse("import_template", kwargs={"kind": "members"}) in html
    html = login(world.a1_secretary).get(reverse("import_index")).content.decode()
    assert "导入党员" in html and "导入党组织" not in html


@pytest.mark.parametrize("role", ["guide", "ua_liaison", "member_user", "nobody"])
def test_users_who_may_change_nothing_are_refused(world, login, role):
    client = login(getattr(world, role))
    assert client.get(reverse("import_index")).status_code == 403
    assert client.get(reverse("import_template", kwargs={"kind": "members"})).status_code == 403
    assert upload(client, "members", xlsx([member_row("甲")])).status_code == 403
    assert Member.objects.count() == 5


def test_anonymous_users_go_to_login(client):
    response = client.get(reverse("import_index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_template_download(world, login):
    response = login(world.office).get(reverse("import_template", kwargs={"kind": "orgs"}))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == list(ORG_COLUMNS) and "填写说明" in wb.sheetnames


def test_bad_file_shows_every_error_and_changes_nothing(world, login, media):
    client = login(world.office)
    before = (Member.objects.count(), Member.history.model.objects.count())
    source = xlsx([member_row("甲"), member_row("乙", org="NOPE"), member_row("丙", 身份证号="110101198501010010")])
    token = token_of(upload(client, "members", source))
    assert (media / "imports" / f"{token}.xlsx").is_file()

    page = client.get(reverse("import_preview", kwargs={"kind": "members", "token": token}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "alert alert-error" in html and "发现 2 处错误" in html
    assert "<td class=\"num\">3</td><td class=\"nowrap\">所在组织编码</td><td>组织编码“NOPE”不存在</td>" in html
    assert "<td class=\"num\">4</td><td class=\"nowrap\">身份证号</td><td>身份证号校验位错误</td>" in html
    assert "确认导入" not in html
    report_url = reverse("import_errors", kwargs={"kind": "members", "token": token})
    assert report_url in html
    report = client.get(report_url)
    rows = list(load_workbook(io.BytesIO(body(report))).worksheets[0].iter_rows(values_only=True))
    assert rows == [("行", "列", "问题"), (3, "所在组织编码", "组织编码“NOPE”不存在"), (4, "身份证号", "身份证号校验位错误")]

    refused = client.post(reverse("import_confirm", kwargs={"kind": "members", "token": token}))
    assert refused.status_code == 409
    assert (Member.objects.count(), Member.history.model.objects.count()) == before


def test_good_file_previews_then_imports_on_confirm(world, login, media):
    client = login(world.office)
    idn = fixed_id(901)
    token = token_of(upload(client, "members", xlsx([member_row("孙八", id_number=idn), member_row(world.m_a2.name, id_number=world.m_a2.id_number, org="UA02", 职务="班长")])))
    preview_url = reverse("import_preview", kwargs={"kind": "members", "token": token})
    html = client.get(preview_url).content.decode()
    assert "alert alert-success" in html and "确认后将新增 1 条、更新 1 条" in html
    assert idn not in html and idn[:6] + "********" + idn[-4:] in html
    assert not Member.objects.filter(id_number=idn).exists()

    done = client.post(reverse("import_confirm", kwargs={"kind": "members", "token": token}))
    assert done.status_code == 200
    assert "已导入：新增 1 条，更新 1 条" in done.content.decode()
    member = Member.objects.get(id_number=idn)
    assert member.history.get().history_user == world.office
    assert Member.objects.get(pk=world.m_a2.pk).position == "班长"
    assert not (media / "imports" / f"{token}.xlsx").exists()
    assert client.get(preview_url).status_code == 404


def test_org_import_through_the_pages(world, login):
    client = login(world.office)
    token = token_of(upload(client, "orgs", xlsx([org_row("N1G", "小组", "党小组", "N1"), org_row("N1", "新支部", "党支部", "UA")], header=ORG_COLUMNS)))
    html = client.get(reverse("import_preview", kwargs={"kind": "orgs", "token": token})).content.decode()
    assert "确认后将新增 2 条" in html
    client.post(reverse("import_confirm", kwargs={"kind": "orgs", "token": token}))
    assert Org.objects.get_parent(Org.objects.get(code="N1G")).code == "N1"


def test_an_upload_belongs_to_its_session_and_kind(world, login, client):
    token = token_of(upload(login(world.office), "members", xlsx([member_row("甲")])))
    assert client.get(reverse("import_preview", kwargs={"kind": "orgs", "token": token})).status_code == 404
    client.logout()
    other = login(world.ua_admin)
    for name in ("import_preview", "import_errors"):
        assert other.get(reverse(name, kwargs={"kind": "members", "token": token})).status_code == 404
    assert other.post(reverse("import_confirm", kwargs={"kind": "members", "token": token})).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("名单.csv", b"a,b\n", "xlsx"),
        ("名单.xlsx", b"not a zip", "不是有效的 Excel"),
    ],
)
def test_uploads_that_are_not_workbooks(world, login, media, name, content, fragment):
    response = login(world.office).post(reverse("import_upload", kwargs={"kind": "members"}), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert "alert alert-error" in response.content.decode() and fragment in response.content.decode()
    assert not (media / "imports").exists() or not any((media / "imports").iterdir())


def test_a_secretary_may_not_import_orgs(world, login):
    client = login(world.a1_secretary)
    assert upload(client, "orgs", xlsx([org_row("N1", "新支部", "党支部", "UA01")], header=ORG_COLUMNS)).status_code == 403
    assert upload(client, "members", xlsx([member_row("甲")])).status_code == 302


def test_export_members_is_masked_unless_asked(world, login):
    client = login(world.office)
    response = client.get(reverse("export_members"), {"org": "UA", "category": "staff"})
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(body(response))).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == MEMBER_COLUMNS
    assert [r[0] for r in rows[1:]] == ["张三"] and "*" in rows[1][2]
    assert not AccessLog.objects.exists()

    response = client.get(reverse("export_members"), {"org": "UA", "unmasked": "1"})
    rows = list(load_workbook(io.BytesIO(body(response))).worksheets[0].iter_rows(values_only=True))
    assert world.m_a1.id_number in {r[2] for r in rows}
    assert AccessLog.objects.get().user == world.office


def test_export_members_scope(world, login):
    assert login(world.ua_admin).get(reverse("export_members"), {"org": "UB"}).status_code == 404
    assert login(world.guide).get(reverse("export_members"), {"unmasked": "1"}).status_code == 403
    response = login(world.guide).get(reverse("export_members"))
    names = {r[0] for r in load_workbook(io.BytesIO(body(response))).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names == {"赵六", "钱七"}


def test_export_orgs_page(world, login):
    response = login(world.ua_admin).get(reverse("export_orgs"))
    codes = {r[0] for r in load_workbook(io.BytesIO(body(response))).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert codes == {"UA", "UA01", "UA02", "UA01G1"}
