"""The progress table as an xlsx workbook laid out the way offices print it: title, date line,
task titles across, units down grouped by secondary unit with a subtotal line each, counts and
percentages at the bottom; frozen headings, A3 landscape, fit to width, headings on every page."""
from __future__ import annotations

import datetime as dt
from copy import copy

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from dangjian.campaigns.progress import (
    OVERDUE,
    SHORT,
    STATUS_FILTERS,
    Counts,
    Filters,
    Table,
    build_table,
)

FIRST_TASK_COL = 3  # A: 序号, B: 单位
HEADER_ROW = 3
FILLS = {
    "approved": "C6EFCE", "submitted": "DDEBF7", "returned": "FCE4D6", "in_progress": "FFF2CC",
    "not_started": "FFFFFF", OVERDUE: "F8CBAD",
}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_BOLD = Font(name="宋体", size=10, bold=True)
_BODY = Font(name="宋体", size=10)
_TITLE = Font(name="方正小标宋简体", size=18, bold=True)
SUBTOTAL = "subtotal"
_FILLS = {k: PatternFill("solid", fgColor=v) for k, v in {**FILLS, SUBTOTAL: "EDEDED"}.items()}


def workbook_title(table: Table) -> str:
    name = table.campaign.name
    return f"{name}工作推进表" if name.endswith("主题教育") else f"{name}主题教育工作推进表"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


class _Writer:
    def __init__(self, ws):
        self.ws = ws
        self._cache: dict = {}

    def cell(self, value, *, bold: bool = False, fill: str | None = None, left: bool = False) -> WriteOnlyCell:
        """A styled cell. Styles are resolved once per combination and their index array copied:
        setting font, fill, border and alignment on each of 150,000 cells takes seconds."""
        c = WriteOnlyCell(self.ws, value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text stays text (no formula injection from an org's name)
        key = (bold, fill, left)
        style = self._cache.get(key)
        if style is None:
            c.font = _BOLD if bold else _BODY
            c.alignment = _LEFT if left else _CENTER
            c.border = _BORDER
            if fill is not None:
                c.fill = _FILLS[fill]
            self._cache[key] = copy(c._style)
        else:
            c._style = copy(style)
        return c


def write_progress(table: Table, path_or_file) -> int:
    """Write `table` (built with limit=None: every unit row) as xlsx; returns the unit rows written."""
    tasks = table.tasks
    width = FIRST_TASK_COL - 1 + len(tasks) + 2  # + 已通过 + 完成率
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工作推进表")
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    for i in range(len(tasks)):
        ws.column_dimensions[get_column_letter(FIRST_TASK_COL + i)].width = 7.5
    ws.column_dimensions[get_column_letter(width - 1)].width = 9
    ws.column_dimensions[get_column_letter(width)].width = 9
    ws.freeze_panes = f"{get_column_letter(FIRST_TASK_COL)}{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 8  # A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.merged_cells.ranges.add(f"A1:{get_column_letter(width)}1")
    ws.merged_cells.ranges.add(f"A2:{get_column_letter(width)}2")
    w = _Writer(ws)

    title = WriteOnlyCell(ws, workbook_title(table))
    title.font, title.alignment = _TITLE, Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.append([title])
    line = WriteOnlyCell(ws, _date_line(table))
    line.font, line.alignment = _BODY, Alignment(horizontal="right", vertical="center")
    ws.append([line])
    ws.row_dimensions[HEADER_ROW].height = 90
    ws.append([w.cell("序号", bold=True), w.cell("单位", bold=True), *(w.cell(t.title, bold=True) for t in tasks),
               w.cell("已通过", bold=True), w.cell("完成率", bold=True)])

    rollups = {r.prefix: r for r in table.rollups}
    n, current = 0, None
    for row in table.rows:
        if current is not None and row.secondary != current:
            _subtotal(w, ws, rollups.get(current), tasks)
        current = row.secondary
        n += 1
        cells = [w.cell("—") if c is None else w.cell(c.label, fill=c.shown) for c in row.cells]
        ws.append([w.cell(n), w.cell(row.org.name, left=True), *cells,
                   w.cell(row.counts.approved), w.cell(_pct(row.counts.approved, row.counts.total))])
    if current is not None:
        _subtotal(w, ws, rollups.get(current), tasks)

    tc = table.task_counts
    for label, key in (("应完成单位数", "total"), ("已通过", "approved"), ("已提交待审核", "submitted"),
                       ("退回", "returned"), ("逾期", "overdue")):
        ws.append([w.cell("", fill=SUBTOTAL), w.cell(label, bold=True, fill=SUBTOTAL, left=True),
                   *(w.cell(getattr(tc[t.pk], key), fill=SUBTOTAL) for t in tasks),
                   w.cell(getattr(table.totals, key), fill=SUBTOTAL), w.cell("", fill=SUBTOTAL)])
    ws.append([w.cell("", fill=SUBTOTAL), w.cell("完成率", bold=True, fill=SUBTOTAL, left=True),
               *(w.cell(_pct(tc[t.pk].approved, tc[t.pk].total), fill=SUBTOTAL) for t in tasks),
               w.cell("", fill=SUBTOTAL), w.cell(_pct(table.totals.approved, table.totals.total), bold=True, fill=SUBTOTAL)])
    ws.append([])
    ws.append([WriteOnlyCell(ws, "说明：" + "、".join(f"{v}" for v in SHORT.values()) + "为各单位任务状态；“逾期”指已过截止日期仍未提交；"
                            "小计行为“已通过数/应完成单位数”。")])
    wb.save(path_or_file)
    return n


def _subtotal(w: _Writer, ws, rollup, tasks) -> None:
    if rollup is None:
        return
    name = rollup.org.name if rollup.org is not None else rollup.prefix
    per = rollup.per_task

    def frac(c: Counts) -> str:
        return f"{c.approved}/{c.total}" if c.total else "—"

    ws.append([w.cell("", fill=SUBTOTAL), w.cell(f"{name} 小计（{rollup.units}个单位）", bold=True, fill=SUBTOTAL, left=True),
               *(w.cell(frac(per[t.pk]), bold=True, fill=SUBTOTAL) for t in tasks),
               w.cell(rollup.counts.approved, bold=True, fill=SUBTOTAL),
               w.cell(_pct(rollup.counts.approved, rollup.counts.total), bold=True, fill=SUBTOTAL)])


def _date_line(table: Table) -> str:
    now = timezone.localtime()
    parts = [f"统计时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}"]
    f = table.filters
    if f.unit:
        parts.append(f"二级单位：{f.unit}")
    if f.status:
        parts.append(f"状态：{STATUS_FILTERS.get(f.status, f.status)}")
    parts.append(f"共{table.units}个单位、{len(table.tasks)}项任务")
    return "　".join(parts)


def export_progress(user, campaign, path_or_file, filters: Filters | None = None, today: dt.date | None = None) -> int:
    """The whole progress table `user` may see, written to `path_or_file`; returns the unit rows."""
    table = build_table(user, campaign, filters, limit=None, today=today)
    return write_progress(table, path_or_file)
