"""The materials library: pagination of the text edition, uploads checked by content, list and
detail scoping, campaign reading lists, distribution records with totals and their export."""
import datetime as dt
import io
import struct

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.study import materials as mat
from dangjian.study.models import CampaignMaterial, Distribution, Material
from tests.factories import make_org

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type /Catalog /Pages 2 0 R>>endobj\n2 0 obj<</Type /Pages /Kids [3 0 R 4 0 R] /Count 2>>endobj\n" \
      b"3 0 obj<</Type /Page /Parent 2 0 R>>endobj\n4 0 obj<</Type/Page/Parent 2 0 R>>endobj\ntrailer<<>>\n%%EOF\n"


def mp4(seconds: int = 125) -> bytes:
    ftyp = struct.pack(">I4s4sI8s", 24, b"ftyp", b"isom", 512, b"isomiso2")
    mvhd_body = bytes([0, 0, 0, 0]) + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    return ftyp + moov


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# ----------------------------------------------------------------------------- pagination
def test_paginate_splits_at_headings_and_fills_pages():
    body = "第一章 总论\n\n" + "\n\n".join("　　" + "学" * 300 + "。" for _ in range(8)) + "\n\n第二章 分论\n\n短段落。"
    pages = mat.paginate(body)
    assert pages[0].startswith("第一章")
    assert all(len(p) <= mat.PAGE_CHARS for p in pages)
    assert any(p.startswith("第二章") for p in pages)  # a heading starts a new page
    assert pages[-1] == "第二章 分论\n\n短段落。"
    assert pages[1].startswith("　　学")  # full-width indentation kept


def test_paginate_forced_breaks_long_paragraphs_and_determinism():
    long_para = ("这是一句话。" * 400)  # 2,400 characters, no blank lines
    text = "前言\n\n开篇。\n===\n" + long_para + "\f结尾。"
    pages = mat.paginate(text)
    assert pages[0] == "前言\n\n开篇。"
    assert len(pages) == 4 and pages[-1] == "结尾。"
    assert pages[1].endswith("。") and len(pages[1]) <= mat.PAGE_CHARS
    assert "".join(pages[1:3]) == long_para
    # Deterministic and stable: the edit form's text paginates to the same pages.
    assert mat.paginate(text) == pages
    assert mat.paginate(mat.BREAK_MARK.join(pages)) == pages
    assert mat.paginate("\r\n\r\n  \n") == []


def test_paginate_hard_cut_without_sentence_ends():
    pages = mat.paginate("字" * 3200)
    assert [len(p) for p in pages] == [1500, 1500, 200]


# ----------------------------------------------------------------------------- materials
def _data(w, **kw):
    base = dict(org=w.unit_a, kind="book", title="党章学习读本")
    base.update(kw)
    return mat.MaterialData(**base)


def test_create_with_text_upload_paginates(world, media):
    w = world
    text = ("第一章 总则\n\n" + "正文。" * 100 + "\n\n第二章 党员\n\n" + "正文。" * 10).encode("utf-8-sig")
    m = mat.save_material(w.ua_admin, _data(w, upload=upload("读本.txt", text, "text/plain")))
    assert m.pages == 2 and m.text.count("\f") == 1 and not m.file
    assert m.created_by == w.ua_admin and m.history.count() == 1


def test_create_pdf_counts_pages_and_video_reads_duration(world, media):
    w = world
    pdf = mat.save_material(w.a1_secretary, _data(w, org=w.a1, kind="document", upload=upload("通知.pdf", PDF)))
    assert pdf.content_type == "application/pdf" and pdf.pages == 2 and pdf.original_name == "通知.pdf"
    assert mat.material_kind_of_file(pdf) == "pdf"
    video = mat.save_material(w.office, _data(w, org=w.root, kind="video", title="专题党课", upload=upload("党课.mp4", mp4(125))))
    assert video.content_type == "video/mp4" and video.pages == 125
    assert mat.material_kind_of_file(video) == "video"


@pytest.mark.parametrize("name,content,kind,message", [
    ("读本.pdf", "这其实是文本".encode(), "book", "内容不是 PDF"),
    ("读本.txt", PDF.replace(b"%PDF", b"\xff\xfe\x00\x01"), "book", "不是 UTF-8"),
    ("党课.mp4", PDF, "video", "内容不是 MP4"),
    ("读本.docx", PDF, "book", "类型不允许上传"),
    ("党课.mp4", mp4(), "book", "请选择资料类型“视频”"),
    ("讲义.pdf", PDF, "video", "MP4 或 WebM"),
])
def test_upload_refused_by_content(world, media, name, content, kind, message):
    w = world
    before = Material.objects.count()
    with pytest.raises(ValidationError) as exc:
        mat.save_material(w.ua_admin, _data(w, kind=kind, upload=upload(name, content)))
    assert message in exc.value.message_dict["file"][0]
    assert Material.objects.count() == before


def test_material_needs_content_and_act_on_org(world, media):
    w = world
    with pytest.raises(ValidationError) as exc:
        mat.save_material(w.ua_admin, _data(w, title=" "))
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        mat.save_material(w.ua_admin, _data(w))
    assert "file" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        mat.save_material(w.ua_admin, _data(w, org=w.unit_b, text="正文"))
    with pytest.raises(PermissionDenied):
        mat.save_material(w.a1_secretary, _data(w, text="正文"))  # ACT on UA01 only, not UA
    with pytest.raises(PermissionDenied):
        mat.save_material(w.ub_admin, _data(w, text="新正文"), w.material_a)
    assert Material.objects.filter(title="党章学习读本").count() == 0


def test_edit_keeps_text_and_repaginates(world, media):
    w = world
    m = w.material_a
    mat.save_material(w.ua_liaison, _data(w, title="文学院学习参考（修订）", text=None), m)
    m.refresh_from_db()
    assert m.title == "文学院学习参考（修订）" and m.text == "正文" and m.pages == 1
    mat.save_material(w.ua_liaison, _data(w, title=m.title, text="甲\n===\n乙\n===\n丙"), m)
    m.refresh_from_db()
    assert m.text == "甲\f乙\f丙" and m.pages == 3
    assert m.history.count() == 3 and m.history.first().history_user == w.ua_liaison


def test_list_scoped_filtered_and_constant_queries(world, login, media):
    w = world
    client = login(w.member_user)
    r = client.get(reverse("material_list"))
    assert r.status_code == 200
    titles = {m.title for m in r.context["page"]}
    assert titles == {w.material.title, w.material_a.title}
    r = login(w.guide).get(reverse("material_list"))
    assert {m.title for m in r.context["page"]} == {w.material.title}
    r = login(w.ua_admin).get(reverse("material_list"), {"kind": "document"})
    assert [m.title for m in r.context["page"]] == [w.material_a.title]
    r = login(w.ua_admin).get(reverse("material_list"), {"campaign": w.campaign.pk})
    assert [m.title for m in r.context["page"]] == [w.material.title]
    r = login(w.ua_admin).get(reverse("material_list"), {"q": "纲要"})
    assert [m.title for m in r.context["page"]] == [w.material.title]

    client = login(w.member_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("material_list"))
    for i in range(25):
        Material.objects.create(org=w.root, kind="book", title=f"书{i}", text="一\f二", pages=2)
    with CaptureQueriesContext(connection) as many:
        r = client.get(reverse("material_list"))
    assert len(r.context["page"]) == 27
    assert len(many) == len(few)


def test_detail_and_file_scoped(world, login, media):
    w = world
    m = mat.save_material(w.ub_admin, _data(w, org=w.unit_b, kind="document", title="后勤文件", upload=upload("文件.pdf", PDF)))
    r = login(w.guide).get(reverse("material_detail", args=[m.pk]))
    assert r.status_code == 200 and "后勤文件" in r.content.decode()
    r = login(w.guide).get(reverse("material_file", args=[m.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and "inline" in r["Content-Disposition"]
    assert b"".join(r.streaming_content).startswith(b"%PDF")
    r = login(w.guide).get(reverse("material_file", args=[m.pk]), {"download": "1"})
    assert "attachment" in r["Content-Disposition"]
    for user in (w.member_user, w.ua_admin, w.nobody):
        assert login(user).get(reverse("material_detail", args=[m.pk])).status_code == 404
        assert login(user).get(reverse("material_file", args=[m.pk])).status_code == 404


def test_video_served_inline_with_csp(world, login, media):
    w = world
    v = mat.save_material(w.office, _data(w, org=w.root, kind="video", title="党课视频", upload=upload("课.mp4", mp4(60))))
    r = login(w.member_user).get(reverse("material_file", args=[v.pk]))
    assert r.status_code == 200 and "inline" in r["Content-Disposition"]
    assert "sandbox" in r["Content-Security-Policy"] and r["X-Content-Type-Options"] == "nosniff"


def test_create_page_refuses_bad_file_and_keeps_nothing(world, login, media):
    w = world
    client = login(w.ua_admin)
    r = client.post(reverse("material_create"), {"org": "UA", "kind": "book", "title": "伪装的PDF",
                                                 "file": upload("书.pdf", "纯文本".encode())})
    assert r.status_code == 200 and "内容不是 PDF" in r.content.decode()
    assert not Material.objects.filter(title="伪装的PDF").exists()
    r = client.post(reverse("material_create"), {"org": "UB", "kind": "book", "title": "越权", "text": "正文"})
    assert r.status_code == 200 and "不在您的管理范围内" in r.content.decode()
    r = client.post(reverse("material_create"), {"org": "UA", "kind": "book", "title": "粘贴的书", "text": "第一章\n\n甲\n\n第二章\n\n乙"})
    m = Material.objects.get(title="粘贴的书")
    assert r.status_code == 302 and m.pages == 2 and m.created_by == w.ua_admin


# ----------------------------------------------------------------------------- reading lists
def test_campaign_list_managed_by_campaign_runner(world, login):
    w = world
    r = login(w.member_user).get(reverse("material_campaign", args=[w.campaign.pk]))
    assert r.status_code == 200 and [e.material for e in r.context["required"]] == [w.material]
    assert not r.context["manage"]
    book2 = Material.objects.create(org=w.root, kind="book", title="选读书", text="一", pages=1)
    r = login(w.ua_admin).post(reverse("material_campaign", args=[w.campaign.pk]), {"material": book2.pk, "required": "0"})
    assert r.status_code == 403 and not CampaignMaterial.objects.filter(material=book2).exists()
    r = login(w.office).post(reverse("material_campaign", args=[w.campaign.pk]), {"material": book2.pk, "required": "0"})
    assert r.status_code == 302
    assert CampaignMaterial.objects.get(material=book2).required is False
    # A unit's own material cannot go on the root campaign's list: UB's members could not read it.
    r = login(w.office).post(reverse("material_campaign", args=[w.campaign.pk]), {"material": w.material_a.pk, "required": "1"})
    assert r.status_code == 200 and "牵头组织及其上级" in r.content.decode()
    assert not CampaignMaterial.objects.filter(material=w.material_a).exists()
    entry = CampaignMaterial.objects.get(material=book2)
    assert login(w.ua_admin).post(reverse("material_campaign_remove", args=[entry.pk])).status_code == 403
    assert login(w.office).post(reverse("material_campaign_remove", args=[entry.pk])).status_code == 302
    assert not CampaignMaterial.objects.filter(pk=entry.pk).exists()
    assert login(w.nobody).get(reverse("material_campaign", args=[w.campaign.pk])).status_code == 404


# ----------------------------------------------------------------------------- distribution
def test_distribution_recorded_with_act_and_validated(world):
    w = world
    d = mat.record_distribution(w.a1_secretary, w.material, w.a1, quantity=20, handed_on=dt.date(2026, 5, 1), note="支部领取")
    assert d.recorded_by == w.a1_secretary and d.history.count() == 1
    before = Distribution.objects.count()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        mat.record_distribution(w.ua_admin, w.material, w.a1, quantity=0, handed_on=tomorrow)
    assert set(exc.value.message_dict) == {"quantity", "handed_on"}
    with pytest.raises(ValidationError) as exc:
        mat.record_distribution(w.ua_admin, w.material, w.b1, quantity=5, handed_on=dt.date(2026, 5, 1))
    assert "org" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # UA's document cannot be handed to UB
        mat.record_distribution(w.office, w.material_a, w.b1, quantity=5, handed_on=dt.date(2026, 5, 1))
    assert "范围内" in exc.value.message_dict["org"][0]
    assert Distribution.objects.count() == before


def test_distribution_totals_roll_up_by_unit(world, login):
    w = world
    mat.record_distribution(w.a1_secretary, w.material, w.a1, quantity=20, handed_on=dt.date(2026, 5, 1))
    mat.record_distribution(w.ua_admin, w.material_a, w.a2, quantity=7, handed_on=dt.date(2026, 5, 2))
    mat.record_distribution(w.office, w.material, w.root, quantity=3, handed_on=dt.date(2026, 5, 2))
    totals = mat.distribution_totals(mat.distributions_for(w.office), w.root)
    assert totals["total"] == 50 + 30 + 20 + 7 + 3
    units = {r["name"]: r["total"] for r in totals["units"]}
    assert units == {"文学院党委": 77, "后勤处党总支": 30, "示范大学党委（本级）": 3}
    per_material = {r["material__title"]: r["total"] for r in totals["per_material"]}
    assert per_material == {w.material.title: 103, w.material_a.title: 7}
    # Drilled down to UA: its branches, and UA's own records as 本级.
    totals = mat.distribution_totals(mat.distributions_for(w.ua_admin), w.unit_a)
    assert {r["name"]: r["total"] for r in totals["units"]} == {"文学院党委（本级）": 50, "文学院教工第一党支部": 20, "文学院学生党支部": 7}
    r = login(w.ua_admin).get(reverse("distribution_list"))
    assert r.status_code == 200 and r.context["totals"]["total"] == 77
    assert {d.org.code for d in r.context["page"]} == {"UA", "UA01", "UA02"}
    r = login(w.guide).get(reverse("distribution_list"))
    assert {d.org.code for d in r.context["page"]} == {"UB"}
    assert login(w.member_user).get(reverse("distribution_list")).status_code == 403
    assert login(w.ua_admin).get(reverse("distribution_list"), {"org": "UB"}).status_code == 404


def test_distribution_list_constant_queries(world, login):
    w = world
    client = login(w.office)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("distribution_list"))
    units = [make_org(f"UX{i}", f"单位{i}", "committee", w.root) for i in range(5)]
    for i in range(40):
        Distribution.objects.create(material=w.material, org=units[i % 5], quantity=i + 1, handed_on=dt.date(2026, 5, 1))
    with CaptureQueriesContext(connection) as many:
        r = client.get(reverse("distribution_list"))
    assert len(r.context["totals"]["units"]) == 7
    assert len(many) == len(few)


def test_distribution_form_and_export(world, login):
    w = world
    client = login(w.ua_liaison)
    r = client.post(reverse("distribution_create"), {"material": w.material.pk, "org": "UA02", "quantity": "0",
                                                     "handed_on": "2099-01-01"})
    body = r.content.decode()
    assert r.status_code == 200 and "数量应为正整数" in body and "不能晚于今天" in body
    r = client.post(reverse("distribution_create"), {"material": w.material.pk, "org": "UB01", "quantity": "5", "handed_on": "2026-05-01"})
    assert r.status_code == 200 and "不在您的管理范围内" in r.content.decode()
    assert Distribution.objects.count() == 2
    r = client.post(reverse("distribution_create"), {"material": w.material.pk, "org": "UA02", "quantity": "12", "handed_on": "2026-05-01"})
    assert r.status_code == 302 and Distribution.objects.get(org=w.a2).quantity == 12
    r = client.get(reverse("distribution_export"))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["发放记录"].iter_rows(values_only=True))
    assert rows[0][:4] == ("学习资料", "领取单位", "单位编码", "数量")
    assert {row[2] for row in rows[1:-1]} == {"UA", "UA02"}
    assert rows[-1][0] == "合计" and rows[-1][3] == 62
    assert {row[0]: row[1] for row in wb["按单位汇总"].iter_rows(min_row=2, values_only=True)} == {"文学院党委（本级）": 50, "文学院学生党支部": 12}


def test_export_function_for_commands(world, tmp_path):
    from dangjian.study.views_materials import export_distributions

    out = tmp_path / "dist.xlsx"
    assert export_distributions(world.guide, out) == 1
    assert load_workbook(out)["发放记录"].max_row == 3
