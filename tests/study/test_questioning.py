"""Random questioning: who may question whom, drawing, recording once, what the member sees,
and the phone pages."""
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.study import questioning as qn
from dangjian.study.models import Question, Questioning

pytestmark = pytest.mark.django_db


def test_guide_questions_a_member_of_an_assigned_unit(world):
    w = world
    q = qn.draw_questioning(w.guide, w.m_b1, 3, [], rng=random.Random(3))
    assert q.member == w.m_b1 and q.org == w.b1 and q.asked_by == w.guide and q.score is None
    ids = [i["question"] for i in q.items]
    assert len(ids) == 3 == len(set(ids))
    # UB's member draws from the root's bank only (q_a is UA's)
    assert set(ids) <= {w.q_single.pk, w.q_multi.pk, w.q_judge.pk, w.q_fill.pk}
    marks = [{"question": ids[0], "correct": True, "given": "共产主义"}, {"question": ids[1], "correct": False},
             {"question": ids[2], "correct": True}]
    qn.record_questioning(w.guide, q, marks, "现场提问", activity_ref="supervision.Activity:7")
    q.refresh_from_db()
    assert q.score == Decimal("66.7") and q.items[0]["given"] == "共产主义" and q.items[1]["correct"] is False
    assert q.note == "现场提问" and q.activity_ref == "supervision.Activity:7"


def test_draw_by_tag(world):
    w = world
    q = qn.draw_questioning(w.a1_secretary, w.m_a1, 1, ["院内"])
    assert [i["question"] for i in q.items] == [w.q_a.pk]


def test_out_of_scope_and_members_refused(world):
    w = world
    with pytest.raises(PermissionDenied):
        qn.draw_questioning(w.guide, w.m_a1, 2, [])  # UA is not the guide's
    with pytest.raises(PermissionDenied):
        qn.draw_questioning(w.member_user, w.m_a1b, 2, [])
    assert not Questioning.objects.exists()
    q = qn.draw_questioning(w.a1_secretary, w.m_a1, 2, [])
    with pytest.raises(PermissionDenied):
        qn.record_questioning(w.ub_admin, q, {i["question"]: True for i in q.items})
    assert Questioning.objects.get(pk=q.pk).score is None


@pytest.mark.parametrize("count,tags", [(0, []), (21, []), (2, ["院内"]), (6, [])])
def test_bad_count_refused(world, count, tags):
    with pytest.raises(ValidationError) as exc:
        qn.draw_questioning(world.a1_secretary, world.m_a1, count, tags)
    assert "count" in exc.value.message_dict
    assert not Questioning.objects.exists()


def test_marks_must_cover_each_question_and_record_once(world):
    w = world
    q = qn.draw_questioning(w.a1_secretary, w.m_a1, 2, [])
    first = q.items[0]["question"]
    with pytest.raises(ValidationError) as exc:
        qn.record_questioning(w.a1_secretary, q, [{"question": first, "correct": True}])
    assert "请评判第2题" in exc.value.message_dict["marks"][0]
    with pytest.raises(ValidationError):
        qn.record_questioning(w.a1_secretary, q, [{"question": 999999, "correct": True}])
    qn.record_questioning(w.a1_secretary, q, {i["question"]: True for i in q.items})
    stale = Questioning.objects.get(pk=q.pk)
    stale.score = None  # a second request holding the record from before
    with pytest.raises(ValidationError):
        qn.record_questioning(w.a1_secretary, stale, {i["question"]: False for i in q.items})
    assert Questioning.objects.get(pk=q.pk).score == 100


def test_member_sees_own_marked_records_only(world):
    w = world
    pending = qn.draw_questioning(w.a1_secretary, w.m_a1, 1, [])
    other = qn.draw_questioning(w.a1_secretary, w.m_a1b, 1, [])
    assert not qn.questionings_for(w.member_user).exists()
    qn.record_questioning(w.a1_secretary, pending, {pending.items[0]["question"]: True})
    assert list(qn.questionings_for(w.member_user)) == [pending]
    assert set(qn.questionings_for(w.a1_secretary)) == {pending, other}
    assert not qn.questionings_for(w.guide).exists()


def test_phone_pages(world, login):
    w = world
    Question.objects.create(org=w.root, kind="judge", stem="又一题", answer=["对"])
    c = login(w.guide)
    r = c.get(reverse("questioning_create"), {"org": "UB01"})
    assert r.status_code == 200 and "赵六" in r.text and "张三" not in r.text
    r = c.post(reverse("questioning_create"), {"member": w.m_b1.pk, "count": "2"})
    assert r.status_code == 302
    q = Questioning.objects.get(member=w.m_b1)
    r = c.get(r["Location"])
    assert r.status_code == 200 and q.items[0]["stem"] in r.text
    data = {f"c{i['question']}": "1" for i in q.items}
    data[f"c{q.items[1]['question']}"] = "0"
    del data[f"c{q.items[0]['question']}"]
    r = c.post(reverse("questioning_mark", args=[q.pk]), data)
    assert r.status_code == 200 and "请评判第1题" in r.text
    data[f"c{q.items[0]['question']}"] = "1"
    r = c.post(reverse("questioning_mark", args=[q.pk]), data)
    assert r.status_code == 302
    assert Questioning.objects.get(pk=q.pk).score == 50
    assert "50" in c.get(reverse("questioning_detail", args=[q.pk])).text
    assert login(w.ua_admin).get(reverse("questioning_detail", args=[q.pk])).status_code == 404
