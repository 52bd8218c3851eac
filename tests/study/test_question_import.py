"""Importing questions from the xlsx template: all or nothing, every error named by row and
column; the template itself; the upload → check → confirm pages."""
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangjian.study import questions as qs_
from dangjian.study.models import Question

pytestmark = pytest.mark.django_db
HEAD = list(qs_.COLUMNS)


def row(kind="单选题", stem="题干", options=("甲", "乙", "丙", "丁"), answer="A", tags="党章", explanation=""):
    opts = list(options) + [""] * (6 - len(options))
    return [kind, stem, *opts, answer, tags, explanation]


def xlsx(rows, head=HEAD) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


GOOD = [
    row(stem="党的根本宗旨是？", options=("全心全意为人民服务", "发展经济"), answer="A", tags="党章、宗旨"),
    row(kind="多选题", stem="“四个意识”包括？", options=("政治意识", "大局意识", "核心意识", "看齐意识"), answer="A,B,C,D", tags="理论"),
    row(kind="判断题", stem="党员应按期交纳党费。", options=(), answer="正确", tags="党章"),
    row(kind="填空题", stem="党的最高领导机关是党的全国代表大会和它所产生的____。", options=(), answer="中央委员会|中共中央委员会"),
]


def test_good_file_imports_everything(world):
    w = world
    result = qs_.import_questions(w.ua_admin, xlsx(GOOD), w.unit_a)
    assert result.ok and result.created == 4 and result.total == 4
    q = Question.objects.get(stem="“四个意识”包括？")
    assert q.org == w.unit_a and q.kind == "multiple" and q.answer == ["A", "B", "C", "D"] and q.tags == ["理论"]
    assert Question.objects.get(stem="党员应按期交纳党费。").answer == ["对"]
    assert Question.objects.get(kind="fill", org=w.unit_a).answer == ["中央委员会", "中共中央委员会"]
    assert q.history.latest().history_change_reason == "Excel导入试题"
    # again: same kind and stem update, not duplicate
    again = qs_.import_questions(w.ua_admin, xlsx([GOOD[0][:8] + ["B", "党章", ""], *GOOD[1:]]), w.unit_a)
    assert again.ok and again.created == 0 and again.updated == 1 and again.unchanged == 3
    assert Question.objects.filter(org=w.unit_a).count() == 5  # q_a + 4
    assert Question.objects.get(stem="党的根本宗旨是？").answer == ["B"]


def test_dry_run_writes_nothing(world):
    result = qs_.import_questions(world.ua_admin, xlsx(GOOD), world.unit_a, dry_run=True)
    assert result.ok and result.created == 4
    assert not Question.objects.filter(stem="党的根本宗旨是？").exists()


def _errors(result):
    return {(e.row, e.column): e.message for e in result.errors}


@pytest.mark.parametrize("bad,column,message", [
    (row(kind="问答题"), "题型", "无法识别的题型“问答题”"),
    (row(kind=""), "题型", "请填写题型"),
    (row(answer=""), "答案", "请填写答案"),
    (row(options=("甲", "乙"), answer="C"), "答案", "超出"),
    (row(answer="AB"), "答案", "单选题的答案须为一个选项字母"),
    (row(kind="多选题", answer="A"), "答案", "两个或以上"),
    (row(kind="判断题", options=(), answer="可能"), "答案", "“对”或“错”"),
    (row(options=("甲",), answer="A"), "选项A", "至少需要两个选项"),
    (row(options=("甲", "", "丙"), answer="A"), "选项B", "连续填写"),
    (row(stem=""), "题干", "请填写题干"),
])
def test_malformed_row_named_and_nothing_imported(world, bad, column, message):
    w = world
    before = Question.objects.count()
    result = qs_.import_questions(w.ua_admin, xlsx([GOOD[0], GOOD[1], bad, GOOD[2]]), w.unit_a)
    assert not result.ok
    errors = _errors(result)
    assert (4, column) in errors, errors  # the bad row is the sheet's 4th (header = 1)
    assert message in errors[(4, column)]
    assert len(errors) == 1
    assert Question.objects.count() == before


def test_many_errors_all_listed(world):
    result = qs_.import_questions(world.ua_admin, xlsx([row(kind="x"), GOOD[0], row(answer="Z"), row(stem="党的根本宗旨是？")]), world.unit_a)
    errors = _errors(result)
    assert (2, "题型") in errors and (4, "答案") in errors and (5, "题干") in errors
    assert "与第3行重复" in errors[(5, "题干")]
    assert str(result.errors[0]).startswith("第2行 [题型]")


@pytest.mark.parametrize("head,column,message", [
    (["题型", "题目", "选项A", "选项B", "答案"], "题目", "无法识别的列"),
    (["题型", "题干", "选项A", "选项B"], "答案", "缺少此列"),
    (["题型", "题干", "题干", "选项A", "选项B", "答案"], "题干", "列名重复"),
])
def test_wrong_header_refused(world, head, column, message):
    result = qs_.import_questions(world.ua_admin, xlsx([["单选题", "x", "甲", "乙", "A"]], head), world.unit_a)
    errors = _errors(result)
    assert (1, column) in errors and message in errors[(1, column)]
    assert not Question.objects.filter(stem="x").exists()


def test_not_an_xlsx_and_empty_sheet(world):
    result = qs_.import_questions(world.ua_admin, io.BytesIO(b"not a workbook"), world.unit_a)
    assert not result.ok and "无法读取文件" in result.errors[0].message
    result = qs_.import_questions(world.ua_admin, xlsx([]), world.unit_a)
    assert not result.ok and "没有数据行" in result.errors[0].message


def test_out_of_scope_bank_refused(world):
    with pytest.raises(PermissionDenied):
        qs_.import_questions(world.ub_admin, xlsx(GOOD), world.unit_a)
    assert not Question.objects.filter(stem="党的根本宗旨是？").exists()


def test_template_has_header_examples_and_instructions(world):
    wb = load_workbook(io.BytesIO(qs_.template_workbook()))
    assert wb.sheetnames == ["试题", "填写说明"]
    ws = wb["试题"]
    assert [c.value for c in ws[1]] == HEAD
    # the template's own examples import cleanly
    result = qs_.import_questions(world.office, io.BytesIO(qs_.template_workbook()), world.root, dry_run=True)
    assert result.ok and result.total == 4


def test_pages_upload_check_confirm(world, login, media):
    w = world
    c = login(w.ua_liaison)
    assert c.get(reverse("question_import_template")).status_code == 200
    bad = SimpleUploadedFile("试题.xlsx", xlsx([GOOD[0], row(options=("甲", "乙"), answer="D")]).getvalue())
    r = c.post(reverse("question_import"), {"org": "UA", "file": bad})
    assert r.status_code == 302
    r = c.get(r["Location"])
    assert r.status_code == 200 and "未导入任何试题" in r.text and "超出" in r.text and "答案" in r.text
    token = r.context["token"]
    assert c.post(reverse("question_import_confirm", args=[token])).status_code == 409
    assert not Question.objects.filter(stem="党的根本宗旨是？").exists()
    errors = c.get(reverse("question_import_errors", args=[token]))
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxml")

    good = SimpleUploadedFile("试题.xlsx", xlsx(GOOD).getvalue())
    r = c.post(reverse("question_import"), {"org": "UA", "file": good})
    token = r["Location"].rstrip("/").split("/")[-1]
    assert "检查通过" in c.get(r["Location"]).text
    # someone else cannot use the token
    assert login(w.ua_admin).get(reverse("question_import_preview", args=[token])).status_code == 404
    c = login(w.ua_liaison)
    r = c.post(reverse("question_import_confirm", args=[token]))
    assert r.status_code in (302, 404)


def test_upload_page_refuses_other_files(world, login, media):
    c = login(world.ua_admin)
    r = c.post(reverse("question_import"), {"org": "UA", "file": SimpleUploadedFile("试题.csv", b"a,b")})
    assert r.status_code == 400 and ".xlsx" in r.text
    r = c.post(reverse("question_import"), {"org": "UB", "file": SimpleUploadedFile("试题.xlsx", xlsx(GOOD).getvalue())})
    assert r.status_code == 200 and "管理范围" in r.text
