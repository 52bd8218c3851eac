"""Questionnaire pages: design through the form, fill on a phone, results with charts, export,
the list at two sizes."""
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.supervision.models import QItem, Questionnaire, Response

pytestmark = pytest.mark.django_db


def _form(org_code, **kw):
    d = {"org": org_code, "title": "学习情况调查", "intro": "请如实填写", "audience": "members", "anonymous": "on",
         "deadline": "2099-06-30T18:00", "items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
         "items-MAX_NUM_FORMS": "200",
         "items-0-section": "一、学习", "items-0-kind": "single", "items-0-text": "是否参加集中学习？", "items-0-options": "是\n否",
         "items-0-scale_max": "5", "items-0-required": "on",
         "items-1-section": "一、学习", "items-1-kind": "scale", "items-1-text": "满意程度", "items-1-options": "", "items-1-scale_max": "7",
         "items-1-required": "on",
         "items-2-section": "", "items-2-kind": "text", "items-2-text": "", "items-2-options": "", "items-2-scale_max": "5"}
    d.update(kw)
    return d


def test_design_publish_fill_results(world, login):
    w = world
    c = login(w.ua_admin)
    assert c.get(reverse("questionnaire_create"), {"org": "UA"}).status_code == 200
    r = c.post(reverse("questionnaire_create"), _form("UA"))
    assert r.status_code == 302
    q = Questionnaire.objects.get(title="学习情况调查")
    assert q.items.count() == 2 and q.items.get(kind="scale").scale_max == 7  # the empty row is not kept
    page = c.get(reverse("questionnaire_detail", args=[q.pk])).content.decode()
    assert "是否参加集中学习？" in page and "设计问卷" in page  # history: the reason
    c.post(reverse("questionnaire_publish", args=[q.pk]))
    q.refresh_from_db()
    assert q.status == "published"
    m = login(w.member_user)
    assert "学习情况调查" in m.get(reverse("questionnaire_list")).content.decode()
    single, scale = q.items.order_by("order")
    r = m.post(reverse("questionnaire_fill", args=[q.pk]), {f"q{single.pk}": "0"})
    assert r.status_code == 422 and "必答题" in r.content.decode()
    assert not Response.objects.filter(questionnaire=q).exists()
    r = m.post(reverse("questionnaire_fill", args=[q.pk]), {f"q{single.pk}": "0", f"q{scale.pk}": "6"})
    assert r.status_code == 302 and Response.objects.filter(questionnaire=q).count() == 1
    assert "已经填写过" in m.get(reverse("questionnaire_fill", args=[q.pk])).content.decode()
    r = m.post(reverse("questionnaire_fill", args=[q.pk]), {f"q{single.pk}": "1", f"q{scale.pk}": "1"})
    assert r.status_code == 422 and "只能填写一次" in r.content.decode()
    assert Response.objects.filter(questionnaire=q).count() == 1
    c = login(w.ua_admin)
    res = c.get(reverse("questionnaire_results", args=[q.pk])).content.decode()
    assert "<svg" in res and "100.0%" in res and "平均 6.0 分" in res
    r = c.get(reverse("questionnaire_export", args=[q.pk]))
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][3:] == ("是", "6")


def test_design_form_errors_name_the_field(world, login):
    w = world
    c = login(w.ua_admin)
    r = c.post(reverse("questionnaire_create"), _form("UA", **{"items-0-options": "只有一个"}))
    assert r.status_code == 200 and "第1题" in r.content.decode()
    r = c.post(reverse("questionnaire_create"), _form("UB"))
    assert r.status_code == 200 and "不在您的管理范围内" in r.content.decode()
    assert not Questionnaire.objects.filter(title="学习情况调查").exists()


def test_after_deadline_fill_page_says_closed(world, login):
    w = world
    Questionnaire.objects.filter(pk=w.questionnaire.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    m = login(w.member_user)
    assert "已截止" in m.get(reverse("questionnaire_fill", args=[w.questionnaire.pk])).content.decode()
    r = m.post(reverse("questionnaire_fill", args=[w.questionnaire.pk]), {f"q{w.q_single_item.pk}": "0"})
    assert r.status_code == 422 and not Response.objects.filter(questionnaire=w.questionnaire, org=w.a1).exists()


def _more(w, n):
    now = timezone.now()
    for i in range(n):
        q = Questionnaire.objects.create(org=w.unit_a, title=f"问卷{i}", audience="members", deadline=now + dt.timedelta(days=3),
                                         status="published", published_at=now)
        QItem.objects.create(questionnaire=q, order=1, kind="text", text="建议")
        Response.objects.create(questionnaire=q, respondent_key=f"k{i}", org=w.a1)


def test_list_constant_queries(world, login):
    w = world
    c = login(w.ua_admin)
    _more(w, 2)
    with CaptureQueriesContext(connection) as small:
        assert c.get(reverse("questionnaire_list")).status_code == 200
    _more(w, 12)
    with CaptureQueriesContext(connection) as large:
        body = c.get(reverse("questionnaire_list")).content.decode()
    assert len(small) == len(large)
    assert "问卷11" in body and "文学院支部工作调查表" in body and "主题教育开展情况调查问卷" not in body.split("本单位发布的问卷")[1]


def test_remind_button(world, login):
    w = world
    c = login(w.office)
    r = c.post(reverse("questionnaire_remind", args=[w.questionnaire.pk]), follow=True)
    assert "已提醒 1 人" in r.content.decode()
    assert w.member_user.notifications.filter(kind="questionnaire").count() == 1


def test_results_page_by_unit_and_fill_rate(world, login):
    w = world
    c = login(w.office)
    body = c.get(reverse("questionnaire_results", args=[w.questionnaire.pk]), {"org": "UA"}).content.decode()
    assert 'id="q-total">0<' in body and "只统计文学院党委" in body
    body = c.get(reverse("questionnaire_results", args=[w.questionnaire.pk]), {"org": "UB"}).content.decode()
    assert 'id="q-total">1<' in body
    body = c.get(reverse("questionnaire_results", args=[w.questionnaire.pk]), {"org": "NOPE"}).content.decode()
    assert "找不到编码为“NOPE”" in body
    assert "应填 1 人，已收 1 份，填写率 100.0%" in c.get(reverse("questionnaire_detail", args=[w.questionnaire.pk])).content.decode()
