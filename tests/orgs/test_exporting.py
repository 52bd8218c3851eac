"""The Excel export: the import's columns, scope, masking, the access log, and the round trip."""
from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dangjian.core.models import AccessLog
from dangjian.core.scoping import scope_of
from dangjian.orgs.exporting import export_members, export_orgs
from dangjian.orgs.importing import MEMBER_COLUMNS, ORG_COLUMNS, import_members, import_orgs
from dangjian.orgs.models import Member, Org
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def export(fn, *args, **kw) -> tuple[int, io.BytesIO]:
    buf = io.BytesIO()
    n = fn(*args, buf, **kw)
    buf.seek(0)
    return n, buf


def rows_of(buf) -> list[tuple]:
    buf.seek(0)
    rows = list(load_workbook(buf, read_only=True).worksheets[0].iter_rows(values_only=True))
    buf.seek(0)
    return rows


def by_name(rows) -> dict[str, dict]:
    header = rows[0]
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}


def test_members_are_masked_by_default(world):
    n, buf = export(export_members, world.office, world.root)
    rows = rows_of(buf)
    assert rows[0] == MEMBER_COLUMNS
    assert n == 5 and len(rows) == 6
    zhang = by_name(rows)["张三"]
    assert zhang["身份证号"] == world.m_a1.id_number[:6] + "********" + world.m_a1.id_number[-4:]
    assert zhang["手机号"] == world.m_a1.phone[:3] + "****" + world.m_a1.phone[-4:]
    assert (zhang["性别"], zhang["所在组织编码"], zhang["人员类别"], zhang["党员状态"], zhang["是否处级以上干部"]) == (
        "男", "UA01", "在职", "正式党员", "是")
    assert zhang["入党日期"].date() == world.m_a1.joined_on
    assert not AccessLog.objects.exists()


def test_unmasked_export_is_logged(world):
    n, buf = export(export_members, world.office, world.unit_a, unmasked=True)
    zhang = by_name(rows_of(buf))["张三"]
    assert zhang["身份证号"] == world.m_a1.id_number and zhang["手机号"] == world.m_a1.phone
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id) == (world.office, "export", "orgs.member", str(world.unit_a.pk))
    assert "3人" in log.detail and "文学院党委" in log.detail


def test_unmasking_needs_the_right_to_unmask(world):
    """A liaison sees unit A's members but may not unmask them: asking changes nothing."""
    n, buf = export(export_members, world.ua_liaison, None, unmasked=True)
    assert n == 3
    assert all("*" in r[2] for r in rows_of(buf)[1:])
    assert not AccessLog.objects.exists()


def test_only_members_in_scope_and_in_the_subtree(world):
    n, buf = export(export_members, world.ua_admin, world.root)
    assert set(by_name(rows_of(buf))) == {"张三", "李四", "王五"}
    n, buf = export(export_members, world.office, world.a1)
    assert set(by_name(rows_of(buf))) == {"张三", "李四"}
    n, buf = export(export_members, world.nobody, None)
    assert n == 0 and rows_of(buf) == [MEMBER_COLUMNS]


def test_filters(world):
    _, buf = export(export_members, world.office, None, filters={"category": "retired"})
    assert set(by_name(rows_of(buf))) == {"李四"}
    _, buf = export(export_members, world.office, None, filters={"status": "预备党员"})
    assert set(by_name(rows_of(buf))) == {"王五"}
    _, buf = export(export_members, world.office, None, filters={"is_cadre": "1"})
    assert set(by_name(rows_of(buf))) == {"张三"}
    _, buf = export(export_members, world.office, None, filters={"q": "钱"})
    assert set(by_name(rows_of(buf))) == {"钱七"}


def test_export_then_reimport_changes_nothing(world):
    _, buf = export(export_members, world.office, world.root, unmasked=True)
    history = Member.history.model.objects.count()
    result = import_members(world.office, buf)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert Member.history.model.objects.count() == history


def test_an_edited_export_reimports_as_updates(world):
    _, buf = export(export_members, world.office, world.unit_b, unmasked=True)
    wb = load_workbook(buf)
    ws = wb.worksheets[0]
    ws.cell(row=2, column=MEMBER_COLUMNS.index("职务") + 1, value="支部委员")
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    result = import_members(world.office, out)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)


def test_a_masked_export_does_not_reimport(world):
    _, buf = export(export_members, world.office, world.a2)
    result = import_members(world.office, buf)
    assert {(e.row, e.column) for e in result.errors} == {(2, "身份证号"), (2, "手机号")}


def test_text_that_looks_like_a_formula_stays_text(world):
    make_member(world.a2, "=HYPERLINK(\"http://x\",\"点我\")")
    _, buf = export(export_members, world.office, world.a2)
    ws = load_workbook(buf).worksheets[0]
    cell = next(c for c in ws["A"] if str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_member_export_costs_a_constant_number_of_queries(world):
    scope_of(world.office)
    with CaptureQueriesContext(connection) as few:
        export(export_members, world.office, world.root, unmasked=True)
    for i in range(30):
        make_member(world.b1, f"党员{i}")
    with CaptureQueriesContext(connection) as many:
        n, _ = export(export_members, world.office, world.root, unmasked=True)
    assert n == 35
    assert len(many) == len(few)


def test_orgs_export_and_reimport(world):
    n, buf = export(export_orgs, world.office, world.root)
    rows = rows_of(buf)
    assert rows[0] == ORG_COLUMNS and n == 7
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["ROOT"] == ("ROOT", "示范大学党委", "党委", None, 0)
    assert by_code["UA01G1"][2:4] == ("党小组", "UA01")
    assert [r[0] for r in rows[1:]].index("UA") < [r[0] for r in rows[1:]].index("UA01")
    result = import_orgs(world.office, buf)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 7)


def test_a_unit_admins_org_export_names_the_unit_parent(world):
    n, buf = export(export_orgs, world.ua_admin, None)
    rows = rows_of(buf)
    assert {r[0] for r in rows[1:]} == {"UA", "UA01", "UA02", "UA01G1"}
    assert next(r for r in rows if r[0] == "UA")[3] == "ROOT"
    result = import_orgs(world.ua_admin, buf)
    assert result.ok and result.unchanged == 4
    assert Org.objects.count() == 7
