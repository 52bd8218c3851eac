"""Import of a problem list from xlsx: the template round-trips, measures on repeated rows,
submission on request, every refusal named by row and column with nothing written, duplicate
warnings, and the upload → check → confirm pages."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangjian.rectification import importing as imp
from dangjian.rectification.models import Measure, Problem, ProblemStep

pytestmark = pytest.mark.django_db


def _row(**kw):
    base = {"序号": 1, "组织编码": "UA01", "问题来源": "自查", "问题方面": "", "发现日期": "2026-05-10",
            "问题概述": "档案管理制度落实不到位", "问题表现": "党员档案缺页", "责任领导": "院党委书记", "责任人": "支部书记",
            "整改时限": "2026-12-31", "整改目标": "档案齐全", "整改措施": "逐卷清理档案", "措施完成时限": "2026-09-30",
            "措施责任人": "组织委员", "提交审核": "否"}
    base.update(kw)
    return base


def _xlsx(rows, columns=imp.COLUMNS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(columns))
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _short(w):
    return w.aspect.short_name


def _counts():
    return Problem.objects.count(), Measure.objects.count(), Problem.history.count(), ProblemStep.objects.count()


def test_template_opens_with_headers_dropdowns_and_guide(world):
    wb = load_workbook(io.BytesIO(imp.template_workbook()))
    ws = wb["问题清单"]
    assert tuple(c.value for c in ws[1]) == imp.COLUMNS
    assert ws["A3"].value == 1 and ws["L3"].value == "建立学习研讨发言提纲审核制度"  # a second measure of problem 1
    assert any("自查" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert any(world.aspect.short_name in dv.formula1 for dv in ws.data_validations.dataValidation)
    guide = [r[0] for r in wb["填写说明"].iter_rows(min_row=2, values_only=True)]
    assert "序号" in guide and "提交审核" in guide


def test_the_template_example_imports_once_its_org_code_is_ours(world):
    w = world
    wb = load_workbook(io.BytesIO(imp.template_workbook()))
    ws = wb.active
    for r in (2, 4):
        ws.cell(row=r, column=2, value="UA01")
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    result = imp.import_problems(w.a1_secretary, buf)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.measures, result.submitted) == (2, 3, 1)
    first, second = Problem.objects.filter(pk__in=result.problem_ids).order_by("pk")
    assert first.status == "draft" and first.measures.count() == 2 and first.org == w.a1
    assert list(first.measures.values_list("owner", flat=True)) == ["组织委员", "宣传委员"]
    assert second.status == "reviewing" and second.review_org == w.unit_a and second.source == "inspection"
    assert second.measures.get().due_on == second.due_on  # blank 措施完成时限: the problem's deadline
    assert first.history.first().history_user == w.a1_secretary


def test_repeated_serial_or_blank_serial_continue_a_problem(world):
    w = world
    rows = [_row(问题方面=_short(w)), _row(序号="", 组织编码="", 问题概述="", 整改措施="第二条措施", 措施完成时限="2026-10-31"),
            _row(序号=1, 组织编码="", 问题概述="", 整改措施="第三条措施", 措施完成时限=""),
            _row(序号=2, 问题方面=_short(w), 问题概述="支部书记讲党课次数不够", 整改措施="", 措施完成时限="", 措施责任人="")]
    result = imp.import_problems(w.ua_admin, _xlsx(rows))
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.measures) == (2, 3)
    p = Problem.objects.get(title="档案管理制度落实不到位")
    assert list(p.measures.values_list("text", flat=True)) == ["逐卷清理档案", "第二条措施", "第三条措施"]
    assert Problem.objects.get(title="支部书记讲党课次数不够").measures.count() == 0
    assert [r["action"] for r in result.preview] == ["新增问题", "续：整改措施", "续：整改措施", "新增问题"]


def test_default_org_fills_blank_codes_and_must_be_in_scope(world):
    w = world
    result = imp.import_problems(w.a1_secretary, _xlsx([_row(组织编码="", 问题方面=_short(w))]), default_org=w.a1)
    assert result.ok and Problem.objects.get(pk=result.problem_ids[0]).org == w.a1
    with pytest.raises(PermissionDenied):
        imp.import_problems(w.a1_secretary, _xlsx([_row(问题方面=_short(w))]), default_org=w.b1)


def test_every_error_named_by_row_and_column_and_nothing_written(world):
    w = world
    before = _counts()
    rows = [
        _row(组织编码="NOPE", 问题方面=_short(w)),  # row 2
        _row(序号=2, 组织编码="UB01", 问题方面=_short(w)),  # row 3: out of the secretary's scope
        _row(序号=3, 问题方面="不存在的方面", 发现日期="去年"),  # row 4
        _row(序号=4, 问题方面=_short(w), 整改时限="2026-01-01", 问题来源="上访"),  # row 5: deadline before found
        _row(序号=5, 问题方面=_short(w), 措施完成时限="2026-04-01"),  # row 6: measure before found
        _row(序号=5, 组织编码="UA02", 问题概述="", 整改措施="再一条"),  # row 7: continuation disagrees
        _row(序号=6, 问题方面=_short(w), 问题概述="", 责任人="", 提交审核="也许"),  # row 8
        _row(序号=7, 问题方面=_short(w), 发现日期=(dt.date.today() + dt.timedelta(days=3)).isoformat()),  # row 9
        _row(序号=8, 问题方面=_short(w), 整改措施="", 措施完成时限="2026-09-30"),  # row 10: a deadline without a measure
    ]
    result = imp.import_problems(w.a1_secretary, _xlsx(rows))
    got = {(e.row, e.column) for e in result.errors}
    assert {(2, "组织编码"), (3, "组织编码"), (4, "问题方面"), (4, "发现日期"), (5, "整改时限"), (5, "问题来源"),
            (6, "措施完成时限"), (7, "组织编码"), (8, "问题概述"), (8, "责任人"), (8, "提交审核"), (9, "发现日期"),
            (10, "整改措施")} <= got, sorted(got)
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "不存在" in messages[(2, "组织编码")] and "超出管理范围" in messages[(3, "组织编码")]
    assert "整改时限不能早于发现日期" in messages[(5, "整改时限")]
    assert "与第6行" in messages[(7, "组织编码")]
    assert not result.ok and result.created == 0 and result.problem_ids == []
    assert _counts() == before
    assert "未导入任何数据" in result.summary()


def test_one_bad_row_stops_the_whole_file(world):
    w = world
    before = _counts()
    rows = [_row(问题方面=_short(w)), _row(序号=2, 问题方面=_short(w), 问题概述="会议记录不规范", 责任领导="")]
    result = imp.import_problems(w.a1_secretary, _xlsx(rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "责任领导")]
    assert _counts() == before


def test_malformed_files_are_refused(world):
    w = world
    before = _counts()
    assert imp.import_problems(w.a1_secretary, io.BytesIO(b"not a workbook")).errors[0].message.startswith("无法读取文件")
    missing = _xlsx([_row()], columns=tuple(c for c in imp.COLUMNS if c != "责任人"))
    assert [(e.row, e.column) for e in imp.import_problems(w.a1_secretary, missing).errors] == [(1, "责任人")]
    assert "没有数据行" in imp.import_problems(w.a1_secretary, _xlsx([])).errors[0].message
    blank_first = _xlsx([_row(序号="", 问题方面=_short(w))])
    assert [(e.row, e.column) for e in imp.import_problems(w.a1_secretary, blank_first).errors] == [(2, "序号")]
    assert _counts() == before


def test_duplicates_are_warnings_against_the_list_and_within_the_file(world):
    w = world
    Problem.objects.create(org=w.unit_a, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title="档案管理制度落实不够到位",
                           leader="书记", owner="委员", due_on=dt.date(2026, 12, 31), status="open", number="UA-2026-001")
    rows = [_row(问题方面=_short(w)), _row(序号=2, 问题方面=_short(w), 问题概述="档案管理制度落实不到位！", 问题表现="")]
    before = _counts()
    result = imp.import_problems(w.ua_admin, _xlsx(rows), dry_run=True)
    assert result.ok and result.created == 2 and _counts() == before
    texts = [(e.row, e.message) for e in result.warnings]
    assert any(r == 2 and "档案管理制度落实不够到位" in m and "UA-2026-001" in m for r, m in texts)
    assert any(r == 3 and "本表第2行" in m for r, m in texts)
    # The branch may not see its unit's list: warned without the title.
    result = imp.import_problems(w.a1_secretary, _xlsx(rows[:1]), dry_run=True)
    assert len(result.warnings) == 1 and "无权查看" in result.warnings[0].message
    assert "档案管理制度落实不够到位" not in result.warnings[0].message


def test_dry_run_writes_nothing(world):
    w = world
    before = _counts()
    result = imp.import_problems(w.a1_secretary, _xlsx([_row(问题方面=_short(w))]), dry_run=True)
    assert result.ok and result.created == 1 and _counts() == before


# --- pages --------------------------------------------------------------------------------------
def _upload(client, rows, **extra):
    f = SimpleUploadedFile("问题清单.xlsx", _xlsx(rows).getvalue())
    return client.post(reverse("rect_import"), {"file": f, **extra})


def test_upload_check_and_confirm(world, login, media):
    w = world
    client = login(w.a1_secretary)
    r = client.get(reverse("rect_import"))
    assert r.status_code == 200 and "下载导入模板" in r.content.decode()
    r = client.get(reverse("rect_import_template"))
    assert load_workbook(io.BytesIO(r.content)).active["A1"].value == "序号"
    r = _upload(client, [_row(组织编码="", 问题方面=_short(w), 提交审核="是")], org="UA01")
    assert r.status_code == 302
    preview = r["Location"]
    r = client.get(preview)
    body = r.content.decode()
    assert r.status_code == 200 and "检查通过，尚未写入" in body and Problem.objects.filter(title="档案管理制度落实不到位").count() == 0
    token = preview.rstrip("/").split("/")[-1]
    r = client.post(reverse("rect_import_confirm", kwargs={"token": token}))
    assert r.status_code == 302
    p = Problem.objects.get(title="档案管理制度落实不到位")
    assert p.org == w.a1 and p.status == "reviewing"
    assert client.get(preview).status_code == 404  # the upload is gone once imported


def test_errors_page_and_report(world, login, media):
    w = world
    client = login(w.a1_secretary)
    r = _upload(client, [_row(组织编码="UB01", 问题方面=_short(w))])
    r = client.get(r["Location"])
    body = r.content.decode()
    assert "未导入任何问题" in body and "超出管理范围" in body
    token = r.request["PATH_INFO"].rstrip("/").split("/")[-1]
    report = client.get(reverse("rect_import_errors", kwargs={"token": token}))
    rows = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("行", "列", "问题") and rows[1][:2] == (2, "组织编码")
    before = _counts()
    r = client.post(reverse("rect_import_confirm", kwargs={"token": token}))
    assert r.status_code == 409 and _counts() == before


def test_upload_refuses_what_is_not_xlsx(world, login, media):
    client = login(world.a1_secretary)
    r = client.post(reverse("rect_import"), {"file": SimpleUploadedFile("清单.csv", b"a,b\n1,2\n")})
    assert r.status_code == 400 and "另存为 .xlsx" in r.content.decode()
    r = client.post(reverse("rect_import"), {"file": SimpleUploadedFile("清单.xlsx", b"garbage")})
    assert r.status_code == 400 and "不是有效的 Excel" in r.content.decode()


def test_someone_elses_upload_is_not_found(world, login, media, client):
    w = world
    r = _upload(login(w.ua_admin), [_row(问题方面=_short(w))])
    token = r["Location"].rstrip("/").split("/")[-1]
    client.force_login(w.office, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    assert client.get(reverse("rect_import_preview", kwargs={"token": token})).status_code == 404
