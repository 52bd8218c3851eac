"""xlsx downloads of the study figures, laid out for printing: the three rates of an org's
children (one row each and the total), and the study record of every member under an org for
the quarterly and annual assessment. openpyxl write-only; the members are streamed."""
from __future__ import annotations

from copy import copy

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from dangjian.core.personal import log_access
from dangjian.study.rates import DEFINITIONS, ChildRates, Period, Rates, pct_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_BOLD = Font(name="宋体", size=10, bold=True)
_BODY = Font(name="宋体", size=10)
_TITLE = Font(name="方正小标宋简体", size=16, bold=True)
_FILLS = {"low": PatternFill("solid", fgColor="FCE4D6"), "total": PatternFill("solid", fgColor="EDEDED"),
          "head": PatternFill("solid", fgColor="DDEBF7")}


class _Writer:
    def __init__(self, ws):
        self.ws = ws
        self._cache: dict = {}

    def cell(self, value, *, bold: bool = False, fill: str | None = None, left: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(self.ws, value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text stays text (no formula from a name)
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


def _setup(ws, widths: list[float], header_row: int, *, landscape: bool = True) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"C{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True


def _heading(ws, title: str, line: str, width: int) -> None:
    ws.merged_cells.ranges.add(f"A1:{get_column_letter(width)}1")
    ws.merged_cells.ranges.add(f"A2:{get_column_letter(width)}2")
    t = WriteOnlyCell(ws, title)
    t.font, t.alignment = _TITLE, Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    ws.append([t])
    d = WriteOnlyCell(ws, line)
    d.font, d.alignment = _BODY, Alignment(horizontal="right", vertical="center")
    ws.append([d])


def _stamp_line(period: Period) -> str:
    now = timezone.localtime()
    return f"统计期间：{period.label}　统计时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}"


RATE_HEAD = ["序号", "单位", "党员数", "应到人次", "出席（含补学）", "参学率", "必读对数", "已读完", "学习内容完成率",
             "应考对数", "参考", "优秀", "考试优秀率"]


def _rate_cells(w: _Writer, r: Rates, *, fill: str | None = None, bold: bool = False) -> list:
    def rate(value):
        low = value is not None and value < 1
        return w.cell(pct_text(value), bold=bold, fill=fill or ("low" if low else None))

    return [w.cell(r.members, fill=fill, bold=bold), w.cell(r.expected, fill=fill, bold=bold), w.cell(r.attended, fill=fill, bold=bold),
            rate(r.participation), w.cell(r.required, fill=fill, bold=bold), w.cell(r.finished, fill=fill, bold=bold),
            rate(r.completion), w.cell(r.quiz_expected, fill=fill, bold=bold), w.cell(r.taken, fill=fill, bold=bold),
            w.cell(r.excellent, fill=fill, bold=bold), rate(r.excellence)]


def write_rates(table: ChildRates, target) -> int:
    """The children of `table.org` with their three rates, then the org's total; returns rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("三个100%")
    _setup(ws, [6, 32, 8, 9, 10, 9, 9, 9, 11, 9, 8, 8, 11], 3)
    _heading(ws, f"{table.org.name}理论学习“三个100%”统计表", _stamp_line(table.period), len(RATE_HEAD))
    w = _Writer(ws)
    ws.row_dimensions[3].height = 30
    ws.append([w.cell(h, bold=True, fill="head") for h in RATE_HEAD])
    for n, row in enumerate(table.rows, start=1):
        ws.append([w.cell(n), w.cell(row.org.name, left=True), *_rate_cells(w, row.rates)])
    ws.append([w.cell("", fill="total"), w.cell(f"{table.org.name} 合计", bold=True, left=True, fill="total"),
               *_rate_cells(w, table.total, fill="total", bold=True)])
    ws.append([])
    for text in ("说明：", *DEFINITIONS.values(), "合计含本组织及全部下级组织；低于100%的比率以底色标出。"):
        ws.append([WriteOnlyCell(ws, text)])
    wb.save(target)
    return len(table.rows)


RECORD_HEAD = ["序号", "姓名", "所在组织", "人员类别", "应参加学习会", "出席", "请假", "缺席", "补学", "迟到", "参学率",
               "必读书目", "已读完", "应参加测试", "已参加", "优秀"]


def write_records(user, org, period: Period, target, *, now=None) -> int:
    """One row per member under `org` (VIEW checked by the caller): sessions, reading, quizzes
    and the best score of each quiz. Logged in the access log. Returns the members written."""
    from dangjian.orgs.importing import history_user
    from dangjian.study.records import org_member_lines

    quizzes, lines = org_member_lines(org, period, now=now)
    head = RECORD_HEAD + [f"{q.title}最高分" for q in quizzes]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("学习档案")
    _setup(ws, [6, 10, 28, 8, 8, 6, 6, 6, 6, 6, 8, 8, 7, 8, 7, 6] + [12] * len(quizzes), 3)
    _heading(ws, f"{org.name}党员学习档案", _stamp_line(period), len(head))
    w = _Writer(ws)
    ws.row_dimensions[3].height = 30
    ws.append([w.cell(h, bold=True, fill="head") for h in head])
    n = 0
    for line in lines:
        n += 1
        rate = f"{100 * line.attended / line.expected:.1f}%" if line.expected else "—"
        scores = [w.cell(line.best[q.pk] if q.pk in line.best else "—") for q in quizzes]
        ws.append([w.cell(n), w.cell(line.name, left=True), w.cell(line.org_name, left=True), w.cell(line.category),
                   w.cell(line.expected), w.cell(line.present), w.cell(line.leave), w.cell(line.absent), w.cell(line.makeup),
                   w.cell(line.late), w.cell(rate), w.cell(line.required), w.cell(line.finished), w.cell(line.quizzes_expected),
                   w.cell(line.taken), w.cell(line.excellent), *scores])
    ws.append([])
    ws.append([WriteOnlyCell(ws, "说明：应参加学习会为统计期间内已开始、未取消的学习会；参学率 = （出席 + 补学）÷ 应参加；"
                                  "必读书目为主题教育必读书目；测试成绩为已交卷的最高分。")])
    wb.save(target)
    log_access(history_user(user), "export", object_type="study.record", object_id=str(org.pk),
               detail=f"导出学习档案{n}人：{org.name}（{org.code}），{period.label}"
               + ("；命令行导出" if history_user(user) is None else ""))
    return n
