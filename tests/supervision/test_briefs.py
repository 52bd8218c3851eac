"""Briefs: figures computed from the records, sections, edit while a draft, issue (number, date,
frozen figures, docx and pdf stored and read back), refusals."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from dangjian.rectification.models import Problem
from dangjian.study.models import Questioning
from dangjian.supervision import briefs as b
from dangjian.supervision.models import Activity, Brief, Finding, RoundUnit

pytestmark = pytest.mark.django_db


def _questioning(w, act, score):
    return Questioning.objects.create(member=w.m_b1, org=act.org, score=score, items=[], activity_ref=f"supervision.Activity:{act.pk}")


@pytest.fixture
def sup(world):
    w = world
    w.activity_b2 = Activity.objects.create(group=w.group1, round=w.round_now, org=w.b1, kind="interview", held_on=timezone.localdate(),
                                            subject="座谈", interviewed_count=7)
    _questioning(w, w.activity_b2, 100)
    _questioning(w, w.activity_b2, 80)
    _questioning(w, w.activity_b, 60)
    Questioning.objects.create(member=w.m_b1, org=w.b1, score=100, items=[])  # not in an activity: not counted
    Finding.objects.filter(pk=w.finding_b.pk).update(status="answered", answer="已补齐")
    # The world's findings have no problems (the rectification tests count the world's problems):
    # give each its inspection problem, as activities.add_finding does.
    for finding in (w.finding_a, w.finding_b):
        problem = Problem.objects.create(
            org=finding.org, campaign=w.campaign, number=f"{finding.org.code}-F", source="inspection", aspect=w.aspect,
            found_on=timezone.localdate(), title=f"支部学习记录不完整{finding.pk}", leader="院党委书记", owner="支部书记",
            due_on=dt.date(2099, 1, 31), status="open", level_depth=1, activity_ref=f"supervision.Activity:{finding.activity_id}")
        Finding.objects.filter(pk=finding.pk).update(problem=problem)
    return w


def test_round_figures_from_records(sup):
    w = sup
    f = b.compute_figures(w.root, w.round_now.starts_on, w.round_now.ends_on, w.round_now)
    assert (f["units_assigned"], f["units_covered"]) == (2, 2)  # UA and UB, each visited below
    assert f["activities"] == 3 and f["branches_visited"] == 2 and f["interviewed"] == 7
    kinds = {k["kind"]: k["count"] for k in f["by_kind"]}
    assert kinds["visit"] == 2 and kinds["interview"] == 1 and kinds["questioning"] == 0
    assert (f["questioned"], f["questioned_good"]) == (3, 2)
    assert f["problems"] == 2 and f["by_aspect"] == [{"aspect": w.aspect.short_name, "count": 2}]
    assert f["by_status"] == [{"status": "open", "label": "待整改", "count": 2}]
    assert (f["feedback"], f["feedback_answered"], f["exemplars"]) == (2, 1, 2)
    # A unit left unvisited counts as assigned, not covered.
    from tests.factories import make_org

    extra = make_org(w.root, "UC", "新单位")
    RoundUnit.objects.create(round=w.round_now, group=w.group2, org=extra)
    f = b.compute_figures(w.root, w.round_now.starts_on, w.round_now.ends_on, w.round_now)
    assert (f["units_assigned"], f["units_covered"]) == (3, 2)


def test_monthly_figures_by_org_and_month(sup):
    w = sup
    start, end = b.month_bounds(timezone.localdate().strftime("%Y-%m"))
    f = b.compute_figures(w.unit_b, start, end)
    assert f["activities"] == 2 and f["problems"] == 1 and f["questioned"] == 3 and f["units_assigned"] == 1
    last = start - dt.timedelta(days=1)
    f = b.compute_figures(w.root, last.replace(day=1), last)
    assert f["activities"] == 0 and f["problems"] == 0
    with pytest.raises(ValidationError) as exc:
        b.month_bounds("2026-13")
    assert "month" in exc.value.message_dict


def test_figures_constant_queries(sup):
    w = sup
    with CaptureQueriesContext(connection) as small:
        b.compute_figures(w.root, w.round_now.starts_on, w.round_now.ends_on, w.round_now)
    for i in range(5):
        act = Activity.objects.create(group=w.group2, round=w.round_now, org=w.a1, kind="doc_review", held_on=timezone.localdate(), subject=f"x{i}")
        _questioning(w, act, 90)
    with CaptureQueriesContext(connection) as big:
        f = b.compute_figures(w.root, w.round_now.starts_on, w.round_now.ends_on, w.round_now)
    assert len(small) == len(big) and f["activities"] == 8 and f["questioned"] == 8


def test_create_edit_issue_and_documents(sup, media):
    w = sup
    brief = b.create_brief(w.office, kind="round", round=w.round_now)
    assert brief.status == "draft" and brief.org == w.root and brief.campaign == w.campaign
    assert [s["key"] for s in brief.sections] == ["summary", "problems", "feedback", "exemplars", "next"]
    assert "开展督查活动3次" in brief.sections[0]["text"] and "已覆盖2个" in brief.sections[0]["text"]
    b.update_brief(w.office, brief, title="十一月督查专报", sections={"next": "下月重点督查学习记录。"})
    brief.refresh_from_db()
    assert brief.title == "十一月督查专报" and brief.sections[-1]["text"] == "下月重点督查学习记录。"
    with pytest.raises(ValidationError) as exc:
        b.update_brief(w.office, brief, title="  ")
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError):
        b.update_brief(w.office, brief, sections={"nope": "x"})
    issued = b.issue_brief(w.office, brief, issued_on=dt.date(2026, 11, 20))
    year_count = Brief.objects.filter(org=w.root, kind="round", status="issued", issued_on__year=2026).count()
    assert issued.number == f"督查专报〔2026〕第{year_count}期" and issued.status == "issued"
    assert issued.figures["activities"] == 3 and issued.issued_by == w.office
    # The docx: red head, number and date, title, sections, tables with the figures.
    doc = Document(io.BytesIO(b.brief_document(issued, "docx")))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "党委督查专报" or texts[0].endswith("督查专报")
    assert doc.paragraphs[0].runs[0].font.color.rgb == b"\xc8\x10\x2e" or str(doc.paragraphs[0].runs[0].font.color.rgb) == "C8102E"
    assert issued.number in texts[1] and "2026年11月20日" in texts[1]
    assert "十一月督查专报" in texts and "下月重点督查学习记录。" in texts
    first = doc.tables[0]
    rows = {first.cell(i, 0).text: first.cell(i, 1).text for i in range(len(first.rows))}
    assert rows["督查单位（已覆盖/应覆盖）"] == "2/2" and rows["督查活动"] == "3" and rows["随机提问人次（回答良好）"] == "3（2）"
    assert rows["发现问题"] == str(Finding.objects.count()) and rows["反馈意见（已回复）"] == "2（1）"
    east = doc.paragraphs[0].runs[0]._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert east == "宋体"
    # The pdf: the same content.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b.brief_document(issued, "pdf"))).pages)
    assert issued.number in text and "十一月督查专报" in text and "回答良好" in text
    # Frozen: new records do not change an issued brief's figures; editing and re-issuing refused.
    Activity.objects.create(group=w.group1, round=w.round_now, org=w.b1, kind="visit", held_on=timezone.localdate(), subject="再访")
    issued.refresh_from_db()
    assert b.live_figures(issued)["activities"] == 3
    for call in (lambda: b.update_brief(w.office, issued, title="改"), lambda: b.issue_brief(w.office, issued),
                 lambda: b.refresh_sections(w.office, issued)):
        with pytest.raises(ValidationError) as exc:
            call()
        assert b.ISSUED_MESSAGE in exc.value.messages
    issued.refresh_from_db()
    assert issued.title == "十一月督查专报"
    assert issued.history.count() >= 3  # created, edited, issued


def test_numbers_follow_each_other(sup, media):
    w = sup
    one = b.issue_brief(w.office, b.create_brief(w.office, kind="monthly", org=w.root, month="2026-10"), issued_on=dt.date(2026, 11, 2))
    two = b.issue_brief(w.office, b.create_brief(w.office, kind="monthly", org=w.root, month="2026-11"), issued_on=dt.date(2026, 12, 1))
    n1 = int(one.number.split("第")[1].rstrip("期"))
    assert two.number == f"督导汇总〔2026〕第{n1 + 1}期"
    assert one.title == "2026年10月督导工作汇总"


def test_refusals(sup):
    w = sup
    for user in (w.guide, w.ua_admin, w.member_user):
        with pytest.raises((PermissionDenied, Exception)):
            b.create_brief(user, kind="round", round=w.round_now)
    assert Brief.objects.count() == 2
    # A unit admin makes its own unit's monthly summary.
    mine = b.create_brief(w.ua_admin, kind="monthly", org=w.unit_a, month=timezone.localdate().strftime("%Y-%m"))
    assert mine.figures["activities"] == 1 and mine.campaign == w.campaign
    with pytest.raises(PermissionDenied):
        b.update_brief(w.ub_admin, w.brief_draft, title="x")
    with pytest.raises(ValidationError) as exc:
        b.create_brief(w.office, kind="monthly", org=w.root, month="11/2026")
    assert "month" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        b.create_brief(w.office, kind="round")
    assert "round" in exc.value.message_dict
