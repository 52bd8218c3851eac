"""Questionnaires: design, publish, one answer per respondent, deadline, required questions,
reminders, results in the database, raw answers to xlsx."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.models import Notification
from dangjian.supervision import questionnaires as qn
from dangjian.supervision.models import Answer, QItem, Questionnaire, Response

pytestmark = pytest.mark.django_db

ITEMS = [
    {"section": "一、基本情况", "kind": "single", "text": "是否按时学习？", "options": ["是", "否"]},
    {"section": "二、评价", "kind": "scale", "text": "满意程度", "scale_max": 5},
    {"section": "二、评价", "kind": "multiple", "text": "参加过哪些形式？", "options": ["集中学习", "读书班", "党课"]},
    {"section": "三、建议", "kind": "text", "text": "意见建议", "required": False},
]


def _data(**kw):
    d = {"title": "支部调查", "audience": "members", "anonymous": True, "deadline": timezone.now() + dt.timedelta(days=3),
         "items": ITEMS}
    d.update(kw)
    return d


def _answers(q, single=0, scale=4, multi=(0, 2), text="很好"):
    items = list(q.items.all())
    return {str(items[0].pk): single, str(items[1].pk): scale, str(items[2].pk): list(multi), str(items[3].pk): text}


def test_design_and_publish_notifies_members(world):
    w = world
    q = qn.create_questionnaire(w.ua_admin, w.unit_a, _data())
    assert [i.kind for i in q.items.all()] == ["single", "scale", "multiple", "text"]
    assert q.status == "draft" and q.history.count() == 1
    n = qn.publish(w.ua_admin, q)
    q.refresh_from_db()
    assert q.status == "published" and n == 1  # 张三 is the only member of UA's subtree with an account
    assert Notification.objects.filter(user=w.member_user, kind="questionnaire").count() == 1
    with pytest.raises(ValidationError):
        qn.publish(w.ua_admin, q)


def test_design_refusals_name_the_question(world):
    w = world
    with pytest.raises(ValidationError) as e:
        qn.create_questionnaire(w.ua_admin, w.unit_a, _data(items=[ITEMS[0], {"kind": "single", "text": "只有一个选项", "options": ["是"]}]))
    assert "第2题" in e.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as e:
        qn.create_questionnaire(w.ua_admin, w.unit_a, _data(title=" "))
    assert "title" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        qn.create_questionnaire(w.ub_admin, w.unit_a, _data())
    assert not Questionnaire.objects.filter(title="支部调查").exists()


def test_published_questions_are_frozen(world):
    w = world
    with pytest.raises(ValidationError):
        qn.update_questionnaire(w.office, w.questionnaire, {"title": "改名"})
    later = timezone.now() + dt.timedelta(days=30)
    qn.update_questionnaire(w.office, w.questionnaire, {"deadline": later})
    w.questionnaire.refresh_from_db()
    assert w.questionnaire.deadline == later and w.questionnaire.title == "主题教育开展情况调查问卷"


def test_one_answer_per_member_and_anonymous(world):
    w = world
    q = w.questionnaire
    answers = {str(w.q_single_item.pk): 1, str(w.q_multi_item.pk): [0, 3], str(w.q_scale_item.pk): 5}
    resp = qn.submit(w.member_user, q, answers)
    assert resp.user is None and resp.org == w.a1  # anonymous: no user kept
    assert resp.respondent_key == qn.respondent_key(q, user=w.member_user) and len(resp.respondent_key) == 64
    assert sorted(resp.answers.values_list("option", flat=True).exclude(option=None)) == [0, 1, 3]
    before = (Response.objects.count(), Answer.objects.count())
    with pytest.raises(ValidationError) as e:
        qn.submit(w.member_user, q, answers)
    assert "只能填写一次" in e.value.message_dict["questionnaire"][0]
    assert (Response.objects.count(), Answer.objects.count()) == before


def test_race_is_decided_by_the_constraint(world, monkeypatch):
    w = world
    q = w.questionnaire
    answers = {str(w.q_single_item.pk): 0, str(w.q_multi_item.pk): [1], str(w.q_scale_item.pk): 3}
    qn.submit(w.member_user, q, answers)
    monkeypatch.setattr(qn, "_already", lambda q, key: False)  # the other request read before we wrote
    before = (Response.objects.count(), Answer.objects.count())
    with pytest.raises(ValidationError):
        qn.submit(w.member_user, q, answers)
    assert (Response.objects.count(), Answer.objects.count()) == before


def test_required_empty_and_bad_values_refused(world):
    w = world
    q = w.questionnaire
    before = Answer.objects.count()
    with pytest.raises(ValidationError) as e:
        qn.submit(w.member_user, q, {str(w.q_single_item.pk): 0, str(w.q_multi_item.pk): [], str(w.q_scale_item.pk): 9})
    errs = e.value.message_dict
    assert "必答题" in errs[f"q{w.q_multi_item.pk}"][0]
    assert "1 到 5" in errs[f"q{w.q_scale_item.pk}"][0]
    with pytest.raises(ValidationError) as e:
        qn.submit(w.member_user, q, {str(w.q_single_item.pk): 7, str(w.q_multi_item.pk): [0], str(w.q_scale_item.pk): 2})
    assert "选项不存在" in e.value.message_dict[f"q{w.q_single_item.pk}"][0]
    assert Answer.objects.count() == before and not Response.objects.filter(questionnaire=q, org=w.a1).exists()


def test_after_deadline_refused(world):
    w = world
    q = w.questionnaire
    answers = {str(w.q_single_item.pk): 0, str(w.q_multi_item.pk): [1], str(w.q_scale_item.pk): 3}
    with pytest.raises(ValidationError) as e:
        qn.submit(w.member_user, q, answers, now=q.deadline + dt.timedelta(minutes=1))
    assert "截止" in e.value.message_dict["deadline"][0]
    assert not Response.objects.filter(questionnaire=q, org=w.a1).exists()


def test_not_a_respondent_refused(world):
    w = world
    with pytest.raises(PermissionDenied):
        qn.submit(w.ub_admin, w.questionnaire, {})  # no member record
    q = qn.create_questionnaire(w.ua_admin, w.unit_a, _data(target_categories=["retired"]))
    qn.publish(w.ua_admin, q)
    with pytest.raises(PermissionDenied):
        qn.submit(w.member_user, q, _answers(q))  # 张三 is staff, not retired


def test_unit_questionnaire_one_answer_per_unit_named(world):
    w = world
    q = w.questionnaire_a
    q.anonymous = False
    q.save()
    item = q.items.get()
    assert set(qn.respondent_orgs(w.a1_secretary, q).values_list("code", flat=True)) == {"UA01", "UA01G1"}
    with pytest.raises(ValidationError) as e:  # two units: which one?
        qn.submit(w.a1_secretary, q, {str(item.pk): 0})
    assert "org" in e.value.message_dict
    resp = qn.submit(w.a1_secretary, q, {str(item.pk): 0}, org=w.a1)
    assert resp.user == w.a1_secretary and resp.respondent_key == qn.respondent_key(q, org=w.a1)
    with pytest.raises(ValidationError):  # the unit has answered, whoever answers for it
        qn.submit(w.ua_admin, q, {str(item.pk): 1}, org=w.a1)
    with pytest.raises(PermissionDenied):
        qn.submit(w.ub_admin, q, {str(item.pk): 1}, org=w.a1)
    assert q.responses.count() == 1


def test_results_counts_percentages_average(world):
    w = world
    q = w.questionnaire
    qn.submit(w.member_user, q, {str(w.q_single_item.pk): 1, str(w.q_multi_item.pk): [0, 3], str(w.q_scale_item.pk): 2,
                                 str(w.q_text_item.pk): "多开展读书班"})
    res = qn.results(q)
    assert res["total"] == 2
    single, multi, scale, text = res["items"]
    assert [o["count"] for o in single["options"]] == [1, 1, 0] and single["options"][0]["percent"] == 50.0
    assert [o["count"] for o in multi["options"]] == [2, 0, 1, 1] and multi["options"][0]["percent"] == 100.0
    assert scale["average"] == 3.0 and scale["answered"] == 2 and scale["options"][3]["count"] == 1
    assert text["answered"] == 1 and qn.text_answers(q, w.q_text_item) == ["多开展读书班"]


def _bulk(q, n, start=0):
    items = list(q.items.all())
    rs = Response.objects.bulk_create([Response(questionnaire=q, respondent_key=f"bulk-{start + i}", org_id=q.org_id) for i in range(n)])
    Answer.objects.bulk_create([Answer(response=r, item=items[0], option=i % 3) for i, r in enumerate(rs)]
                               + [Answer(response=r, item=items[2], value=1 + i % 5) for i, r in enumerate(rs)])


def test_results_and_export_constant_queries(world):
    w = world
    q = w.questionnaire
    _bulk(q, 5)
    with CaptureQueriesContext(connection) as small:
        qn.results(q)
    _bulk(q, 60, start=100)
    with CaptureQueriesContext(connection) as large:
        res = qn.results(q)
    assert len(small) == len(large) <= 3
    assert res["total"] == 66
    with CaptureQueriesContext(connection) as big_export:
        qn.export_xlsx(q)
    assert len(big_export) <= 4


def test_export_reads_back(world):
    w = world
    q = w.questionnaire
    qn.submit(w.member_user, q, {str(w.q_single_item.pk): 1, str(w.q_multi_item.pk): [0, 3], str(w.q_scale_item.pk): 2,
                                 str(w.q_text_item.pk): "多开展读书班"})
    wb = load_workbook(io.BytesIO(qn.export_xlsx(q)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "提交时间", "所在组织") and "填写人" not in rows[0]  # anonymous
    assert rows[0][3] == "1. 您所在支部是否按时开展集中学习？"
    assert len(rows) == 3
    assert rows[1][2] == "后勤处第一党支部" and rows[1][3] == "是" and rows[1][4] == "集中学习；专题党课" and rows[1][5] == "4"
    assert rows[2][3:] == ("否", "集中学习；线上学习", "2", "多开展读书班")


def test_remind_pending_only_once_a_day(world):
    w = world
    q = qn.create_questionnaire(w.office, w.root, _data())
    Questionnaire.objects.filter(pk=q.pk).update(status="published")
    q.refresh_from_db()
    assert qn.pending_user_ids(q) == [w.member_user.pk]
    assert qn.remind_now(w.office, q) == 1
    assert qn.remind_now(w.office, q) == 0  # same day: not again
    assert "提醒未填写" in (q.history.first().history_change_reason or "")
    qn.submit(w.member_user, q, _answers(q))
    assert qn.pending_user_ids(q) == []
    with pytest.raises(PermissionDenied):
        qn.remind(w.ub_admin, q)


def test_periodic_reminder_for_closing_questionnaires(world):
    w = world
    now = timezone.now()
    # world.questionnaire closes in 7 days: not yet; move it to 2 days
    assert qn.remind_closing(now=now) == 0
    Questionnaire.objects.filter(pk=w.questionnaire.pk).update(deadline=now + dt.timedelta(days=2))
    assert qn.remind_closing(now=now) == 1
    assert Notification.objects.filter(user=w.member_user, title__contains="提醒").count() == 1
    from dangjian.core.jobs import periodic_jobs

    assert "supervision.questionnaire_reminders" in periodic_jobs()


def test_waiting_for_member_and_unit(world):
    w = world
    assert [q.pk for q in qn.waiting_for(w.member_user)] == [w.questionnaire.pk]
    assert w.questionnaire_a.pk in [q.pk for q in qn.waiting_for(w.a1_secretary)]
    assert qn.waiting_for(w.nobody) == []
    Questionnaire.objects.filter(pk=w.questionnaire.pk).update(target_categories=["retired"])
    assert qn.waiting_for(w.member_user) == []


def test_items_of_unit_questionnaire_kinds(world):
    w = world
    q = qn.create_questionnaire(w.office, w.root, _data(audience="units", target_kinds=["branch"], target_categories=["staff"]))
    assert q.target_kinds == ["branch"] and q.target_categories == []
    assert set(qn.respondent_orgs(w.ua_admin, q).values_list("code", flat=True)) == {"UA01", "UA02"}
    assert QItem.objects.filter(questionnaire=q).count() == 4


def test_results_narrowed_to_a_unit_and_expected(world):
    w = world
    q = w.questionnaire
    qn.submit(w.member_user, q, {str(w.q_single_item.pk): 1, str(w.q_multi_item.pk): [3], str(w.q_scale_item.pk): 2,
                                 str(w.q_text_item.pk): "文学院的建议"})
    ua = qn.results(q, org=w.unit_a)
    assert ua["total"] == 1 and [o["count"] for o in ua["items"][0]["options"]] == [0, 1, 0]
    ub = qn.results(q, org=w.unit_b)
    assert ub["total"] == 1 and ub["items"][2]["average"] == 4.0
    assert qn.text_answers(q, w.q_text_item, org=w.unit_b) == []
    assert qn.results(q, org=w.root)["total"] == 2
    assert qn.results_org(w.ua_admin, q, "UA") == w.unit_a
    with pytest.raises(ValidationError):
        qn.results_org(w.ua_admin, q, "UB")  # not in UA's admin's view
    assert qn.expected(q) == 1  # 张三 is the only member with an account
    assert qn.expected(w.questionnaire_a) == 4  # UA, UA01, UA02, UA01G1
