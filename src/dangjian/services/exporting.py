"""The red/black list as an xlsx workbook: 红榜, 黑榜, every unit with its figures and the
month before, and the rules and definitions the list was made with."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dangjian.services.redblack import METRICS, Result, definitions, pct_text, rule_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD = Font(bold=True)
RED = PatternFill("solid", fgColor="FDE9E7")
BLACK = PatternFill("solid", fgColor="E7E6E6")
ARROW = {"up": "↑", "down": "↓", "same": "→", "": ""}

UNIT_COLUMNS = ["序号", "责任单位", "单位编码", "所属党组织", "受理件数", "及时响应件数", "响应及时率", "办结件数", "解决率",
                "参评件数", "满意件数", "满意率"]


def _figures(f) -> list:
    return [f.received, f.timely, pct_text(f.response), f.resolved, pct_text(f.resolution), f.rated, f.satisfied, pct_text(f.satisfaction)]


def _sheet(ws, header: list[str], widths: dict[int, int] | None = None) -> None:
    ws.append(header)
    for i in range(1, len(header) + 1):
        c = ws.cell(row=ws.max_row, column=i)
        c.font = HEAD
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, 12)
    ws.freeze_panes = f"A{ws.max_row + 1}"


def write_redblack(result: Result, out) -> int:
    """Write the workbook to `out` (a path or a binary file); returns the number of units."""
    wb = Workbook()
    title = f"{result.org.name} {result.month:%Y年%m月} 群众诉求办理红黑榜"
    for name, rows, fill in (("红榜", result.red, RED), ("黑榜", result.black, BLACK)):
        ws = wb.active if name == "红榜" else wb.create_sheet(name)
        ws.title = name
        ws.append([f"{title}（{name}）"])
        ws["A1"].font = Font(bold=True, size=14)
        _sheet(ws, [*UNIT_COLUMNS, "上榜规则"], {2: 28, 4: 24, 13: 60})
        for i, row in enumerate(rows, start=1):
            ws.append([i, row.unit.name, row.unit.code, row.unit.org.name, *_figures(row.current), "；".join(h.text for h in row.hits)])
            for c in ws[ws.max_row]:
                c.fill = fill
        if not rows:
            ws.append(["", f"本月无单位列入{name}"])
    ws = wb.create_sheet("全部单位")
    prev = f"{result.previous_month:%Y年%m月}"
    _sheet(ws, [*UNIT_COLUMNS, "榜单", f"{prev}响应及时率", f"{prev}解决率", f"{prev}满意率", "响应及时率变化", "解决率变化", "满意率变化"],
           {2: 28, 4: 24})
    for i, row in enumerate(result.rows, start=1):
        changes = []
        for m in METRICS:
            d = row.change(m)
            changes.append("" if d is None else f"{ARROW[row.trend(m)]} {d:+.1f}")
        ws.append([i, row.unit.name, row.unit.code, row.unit.org.name, *_figures(row.current), row.list_label,
                   *(pct_text(row.previous.rate(m)) for m in METRICS), *changes])
    t = result.total
    ws.append(["", "合计", "", "", *_figures(t)])
    ws.cell(row=ws.max_row, column=2).font = HEAD
    ws = wb.create_sheet("规则与口径")
    _sheet(ws, ["榜单", "规则", "条件"], {1: 8, 2: 36, 3: 80})
    for rule in result.rules:
        ws.append([rule.get_list_kind_display(), rule.name, rule_text(rule)])
    ws.append([])
    ws.append(["口径"])
    for text in definitions(result.limit_hours).values():
        ws.append(["", text])
    ws.append(["", "同时符合黑榜和红榜规则的单位列入黑榜；当月诉求件数少于规则最少件数的单位不按该规则评定。"])
    wb.save(out)
    return len(result.rows)
