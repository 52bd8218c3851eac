"""Study records: a member's record, who may see it, the org export's numbers and its
constant queries, and the access log."""
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core.models import AccessLog
from dangjian.study.exporting import write_records
from dangjian.study.records import study_record
from tests.factories import make_member
from tests.study.test_rates import rated  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_record_contents(rated):  # noqa: F811
    w = rated
    rec = study_record(w.m_b1b)  # 钱七: leave then make-up in session_b1; quiz 80 then 95
    assert [a.session for a in rec.attendances] == [w.session_b1]
    assert (rec.totals.expected, rec.totals.attended, rec.totals.makeup, rec.totals.absent) == (1, 1, 1, 0)
    q = next(x for x in rec.quizzes if x.quiz == w.quiz)
    assert (q.attempts, q.best, q.excellent) == (2, 95.0, True)
    me = study_record(w.m_a1)  # 张三: present now, upcoming session_a1_next, 67 % read, quiz 85
    assert (me.totals.expected, me.totals.present, me.totals.upcoming) == (1, 1, 1)
    assert [(r.title, r.required, r.percent, r.finished_at) for r in me.reading] == [(w.material.title, True, 67, None)]
    assert (me.required_total, me.required_finished) == (1, 0)
    assert {(x.quiz.title, x.best, x.excellent) for x in me.quizzes} >= {(w.quiz.title, 85.0, False), (w.quiz_a.title, None, False)}


def test_record_pages_scoped(rated, client, login):  # noqa: F811
    w = rated
    url = reverse("study_record_member", args=[w.m_b1.pk])
    for user, status in ((w.office, 200), (w.ub_admin, 200), (w.guide, 200), (w.ua_admin, 404), (w.member_user, 404), (w.nobody, 404)):
        login(user)
        assert client.get(url).status_code == status, user.username
    login(w.member_user)
    res = client.get(reverse("study_record_me"))
    assert res.status_code == 200 and "我的学习档案" in res.content.decode() and w.session_a1.title in res.content.decode()
    assert client.get(reverse("study_record_member", args=[w.m_a1.pk])).status_code == 200
    login(w.office)
    assert client.get(reverse("study_record_me")).status_code == 404


def _rows(content):
    ws = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_export_numbers_and_log(rated, client, login):  # noqa: F811
    w = rated
    login(w.ub_admin)
    before = AccessLog.objects.count()
    res = client.get(reverse("study_record_export"), {"org": w.unit_b.code, "campaign": w.campaign.pk,
                                                      "from": ""})
    assert res.status_code == 200
    rows = _rows(res.content)
    head = rows[2]
    assert head[:11] == ["序号", "姓名", "所在组织", "人员类别", "应参加学习会", "出席", "请假", "缺席", "补学", "迟到", "参学率"]
    by_name = {r[1]: dict(zip(head, r, strict=False)) for r in rows[3:] if r[1] in ("赵六", "钱七")}
    assert set(by_name) == {"赵六", "钱七"}
    zhao, qian = by_name["赵六"], by_name["钱七"]
    assert (zhao["应参加学习会"], zhao["出席"], zhao["缺席"], zhao["参学率"]) == (1, 0, 1, "0.0%")
    assert (qian["补学"], qian["参学率"]) == (1, "100.0%")
    assert (zhao["必读书目"], zhao["已读完"], qian["已读完"]) == (1, 1, 0)
    assert (zhao["应参加测试"], zhao["已参加"], zhao["优秀"]) == (2, 2, 2)
    assert qian[f"{w.quiz.title}最高分"] == 95 and qian["后勤处测试最高分"] == "—"
    log = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1 and log.object_type == "study.record" and "2人" in log.detail
    assert client.get(reverse("study_record_export"), {"org": w.unit_a.code}).status_code == 404


def test_export_constant_queries(rated):  # noqa: F811
    w = rated

    def count():
        with CaptureQueriesContext(connection) as q:
            n = write_records(w.office, w.root, w.period, io.BytesIO())
        return n, len(q)

    n1, q1 = count()
    for i in range(5):
        make_member(w.b1, f"新党员{i}")
    n2, q2 = count()
    assert (n1, n2) == (5, 10) and q1 == q2
