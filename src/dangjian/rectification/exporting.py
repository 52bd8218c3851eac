"""The three lists (问题清单、责任清单、整改清单) of an org as one table, for printing and filing:
xlsx (openpyxl write-only: the table and a summary sheet of counts) and docx in official-document
style (python-docx: landscape A4, title in 黑体, body in 宋体 via w:eastAsia, the issuing org and
the date, the header row repeated on every page).

One row per problem, its measures numbered inside the cells (措施、完成时限、进展 line up). The
problems are read in chunks with their measures prefetched: a few queries per thousand problems.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from dangjian.core.personal import log_access
from dangjian.orgs.models import Org
from dangjian.rectification import lists
from dangjian.rectification.models import MeasureStatus, Problem, ProblemStatus, Source

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = {"xlsx": XLSX, "docx": DOCX}

# (group, column) in the order of the table; the groups are the three lists.
COLUMNS = [
    ("问题清单", "序号"), ("问题清单", "问题来源"), ("问题清单", "问题方面"), ("问题清单", "问题概述/表现"),
    ("责任清单", "责任领导"), ("责任清单", "责任人"), ("责任清单", "责任单位"),
    ("整改清单", "整改措施"), ("整改清单", "完成时限"), ("整改清单", "整改目标"), ("整改清单", "进展"), ("整改清单", "状态"),
]
HEAD = [c for _, c in COLUMNS]
GROUPS = [("问题清单", 1, 4), ("责任清单", 5, 7), ("整改清单", 8, 12)]
CHUNK = 1000
# A Word table is for printing and filing: past this many problems it runs to hundreds of pages
# and takes long to build; the xlsx has no such limit.
DOCX_MAX = 3000


def _date(d: dt.date | None) -> str:
    return f"{d:%Y-%m-%d}" if d else ""


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass
class Line:
    """One problem as the table shows it."""

    number: int
    source: str
    aspect: str
    problem: str
    leader: str
    owner: str
    org: str
    measures: str
    deadlines: str
    target: str
    progress: str
    status: str
    overdue: bool

    def cells(self) -> list:
        return [self.number, *(_clean(v) for v in (self.source, self.aspect, self.problem, self.leader, self.owner, self.org,
                                                    self.measures, self.deadlines, self.target, self.progress, self.status))]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(text: str) -> str:
    """Text as xlsx and docx can hold it: no control characters (XML forbids them)."""
    return _CONTROL.sub("", text or "")


def _line(n: int, p: Problem, today: dt.date) -> Line:
    measures = list(p.measures.all())
    overdue = p.is_overdue(today)
    texts, dues, progress = [], [], []
    many = len(measures) > 1
    for i, m in enumerate(measures, start=1):
        mark = f"{i}. " if many else ""
        texts.append(f"{mark}{m.text}" + (f"（{m.owner}）" if m.owner else ""))
        late = "（逾期）" if m.is_overdue(today) else ""
        dues.append(f"{mark}{_date(m.due_on)}{late}")
        state = m.get_status_display()
        if m.status == MeasureStatus.DONE and m.done_on:
            state += f"（{_date(m.done_on)}）"
        if m.progress:
            state += f"：{m.progress}"
        progress.append(f"{mark}{state}")
    if p.rectification_note and p.status in (ProblemStatus.RECTIFIED, ProblemStatus.VERIFIED, ProblemStatus.CLOSED):
        progress.append(f"整改情况：{p.rectification_note}")
    status = p.get_status_display()
    if p.status == ProblemStatus.CLOSED and p.closed_at:
        status += f"（{timezone.localtime(p.closed_at):%Y-%m-%d}）"
    if overdue:
        status += "（逾期）"
    title = p.title + (f"\n{p.description}" if p.description and p.description != p.title else "")
    return Line(
        number=n, source=Source(p.source).label if p.source in Source.values else p.source, aspect=p.aspect.name,
        problem=title, leader=p.leader, owner=p.owner, org=p.org.name,
        measures="\n".join(texts) or "（尚未填写整改措施）", deadlines="\n".join(dues) or f"整改时限 {_date(p.due_on)}",
        target=p.target, progress="\n".join(progress) or "未开始", status=status, overdue=overdue,
    )


def export_queryset(user, org: Org, flt: lists.Filter):
    return (lists.counted_problems(user, org, flt).select_related("org", "aspect")
            .prefetch_related("measures").order_by("aspect__order", "aspect_id", "org__path", "found_on", "pk"))


def lines(user, org: Org, flt: lists.Filter, *, today: dt.date | None = None) -> Iterator[Line]:
    today = today or timezone.localdate()
    for n, p in enumerate(export_queryset(user, org, flt).iterator(chunk_size=CHUNK), start=1):
        yield _line(n, p, today)


def _title(org: Org) -> str:
    return f"{org.name}问题清单、责任清单、整改清单"


def _log(user, org: Org, fmt: str, n: int) -> None:
    from dangjian.orgs.importing import history_user

    actor = history_user(user)
    log_access(actor, "export", object_type="rectification.lists", object_id=str(org.pk),
               detail=f"导出三个清单（{fmt}，{n}个问题）：{org.name}（{org.code}）" + ("；命令行导出" if actor is None else ""))


def write(user, org: Org, flt: lists.Filter, fmt: str, target) -> int:
    """Write the three lists of `org` in `fmt` ("xlsx" or "docx") to `target` (a path or a
    binary file); returns the number of problems. VIEW on `org` is checked."""
    from django.core.exceptions import ValidationError

    if fmt == "xlsx":
        n = write_xlsx(user, org, flt, target)
    elif fmt == "docx":
        count = lists.counted_problems(user, org, flt).count()
        if count > DOCX_MAX:
            raise ValidationError({"format": f"计入{org.name}的问题有 {count} 个，Word 文档最多导出 {DOCX_MAX} 个："
                                             "请选择下级单位或缩小发现日期范围，或导出 Excel"})
        n = write_docx(user, org, flt, target)
    else:
        raise ValidationError({"format": "导出格式应为 xlsx 或 docx"})
    _log(user, org, fmt, n)
    return n


# ------------------------------------------------------------------------------------ xlsx
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_BODY = Font(name="宋体", size=10)
_BOLD = Font(name="黑体", size=10)
_TITLE = Font(name="方正小标宋简体", size=18)
_FILLS = {"head": PatternFill("solid", fgColor="F2F2F2"), "late": PatternFill("solid", fgColor="FCE4D6"),
          "total": PatternFill("solid", fgColor="EDEDED")}
WIDTHS = [6, 9, 14, 40, 10, 10, 20, 44, 16, 24, 30, 14]
LEFT_COLUMNS = {3, 7, 9, 10}  # 0-based: 问题概述, 整改措施, 整改目标, 进展


class _Cells:
    def __init__(self, ws):
        self.ws = ws
        self._styles: dict = {}

    def __call__(self, value, *, bold=False, left=False, fill=None) -> WriteOnlyCell:
        c = WriteOnlyCell(self.ws, value)
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
            c.data_type = "s"  # text stays text: no formula out of a typed title
        key = (bold, left, fill)
        style = self._styles.get(key)
        if style is None:
            c.font = _BOLD if bold else _BODY
            c.alignment = _LEFT if left else _CENTER
            c.border = _BORDER
            if fill:
                c.fill = _FILLS[fill]
            self._styles[key] = copy(c._style)
        else:
            c._style = copy(style)
        return c


def _sheet_setup(ws, widths, header_row: int) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row - 1}:{header_row}" if header_row > 1 else "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True


def _subline(org: Org, flt: lists.Filter) -> str:
    now = timezone.localtime()
    return f"编制单位：{org.name}　统计范围：{flt.label}　导出时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}"


def write_xlsx(user, org: Org, flt: lists.Filter, target) -> int:
    table = lists.rollup(user, org, flt, lists=False)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("三个清单")
    _sheet_setup(ws, WIDTHS, 4)
    cell = _Cells(ws)
    width = len(HEAD)
    for r in (1, 2):
        ws.merged_cells.ranges.add(f"A{r}:{get_column_letter(width)}{r}")
    t = WriteOnlyCell(ws, _title(org))
    t.font, t.alignment = _TITLE, Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.append([t])
    s = WriteOnlyCell(ws, _subline(org, flt))
    s.font, s.alignment = _BODY, Alignment(horizontal="left", vertical="center")
    ws.append([s])
    groups = []
    for name, a, b in GROUPS:
        ws.merged_cells.ranges.add(f"{get_column_letter(a)}3:{get_column_letter(b)}3")
        groups.extend([cell(name, bold=True, fill="head")] + [cell("", bold=True, fill="head") for _ in range(b - a)])
    ws.append(groups)
    ws.row_dimensions[4].height = 28
    ws.append([cell(h, bold=True, fill="head") for h in HEAD])
    n = 0
    for line in lines(user, org, flt):
        n += 1
        values = line.cells()
        fill = "late" if line.overdue else None
        ws.append([cell(v, left=i in LEFT_COLUMNS, fill=fill if i == 11 else None) for i, v in enumerate(values)])
    ws.append([])
    ws.append([WriteOnlyCell(ws, f"共 {n} 个问题。" + lists.DEFINITIONS["counted"] + "。")])
    _summary_sheet(wb, table)
    wb.save(target)
    return n


def _summary_sheet(wb, table: lists.Rollup) -> None:
    ws = wb.create_sheet("汇总")
    aspects = table.aspects
    head = (["单位", "问题数", *[ProblemStatus(s).label for s in lists.LIST_STATUSES], "逾期", "即将到期",
             "整改措施", "已完成措施", "逾期措施", *[a.short_name or a.name for a in aspects], "下级审核中"])
    _sheet_setup(ws, [30] + [9] * (len(head) - 1), 3)
    cell = _Cells(ws)
    ws.merged_cells.ranges.add(f"A1:{get_column_letter(len(head))}1")
    t = WriteOnlyCell(ws, f"{table.org.name}问题整改情况汇总")
    t.font, t.alignment = _TITLE, Alignment(horizontal="center", vertical="center")
    ws.append([t])
    ws.append([WriteOnlyCell(ws, _subline(table.org, table.filter))])
    ws.append([cell(h, bold=True, fill="head") for h in head])

    def row(name: str, c: lists.Counts, fill=None, bold=False):
        return [cell(name, left=True, fill=fill, bold=bold), cell(c.total, fill=fill, bold=bold),
                *[cell(c.by_status.get(s, 0), fill=fill, bold=bold) for s in lists.LIST_STATUSES],
                cell(c.overdue, fill=fill or ("late" if c.overdue else None), bold=bold), cell(c.due_soon, fill=fill, bold=bold),
                cell(c.measures, fill=fill, bold=bold), cell(c.measures_done, fill=fill, bold=bold),
                cell(c.measures_overdue, fill=fill, bold=bold),
                *[cell(c.by_aspect.get(a.pk, 0), fill=fill, bold=bold) for a in aspects], cell(c.below, fill=fill, bold=bold)]

    for r in table.rows:
        ws.append(row(f"{r.org.name}（本级）" if r.own else r.org.name, r.counts))
    ws.append(row(f"{table.org.name} 合计", table.total, fill="total", bold=True))
    ws.append([])
    ws.append([cell("审核层级", bold=True, fill="head"), cell("问题数", bold=True, fill="head")])
    for depth, n in sorted(table.total.by_level.items()):
        ws.append([cell(f"已审定至{lists.level_label(depth)}（第{depth}级）", left=True), cell(n)])
    ws.append([])
    ws.append([cell("月份", bold=True, fill="head"), cell("发现", bold=True, fill="head"), cell("销号", bold=True, fill="head"),
               cell("未销号累计", bold=True, fill="head")])
    for m in table.months:
        ws.append([cell(m.label), cell(m.found), cell(m.closed), cell(m.open_after)])
    ws.append([])
    for text in lists.DEFINITIONS.values():
        ws.append([WriteOnlyCell(ws, text.format(days=table.soon_days))])


# ------------------------------------------------------------------------------------ docx
def _font(run, name: str, size_pt: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), name)
    fonts.set(qn("w:hAnsi"), name)
    if size_pt:
        run.font.size = Pt(size_pt)
    run.font.bold = bold


def _cell_text(cell, text: str, *, font: str = "宋体", size: float = 9, bold: bool = False, center: bool = False) -> None:
    from docx.enum.table import WD_ALIGN_VERTICAL
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    parts = str(text).split("\n")
    para = cell.paragraphs[0]
    for i, part in enumerate(parts):
        if i:
            para = cell.add_paragraph()
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.space_after = 0
        _font(para.add_run(part), font, size, bold)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


class _RowMaker:
    """Table rows written as XML text and parsed in one go: python-docx's cell API re-walks the
    table for every cell, which takes minutes for a few thousand problems. Each cell: its width,
    centred vertically, one paragraph per line in 宋体 9 pt (w:eastAsia set), centred or left."""

    NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def __init__(self, table, widths):
        self.tbl = table._tbl
        run = ('<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="18"/>'
               '<w:szCs w:val="18"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>')
        self.cells = []
        for i, w in enumerate(widths):
            jc = "left" if i in LEFT_COLUMNS else "center"
            head = f'<w:tc><w:tcPr><w:tcW w:w="{int(w.twips)}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
            para = f'<w:p><w:pPr><w:spacing w:after="0"/><w:jc w:val="{jc}"/></w:pPr>{run}</w:p>'
            self.cells.append((head, para))

    def add(self, values: list[str]) -> None:
        from xml.sax.saxutils import escape

        from docx.oxml import parse_xml

        parts = [f'<w:tr xmlns:w="{self.NS}">']
        for (head, para), value in zip(self.cells, values, strict=True):
            parts.append(head)
            parts.extend(para.format(escape(line)) for line in value.split("\n"))
            parts.append("</w:tc>")
        parts.append("</w:tr>")
        self.tbl.append(parse_xml("".join(parts)))


def write_docx(user, org: Org, flt: lists.Filter, target) -> int:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    table_figures = lists.rollup(user, org, flt, lists=False)
    today = timezone.localdate()
    doc = Document()
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    doc.core_properties.title = _title(org)
    doc.core_properties.author = org.name

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    _font(title.add_run(_title(org)), "黑体", 18)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(sub.add_run(f"统计范围：{flt.label}"), "楷体", 12)

    t = table_figures.total
    intro = doc.add_paragraph()
    intro.paragraph_format.first_line_indent = Pt(21)
    status_text = "、".join(f"{ProblemStatus(s).label}{t.by_status.get(s, 0)}个" for s in lists.LIST_STATUSES if t.by_status.get(s, 0))
    _font(intro.add_run(
        f"截至{_cn_date(today)}，{org.name}共有问题{t.total}个" + (f"（{status_text}）" if status_text else "")
        + f"，制定整改措施{t.measures}条、已完成{t.measures_done}条；逾期问题{t.overdue}个，"
        f"{table_figures.soon_days}天内到期{t.due_soon}个。"), "宋体", 12)

    grid = doc.add_table(rows=2, cols=len(HEAD))
    grid.style = "Table Grid"
    grid.autofit = False
    widths_cm = [1.0, 1.4, 1.9, 4.6, 1.5, 1.5, 2.3, 4.8, 2.2, 2.6, 3.0, 1.9]
    for name, a, b in GROUPS:
        merged = grid.cell(0, a - 1).merge(grid.cell(0, b - 1))
        _cell_text(merged, name, font="黑体", size=10, center=True)
    for i, h in enumerate(HEAD):
        _cell_text(grid.cell(1, i), h, font="黑体", size=10, center=True)
    _repeat_header(grid.rows[0])
    _repeat_header(grid.rows[1])
    for row in grid.rows:
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)
    body = _RowMaker(grid, [Cm(w) for w in widths_cm])
    n = 0
    for line in lines(user, org, flt, today=today):
        n += 1
        body.add([str(v) for v in line.cells()])
    if n == 0:
        cells = grid.add_row().cells
        merged = cells[0].merge(cells[-1])
        _cell_text(merged, "没有计入本级的问题", center=True)

    doc.add_paragraph()
    for text in (lists.DEFINITIONS["counted"], lists.DEFINITIONS["overdue"]):
        p = doc.add_paragraph()
        _font(p.add_run(f"注：{text}。"), "宋体", 9)
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.paragraph_format.space_before = Pt(18)
    _font(sign.add_run(org.name), "宋体", 12)
    date = doc.add_paragraph()
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(date.add_run(_cn_date(today)), "宋体", 12)
    doc.save(target)
    return n
