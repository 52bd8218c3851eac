"""The three lists as xlsx and docx (files opened and read back), from the page and from the
command line."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook

from dangjian.core.models import AccessLog
from dangjian.rectification.exporting import HEAD
from tests.rectification.test_lists import listed  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_xlsx_from_the_page(listed, client, login):  # noqa: F811
    w = listed
    login(w.office)
    res = client.get("/rectification/lists/export/", {"org": "ROOT", "format": "xlsx"})
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=UTF-8''" in res["Content-Disposition"]
    wb = load_workbook(io.BytesIO(res.content))
    assert wb.sheetnames == ["三个清单", "汇总"]
    ws = wb["三个清单"]
    rows = _rows(ws)
    assert rows[0][0] == "示范大学党委问题清单、责任清单、整改清单" and rows[1][0].startswith("编制单位：示范大学党委")
    assert rows[2][0] == "问题清单" and rows[2][4] == "责任清单" and rows[2][7] == "整改清单"
    assert rows[3] == HEAD
    assert {"A1:L1", "A3:D3", "E3:G3", "H3:L3"} <= {str(r) for r in ws.merged_cells.ranges}
    body = [r for r in rows[4:] if isinstance(r[0], int)]
    assert [r[0] for r in body] == list(range(1, 11))  # the ten problems counted at the root
    by_title = {r[3].split("\n")[0]: r for r in body}
    assert "联系群众不紧密a" not in by_title and "调查研究走过场a" not in by_title  # a draft; under review below
    late = by_title["服务窗口推诿扯皮"]
    assert late[1] == "自查" and late[5] == "委员" and late[6] == "后勤处第一党支部"
    assert late[7] == "1. 公开办事流程\n2. 设立投诉电话" and "（逾期）" in late[8].split("\n")[0]
    assert late[10].startswith("1. 推进中\n2. 已完成") and late[11] == "整改中（逾期）"
    assert by_title["考勤制度执行不严"][11].startswith("已销号（2026-04-20")
    summary = _rows(wb["汇总"])
    total = next(r for r in summary if r[0] == "示范大学党委 合计")
    assert total[1] == 10 and total[2:8] == [0, 2, 3, 2, 2, 1] and total[8] == 1  # statuses, then overdue
    assert any(r[0] == "文学院党委" and r[1] == 5 for r in summary)
    assert AccessLog.objects.filter(user=w.office, action="export", object_type="rectification.lists").count() == 1


def test_xlsx_for_a_branch_and_out_of_scope(listed, client, login):  # noqa: F811
    w = listed
    login(w.a1_secretary)
    res = client.get("/rectification/lists/export/", {"org": "UA01"})
    titles = {r[3].split("\n")[0] for r in _rows(load_workbook(io.BytesIO(res.content)).active)[4:] if isinstance(r[0], int)}
    # At the branch, its problem under the unit's review counts too.
    assert titles == {"理论学习不够深入a", "制度执行不严格a", "会议记录不规范a", "党员活动室使用率低", "调查研究走过场a"}
    assert client.get("/rectification/lists/export/", {"org": "UB01"}).status_code == 404
    assert client.get("/rectification/lists/export/", {"org": "UA01", "format": "pdf"}).status_code == 400
    assert client.get("/rectification/lists/export/", {"org": "UA01", "from": "2026-13-01"}).status_code == 400
    assert not AccessLog.objects.filter(object_type="rectification.lists").exclude(user=w.a1_secretary).exists()


def _fonts(run) -> tuple[str | None, str | None]:
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")), run.font.name


def test_docx_official_style(listed, client, login):  # noqa: F811
    w = listed
    login(w.ua_admin)
    res = client.get("/rectification/lists/export/", {"org": "UA", "format": "docx"})
    assert res.status_code == 200 and "wordprocessingml" in res["Content-Type"]
    doc = Document(io.BytesIO(res.content))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    title = doc.paragraphs[0]
    assert title.text == "文学院党委问题清单、责任清单、整改清单" and _fonts(title.runs[0]) == ("黑体", "黑体")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "共有问题6个" in text and "文学院党委\n" in text + "\n"
    body = next(p for p in doc.paragraphs if p.text.startswith("截至"))
    assert _fonts(body.runs[0])[0] == "宋体"
    table = doc.tables[0]
    assert [c.text for c in table.rows[1].cells] == HEAD
    assert table.rows[0].cells[0].text == "问题清单" and table.rows[0].cells[4].text == "责任清单"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    cells = [[c.text for c in r.cells] for r in table.rows[2:]]
    assert len(cells) == 6
    titles = {c[3].split("\n")[0] for c in cells}
    assert "学院领导班子调研不深" in titles and "服务窗口推诿扯皮" not in titles
    assert _fonts(table.rows[2].cells[3].paragraphs[0].runs[0])[0] == "宋体"


def test_docx_with_nothing_to_list(world, client, login):
    login(world.office)
    res = client.get("/rectification/lists/export/", {"org": "UA02", "format": "docx"})
    doc = Document(io.BytesIO(res.content))
    assert doc.tables[0].rows[2].cells[0].text == "没有计入本级的问题"


def test_command_line(listed, tmp_path):  # noqa: F811
    out = tmp_path / "lists.xlsx"
    call_command("export", "problems", "--org", "UB", str(out))
    rows = [r for r in load_workbook(out).active.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert {r[3].split("\n")[0] for r in rows} == {"理论学习不够深入b", "制度执行不严格b", "会议记录不规范b", "服务窗口推诿扯皮"}
    doc_out = tmp_path / "lists.docx"
    call_command("export", "problems", "--org", "ROOT", str(doc_out), "--from", "2026-03-01", "--to", "2026-03-31", "--user", "office")
    assert len(Document(str(doc_out)).tables[0].rows) == 3  # two header rows and the one problem found in March
    with pytest.raises(CommandError, match="UB"):
        call_command("export", "problems", "--org", "UB", str(tmp_path / "x.xlsx"), "--user", "ua_admin")
    with pytest.raises(CommandError, match=".xlsx 或 .docx"):
        call_command("export", "problems", "--org", "UB", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="日期格式"):
        call_command("export", "problems", "--org", "UB", str(tmp_path / "x.xlsx"), "--from", "2026-02-30")
    assert not (tmp_path / "x.xlsx").exists()


def test_docx_refuses_a_list_too_long_to_print(listed, client, login, monkeypatch, tmp_path):  # noqa: F811
    from dangjian.rectification import exporting

    monkeypatch.setattr(exporting, "DOCX_MAX", 3)
    login(listed.office)
    res = client.get("/rectification/lists/export/", {"org": "UB", "format": "docx"})
    assert res.status_code == 400 and "Word 文档最多导出 3 个" in res.content.decode() and "4 个" in res.content.decode()
    res = client.get("/api/v1/rectification/lists/export", {"org": "UB", "format": "docx"})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "format"
    with pytest.raises(CommandError, match="导出 Excel"):
        call_command("export", "problems", "--org", "UB", str(tmp_path / "x.docx"))
    assert not (tmp_path / "x.docx").exists()
    assert client.get("/rectification/lists/export/", {"org": "UB", "format": "xlsx"}).status_code == 200
    assert not AccessLog.objects.filter(object_type="rectification.lists", detail__contains="docx").exists()


def test_control_characters_do_not_break_the_files(listed, client, login):  # noqa: F811
    w = listed
    w.late.title = "窗口\x0b推诿\x01扯皮"
    w.late.save()
    login(w.office)
    xlsx = client.get("/rectification/lists/export/", {"org": "UB01"})
    titles = [r[3] for r in _rows(load_workbook(io.BytesIO(xlsx.content)).active)[4:] if isinstance(r[0], int)]
    assert any(t.startswith("窗口推诿扯皮") for t in titles)
    doc = Document(io.BytesIO(client.get("/rectification/lists/export/", {"org": "UB01", "format": "docx"}).content))
    assert any(r.cells[3].text.startswith("窗口推诿扯皮") for r in doc.tables[0].rows[2:])
