"""Import of service requests from xlsx or CSV (UTF-8 with or without BOM, or GBK).

All-or-nothing: every row is checked first and every problem named by its row and column;
one error and nothing is written. A number already on file updates that request (its times
and rating as the hotline's later export has them); a new number adds one.
Refused: an unknown unit code, a unit outside the importer's ACT scope, an unreadable time,
a response or resolution before the request was received, a rating of an unresolved request,
the same number twice in the file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dangjian.core.scoping import Perm, can
from dangjian.services.models import Channel, Satisfaction, ServiceRequest, ServiceUnit
from dangjian.services.requests import time_errors

COLUMNS = ("诉求编号", "责任单位编码", "受理时间", "响应时间", "办结时间", "满意度评价", "渠道", "诉求类别", "诉求内容")
REQUIRED = ("诉求编号", "责任单位编码", "受理时间")
MAX_ROWS = 200_000
CHUNK = 900
REASON = "批量导入群众诉求"
SAT_BY_LABEL = {label: value for value, label in Satisfaction.choices} | {v: v for v in Satisfaction.values}
CHANNEL_BY_LABEL = {label: value for value, label in Channel.choices} | {v: v for v in Channel.values}
_DT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?")
PREVIEW_ROWS = 20


@dataclass
class RowError:
    row: int  # the row in the sheet (header = 1); 0 for the file
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where} [{self.column}] {self.message}" if self.column else f"{where} {self.message}"


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return f"群众诉求导入未通过：共{len(self.errors)}处错误，未导入任何数据。"
        verb = "预检通过（未写入）：将" if self.dry_run else "导入完成："
        return f"群众诉求{verb}新增{self.created}件，更新{self.updated}件（共{self.total}行）。"


# ------------------------------------------------------------------------------- reading
def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return str(value).strip()


def parse_time(value) -> dt.datetime | None:
    """A cell's date and time (an Excel datetime, or text like 2026-05-03 08:30); aware,
    in the local time zone. Raises ValueError when it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time.min))
    m = _DT.fullmatch(str(value).strip())
    if not m:
        raise ValueError(value)
    parts = [int(x) if x else 0 for x in m.groups()]
    return timezone.make_aware(dt.datetime(*parts))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("文件编码无法识别：请保存为 UTF-8 或 GBK 编码的 CSV，或使用 xlsx 模板")


def _rows(source) -> list[tuple]:
    """The sheet's rows (header first) from an xlsx or CSV file (path, bytes or file object)."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            data = fh.read()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    if data[:4] == b"PK\x03\x04":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValueError("无法读取该 xlsx 文件：请使用下载的模板") from None
        ws = wb.worksheets[0]
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValueError("不支持旧版 .xls 文件：请另存为 .xlsx 或 CSV")
    text = _decode(data)
    if "\x00" in text:
        raise ValueError("文件不是 xlsx 或 CSV 文本")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [tuple(r) for r in csv.reader(io.StringIO(text), dialect)]


# ------------------------------------------------------------------------------- checking
def import_requests(user, source, *, dry_run: bool = False) -> ImportResult:
    """Check every row, then write them all in one transaction (or nothing)."""
    result = ImportResult(dry_run=dry_run)
    try:
        rows = _rows(source)
    except ValueError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    while rows and all(_text(v) == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        result.errors.append(RowError(0, "", "文件是空的：第1行应为列名"))
        return result
    header = [_text(v) for v in rows[0]]
    index = {name: i for i, name in enumerate(header) if name}
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        result.errors.append(RowError(1, "、".join(missing), "缺少必需的列（请使用下载的模板，第1行为列名）"))
        return result
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        result.errors.append(RowError(1, "、".join(unknown), "无法识别的列名，可用列：" + "、".join(COLUMNS)))
        return result
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(_text(v) for v in r)]
    if len(body) > MAX_ROWS:
        result.errors.append(RowError(0, "", f"一次最多导入{MAX_ROWS}行，请分批导入"))
        return result
    result.total = len(body)
    if not body:
        result.errors.append(RowError(0, "", "没有数据行"))
        return result

    def cell(r, name):
        i = index.get(name)
        return r[i] if i is not None and i < len(r) else None

    codes = {_text(cell(r, "责任单位编码")) for _, r in body}
    units = {}
    code_list = sorted(c for c in codes if c)
    for i in range(0, len(code_list), CHUNK):
        units.update({u.code: u for u in ServiceUnit.objects.select_related("org").filter(code__in=code_list[i:i + CHUNK])})
    may = {code: can(user, Perm.ACT, u.org) for code, u in units.items()}
    numbers = [_text(cell(r, "诉求编号")) for _, r in body]
    existing = {}
    nums = sorted({n for n in numbers if n})
    for i in range(0, len(nums), CHUNK):
        existing.update({x.number: x for x in ServiceRequest.objects.select_related("unit__org").filter(number__in=nums[i:i + CHUNK])})

    errors: list[RowError] = []
    seen: dict[str, int] = {}
    new, changed = [], []
    for (n, r), number in zip(body, numbers, strict=True):
        row_errors: list[RowError] = []

        def err(column, message, n=n, row_errors=row_errors):
            row_errors.append(RowError(n, column, message))

        if not number:
            err("诉求编号", "不能为空")
        elif len(number) > 40:
            err("诉求编号", "不能超过40个字符")
        elif number in seen:
            err("诉求编号", f"与第{seen[number]}行重复")
        else:
            seen[number] = n
        code = _text(cell(r, "责任单位编码"))
        unit = units.get(code)
        if not code:
            err("责任单位编码", "不能为空")
        elif unit is None:
            err("责任单位编码", f"没有编码为“{code}”的责任单位")
        elif not may[code]:
            err("责任单位编码", f"责任单位“{code}”不在您的管理范围内")
        times = {}
        for column in ("受理时间", "响应时间", "办结时间"):
            try:
                times[column] = parse_time(cell(r, column))
            except ValueError:
                err(column, f"无法识别的时间“{_text(cell(r, column))}”，应如 2026-05-03 08:30")
                times[column] = None
        received, responded, resolved = times["受理时间"], times["响应时间"], times["办结时间"]
        if received is None and not any(e.column == "受理时间" for e in row_errors):
            err("受理时间", "不能为空")
        elif received is not None:
            col = {"received_at": "受理时间", "responded_at": "响应时间", "resolved_at": "办结时间"}
            for name, msg in time_errors(received, responded, resolved).items():
                if not any(e.column == col[name] for e in row_errors):
                    err(col[name], msg)
        sat_text = _text(cell(r, "满意度评价"))
        sat = SAT_BY_LABEL.get(sat_text, None) if sat_text else ""
        if sat is None:
            err("满意度评价", f"应为“满意”“基本满意”“不满意”之一或留空，而不是“{sat_text}”")
        elif sat and resolved is None:
            err("满意度评价", "诉求办结后才能评价满意度（请填写办结时间）")
        ch_text = _text(cell(r, "渠道"))
        channel = CHANNEL_BY_LABEL.get(ch_text) if ch_text else Channel.HOTLINE
        if channel is None:
            err("渠道", "应为" + "、".join(f"“{label}”" for _, label in Channel.choices) + f"之一，而不是“{ch_text}”")
        category = _text(cell(r, "诉求类别"))
        if len(category) > 50:
            err("诉求类别", "不能超过50个字符")
        content = _text(cell(r, "诉求内容"))
        old = existing.get(number)
        if old is not None and not can(user, Perm.ACT, old.unit.org):
            err("诉求编号", f"诉求“{number}”已存在，且不在您的管理范围内")
        if row_errors:
            errors.extend(row_errors)
            continue
        values = {"unit": unit, "org_id": unit.org_id, "received_at": received, "responded_at": responded, "resolved_at": resolved,
                  "satisfaction": sat or "", "channel": channel, "category": category, "content": content}
        if old is None:
            new.append(ServiceRequest(number=number, created_by=user if getattr(user, "pk", None) else None, **values))
        else:
            for k, v in values.items():
                setattr(old, k, v)
            changed.append(old)
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append({"row": n, "number": number, "unit": unit.name, "received_at": received, "responded_at": responded,
                                   "resolved_at": resolved, "satisfaction": dict(Satisfaction.choices).get(sat, ""),
                                   "action": "更新" if old is not None else "新增"})
    if errors:
        result.errors = errors
        result.preview = []
        return result
    result.created, result.updated = len(new), len(changed)
    if dry_run:
        return result
    who = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        now = timezone.now()
        for obj in new:
            obj.created_at = now
        if new:
            bulk_create_with_history(new, ServiceRequest, batch_size=1000, default_user=who, default_change_reason=REASON)
        if changed:
            bulk_update_with_history(changed, ServiceRequest, ["unit", "org", "received_at", "responded_at", "resolved_at", "satisfaction",
                                                               "channel", "category", "content"],
                                     batch_size=1000, default_user=who, default_change_reason=REASON)
    return result


# ------------------------------------------------------------------------------ templates
def template_workbook() -> bytes:
    """The xlsx template: the columns, an example row, and the notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "群众诉求"
    ws.append(COLUMNS)
    now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    ws.append(["12345-20260503-0001", "SU-001", now - dt.timedelta(days=3), now - dt.timedelta(days=3, hours=-2),
               now - dt.timedelta(days=1), "满意", "热线电话", "物业维修", "宿舍楼热水不稳定"])
    for i, name in enumerate(COLUMNS, start=1):
        c = ws.cell(row=1, column=i)
        c.font = Font(bold=True, color="FFFFFF" if name in REQUIRED else "000000")
        c.fill = PatternFill("solid", fgColor="C00000" if name in REQUIRED else "F2DCDB")
        c.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = 22 if i < 9 else 40
    for col in ("C", "D", "E"):
        ws[f"{col}2"].number_format = "yyyy-mm-dd hh:mm"
    notes = wb.create_sheet("填写说明")
    for line in (
        ("列名", "说明"),
        ("诉求编号", "必填；热线或平台的工单号，唯一。已导入过的编号再次导入时更新该诉求的时间和评价"),
        ("责任单位编码", "必填；“诉求责任单位”中登记的单位编码，须在您的管理范围内"),
        ("受理时间", "必填；如 2026-05-03 08:30"),
        ("响应时间", "首次答复群众的时间；不能早于受理时间；未响应留空"),
        ("办结时间", "不能早于受理时间和响应时间；未办结留空"),
        ("满意度评价", "满意、基本满意、不满意，或留空（未评价）；须已办结"),
        ("渠道", "热线电话、网络平台、来访、来信、其他；留空为热线电话"),
        ("诉求类别", "如 物业维修、环境卫生，不超过50字"),
        ("诉求内容", "群众反映的内容"),
        ("", "也可导入 CSV 文件（UTF-8 或 GBK 编码，第一行为以上列名）。任何一行有错误时，整个文件都不会导入。"),
    ):
        notes.append(line)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
