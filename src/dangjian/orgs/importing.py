"""Excel import of orgs and members: all-or-nothing, every problem named by its row and column."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dangjian.core.personal import id_check_digit, mask_id_number, mask_phone
from dangjian.core.scoping import Perm, can, can_on, scope_of, subtree_q
from dangjian.orgs.models import Category, Gender, Member, MemberStatus, Org, OrgKind
from dangjian.orgs.services import MemberData, kind_error, member_errors

ORG_COLUMNS = ("组织编码", "组织名称", "组织类型", "上级组织编码", "排序")
ORG_OPTIONAL = frozenset({"排序"})
MEMBER_COLUMNS = (
    "姓名", "性别", "身份证号", "手机号", "所在组织编码", "人员类别", "党员状态", "入党日期",
    "是否处级以上干部", "职务",
)
MEMBER_OPTIONAL = frozenset({"职务"})
# services.member_errors speaks in field keys; the sheet speaks in its column headers.
MEMBER_FIELD_COLUMN = {
    "name": "姓名", "gender": "性别", "id_number": "身份证号", "phone": "手机号", "org": "所在组织编码",
    "category": "人员类别", "status": "党员状态", "joined_on": "入党日期", "is_cadre": "是否处级以上干部",
    "position": "职务",
}
KINDS = {"orgs": "党组织", "members": "党员"}

KIND_BY_LABEL = {label: value for value, label in OrgKind.choices}
GENDER_BY_LABEL = {label: value for value, label in Gender.choices}
CATEGORY_BY_LABEL = {label: value for value, label in Category.choices}
STATUS_BY_LABEL = {label: value for value, label in MemberStatus.choices}
YES_NO = {"是": True, "否": False}

DEFAULT_REASON = "Excel导入"
# Validation runs inside the write transaction, but on PostgreSQL another session may still
# commit the same code or ID number in between; the database's unique keys catch it.
CONCURRENT_CHANGE = "导入期间有人同时修改了相同的数据，未导入任何数据，请重新导入"
PREVIEW_ROWS = 20
# SQLite allows 999 parameters per statement; stay under it for `__in` lookups there.
CHUNK = 900
BIG_CHUNK = 10_000  # where the database has no such limit (PostgreSQL): fewer round trips
WRITE_BATCH = 1000
_MAX_DEPTH = Org._meta.get_field("path").max_length // Org.steplen
_NAME_MAX = Member._meta.get_field("name").max_length
_POSITION_MAX = Member._meta.get_field("position").max_length
_CODE_MAX = Org._meta.get_field("code").max_length
_ORG_NAME_MAX = Org._meta.get_field("name").max_length
_DATE_TEXT = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


@dataclass
class RowError:
    row: int  # the Excel row (header = 1); 0 for the file as a whole
    column: str  # the column header, "" for the file or row as a whole
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where} [{self.column}] {self.message}" if self.column else f"{where} {self.message}"


@dataclass
class ImportResult:
    kind: str  # "orgs" | "members"
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)  # first rows, personal data masked
    columns: tuple[str, ...] = ()  # the columns of the preview rows, in sheet order
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        what = KINDS.get(self.kind, self.kind)
        if not self.ok:
            return f"{what}导入未通过：共{len(self.errors)}处错误，未导入任何数据。"
        verb = "预检通过（未写入）：将" if self.dry_run else "导入完成："
        return f"{what}{verb}新增{self.created}条，更新{self.updated}条，不变{self.unchanged}条（共{self.total}行）。"


def history_user(user):
    """The user to record in history rows: None for the operator (it has no account)."""
    return user if user is not None and getattr(user, "pk", None) else None


# ---------------------------------------------------------------------------------------------
# Reading

def _text(value) -> str:
    if value is None:
        return ""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _DATE_TEXT.fullmatch(value.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _blank(values: tuple) -> bool:
    for v in values:
        if v is not None and (v.__class__ is not str or v.strip()):
            return False
    return True


@dataclass
class _Sheet:
    present: frozenset[str]
    rows: list[tuple[int, tuple]]  # (excel row, values in `columns` order; None where absent)
    errors: list[RowError]


def _read(source, columns: tuple[str, ...], optional: frozenset[str]) -> _Sheet:
    """The first sheet's data rows, read in read-only mode, reordered into `columns` order."""
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return _Sheet(frozenset(), [], [RowError(0, "", "无法读取文件：请使用 Excel 工作簿（.xlsx）")])
    try:
        if not wb.worksheets:
            return _Sheet(frozenset(), [], [RowError(0, "", "文件中没有工作表")])
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = next(it, None) or ()
        index: dict[str, int] = {}
        errors: list[RowError] = []
        for i, cell in enumerate(header):
            name = _text(cell)
            if not name:
                continue
            if name in index:
                errors.append(RowError(1, name, "列名重复"))
            elif name not in columns:
                errors.append(RowError(1, name, f"无法识别的列（应为：{'、'.join(columns)}）"))
            else:
                index[name] = i
        for name in columns:
            if name not in index and name not in optional:
                errors.append(RowError(1, name, "缺少此列"))
        if errors:
            return _Sheet(frozenset(index), [], errors)
        # An absent optional column reads from a padding cell that is always None.
        width = max(index.values()) + 1
        pick = itemgetter(*(index.get(name, width) for name in columns))
        pad = (None,) * (width + 1)
        rows: list[tuple[int, tuple]] = []
        append = rows.append
        for n, values in enumerate(it, start=2):
            if _blank(values):
                continue
            if len(values) <= width:
                values = values + pad[: width + 1 - len(values)]
            append((n, pick(values)))
    finally:
        wb.close()
    if not rows:
        return _Sheet(frozenset(index), [], [RowError(0, "", "表中没有数据行（第1行为列名，数据从第2行开始）")])
    return _Sheet(frozenset(index), rows, [])


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _chunk_size(model) -> int:
    limit = connections[router.db_for_read(model)].features.max_query_params
    return CHUNK if limit else BIG_CHUNK


def _orgs_by(field_name: str, values: Iterable) -> list[Org]:
    found: list[Org] = []
    for chunk in _chunks(v for v in set(values) if v):
        found.extend(Org.objects.filter(**{f"{field_name}__in": chunk}))
    return found


def _sorted(errors: list[RowError], columns: tuple[str, ...]) -> list[RowError]:
    order = {c: i for i, c in enumerate(columns)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.column, -1)))


def _finish(result: ImportResult, errors: list[RowError], dry_run: bool) -> ImportResult:
    result.errors = _sorted(errors, result.columns)
    if result.errors and not dry_run:
        # Nothing was written; counts of what "would" have happened would mislead.
        result.created = result.updated = result.unchanged = 0
    return result


# ---------------------------------------------------------------------------------------------
# Members

def _run(kind, columns, optional, plan, write, user, source, dry_run: bool, reason: str) -> ImportResult:
    """Read, plan (validate) and, for a clean file outside a dry run, write in one transaction."""
    result = ImportResult(kind=kind, columns=columns, dry_run=dry_run)
    sheet = _read(source, columns, optional)
    result.total = len(sheet.rows)
    if sheet.errors:
        return _finish(result, sheet.errors, dry_run)
    if dry_run:
        errors, _plan = plan(user, sheet, result)
        return _finish(result, errors, dry_run)
    try:
        with transaction.atomic():
            errors, planned = plan(user, sheet, result)
            if not errors:
                write(user, planned, reason)
    except IntegrityError:
        errors = [RowError(0, "", CONCURRENT_CHANGE)]
    return _finish(result, errors, dry_run)


def import_members(user, source, *, dry_run: bool = False, reason: str = DEFAULT_REASON) -> ImportResult:
    """Create or update members from the first sheet of `source` (a path or binary file).

    All or nothing: every row is validated first (field rules from services.member_errors,
    scope, duplicates); only a file without errors is written, in one transaction.
    """
    return _run("members", MEMBER_COLUMNS, MEMBER_OPTIONAL, _plan_members, _write_members, user, source, dry_run, reason)


# The fields the file sets on a member, in the order of the tuples the plan collects.
_MEMBER_FIELDS = (
    "name", "gender", "id_number", "phone", "org", "category", "status", "joined_on", "is_cadre",
    "position",
)
_COMPARED = tuple(f if f != "org" else "org_id" for f in _MEMBER_FIELDS if f != "id_number")


@dataclass
class _MemberPlan:
    new: list[tuple]  # values in _MEMBER_FIELDS order
    changed: dict[int, dict]  # pk -> the fields that change and their new values


def _id_text(value) -> str:
    return _text(value).upper()


def _plan_members(user, sheet: _Sheet, result: ImportResult) -> tuple[list[RowError], _MemberPlan]:
    rows = sheet.rows
    has_position = "职务" in sheet.present
    compared = _COMPARED if has_position else _COMPARED[:-1]
    orgs = {o.code: o for o in _orgs_by("code", (_text(r[4]) for _, r in rows))}
    # Existing members as plain tuples: (pk, org path, *compared values); instances are only
    # built later for the few that change.
    existing: dict[str, tuple] = {}
    for chunk in _chunks({_id_text(r[2]) for _, r in rows} - {""}, _chunk_size(Member)):
        for m in Member.objects.filter(id_number__in=chunk).values_list("id_number", "pk", "org__path", *compared):
            existing[m[0]] = m[1:]

    errors: list[RowError] = []
    plan = _MemberPlan([], {})
    # Scope depends on the org only, so one answer per org path serves every row.
    may_add: dict[str, bool] = {}  # may put a member into the org at this path
    may_edit: dict[str, bool] = {}  # may change a member now in the org at this path
    seen: dict[str, int] = {}
    today = dt.date.today()
    preview = result.preview
    text = _text
    for n, raw in rows:
        name, gender_text, id_number, phone, code, category_text, status_text, _, cadre_text, position = [
            v.strip() if v.__class__ is str else text(v) for v in raw
        ]
        id_number = id_number.upper()
        joined = _date(raw[7])
        org = orgs.get(code)
        data = MemberData(
            name=name,
            gender=GENDER_BY_LABEL.get(gender_text, gender_text),
            id_number=id_number,
            phone=phone,
            org=org,
            category=CATEGORY_BY_LABEL.get(category_text, category_text),
            status=STATUS_BY_LABEL.get(status_text, status_text),
            joined_on=joined,
            is_cadre=YES_NO.get(cadre_text, False),
            position=position,
        )
        row_errors = {MEMBER_FIELD_COLUMN[k]: msg for k, msg in member_errors(data).items()}
        if joined is None:
            row_errors["入党日期"] = (
                "入党日期不能为空" if text(raw[7]) == "" else "入党日期应为日期，或形如 2021-07-01 的文本"
            )
        elif joined > today:
            row_errors["入党日期"] = "入党日期不能晚于今天"
        if cadre_text not in YES_NO:
            row_errors["是否处级以上干部"] = "应为“是”或“否”"
        if len(name) > _NAME_MAX:
            row_errors["姓名"] = f"姓名不能超过{_NAME_MAX}个字"
        if len(position) > _POSITION_MAX:
            row_errors["职务"] = f"职务不能超过{_POSITION_MAX}个字"
        if org is None:
            row_errors["所在组织编码"] = "所在组织编码不能为空" if not code else f"组织编码“{code}”不存在"
        elif "所在组织编码" not in row_errors and not _may_add(may_add, user, org.path):
            row_errors["所在组织编码"] = "超出管理范围"
        current = existing.get(id_number)
        if "身份证号" not in row_errors:
            first = seen.get(id_number)
            if first is not None:
                row_errors["身份证号"] = f"身份证号与第{first}行重复"
            else:
                seen[id_number] = n
                if current is not None and not _may_edit(may_edit, user, current[1]):
                    row_errors["身份证号"] = "超出管理范围：该身份证号已登记在你管理范围以外的组织"

        if row_errors:
            for column, message in row_errors.items():
                errors.append(RowError(n, column, message))
            action = "有误"
        else:
            values = (
                name, data.gender, phone, org.pk, data.category, data.status, joined, data.is_cadre,
                position,
            )
            if current is None:
                action = "新增"
                result.created += 1
                if not errors:
                    plan.new.append((
                        name, data.gender, id_number, phone, org.pk, data.category, data.status,
                        joined, data.is_cadre, position,
                    ))
            elif current[2:] != values[: len(compared)]:
                action = "更新"
                result.updated += 1
                if not errors:
                    plan.changed[current[0]] = {
                        k: v for k, v, old in zip(compared, values, current[2:], strict=False) if v != old
                    }
            else:
                action = "不变"
                result.unchanged += 1
        if len(preview) < PREVIEW_ROWS:
            preview.append({
                "row": n, "action": action,
                "姓名": name, "性别": gender_text, "身份证号": mask_id_number(id_number),
                "手机号": mask_phone(phone) if phone else "", "所在组织编码": code,
                "人员类别": category_text, "党员状态": status_text,
                "入党日期": joined.isoformat() if joined else text(raw[7]),
                "是否处级以上干部": cadre_text, "职务": position,
            })
    return errors, plan


def _may_add(cache: dict[str, bool], user, path: str) -> bool:
    if path not in cache:
        cache[path] = can(user, Perm.CHANGE_MEMBER, Org(path=path))
    return cache[path]


def _may_edit(cache: dict[str, bool], user, path: str) -> bool:
    if path not in cache:
        cache[path] = can_on(user, Perm.CHANGE_MEMBER, Member(org=Org(path=path)))
    return cache[path]


def _write_members(user, plan: _MemberPlan, reason: str) -> None:
    now = timezone.now()
    who = history_user(user)
    if plan.new:
        _insert_with_history(Member, _MEMBER_FIELDS, plan.new, "id_number", who, reason, now)
    if plan.changed:
        fields: set[str] = set()
        objs: list[Member] = []
        for chunk in _chunks(plan.changed):
            for m in Member.objects.filter(pk__in=chunk):
                for k, v in plan.changed[m.pk].items():
                    setattr(m, k, v)
                    fields.add("org" if k == "org_id" else k)
                m.updated_at = now
                objs.append(m)
        bulk_update_with_history(
            objs, Member, sorted(fields | {"updated_at"}), batch_size=WRITE_BATCH,
            default_user=who, default_change_reason=reason, default_date=now,
        )


def _constant(f, now, connection):
    """The value of a column the file does not set, adapted for the database."""
    if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
        return f.get_db_prep_save(now, connection)
    if f.has_default():
        return f.get_db_prep_save(f.get_default(), connection)
    if f.null:
        return None
    raise ImproperlyConfigured(f"{f.model.__name__}.{f.name}: the import does not know how to fill it")


def _insert_with_history(model, given: tuple[str, ...], rows: list[tuple], key: str, who, reason: str, now) -> None:
    """INSERT `rows` (values of the `given` fields) and one "+" history row for each.

    The rows bulk_create_with_history would write (a test compares the two), without the ORM's
    per-value compile step, which alone costs more than reading the sheet: the records go in
    with executemany, their history rows are copied from them inside the database.
    """
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in given]
    others = [f for f in meta.concrete_fields if not f.primary_key and f.name not in given]
    constants = tuple(_constant(f, now, connection) for f in others)
    dates = [
        i for i, f in enumerate(fields)
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]
    adapt = connection.ops.adapt_datefield_value
    if dates:
        def prepare(row: tuple) -> list:
            row = list(row)
            for i in dates:
                row[i] = adapt(row[i])
            row.extend(constants)
            return row
    else:
        def prepare(row: tuple) -> tuple:
            return row + constants
    columns = [*fields, *others]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(meta.db_table), ", ".join(qn(f.column) for f in columns), ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            # psycopg 3: COPY is several times faster than executemany on PostgreSQL.
            copy_sql = "COPY {} ({}) FROM STDIN".format(qn(meta.db_table), ", ".join(qn(f.column) for f in columns))
            with raw.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(prepare(row))
        else:
            for batch in _chunks(rows, 10_000):
                cursor.executemany(sql, [prepare(row) for row in batch])
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        history = model.history.model
        record_columns = {f.attname: f.column for f in meta.concrete_fields}
        params_for = {
            "history_date": history._meta.get_field("history_date").get_db_prep_save(now, connection),
            "history_type": "+",
            "history_change_reason": reason,
            "history_user_id": who.pk if who is not None else None,
        }
        targets, selects, params = [], [], []
        for f in history._meta.concrete_fields:
            if f.primary_key:
                continue
            targets.append(qn(f.column))
            if f.attname in record_columns:
                selects.append(qn(record_columns[f.attname]))
            else:
                selects.append("%s")
                params.append(params_for[f.attname] if f.attname in params_for else _constant(f, now, connection))
        key_index = given.index(key)
        for chunk in _chunks((row[key_index] for row in rows), _chunk_size(model)):
            cursor.execute(
                "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {} IN ({})".format(
                    qn(history._meta.db_table), ", ".join(targets), ", ".join(selects),
                    qn(meta.db_table), qn(meta.get_field(key).column), ", ".join(["%s"] * len(chunk)),
                ),
                [*params, *chunk],
            )


# ---------------------------------------------------------------------------------------------
# Orgs

@dataclass
class _OrgRow:
    row: int
    code: str
    name: str
    kind: str
    parent: str  # "" for a root
    order: int | None  # None: no 排序 column or an empty cell (keep it, or 0 for a new org)
    kind_ok: bool


def import_orgs(user, source, *, dry_run: bool = False, reason: str = DEFAULT_REASON) -> ImportResult:
    """Create, update and move orgs from the first sheet of `source` (a path or binary file).

    Rows may come in any order; parents resolve within the file and the database. An existing
    org whose parent changes is moved with its subtree. All or nothing, like import_members.
    """
    return _run("orgs", ORG_COLUMNS, ORG_OPTIONAL, _plan_orgs, _write_orgs, user, source, dry_run, reason)


@dataclass
class _OrgPlan:
    rows: dict[str, _OrgRow]
    db: dict[str, Org]
    new: list[str]  # codes, parents before children
    moved: list[str]  # codes, by final depth
    changed: list[str]  # codes with new field values (moved ones included)


def _parse_org_rows(sheet: _Sheet) -> tuple[dict[str, _OrgRow], list[RowError]]:
    rows: dict[str, _OrgRow] = {}
    errors: list[RowError] = []
    for n, raw in sheet.rows:
        code, name, kind_text, parent = (_text(v) for v in raw[:4])
        kind = KIND_BY_LABEL.get(kind_text, kind_text)
        ok_code = True
        if not code:
            errors.append(RowError(n, "组织编码", "组织编码不能为空"))
            ok_code = False
        elif len(code) > _CODE_MAX:
            errors.append(RowError(n, "组织编码", f"组织编码不能超过{_CODE_MAX}个字符"))
            ok_code = False
        elif code in rows:
            errors.append(RowError(n, "组织编码", f"组织编码与第{rows[code].row}行重复"))
            ok_code = False
        if not name:
            errors.append(RowError(n, "组织名称", "组织名称不能为空"))
        elif len(name) > _ORG_NAME_MAX:
            errors.append(RowError(n, "组织名称", f"组织名称不能超过{_ORG_NAME_MAX}个字"))
        kind_ok = kind in OrgKind.values
        if not kind_ok:
            errors.append(RowError(n, "组织类型", "组织类型不能为空" if not kind_text else kind_error(kind, None)))
        if code and parent == code:
            errors.append(RowError(n, "上级组织编码", "上级组织不能是本组织"))
            parent = ""
            ok_code = False
        order = None
        order_raw = raw[4]
        if order_raw is not None and _text(order_raw) != "":
            try:
                number = float(_text(order_raw))
                if not number.is_integer():
                    raise ValueError
                order = int(number)
            except ValueError:
                errors.append(RowError(n, "排序", "排序应为整数"))
        if ok_code:
            rows[code] = _OrgRow(n, code, name, kind, parent, order, kind_ok)
    return rows, errors


def _plan_orgs(user, sheet: _Sheet, result: ImportResult) -> tuple[list[RowError], _OrgPlan]:
    rows, errors = _parse_org_rows(sheet)

    # The orgs the file names, and their ancestors: enough to follow any parent chain.
    db = {o.code: o for o in _orgs_by("code", [*rows, *(r.parent for r in rows.values())])}
    by_path = {o.path: o for o in db.values()}
    ancestors = {o.path[:i] for o in db.values() for i in range(Org.steplen, len(o.path), Org.steplen)}
    for o in _orgs_by("path", ancestors - by_path.keys()):
        by_path[o.path] = o
        db[o.code] = o

    def db_parent(code: str) -> str | None:
        parent_path = db[code].path[: -Org.steplen]
        return by_path[parent_path].code if parent_path else None

    def final_parent(code: str) -> str | None:
        row = rows.get(code)
        return (row.parent or None) if row is not None else db_parent(code)

    def kind_of(code: str) -> str | None:
        row = rows.get(code)
        return (row.kind if row.kind_ok else None) if row is not None else db[code].kind

    for row in rows.values():
        if row.parent and row.parent not in rows and row.parent not in db:
            errors.append(RowError(row.row, "上级组织编码", f"上级组织“{row.parent}”不存在"))

    # Final depth of every node on a chain, following file rows first and the database after;
    # a chain that ends in an unknown parent or runs in a circle resolves to nothing.
    depth: dict[str, int] = {}
    unresolved: set[str] = set()
    for start in rows:
        chain: list[str] = []
        on_chain: dict[str, int] = {}
        code = start
        while True:
            if code is None:
                base = 0
                break
            if code in depth:
                base = depth[code]
                break
            if code in unresolved:
                base = None
                break
            if code in on_chain:
                circle = chain[on_chain[code]:]
                text = " → ".join([*circle, code])
                for c in circle:
                    if c in rows:
                        errors.append(RowError(rows[c].row, "上级组织编码", f"上级组织形成循环：{text}"))
                base = None
                break
            on_chain[code] = len(chain)
            chain.append(code)
            row = rows.get(code)
            if row is not None and row.parent and row.parent not in rows and row.parent not in db:
                base = None
                break
            code = final_parent(code)
        if base is None:
            unresolved.update(chain)
        else:
            for c in reversed(chain):
                base += 1
                depth[c] = base

    kind_changed = [
        c for c, r in rows.items()
        if c in db and r.kind_ok and r.kind != db[c].kind and can(user, Perm.CHANGE_ORG, db[c])
    ]
    errors.extend(_children_kind_errors(rows, db, kind_changed))
    scope = scope_of(user)
    rows_in_error = {e.row for e in errors}
    actions: dict[int, str] = {}
    new: list[str] = []
    moved: list[str] = []
    changed: list[str] = []
    for code, row in rows.items():
        parent = row.parent or None
        org = db.get(code)
        row_errors: dict[str, str] = {}
        if code in depth and depth[code] > _MAX_DEPTH:
            row_errors["上级组织编码"] = f"层级过深（最多{_MAX_DEPTH}级）"
        if row.kind_ok and code not in unresolved:
            parent_kind = kind_of(parent) if parent else None
            if parent is None or parent_kind is not None:
                if err := kind_error(row.kind, parent_kind):
                    row_errors["组织类型"] = err
        action = "新增"
        if org is None:
            if parent is None:
                if Perm.CHANGE_ORG not in scope.is_global:
                    row_errors["上级组织编码"] = "超出管理范围：只有系统管理员可以建立根组织"
            elif parent in db and not can(user, Perm.CHANGE_ORG, db[parent]):
                row_errors["上级组织编码"] = "超出管理范围"
            new.append(code)
        elif not can(user, Perm.CHANGE_ORG, org):
            row_errors["组织编码"] = "超出管理范围"
        else:
            old_parent = db_parent(code)
            is_moved = parent != old_parent
            if is_moved:
                if old_parent is None:
                    row_errors["上级组织编码"] = "根组织不能移动"
                elif parent is None:
                    row_errors["上级组织编码"] = "已有组织不能改为根组织"
                elif not can(user, Perm.CHANGE_ORG, db[old_parent]):
                    row_errors["上级组织编码"] = "超出管理范围：不能移动自己管理范围的根组织"
                elif code not in unresolved and not _may_place_under(user, parent, rows, db, final_parent):
                    row_errors["上级组织编码"] = "超出管理范围"
                moved.append(code)
            fields_changed = (
                row.name != org.name or row.kind != org.kind
                or (row.order is not None and row.order != org.order)
            )
            if is_moved or fields_changed:
                changed.append(code)
                action = "更新"
            else:
                action = "不变"
        for column, message in row_errors.items():
            errors.append(RowError(row.row, column, message))
        if row_errors or row.row in rows_in_error:
            action = "有误"
        elif action == "新增":
            result.created += 1
        elif action == "更新":
            result.updated += 1
        else:
            result.unchanged += 1
        actions[row.row] = action

    for n, raw in sheet.rows[:PREVIEW_ROWS]:
        kind_text = _text(raw[2])
        result.preview.append({
            "row": n, "action": actions.get(n, "有误"), "组织编码": _text(raw[0]),
            "组织名称": _text(raw[1]), "组织类型": kind_text, "上级组织编码": _text(raw[3]),
            "排序": _text(raw[4]),
        })
    new.sort(key=lambda c: depth.get(c, 0))
    moved.sort(key=lambda c: depth.get(c, 0))
    return errors, _OrgPlan(rows, db, new, moved, changed)


def _may_place_under(user, parent: str, rows: dict[str, _OrgRow], db: dict[str, Org], final_parent) -> bool:
    """May `user` put an org under `parent`? Decided at the nearest org that already exists."""
    code: str | None = parent
    while code is not None and code not in db:
        code = final_parent(code)
    if code is None:
        return Perm.CHANGE_ORG in scope_of(user).is_global
    return can(user, Perm.CHANGE_ORG, db[code])


def _children_of(parents: list[Org]):
    """The direct children of `parents`, as one query on path ranges (see ADR 0004)."""
    q = Q(pk__in=[])
    for parent in parents:
        q |= subtree_q("path", parent.path) & Q(depth=parent.depth + 1)
    return Org.objects.filter(q)


def _children_kind_errors(rows: dict[str, _OrgRow], db: dict[str, Org], codes: list[str]) -> list[RowError]:
    """Children that stay in the database must still fit under a parent whose kind changes."""
    errors: list[RowError] = []
    for chunk in _chunks(codes, CHUNK // 3):
        by_path = {db[c].path: c for c in chunk}
        for child in _children_of([db[c] for c in chunk]).only("code", "name", "kind", "path"):
            if child.code in rows:
                continue  # its own row is checked against its (possibly new) parent
            code = by_path[child.path[: -Org.steplen]]
            if kind_error(child.kind, rows[code].kind):
                errors.append(RowError(
                    rows[code].row, "组织类型",
                    f"改为该类型后，下级组织“{child.name}”（{child.code}）的类型不再相符",
                ))
    return errors


def _step(n: int) -> str:
    key = Org._int2str(n)
    return Org.alphabet[0] * (Org.steplen - len(key)) + key


def _write_orgs(user, plan: _OrgPlan, reason: str) -> None:
    now = timezone.now()
    who = history_user(user)
    rows, db = plan.rows, plan.db
    if plan.new:
        new_set = set(plan.new)
        # Existing parents continue after their last child (paths may have gaps).
        parents = {rows[c].parent for c in plan.new if rows[c].parent and rows[c].parent not in new_set}
        last_step: dict[str, int] = defaultdict(int)
        for chunk in _chunks(parents, CHUNK // 3):
            path_code = {db[c].path: c for c in chunk}
            for path in _children_of([db[c] for c in chunk]).values_list("path", flat=True):
                code = path_code[path[: -Org.steplen]]
                last_step[code] = max(last_step[code], Org._str2int(path[-Org.steplen:]))
        if any(not rows[c].parent for c in plan.new):
            last_root = Org.objects.filter(depth=1).aggregate(m=Max("path"))["m"]
            last_step[""] = Org._str2int(last_root) if last_root else 0
        created: dict[str, Org] = {}
        added: dict[str, int] = defaultdict(int)  # existing parent code -> new children
        for code in plan.new:
            row = rows[code]
            if not row.parent:
                base, depth = "", 1
            elif row.parent in created:
                base, depth = created[row.parent].path, created[row.parent].depth + 1
                created[row.parent].numchild += 1
            else:
                base, depth = db[row.parent].path, db[row.parent].depth + 1
                added[row.parent] += 1
            last_step[row.parent] += 1
            created[code] = Org(
                code=code, name=row.name, kind=row.kind, order=row.order or 0,
                path=base + _step(last_step[row.parent]), depth=depth, numchild=0,
            )
        bulk_create_with_history(
            list(created.values()), Org, batch_size=WRITE_BATCH, default_user=who,
            default_change_reason=reason, default_date=now,
        )
        by_increment: dict[int, list[int]] = defaultdict(list)
        for code, n in added.items():
            by_increment[n].append(db[code].pk)
        for n, pks in by_increment.items():
            for chunk in _chunks(pks):
                Org.objects.filter(pk__in=chunk).update(numchild=F("numchild") + n)

    # Moves go ancestors first, so every target already sits where the file puts it.
    for code in plan.moved:
        node = Org.objects.get(code=code)
        target = Org.objects.get(code=rows[code].parent)
        Org.objects.move(node, target, pos="last-child")

    if plan.changed:
        fresh = {o.code: o for o in _orgs_by("code", plan.changed)}
        moved = set(plan.moved)
        parent_names = {o.code: o.name for o in _orgs_by("code", (rows[c].parent for c in moved))}
        objs = []
        for code in plan.changed:
            org, row = fresh[code], rows[code]
            org.name, org.kind, org.updated_at = row.name, row.kind, now
            if row.order is not None:
                org.order = row.order
            if code in moved:
                org._change_reason = f"{reason}：移动到 {parent_names[row.parent]}（{row.parent}）"[:100]
            objs.append(org)
        bulk_update_with_history(
            objs, Org, ["name", "kind", "order", "updated_at"], batch_size=WRITE_BATCH,
            default_user=who, default_change_reason=reason, default_date=now,
        )


# ---------------------------------------------------------------------------------------------
# Workbooks to download: the template of each import, and the error report

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")

_GUIDE = {
    "orgs": [
        ("组织编码", "必填", "每个党组织唯一的编码，最多32个字符。再次导入同一编码会更新该组织，不会重复建立。"),
        ("组织名称", "必填", "党组织全称，最多100个字。"),
        ("组织类型", "必填", "党委、党总支、党支部、党小组之一（下拉选择）。党小组只能设在党支部之下。"),
        ("上级组织编码", "根组织不填", "上级党组织的编码，可以是本表中的组织，也可以是系统中已有的组织；行的先后顺序不限。已有组织填写新的上级即为调整隶属关系（连同下级一起移动）。"),
        ("排序", "选填", "同级组织中的显示顺序，整数，越小越靠前。"),
    ],
    "members": [
        ("姓名", "必填", "最多50个字。"),
        ("性别", "必填", "男 或 女（下拉选择）。"),
        ("身份证号", "必填", "18位居民身份证号，末位可为X；请保持“文本”格式。再次导入同一身份证号会更新该党员，不会重复登记。"),
        ("手机号", "选填", "以1开头的11位数字。"),
        ("所在组织编码", "必填", "党员所在党组织的编码，须是系统中已有的组织。"),
        ("人员类别", "必填", "在职、离退休、学生、流动之一（下拉选择）。"),
        ("党员状态", "必填", "正式党员 或 预备党员（下拉选择）。"),
        ("入党日期", "必填", "日期单元格，或形如 2021-07-01 的文本；不能晚于今天。"),
        ("是否处级以上干部", "必填", "是 或 否（下拉选择）。"),
        ("职务", "选填", "最多100个字。"),
    ],
}


def _example_id_number() -> str:
    first17 = "11010119900307002"
    return first17 + id_check_digit(first17)


def template_workbook(kind: str) -> bytes:
    """The downloadable template: headers, dropdowns for the choices, an example row and a
    second sheet "填写说明" explaining each column."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind: {kind}")
    wb = Workbook()
    ws = wb.active
    ws.title = f"{KINDS[kind]}信息"
    last = 5000  # dropdowns and text formats reach this far down
    if kind == "orgs":
        columns = ORG_COLUMNS
        example = ["DW001", "示例大学党委", "党委", "", 1]
        choices = {"组织类型": [label for _, label in OrgKind.choices]}
        text_columns = ("组织编码", "上级组织编码")
        widths = {"组织编码": 16, "组织名称": 30, "组织类型": 12, "上级组织编码": 16, "排序": 8}
    else:
        columns = MEMBER_COLUMNS
        example = [
            "张三", "男", _example_id_number(), "13800000000", "ZB001", "在职", "正式党员",
            dt.date(2010, 7, 1), "否", "教师",
        ]
        choices = {
            "性别": [label for _, label in Gender.choices],
            "人员类别": [label for _, label in Category.choices],
            "党员状态": [label for _, label in MemberStatus.choices],
            "是否处级以上干部": list(YES_NO),
        }
        text_columns = ("身份证号", "手机号", "所在组织编码")
        widths = {"身份证号": 22, "手机号": 14, "所在组织编码": 14, "入党日期": 12, "是否处级以上干部": 16, "职务": 20}
    ws.append(list(columns))
    ws.append(example)
    for i, name in enumerate(columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        ws.column_dimensions[letter].width = widths.get(name, 10)
        if name in text_columns:
            for r in range(2, last + 1):
                ws.cell(row=r, column=i).number_format = "@"
        if name == "入党日期":
            for r in range(2, last + 1):
                ws.cell(row=r, column=i).number_format = "yyyy-mm-dd"
        if name in choices:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(choices[name]) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle="输入有误", error=f"请从下拉列表中选择{name}",
            )
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "说明"])
    for cell in guide[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for line in _GUIDE[kind]:
        guide.append(list(line))
    guide.append([])
    for note in (
        "第1行为列名，请勿修改；数据从第2行开始，第2行是示例，导入前请删除或改成真实数据。",
        "导入时先检查全部数据：只要有一处错误，就不导入任何数据，并列出每处错误所在的行和列。",
        "只能导入自己管理范围内的党组织和党员。",
    ):
        guide.append(["", "", note])
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def errors_workbook(result: ImportResult) -> bytes:
    """The error report as a workbook: one line per problem (行, 列, 问题)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 70
    ws.append(["行", "列", "问题"])
    for e in result.errors:
        ws.append([e.row or "", e.column, e.message])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
