"""xlsx of practical matters (我为群众办实事项目清单), laid out for printing: one row per matter
(streamed, write-only), then a summary sheet by status and by category computed in the
database."""
from __future__ import annotations

import datetime as dt
import io

from django.db.models import Count, Q, Sum
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from dangjian.services.matters import is_overdue, overdue_q
from dangjian.services.models import MatterCategory, MatterStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_LATE_FILL = PatternFill("solid", fgColor="FCE4D6")

HEADERS = ["序号", "实事名称", "类别", "责任单位", "牵头领导", "责任人", "开始日期", "计划完成日期", "状态", "是否逾期",
           "进展情况", "办理成效", "办结日期", "受益人数", "满意度（%）", "群众关切与工作内容"]
WIDTHS = [6, 32, 10, 22, 10, 10, 12, 12, 9, 8, 30, 30, 12, 10, 10, 36]


def _cell(ws, value, *, bold=False, left=False, fill=None):
    c = WriteOnlyCell(ws, value)
    if isinstance(value, str) and value.startswith("="):
        c.data_type = "s"  # text stays text: never a formula from what users typed
    c.font = Font(name="宋体", size=10, bold=bold)
    c.alignment = _LEFT if left else _CENTER
    c.border = _BORDER
    if fill is not None:
        c.fill = fill
    if isinstance(value, dt.date):
        c.number_format = "yyyy-mm-dd"
    return c


def matters_xlsx(qs, *, today: dt.date, scope_name: str = "") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("办实事项目")
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "C3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    title = f"{scope_name}“我为群众办实事”项目清单" if scope_name else "“我为群众办实事”项目清单"
    ws.append([_cell(ws, f"{title}（截至{today:%Y年%m月%d日}）", bold=True, left=True)])
    ws.append([_cell(ws, h, bold=True, fill=_HEAD_FILL) for h in HEADERS])
    for n, m in enumerate(qs.iterator(chunk_size=500), start=1):
        late = is_overdue(m, today)
        fill = _LATE_FILL if late else None
        ws.append([
            _cell(ws, n, fill=fill), _cell(ws, m.title, left=True, fill=fill), _cell(ws, m.get_category_display(), fill=fill),
            _cell(ws, m.org.name, left=True, fill=fill), _cell(ws, m.leader, fill=fill), _cell(ws, m.owner, fill=fill),
            _cell(ws, m.starts_on, fill=fill), _cell(ws, m.due_on, fill=fill), _cell(ws, m.get_status_display(), fill=fill),
            _cell(ws, "逾期" if late else "", fill=fill), _cell(ws, m.progress, left=True, fill=fill),
            _cell(ws, m.outcome, left=True, fill=fill), _cell(ws, m.done_on, fill=fill), _cell(ws, m.beneficiaries, fill=fill),
            _cell(ws, float(m.satisfaction) if m.satisfaction is not None else None, fill=fill),
            _cell(ws, m.description, left=True, fill=fill),
        ])

    summary = wb.create_sheet("汇总")
    for i, w in enumerate([14] + [10] * (len(MatterStatus.choices) + 3), start=1):
        summary.column_dimensions[get_column_letter(i)].width = w
    summary.append([_cell(summary, "按类别统计", bold=True, left=True)])
    head = ["类别", "项目数", *[label for _, label in MatterStatus.choices], "逾期", "受益人数"]
    summary.append([_cell(summary, h, bold=True, fill=_HEAD_FILL) for h in head])
    rows = (qs.order_by().values("category").annotate(
        n=Count("pk"), overdue=Count("pk", filter=overdue_q(today)), people=Sum("beneficiaries", filter=Q(status=MatterStatus.DONE)),
        **{f"s_{s}": Count("pk", filter=Q(status=s)) for s in MatterStatus.values}))
    by_cat = {r["category"]: r for r in rows}
    totals = {k: 0 for k in ["n", "overdue", "people", *[f"s_{s}" for s in MatterStatus.values]]}
    for value, label in MatterCategory.choices:
        r = by_cat.get(value)
        if r is None:
            continue
        for k in totals:
            totals[k] += r[k] or 0
        summary.append([_cell(summary, label), _cell(summary, r["n"]), *[_cell(summary, r[f"s_{s}"]) for s in MatterStatus.values],
                        _cell(summary, r["overdue"]), _cell(summary, r["people"] or 0)])
    summary.append([_cell(summary, "合计", bold=True), _cell(summary, totals["n"], bold=True),
                    *[_cell(summary, totals[f"s_{s}"], bold=True) for s in MatterStatus.values],
                    _cell(summary, totals["overdue"], bold=True), _cell(summary, totals["people"], bold=True)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
