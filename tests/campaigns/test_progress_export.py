"""The progress table as xlsx: layout for printing and the numbers, from the function, the
command and the page."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.campaigns.exporting import export_progress
from dangjian.campaigns.models import UnitTask


def rows_of(source):
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


def test_layout_and_numbers(world, tmp_path):
    UnitTask.objects.filter(task=world.task_g, org__code__in=["UA01", "UA02"]).update(status="approved")
    UnitTask.objects.filter(task=world.task_p, org__code="UB01").update(status="returned")
    path = tmp_path / "p.xlsx"
    assert export_progress(world.office, world.campaign, path) == 3
    ws, rows = rows_of(path)
    assert rows[0][0] == "学习贯彻主题教育工作推进表"
    assert rows[1][0].startswith("统计时间：") and "共3个单位、2项任务" in rows[1][0]
    assert rows[2][:4] == ["序号", "单位", "召开动员部署会", "报送工作方案"] and rows[2][4:6] == ["已通过", "完成率"]
    body = [r[:6] for r in rows[3:]]
    assert body[0] == [1, "文学院教工第一党支部", "已通过", "未开始", 1, "50.0%"]
    assert body[1] == [2, "文学院学生党支部", "已通过", "—", 1, "100.0%"]
    assert body[2][1] == "文学院党委 小计（2个单位）" and body[2][2:5] == ["2/2", "0/1", 2]
    assert body[3][:4] == [3, "后勤处第一党支部", "未开始", "退回"]
    assert body[4][1] == "后勤处党总支 小计（1个单位）" and body[4][2:4] == ["0/1", "0/1"]
    totals = {r[1]: r[2:5] for r in rows[3:] if r[1] in ("应完成单位数", "已通过", "退回", "完成率")}
    assert totals["应完成单位数"] == [3, 2, 5]
    assert totals["已通过"] == [2, 0, 2]
    assert totals["退回"] == [0, 1, 1]
    assert totals["完成率"][:2] == ["66.7%", "0.0%"]
    # Printing: headings frozen and repeated, A3 landscape fitted to the width, title merged.
    assert ws.freeze_panes == "C4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C3"].alignment.wrap_text and ws.column_dimensions["C"].width < 10
    assert ws["C4"].fill.fgColor.rgb.endswith("C6EFCE")  # approved is green


def test_export_is_scoped(world, tmp_path):
    path = tmp_path / "p.xlsx"
    assert export_progress(world.guide, world.campaign, path) == 1
    _, rows = rows_of(path)
    names = {r[1] for r in rows[3:] if r[1]}
    assert "后勤处第一党支部" in names and not any("文学院" in n for n in names)


def test_the_command(world, tmp_path):
    path = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command("export", "progress", "--campaign", str(world.campaign.pk), str(path), stdout=out)
    assert "已导出工作推进表（3个单位）" in out.getvalue()
    call_command("export", "progress", "--campaign", str(world.campaign.pk), str(path), "--user", "ua_admin", stdout=out)
    assert "（2个单位）" in out.getvalue()
    with pytest.raises(CommandError, match="不存在或超出查看范围"):
        call_command("export", "progress", "--campaign", str(world.campaign.pk), str(path), "--user", "member_a1")
    with pytest.raises(CommandError):
        call_command("export", "progress", str(path))  # --campaign is required


def test_the_download(world, login):
    r = login(world.ua_admin).get(reverse("progress_export", kwargs={"campaign_id": world.campaign.pk}), {"unit": "UA"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    _, rows = rows_of(io.BytesIO(r.content))
    assert [r[1] for r in rows[3:5]] == ["文学院教工第一党支部", "文学院学生党支部"]
    assert "二级单位：UA" in rows[1][0]
