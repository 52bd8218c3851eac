"""The Excel import: every error named by row and column, nothing written on error, re-import updates."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from simple_history.utils import bulk_create_with_history

from dangjian.core.models import Role
from dangjian.core.personal import id_check_digit
from dangjian.core.scoping import scope_of, system_actor
from dangjian.orgs import importing
from dangjian.orgs.importing import (
    MEMBER_COLUMNS,
    ORG_COLUMNS,
    ImportResult,
    RowError,
    errors_workbook,
    import_members,
    import_orgs,
    template_workbook,
)
from dangjian.orgs.models import Member, Org
from tests.factories import make_id_number, make_org, make_user

pytestmark = pytest.mark.django_db

HistoricalMember = Member.history.model
HistoricalOrg = Org.history.model


def fixed_id(n: int) -> str:
    """An ID number of our own: the world's members are born 1985-01-01, these 1992-02-02."""
    return make_id_number(n, birth="19920202")


def xlsx(rows, header=MEMBER_COLUMNS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    if header is not None:
        ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def member_row(name="孙八", *, id_number=None, org="UA01", joined=dt.date(2015, 7, 1), **kw) -> list:
    values = {
        "姓名": name, "性别": "女", "身份证号": id_number or make_id_number(), "手机号": "13912345678",
        "所在组织编码": org, "人员类别": "在职", "党员状态": "正式党员", "入党日期": joined,
        "是否处级以上干部": "否", "职务": "教师",
    }
    values.update(kw)
    return [values[c] for c in MEMBER_COLUMNS]


def org_row(code, name, kind="党支部", parent="", order=None) -> list:
    return [code, name, kind, parent, order]


def errors_of(result) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def message(result, row: int, column: str) -> str:
    return next(e.message for e in result.errors if e.row == row and e.column == column)


def counts() -> tuple[int, ...]:
    return (Member.objects.count(), HistoricalMember.objects.count(), Org.objects.count(), HistoricalOrg.objects.count())


# ------------------------------------------------------------------------------------ members


def test_members_are_created_with_dates_as_cells_and_as_text(world):
    id1, id2 = fixed_id(501), fixed_id(502)
    source = xlsx([
        member_row("孙八", id_number=id1, joined=dt.datetime(2015, 7, 1)),
        member_row("周九", id_number=id2, org="UA02", joined="2020-06-30", 性别="男", 人员类别="学生",
                   党员状态="预备党员", 是否处级以上干部="是", 职务=None, 手机号=None),
    ])
    result = import_members(world.ua_admin, source)
    assert result.ok, result.errors
    assert (result.total, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    a = Member.objects.get(id_number=id1)
    b = Member.objects.get(id_number=id2)
    assert (a.name, a.gender, a.org, a.category, a.status, a.joined_on, a.is_cadre, a.position, a.phone) == (
        "孙八", "female", world.a1, "staff", "full", dt.date(2015, 7, 1), False, "教师", "13912345678")
    assert (b.gender, b.org, b.category, b.status, b.joined_on, b.is_cadre, b.position, b.phone) == (
        "male", world.a2, "student", "probationary", dt.date(2020, 6, 30), True, "", "")
    record = a.history.get()
    assert record.history_type == "+" and record.history_user == world.ua_admin
    assert record.history_change_reason == "Excel导入"
    assert a.created_at is not None and a.updated_at is not None


def test_the_fast_insert_writes_what_bulk_create_with_history_writes(world):
    """The import inserts with executemany; its rows must equal simple_history's own."""
    ours, theirs = fixed_id(511), fixed_id(512)
    assert import_members(world.office, xlsx([member_row("吴十", id_number=ours)]), reason="对照").ok
    reference = Member(
        name="吴十", gender="female", id_number=theirs, phone="13912345678", org=world.a1,
        category="staff", status="full", joined_on=dt.date(2015, 7, 1), is_cadre=False, position="教师",
    )
    bulk_create_with_history([reference], Member, default_user=world.office, default_change_reason="对照")
    skip = {"id", "id_number", "created_at", "updated_at", "history_id", "history_date"}

    def fields(obj):
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in skip}

    a, b = Member.objects.get(id_number=ours), Member.objects.get(id_number=theirs)
    assert fields(a) == fields(b)
    ha, hb = a.history.get(), b.history.get()
    assert fields(ha) == fields(hb)
    assert ha.id == a.pk and ha.created_at == a.created_at
    assert HistoricalMember.objects.filter(id=a.pk).count() == 1


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"所在组织编码": "NOPE"}, "所在组织编码", "“NOPE”不存在"),
        ({"身份证号": "110101198501010010"}, "身份证号", "校验位"),
        ({"身份证号": "12345"}, "身份证号", "18位"),
        ({"入党日期": "2015/13/01"}, "入党日期", "日期"),
        ({"入党日期": "去年七月"}, "入党日期", "日期"),
        ({"入党日期": None}, "入党日期", "不能为空"),
        ({"入党日期": dt.date.today() + dt.timedelta(days=3)}, "入党日期", "晚于今天"),
        ({"性别": "未知"}, "性别", "男"),
        ({"人员类别": "退休"}, "人员类别", "离退休"),
        ({"党员状态": "党员"}, "党员状态", "预备党员"),
        ({"是否处级以上干部": "Y"}, "是否处级以上干部", "是"),
        ({"手机号": "12345"}, "手机号", "11位"),
        ({"姓名": ""}, "姓名", "不能为空"),
        ({"姓名": "名" * 51}, "姓名", "50"),
    ],
)
def test_each_bad_field_is_named_by_row_and_column(world, change, column, fragment):
    before = counts()
    source = xlsx([member_row("甲"), member_row("乙", **change)])
    result = import_members(world.office, source)
    assert not result.ok
    assert errors_of(result) == {(3, column)}
    assert fragment in message(result, 3, column)
    assert counts() == before


def test_every_error_is_listed_and_nothing_is_written(world):
    before = counts()
    dup = fixed_id(520)
    source = xlsx([
        member_row("甲", id_number=dup),
        member_row("乙", org="NOPE"),
        member_row("丙", id_number=dup),
        member_row("丁", 身份证号="110101198501010010", 入党日期="坏日期"),
        member_row("戊"),
    ])
    result = import_members(world.office, source)
    assert errors_of(result) == {(3, "所在组织编码"), (4, "身份证号"), (5, "身份证号"), (5, "入党日期")}
    assert message(result, 4, "身份证号") == "身份证号与第2行重复"
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert counts() == before
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)


def test_missing_and_unknown_headers(world):
    header = [c for c in MEMBER_COLUMNS if c not in ("身份证号", "职务")] + ["备注"]
    result = import_members(world.office, xlsx([["x"] * len(header)], header=header))
    assert errors_of(result) == {(1, "身份证号"), (1, "备注")}
    assert message(result, 1, "身份证号") == "缺少此列"
    assert result.total == 0


def test_a_file_that_is_not_a_workbook(world):
    result = import_members(world.office, io.BytesIO(b"name,id\n"))
    assert [(e.row, e.column) for e in result.errors] == [(0, "")]
    assert "xlsx" in str(result.errors[0])


def test_a_header_without_data_rows(world):
    result = import_members(world.office, xlsx([]))
    assert not result.ok and result.errors[0].row == 0


def test_out_of_scope_rows_are_errors(world):
    before = counts()
    source = xlsx([
        member_row("甲", org="UB01"),  # target org outside unit A
        member_row(world.m_b1.name, id_number=world.m_b1.id_number, org="UA01"),  # record outside unit A
        member_row("乙", org="UA02"),
    ])
    result = import_members(world.ua_admin, source)
    assert errors_of(result) == {(2, "所在组织编码"), (3, "身份证号")}
    assert message(result, 2, "所在组织编码") == "超出管理范围"
    assert message(result, 3, "身份证号").startswith("超出管理范围")
    assert counts() == before


def test_a_branch_secretary_may_import_into_the_branch_only(world):
    ok = import_members(world.a1_secretary, xlsx([member_row("甲", org="UA01")]))
    assert ok.ok and ok.created == 1
    refused = import_members(world.a1_secretary, xlsx([member_row("乙", org="UA02")]))
    assert errors_of(refused) == {(2, "所在组织编码")}


def test_reimport_updates_and_never_duplicates(world):
    ids = [fixed_id(530 + i) for i in range(3)]
    rows = [member_row(f"党员{i}", id_number=ids[i]) for i in range(3)]
    first = import_members(world.office, xlsx(rows))
    assert first.created == 3
    history_before = HistoricalMember.objects.count()

    again = import_members(world.office, xlsx(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert HistoricalMember.objects.count() == history_before
    assert Member.objects.filter(id_number__in=ids).count() == 3

    rows[1][MEMBER_COLUMNS.index("所在组织编码")] = "UA02"
    rows[1][MEMBER_COLUMNS.index("职务")] = "辅导员"
    changed = import_members(world.office, xlsx(rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    m = Member.objects.get(id_number=ids[1])
    assert (m.org, m.position) == (world.a2, "辅导员")
    record = m.history.order_by("-history_id").first()
    assert record.history_type == "~" and record.history_user == world.office
    assert HistoricalMember.objects.count() == history_before + 1


def test_existing_members_keep_their_account_and_position_when_the_column_is_absent(world):
    m = world.m_a1  # linked to a login account
    m.position = "书记"
    m.save()
    header = [c for c in MEMBER_COLUMNS if c != "职务"]
    row = member_row(m.name, id_number=m.id_number, 手机号=m.phone, 性别="男", 入党日期=m.joined_on,
                     是否处级以上干部="是", 人员类别="离退休")
    result = import_members(world.office, xlsx([row[:-1]], header=header))
    assert (result.updated, result.created) == (1, 0)
    m.refresh_from_db()
    assert (m.category, m.position, m.user) == ("retired", "书记", world.member_user)


def test_dry_run_counts_but_writes_nothing(world):
    before = counts()
    source = xlsx([member_row("甲"), member_row(world.m_a2.name, id_number=world.m_a2.id_number, org="UA02")])
    result = import_members(world.office, source, dry_run=True)
    assert result.ok and result.dry_run
    assert (result.created, result.updated) == (1, 1)
    assert counts() == before
    assert result.summary() == "党员预检通过（未写入）：将新增1条，更新1条，不变0条（共2行）。"


def test_preview_masks_personal_data_and_marks_errors(world):
    idn = fixed_id(540)
    result = import_members(world.office, xlsx([member_row("甲", id_number=idn), member_row("乙", org="NOPE")]), dry_run=True)
    first, second = result.preview
    assert first["身份证号"] == idn[:6] + "********" + idn[-4:]
    assert first["手机号"] == "139****5678"
    assert (first["row"], first["action"], second["action"]) == (2, "新增", "有误")
    assert idn not in str(result.preview)


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(world):
    source = xlsx([member_row("甲"), [None] * len(MEMBER_COLUMNS), ["  "] + [None] * 9, member_row("乙", org="NOPE")])
    result = import_members(world.office, source)
    assert result.total == 2
    assert errors_of(result) == {(5, "所在组织编码")}


def test_cells_typed_as_numbers_and_a_lowercase_x(world):
    first17 = next(f"110101199003070{i:02d}" for i in range(100) if id_check_digit(f"110101199003070{i:02d}") == "X")
    source = xlsx([member_row("甲", id_number=first17 + "x", 手机号=13912345678)])
    result = import_members(world.office, source)
    assert result.ok, result.errors
    assert Member.objects.get(id_number=first17 + "X").phone == "13912345678"


def test_operator_writes_history_without_a_user(world):
    result = import_members(system_actor(), xlsx([member_row("甲", id_number=fixed_id(545))]), reason="命令行导入")
    assert result.ok
    record = Member.objects.get(id_number=fixed_id(545)).history.get()
    assert record.history_user is None and record.history_change_reason == "命令行导入"


def test_members_import_costs_a_constant_number_of_queries(world):
    def source(n, start):
        return xlsx([member_row(f"党员{i}", id_number=fixed_id(start + i), org=("UA01", "UA02")[i % 2]) for i in range(n)])

    small, large = source(5, 600), source(300, 700)
    scope_of(world.office)  # the scope lookup is cached on the user after the first call
    with CaptureQueriesContext(connection) as q_small:
        assert import_members(world.office, small).created == 5
    with CaptureQueriesContext(connection) as q_large:
        assert import_members(world.office, large).created == 300
    assert len(q_large) == len(q_small)


# ------------------------------------------------------------------------------------ orgs


def test_orgs_arrive_children_first_and_the_tree_is_sound(world):
    source = xlsx([
        org_row("N1G", "新小组", "党小组", "N1"),
        org_row("N1", "新支部", "党支部", "NU", 2),
        org_row("NU", "新学院党委", "党委", "ROOT", 9),
        org_row("N2", "新支部二", "党支部", "UA"),
    ], header=ORG_COLUMNS)
    result = import_orgs(world.office, source)
    assert result.ok, result.errors
    assert result.created == 4
    nu, n1, n1g, n2 = (Org.objects.get(code=c) for c in ("NU", "N1", "N1G", "N2"))
    assert Org.objects.get_parent(nu) == world.root and nu.order == 9
    assert Org.objects.get_parent(n1) == nu and Org.objects.get_parent(n1g) == n1
    assert Org.objects.get_parent(n2) == world.unit_a
    assert (nu.numchild, n1.numchild, n1g.numchild) == (1, 1, 0)
    assert Org.objects.get(code="UA").numchild == 3 and Org.objects.get(code="ROOT").numchild == 3
    assert Org.objects.find_problems() == ([], [], [], [], [])
    assert nu.history.get().history_user == world.office
    assert Org.objects.get_children(world.root).last() == nu


def test_new_children_go_after_the_last_existing_one_even_with_gaps(world):
    make_org("UA03", "临时支部", "branch", Org.objects.get(code="UA"))
    last = make_org("UA04", "第四支部", "branch", Org.objects.get(code="UA"))
    Org.objects.get(code="UA03").delete()  # UA keeps 3 children, the last one at step 4
    result = import_orgs(world.office, xlsx([org_row("UA05", "新支部", "党支部", "UA")], header=ORG_COLUMNS))
    assert result.ok, result.errors
    new = Org.objects.get(code="UA05")
    assert new.path > last.path and Org.objects.get_parent(new).code == "UA"
    assert Org.objects.find_problems() == ([], [], [], [], [])


def test_new_roots_need_a_global_grant(world):
    source = xlsx([org_row("R2", "另一个党委", "党委")], header=ORG_COLUMNS)
    refused = import_orgs(world.office, source)
    assert errors_of(refused) == {(2, "上级组织编码")}
    assert "超出管理范围" in message(refused, 2, "上级组织编码")
    source.seek(0)
    result = import_orgs(world.sysadmin, source)
    assert result.ok and Org.objects.get(code="R2").depth == 1
    assert Org.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize(
    ("rows", "expected", "fragment"),
    [
        ([org_row("X1", "甲", "党支部", "NOPE")], {(2, "上级组织编码")}, "“NOPE”不存在"),
        ([org_row("X1", "甲", "党支部", "X2"), org_row("X2", "乙", "党支部", "X1")],
         {(2, "上级组织编码"), (3, "上级组织编码")}, "循环"),
        ([org_row("X1", "甲", "党支部", "UA"), org_row("X1", "乙", "党支部", "UA")], {(3, "组织编码")}, "第2行重复"),
        ([org_row("X1", "甲", "党小组", "UA")], {(2, "组织类型")}, "党小组不能设在党委之下"),
        ([org_row("X1", "甲", "支部", "UA")], {(2, "组织类型")}, "无效"),
        ([org_row("X1", "", "党支部", "UA")], {(2, "组织名称")}, "不能为空"),
        ([org_row("X1", "甲", "党支部", "UA", "第一")], {(2, "排序")}, "整数"),
        ([org_row("X1", "甲", "党支部", "X1")], {(2, "上级组织编码")}, "本组织"),
        ([org_row("UA", "文学院党委", "党委", "UA01")], {(2, "上级组织编码")}, "循环"),
    ],
)
def test_org_errors_are_named_by_row_and_column(world, rows, expected, fragment):
    before = counts()
    result = import_orgs(world.office, xlsx(rows, header=ORG_COLUMNS))
    assert errors_of(result) == expected
    assert fragment in result.errors[0].message
    assert counts() == before


def test_org_headers_are_checked(world):
    result = import_orgs(world.office, xlsx([["A", "B", "党支部"]], header=["组织编码", "名称", "组织类型"]))
    assert errors_of(result) == {(1, "名称"), (1, "组织名称"), (1, "上级组织编码")}


def test_org_scope(world):
    before = counts()
    source = xlsx([
        org_row("X1", "甲", "党支部", "UB"),  # new org under unit B
        org_row("UB01", "改名", "党支部", "UB"),  # an org of unit B
        org_row("X2", "乙", "党支部", "UA"),
        org_row("UA02", "文学院学生党支部", "党支部", "UB"),  # moving out to unit B
    ], header=ORG_COLUMNS)
    result = import_orgs(world.ua_admin, source)
    assert errors_of(result) == {(2, "上级组织编码"), (3, "组织编码"), (5, "上级组织编码")}
    assert all(e.message.startswith("超出管理范围") for e in result.errors)
    assert counts() == before


def test_org_reimport_is_idempotent(world):
    rows = [org_row("N1", "新支部", "党支部", "UA", 1), org_row("N1G", "新小组", "党小组", "N1")]
    assert import_orgs(world.office, xlsx(rows, header=ORG_COLUMNS)).created == 2
    before = counts()
    again = import_orgs(world.office, xlsx(rows, header=ORG_COLUMNS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert counts() == before
    rows[0][1] = "新支部（改）"
    renamed = import_orgs(world.office, xlsx(rows, header=ORG_COLUMNS))
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 1)
    assert Org.objects.get(code="N1").name == "新支部（改）"
    assert HistoricalOrg.objects.count() == before[3] + 1


def test_a_changed_parent_moves_the_subtree(world):
    source = xlsx([org_row("UA01", "文学院教工第一党支部", "党支部", "UB")], header=ORG_COLUMNS)
    result = import_orgs(world.office, source)
    assert result.ok and result.updated == 1
    a1, a1g = Org.objects.get(code="UA01"), Org.objects.get(code="UA01G1")
    assert Org.objects.get_parent(a1).code == "UB" and a1g.path.startswith(a1.path)
    assert Org.objects.find_problems() == ([], [], [], [], [])
    assert (Org.objects.get(code="UA").numchild, Org.objects.get(code="UB").numchild) == (1, 2)
    record = a1.history.order_by("-history_id").first()
    assert record.history_user == world.office and "移动到 后勤处党总支（UB）" in record.history_change_reason
    assert Member.objects.get(pk=world.m_a1.pk).org == a1  # members move with their branch


def test_moves_and_new_orgs_combine_in_one_file(world):
    """UB goes under a new UA-level committee, UA01 under UB, and a new group under UA01."""
    source = xlsx([
        org_row("G9", "新小组", "党小组", "UA01"),
        org_row("UA01", "文学院教工第一党支部", "党支部", "UB"),
        org_row("UB", "后勤处党总支", "党总支", "NC"),
        org_row("NC", "新党委", "党委", "ROOT"),
    ], header=ORG_COLUMNS)
    result = import_orgs(world.office, source)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 2)
    parent = {o.code: Org.objects.get_parent(o) for o in Org.objects.all()}
    assert parent["G9"].code == "UA01" and parent["UA01"].code == "UB"
    assert parent["UB"].code == "NC" and parent["NC"].code == "ROOT"
    assert parent["UA01G1"].code == "UA01"
    assert Org.objects.find_problems() == ([], [], [], [], [])


def test_a_kind_change_must_still_fit_the_children_in_the_database(world):
    result = import_orgs(world.office, xlsx([org_row("UA01", "文学院教工第一党支部", "党总支", "UA")], header=ORG_COLUMNS))
    assert errors_of(result) == {(2, "组织类型")}
    assert "第一党小组" in result.errors[0].message


def test_existing_roots_stay_roots(world):
    result = import_orgs(world.sysadmin, xlsx([org_row("ROOT", "示范大学党委", "党委", "UA")], header=ORG_COLUMNS))
    assert errors_of(result) == {(2, "上级组织编码")}
    result = import_orgs(world.sysadmin, xlsx([org_row("UA", "文学院党委", "党委", "")], header=ORG_COLUMNS))
    assert "根组织" in result.errors[0].message


def test_order_column_is_optional(world):
    header = ORG_COLUMNS[:4]
    Org.objects.filter(code="UA").update(order=7)
    result = import_orgs(world.office, xlsx([["UA", "文学院党委", "党委", "ROOT"], ["N1", "新支部", "党支部", "UA"]], header=header))
    assert result.ok and (result.created, result.unchanged) == (1, 1)
    assert Org.objects.get(code="UA").order == 7 and Org.objects.get(code="N1").order == 0


def test_unit_admin_builds_inside_the_unit(world):
    source = xlsx([org_row("UA09", "新支部", "党支部", "UA"), org_row("UA09G", "小组", "党小组", "UA09")], header=ORG_COLUMNS)
    result = import_orgs(world.ua_admin, source)
    assert result.ok, result.errors
    assert Org.objects.get(code="UA09G").path.startswith(world.unit_a.path)


# ------------------------------------------------------------------------------------ workbooks


def test_member_template(world):
    wb = load_workbook(io.BytesIO(template_workbook("members")))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == list(MEMBER_COLUMNS)
    assert wb.sheetnames[1] == "填写说明"
    guide = {row[0]: row[2] for row in wb["填写说明"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(guide) == set(MEMBER_COLUMNS)
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["B"] == '"男,女"' and lists["I"] == '"是,否"'
    assert "离退休" in lists["F"] and "预备党员" in lists["G"]
    assert ws["C2"].number_format == "@"
    # The example row is a valid row: only its org code is unknown here.
    result = import_members(world.office, io.BytesIO(template_workbook("members")), dry_run=True)
    assert errors_of(result) == {(2, "所在组织编码")}


def test_org_template(world):
    wb = load_workbook(io.BytesIO(template_workbook("orgs")))
    assert [c.value for c in wb.worksheets[0][1]] == list(ORG_COLUMNS)
    assert "党小组" in wb.worksheets[0].data_validations.dataValidation[0].formula1
    result = import_orgs(world.sysadmin, io.BytesIO(template_workbook("orgs")), dry_run=True)
    assert result.ok and result.created == 1
    with pytest.raises(ValueError):
        template_workbook("teams")


def test_errors_workbook():
    result = ImportResult(kind="members", errors=[RowError(0, "", "文件无法读取"), RowError(3, "身份证号", "校验位错误")])
    rows = list(load_workbook(io.BytesIO(errors_workbook(result))).worksheets[0].iter_rows(values_only=True))
    assert rows == [("行", "列", "问题"), (None, None, "文件无法读取"), (3, "身份证号", "校验位错误")]
    assert str(result.errors[1]) == "第3行 [身份证号] 校验位错误"


def test_a_user_without_roles_may_import_nothing(world):
    nobody = make_user("nobody2", Role.MEMBER, world.a1)
    result = import_members(nobody, xlsx([member_row("甲")]))
    assert errors_of(result) == {(2, "所在组织编码")}


def test_a_clash_at_write_time_rolls_everything_back(world, monkeypatch):
    """Another session committing the same ID number between check and write: nothing stays."""
    real = importing._insert_with_history

    def clashing(*args, **kwargs):
        real(*args, **kwargs)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(importing, "_insert_with_history", clashing)
    before = counts()
    result = import_members(world.office, xlsx([member_row("甲"), member_row("乙")]))
    assert [(e.row, e.column) for e in result.errors] == [(0, "")]
    assert "未导入任何数据" in result.errors[0].message
    assert counts() == before
