"""/api/v1 of the library: materials with uploads checked by content, pages of the text edition,
campaign reading lists, distributions with totals, the caller's reading progress and the reading
statistics — scoped like the UI, refusals that change nothing."""
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.study.models import CampaignMaterial, Distribution, Material, ReadingProgress
from tests.study.test_materials import PDF, mp4

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send(client, method, path, body=None, **kw):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json", **kw)


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


# ----------------------------------------------------------------------------- materials
def test_list_scoped_filtered_paged_constant_queries(login, world):
    w = world
    c = login(w.member_user)
    data = ok(c.get(f"{API}/materials"))
    assert data["count"] == 2 and {m["title"] for m in data["items"]} == {w.material.title, w.material_a.title}
    book = next(m for m in data["items"] if m["id"] == w.material.pk)
    assert book["kind"] == "book" and book["kind_label"] == "图书" and book["reader"] == "text" and book["pages"] == 3
    assert book["org"] == "ROOT"
    assert [m["id"] for m in ok(login(w.guide).get(f"{API}/materials"))["items"]] == [w.material.pk]
    c = login(w.member_user)
    assert ok(c.get(f"{API}/materials", {"kind": "document"}))["count"] == 1
    assert ok(c.get(f"{API}/materials", {"campaign": w.campaign.pk}))["items"][0]["id"] == w.material.pk
    assert ok(c.get(f"{API}/materials", {"q": "文学院"}))["items"][0]["id"] == w.material_a.pk
    assert errors(c.get(f"{API}/materials", {"kind": "song"})).keys() == {"kind"}
    with CaptureQueriesContext(connection) as few:
        c.get(f"{API}/materials")
    for i in range(20):
        Material.objects.create(org=w.root, kind="book", title=f"书{i}", text="一", pages=1)
    with CaptureQueriesContext(connection) as many:
        assert ok(c.get(f"{API}/materials"))["count"] == 22
    assert len(many) == len(few)


def test_create_multipart_with_file_and_detail(login, world, media):
    w = world
    c = login(w.ua_admin)
    r = c.post(f"{API}/materials", {"org": "UA", "kind": "document", "title": "学习文件",
                                    "file": SimpleUploadedFile("学习文件.pdf", PDF)})
    m = ok(r, 201)
    assert m["reader"] == "pdf" and m["pages"] == 2 and m["content_type"] == "application/pdf" and m["may_edit"] is True
    assert m["file_url"] == f"{API}/materials/{m['id']}/file"
    assert c.get(m["file_url"]).status_code == 200
    assert login(w.member_user).get(m["file_url"]).status_code == 200  # a member of UA01 reads UA's file
    assert login(w.guide).get(m["file_url"]).status_code == 404
    c = login(w.ua_admin)
    txt = ok(c.post(f"{API}/materials", {"org": "UA01", "kind": "book", "title": "电子书",
                                         "file": SimpleUploadedFile("书.txt", "第一章\n\n甲\n\n第二章\n\n乙".encode())}), 201)
    assert txt["reader"] == "text" and txt["pages"] == 2 and txt["has_file"] is False
    assert ok(c.get(f"{API}/materials/{txt['id']}/pages/2"))["text"] == "第二章\n\n乙"
    assert c.get(f"{API}/materials/{txt['id']}/pages/3").status_code == 404
    video = ok(login(w.office).post(f"{API}/materials", {"org": "ROOT", "kind": "video", "title": "党课",
                                                         "file": SimpleUploadedFile("课.mp4", mp4(90))}), 201)
    assert video["reader"] == "video" and video["pages"] == 90


def test_create_refusals_change_nothing(login, world, media):
    w = world
    c = login(w.ua_admin)
    before = Material.objects.count()
    assert "内容不是 PDF" in errors(c.post(f"{API}/materials", {"org": "UA", "kind": "book", "title": "假PDF",
                                                               "file": SimpleUploadedFile("书.pdf", "文本".encode())}))["file"]
    assert "不在您的管理范围内" in errors(send(c, "post", f"{API}/materials", {"org": "UB", "kind": "book", "title": "越权", "text": "正文"}))["org"]
    assert errors(send(c, "post", f"{API}/materials", {"org": "UA", "kind": "book", "title": "空的"})).keys() == {"file"}
    assert errors(send(c, "post", f"{API}/materials", {"org": "UA", "kind": "poem", "title": "x"})).keys() == {"kind"}
    assert errors(c.post(f"{API}/materials", {"kind": "book"})).keys() == {"org", "title"}
    assert Material.objects.count() == before
    m = ok(send(c, "post", f"{API}/materials", {"org": "UA", "kind": "book", "title": "粘贴的书", "text": "甲\n===\n乙"}), 201)
    assert m["pages"] == 2 and m["reader"] == "text"


def test_patch_material(login, world):
    w = world
    path = f"{API}/materials/{w.material_a.pk}"
    assert login(w.a1_secretary).patch(path, data=json.dumps({"title": "x"}), content_type="application/json").status_code == 403
    assert login(w.guide).patch(path, data=json.dumps({"title": "x"}), content_type="application/json").status_code == 404
    c = login(w.ua_liaison)
    assert errors(send(c, "patch", path, {"title": None})) == {"title": "不能为空"}
    m = ok(send(c, "patch", path, {"title": "修订版", "text": "一\n===\n二\n===\n三"}))
    assert m["title"] == "修订版" and m["pages"] == 3 and m["author"] == ""
    w.material_a.refresh_from_db()
    assert w.material_a.text == "一\f二\f三"


# ----------------------------------------------------------------------------- reading lists
def test_campaign_reading_list(login, world):
    w = world
    path = f"{API}/campaigns/{w.campaign.pk}/materials"
    entries = ok(login(w.member_user).get(path))
    assert [(e["material"]["id"], e["required"], e["required_label"]) for e in entries] == [(w.material.pk, True, "必读")]
    assert login(w.nobody).get(path).status_code == 404
    book = Material.objects.create(org=w.root, kind="book", title="选读", text="一", pages=1)
    assert send(login(w.ua_admin), "post", path, {"material": book.pk, "required": False}).status_code == 403
    assert errors(send(login(w.office), "post", path, {"material": w.material_a.pk})).keys() == {"material"}
    assert errors(send(login(w.office), "post", path, {"material": 999999})).keys() == {"material"}
    e = ok(send(login(w.office), "post", path, {"material": book.pk, "required": False, "order": 2}), 201)
    assert e["required_label"] == "选读"
    assert [x["required"] for x in ok(login(w.member_user).get(path))] == [True, False]
    assert login(w.ua_admin).delete(f"{API}/campaign-materials/{e['id']}").status_code == 403
    ok(login(w.office).delete(f"{API}/campaign-materials/{e['id']}"), 204)
    assert not CampaignMaterial.objects.filter(pk=e["id"]).exists()


# ----------------------------------------------------------------------------- distributions
def test_distributions_with_totals(login, world):
    w = world
    c = login(w.office)
    d = ok(send(c, "post", f"{API}/distributions", {"material": w.material.pk, "org": "UA01", "quantity": 20, "handed_on": "2026-05-01"}), 201)
    assert d["org"] == "UA01" and d["recorded_by"] == "office" and d["quantity"] == 20
    data = ok(c.get(f"{API}/distributions"))
    assert data["count"] == 3 and data["totals"]["quantity"] == 100 and data["totals"]["org"] == "ROOT"
    assert {u["org"]: u["quantity"] for u in data["totals"]["per_unit"]} == {"UA": 70, "UB": 30}
    assert data["totals"]["per_material"] == [{"material": w.material.pk, "title": w.material.title, "records": 3, "quantity": 100}]
    data = ok(c.get(f"{API}/distributions", {"org": "UA"}))
    assert {u["org"]: u["quantity"] for u in data["totals"]["per_unit"]} == {None: 50, "UA01": 20}
    assert ok(login(w.guide).get(f"{API}/distributions"))["count"] == 1
    assert errors(login(w.guide).get(f"{API}/distributions", {"org": "UA"})).keys() == {"org"}
    assert login(w.member_user).get(f"{API}/distributions").status_code == 403


def test_distribution_bad_input(login, world):
    w = world
    c = login(w.ua_admin)
    before = Distribution.objects.count()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert errors(send(c, "post", f"{API}/distributions", {"material": w.material.pk, "org": "UA01", "quantity": 0,
                                                           "handed_on": future})).keys() == {"quantity", "handed_on"}
    assert errors(send(c, "post", f"{API}/distributions", {"material": w.material.pk, "org": "UB01", "quantity": 5,
                                                           "handed_on": "2026-05-01"})).keys() == {"org"}
    assert errors(send(c, "post", f"{API}/distributions", {"material": 999999, "org": "UA01", "quantity": 5,
                                                           "handed_on": "2026-05-01"})).keys() == {"material"}
    assert errors(send(c, "post", f"{API}/distributions", {"material": w.material.pk, "org": "UA01", "quantity": 5,
                                                           "handed_on": "五月"})).keys() == {"handed_on"}
    assert Distribution.objects.count() == before


def test_distribution_list_constant_queries(login, world):
    w = world
    c = login(w.office)
    with CaptureQueriesContext(connection) as few:
        c.get(f"{API}/distributions")
    for i in range(30):
        Distribution.objects.create(material=w.material, org=[w.a1, w.a2, w.b1][i % 3], quantity=1, handed_on=dt.date(2026, 5, 1))
    with CaptureQueriesContext(connection) as many:
        assert ok(c.get(f"{API}/distributions"))["count"] == 32
    assert len(many) == len(few)


# ----------------------------------------------------------------------------- reading
def test_my_progress_get_and_put(login, world):
    w = world
    c = login(w.member_user)
    path = f"{API}/materials/{w.material.pk}/progress"
    p = ok(c.get(path))
    assert (p["position"], p["page"], p["furthest"], p["percent"], p["finished_at"]) == (1, 2, 1, 67, None)
    assert errors(send(c, "put", path, {"position": 3})) == {"position": "位置超出范围（共 3 页）"}
    assert errors(send(c, "put", path, {"position": "末页"})).keys() == {"position"}
    assert ReadingProgress.objects.get(member=w.m_a1, material=w.material).position == 1
    p = ok(send(c, "put", path, {"position": 2}))
    assert p["percent"] == 100 and p["finished_at"] is not None
    assert ok(c.get(f"{API}/materials/{w.material_a.pk}/progress")) is None
    assert send(login(w.office), "put", path, {"position": 0}).status_code == 403
    assert login(w.office).get(path).status_code == 403
    ub = Material.objects.create(org=w.unit_b, kind="book", title="后勤", text="一", pages=1)
    assert send(login(w.member_user), "put", f"{API}/materials/{ub.pk}/progress", {"position": 0}).status_code == 404


def test_my_reading(login, world):
    w = world
    items = ok(login(w.member_user).get(f"{API}/reading/mine"))
    assert [(i["material"]["id"], i["section"], i["campaign"]) for i in items] == [(w.material.pk, "required", w.campaign.pk)]
    assert items[0]["progress"]["percent"] == 67
    assert login(w.office).get(f"{API}/reading/mine").status_code == 403


def test_reading_stats(login, world):
    w = world
    data = ok(login(w.office).get(f"{API}/reading/stats"))
    assert data["org"] == "ROOT" and data["campaign"] == w.campaign.pk and data["required"] == 1
    rows = {r["org"]: r for r in data["rows"]}
    assert (rows["UA"]["members"], rows["UA"]["started"], rows["UA"]["finished"]) == (3, 1, 0)
    assert rows["UA"]["has_children"] is True
    assert data["total"]["members"] == 5
    assert all(set(r) == {"org", "name", "members", "started", "finished", "share", "has_children"} for r in data["rows"])
    data = ok(login(w.ua_admin).get(f"{API}/reading/stats", {"org": "UA"}))
    assert {r["org"] for r in data["rows"]} == {"UA01", "UA02"}
    assert login(w.ua_admin).get(f"{API}/reading/stats", {"org": "UB"}).status_code == 404
    assert login(w.member_user).get(f"{API}/reading/stats").status_code == 404
    assert login(w.office).get(f"{API}/reading/stats", {"campaign": 999999}).status_code == 404
