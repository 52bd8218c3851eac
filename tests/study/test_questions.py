"""The question bank: who sees it, saving with answer formats checked, deactivating, and the
pages (list with filters, create, edit, history)."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.study import questions as qs_
from dangjian.study.models import Question

pytestmark = pytest.mark.django_db


def test_scope_roles_see_own_and_upper_banks_members_none(world):
    w = world
    q_b = Question.objects.create(org=w.unit_b, kind="judge", stem="UB", answer=["对"])
    root = {w.q_single, w.q_multi, w.q_judge, w.q_fill}
    assert set(qs_.questions_for(w.a1_secretary)) == root | {w.q_a}
    assert set(qs_.questions_for(w.guide)) == root | {q_b}
    assert set(qs_.questions_for(w.office)) == root | {w.q_a, q_b}
    assert not qs_.questions_for(w.member_user).exists()
    assert not qs_.questions_for(w.nobody).exists()


@pytest.mark.parametrize("kind,options,answer,expected", [
    ("single", ["甲", "乙", "丙"], "b", ["B"]),
    ("multiple", ["甲", "乙", "丙"], "C, A", ["A", "C"]),
    ("multiple", ["甲", "乙", "丙"], "ＡＣ", ["A", "C"]),
    ("judge", [], "正确", ["对"]),
    ("judge", [], "×", ["错"]),
    ("fill", [], "党课|上党课", ["党课", "上党课"]),
])
def test_save_parses_answers(world, kind, options, answer, expected):
    q = qs_.save_question(world.a1_secretary, qs_.QuestionData(org=world.a1, kind=kind, stem="题干", options=options,
                                                               answer=answer, tags="党章、 理论,党章"))
    q.refresh_from_db()
    assert q.answer == expected and q.tags == ["党章", "理论"] and q.history.count() == 1


@pytest.mark.parametrize("kind,options,answer,field,message", [
    ("single", ["甲", "乙"], "AB", "answer", "单选题的答案须为一个选项字母"),
    ("single", ["甲", "乙"], "C", "answer", "超出"),
    ("single", ["甲", "乙"], "1", "answer", "选项字母"),
    ("multiple", ["甲", "乙", "丙"], "A", "answer", "两个或以上"),
    ("single", ["甲"], "A", "options", "至少需要两个选项"),
    ("single", ["甲", "甲"], "A", "options", "重复"),
    ("judge", [], "也许", "answer", "对”或“错"),
    ("judge", ["甲", "乙"], "对", "options", "不设选项"),
    ("fill", [], "", "answer", "请填写答案"),
    ("bogus", [], "A", "kind", "题型无效"),
])
def test_bad_question_refused_naming_the_field(world, kind, options, answer, field, message):
    before = Question.objects.count()
    with pytest.raises(ValidationError) as exc:
        qs_.save_question(world.a1_secretary, qs_.QuestionData(org=world.a1, kind=kind, stem="题干", options=options, answer=answer))
    assert message in exc.value.message_dict[field][0]
    assert Question.objects.count() == before


def test_empty_stem_refused(world):
    with pytest.raises(ValidationError) as exc:
        qs_.save_question(world.office, qs_.QuestionData(org=world.root, kind="judge", stem="  ", answer="对"))
    assert "stem" in exc.value.message_dict


def test_write_out_of_scope_refused(world):
    w = world
    with pytest.raises(PermissionDenied):
        qs_.save_question(w.ub_admin, qs_.QuestionData(org=w.a1, kind="judge", stem="x", answer="对"))
    with pytest.raises(PermissionDenied):  # a secretary reads the root's bank but may not change it
        qs_.save_question(w.a1_secretary, qs_.QuestionData(org=w.root, kind="judge", stem="x", answer="对"), w.q_judge)
    with pytest.raises(PermissionDenied):
        qs_.set_active(w.guide, w.q_judge, False)
    assert Question.objects.get(pk=w.q_judge.pk).active


def test_deactivate_keeps_history_and_stops_drawing(world):
    w = world
    from dangjian.study.quizzes import pool

    qs_.set_active(w.office, w.q_single, False)
    assert w.q_single.pk not in pool(w.a1, [])
    assert w.q_single.history.latest().history_change_reason == "停用试题"


# ---------------------------------------------------------------------------- pages
def test_list_page_filters_and_constant_queries(world, login):
    w = world
    c = login(w.office)
    r = c.get(reverse("question_list"), {"kind": "fill"})
    assert r.status_code == 200 and w.q_fill.stem in r.text and w.q_single.stem not in r.text
    r = c.get(reverse("question_list"), {"tag": "院内"})
    assert w.q_a.stem in r.text and w.q_fill.stem not in r.text
    r = c.get(reverse("question_list"), {"org": "UA"})
    assert w.q_a.stem in r.text and w.q_judge.stem not in r.text
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("question_list"))
    Question.objects.bulk_create([Question(org=w.unit_a, kind="judge", stem=f"题{i}", answer=["对"]) for i in range(40)])
    with CaptureQueriesContext(connection) as big:
        c.get(reverse("question_list"))
    assert len(big.captured_queries) == len(small.captured_queries)


def test_members_are_kept_out_of_the_bank(world, login):
    assert login(world.member_user).get(reverse("question_list")).status_code == 403


def test_create_and_edit_pages(world, login):
    w = world
    c = login(w.a1_secretary)
    r = c.post(reverse("question_create"), {"org": "UA01", "kind": "single", "stem": "支部题", "option_a": "甲", "option_b": "乙",
                                            "answer": "B", "tags": "支部", "active": "on", "_done": "1"})
    assert r.status_code == 302, r.content.decode()[:2000]
    q = Question.objects.get(stem="支部题")
    assert q.options == ["甲", "乙"] and q.answer == ["B"] and q.org == w.a1
    r = c.post(reverse("question_edit", args=[q.pk]), {"org": "UA01", "kind": "single", "stem": "支部题", "option_a": "甲",
                                                       "option_b": "乙", "answer": "C", "active": "on"})
    assert r.status_code == 200 and "超出" in r.text
    assert Question.objects.get(pk=q.pk).answer == ["B"]
    r = c.get(reverse("question_history", args=[q.pk]))
    assert r.status_code == 200 and "创建" in r.text
