"""Excel export of orgs and members, in the import's columns so that an export re-imports."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from dangjian.core.personal import log_access, mask_id_number, mask_phone, may_unmask
from dangjian.core.scoping import restrict_subtree
from dangjian.orgs.importing import (
    CATEGORY_BY_LABEL,
    MEMBER_COLUMNS,
    ORG_COLUMNS,
    STATUS_BY_LABEL,
    _chunks,
    history_user,
)
from dangjian.orgs.models import Category, Gender, Member, MemberStatus, Org, OrgKind

_WIDTHS = {
    "姓名": 12, "身份证号": 22, "手机号": 14, "所在组织编码": 14, "入党日期": 12,
    "是否处级以上干部": 16, "职务": 20, "组织编码": 16, "组织名称": 30, "上级组织编码": 16,
}


def _sheet(wb: Workbook, title: str, columns: tuple[str, ...]):
    ws = wb.create_sheet(title)
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, 10)
    ws.append(list(columns))
    return ws


def _append(ws, values: list) -> None:
    """Append a row whose text stays text: openpyxl would write "=..." as a formula, which
    Excel would run when the file is opened (spreadsheet injection)."""
    for i, value in enumerate(values):
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"
            values[i] = cell
    ws.append(values)


def member_queryset(user, org: Org | None = None, filters: dict | None = None):
    """The members `user` may see, in `org`'s subtree, narrowed by the member list's filters
    (category, status: value or label; is_cadre: "1"/"0" or 是/否; q: part of the name)."""
    qs = restrict_subtree(Member.objects.all(), user, org)
    filters = filters or {}
    if category := filters.get("category"):
        qs = qs.filter(category=CATEGORY_BY_LABEL.get(category, category))
    if status := filters.get("status"):
        qs = qs.filter(status=STATUS_BY_LABEL.get(status, status))
    if (cadre := filters.get("is_cadre")) in ("1", "0", "是", "否"):
        qs = qs.filter(is_cadre=cadre in ("1", "是"))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    return qs


def export_members(user, org: Org | None, target, *, unmasked: bool = False, filters: dict | None = None) -> int:
    """Write the members in scope under `org` to `target` (a path or binary file) as xlsx.

    ID and phone numbers are masked unless `unmasked` is asked for and the user may unmask
    each member; an export with any unmasked row is recorded in the access log. Returns the
    number of members written.
    """
    genders = dict(Gender.choices)
    categories = dict(Category.choices)
    statuses = dict(MemberStatus.choices)
    rows = (
        member_queryset(user, org, filters)
        .order_by("org__path", "name", "id")
        .values_list(
            "name", "gender", "id_number", "phone", "org__code", "org__path", "category", "status",
            "joined_on", "is_cadre", "position", "user_id",
        )
    )
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "党员信息", MEMBER_COLUMNS)
    may: dict[tuple[str, bool], bool] = {}
    count = shown = 0
    own_id = getattr(user, "pk", None)
    for name, gender, id_number, phone, code, path, category, status, joined, cadre, position, uid in rows.iterator(chunk_size=2000):
        full = False
        if unmasked:
            # Unmasking follows the member's org, or the member being the user's own record.
            key = (path, uid is not None and uid == own_id)
            if key not in may:
                may[key] = may_unmask(user, Member(org=Org(path=path), user_id=uid))
            full = may[key]
        shown += full
        _append(ws, [
            name, genders.get(gender, gender),
            id_number if full else mask_id_number(id_number),
            (phone if full else mask_phone(phone)) if phone else "",
            code, categories.get(category, category), statuses.get(status, status), joined,
            "是" if cadre else "否", position,
        ])
        count += 1
    wb.save(target)
    if shown:
        where = f"{org.name}（{org.code}）" if org is not None else "全部"
        log_access(
            history_user(user), "export", object_type="orgs.member",
            object_id=str(org.pk) if org is not None else "",
            detail=f"导出党员名单（含完整身份证号、手机号）{shown}人：{where}"
            + ("；命令行导出" if history_user(user) is None else ""),
        )
    return count


def export_orgs(user, org: Org | None, target) -> int:
    """Write the orgs in scope under `org` (itself included) to `target` as xlsx; parents come
    before their children, so the file re-imports as it is. Returns the number of orgs."""
    qs = restrict_subtree(Org.objects.all(), user, org)
    orgs = list(qs.order_by("path").values_list("code", "name", "kind", "path", "order"))
    code_at = {path: code for code, _, _, path, _ in orgs}
    # Parents outside the export (above `org`, or outside the user's view) still need a code.
    missing = {path[: -Org.steplen] for *_, path, _ in orgs if len(path) > Org.steplen} - code_at.keys()
    for chunk in _chunks(missing):
        code_at.update((p, c) for c, p in Org.objects.filter(path__in=chunk).values_list("code", "path"))
    kinds = dict(OrgKind.choices)
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "党组织信息", ORG_COLUMNS)
    for code, name, kind, path, order in orgs:
        _append(ws, [code, name, kinds[kind], code_at.get(path[: -Org.steplen], ""), order])
    wb.save(target)
    return len(orgs)
