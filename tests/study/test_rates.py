"""The three rates on the study world with hand-counted numbers: exact fractions, roll-ups,
the period, scoping, constant queries, and the page with its export."""
import datetime as dt
import io
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.study import attendance as sa
from dangjian.study import rates as r
from dangjian.study import sessions as ss
from dangjian.study.models import Quiz, QuizAttempt, ReadingProgress
from tests.factories import make_member, make_org, ss_actor

pytestmark = pytest.mark.django_db


def _attempt(quiz, member, number, score, *, submitted=True):
    now = timezone.now()
    return QuizAttempt.objects.create(
        quiz=quiz, member=member, org=member.org, number=number, question_ids=[], started_at=now - dt.timedelta(minutes=20),
        deadline_at=now + dt.timedelta(minutes=10), submitted_at=now - dt.timedelta(minutes=5) if submitted else None,
        score=score if submitted else None, excellent=submitted and score >= quiz.excellent_score,
    )


@pytest.fixture
def rated(world):
    """The study world with known figures (period: the campaign, around today).

    Attendance (started sessions): UA01 张三 present, 李四 not yet → 1/2; UB01 赵六 absent,
    钱七 leave then make-up → 1/2; a cancelled session of UA02 and one before the period do
    not count; session_a1_next has not started. Root 2/4.
    Reading (1 required material): 李四 and 赵六 finished, 张三 at 67 %; 王五 finished a
    material that is not required. UA 1/3, UB 1/2, root 2/5.
    Quizzes of the campaign: `quiz` (root: 5 pairs) and quiz_ub (UB: 2 pairs). Best scores:
    赵六 100 (quiz) and 90 (quiz_ub), 钱七 80 then 95, 张三 85, 李四 unsubmitted →
    excellent UB 3/4, UA 0/3, root 3/7; taken 4. quiz_a (UA, no campaign) is not counted.
    """
    w = world
    actor = ss_actor()
    now = timezone.now()
    sa.check_in_member(actor, w.session_a1, w.m_a1)
    att_zhao = w.att_b1
    sa.set_status(actor, att_zhao, "absent")
    att_qian = w.session_b1.attendances.get(member=w.m_b1b)
    sa.set_status(actor, att_qian, "leave", note="出差")
    sa.record_makeup(actor, att_qian, "自学党章并交心得")
    cancelled = ss.save_session(actor, ss.SessionData(org=w.a2, kind="branch_study", title="取消的学习", starts_at=now - dt.timedelta(hours=3),
                                                      ends_at=now - dt.timedelta(hours=1)))
    ss.cancel_session(actor, cancelled)
    ss.save_session(actor, ss.SessionData(org=w.a2, kind="branch_study", title="上一年的学习", starts_at=now - dt.timedelta(days=400),
                                          ends_at=now - dt.timedelta(days=400) + dt.timedelta(hours=2)))
    ReadingProgress.objects.create(member=w.m_a1b, material=w.material, org=w.a1, position=2, furthest=2, percent=100, finished_at=now)
    ReadingProgress.objects.create(member=w.m_b1, material=w.material, org=w.b1, position=2, furthest=2, percent=100, finished_at=now)
    ReadingProgress.objects.create(member=w.m_a2, material=w.material_a, org=w.a2, position=0, furthest=0, percent=100, finished_at=now)
    w.quiz_ub = Quiz.objects.create(org=w.unit_b, campaign=w.campaign, title="后勤处测试", opens_at=now - dt.timedelta(days=1),
                                    closes_at=now + dt.timedelta(days=3), status="published")
    Quiz.objects.create(org=w.root, campaign=w.campaign, title="草稿测试", opens_at=now, closes_at=now + dt.timedelta(days=3), status="draft")
    _attempt(w.quiz_ub, w.m_b1, 1, 90)
    _attempt(w.quiz, w.m_b1b, 1, 80)
    _attempt(w.quiz, w.m_b1b, 2, 95)
    _attempt(w.quiz, w.m_a1, 1, 85)
    _attempt(w.quiz, w.m_a1b, 1, 0, submitted=False)
    _attempt(w.quiz_a, w.m_a2, 1, 100)
    today = timezone.localdate()
    w.period = r.Period(starts=today - dt.timedelta(days=30), ends=today + dt.timedelta(days=30), campaign=w.campaign)
    return w


def test_exact_fractions_and_roll_up(rated):
    w = rated
    rates = r.rates_for_tree(w.office, w.root, w.period)
    root, ua, ub = rates[w.root.pk], rates[w.unit_a.pk], rates[w.unit_b.pk]
    assert (root.attended, root.expected) == (2, 4) and root.participation == Fraction(1, 2)
    assert (ua.attended, ua.expected, ub.attended, ub.expected) == (1, 2, 1, 2)
    assert (ub.leave, ub.absent) == (0, 1)  # 钱七's leave became make-up; 赵六 absent
    assert (root.finished, root.required) == (2, 5)
    assert (ua.finished, ua.required, ub.finished, ub.required) == (1, 3, 1, 2)
    assert (root.excellent, root.quiz_expected, root.taken) == (3, 7, 4)
    assert (ub.excellent, ub.quiz_expected) == (3, 4) and ub.excellence == Fraction(3, 4)
    assert (ua.excellent, ua.quiz_expected, ua.taken) == (0, 3, 1)
    assert rates[w.a2.pk].expected == 0 and rates[w.a2.pk].participation is None
    assert rates[w.a1.pk].members == 2 and rates[w.a1g.pk].members == 0
    # An org with no members of its own: its figures are the sum of its children's.
    for parent, children in ((w.root, [w.unit_a, w.unit_b]), (w.unit_a, [w.a1, w.a2]), (w.unit_b, [w.b1])):
        total = r.Rates()
        for child in children:
            total.add(rates[child.pk])
        assert total == rates[parent.pk]
    assert root.as_dict()["participation"] == 50.0 and root.as_dict()["excellence"] == 42.9


def test_period_by_dates_and_sessions_not_started(rated):
    w = rated
    today = timezone.localdate()
    # By dates: the session of 400 days ago counts when the range covers it, and no campaign
    # means the required materials of campaigns overlapping the dates.
    far = r.Period(starts=today - dt.timedelta(days=500), ends=today)
    rates = r.rates_for_tree(w.office, w.root, far)
    assert rates[w.a2.pk].expected == 1 and rates[w.root.pk].expected == 5
    # A session counts once it has started: ask as of an hour ago.
    earlier = r.rates_for_tree(w.office, w.root, w.period, now=timezone.now() - dt.timedelta(hours=1))
    assert earlier[w.root.pk].expected == 0


def test_parse_period_refuses_bad_input(rated):
    w = rated
    with pytest.raises(ValidationError) as e:
        r.parse_period(w.office, starts="2026-13-01")
    assert "from" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        r.parse_period(w.office, starts="2026-05-01", ends="2026-04-01")
    assert "to" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        r.parse_period(w.a1_secretary, campaign_id="999999")
    assert "campaign" in e.value.message_dict
    p = r.parse_period(w.a1_secretary, campaign_id=str(w.campaign.pk))
    assert p.campaign == w.campaign and p.starts == w.campaign.starts_on
    assert r.default_period(w.office).campaign == w.campaign
    assert r.default_period(w.nobody).campaign is None


def test_scoped_to_view(rated):
    w = rated
    assert set(r.rates_for_tree(w.a1_secretary, w.a1, w.period)) == {w.a1.pk, w.a1g.pk}
    for user, org in ((w.a1_secretary, w.root), (w.ua_admin, w.unit_b), (w.guide, w.unit_a), (w.member_user, w.a1), (w.nobody, w.root)):
        with pytest.raises(PermissionDenied):
            r.rates_for_tree(user, org, w.period)
    table = r.rates_children(w.ua_admin, w.unit_a, w.period)
    assert [row.org for row in table.rows] == [w.a1, w.a2] and table.parents == []
    assert r.rates_children(w.office, w.a1, w.period).parents == [w.root, w.unit_a]
    assert r.top_org(w.ua_admin) == w.unit_a and r.top_org(w.member_user) is None


def _count(user, org, period):
    with CaptureQueriesContext(connection) as q:
        r.rates_for_tree(user, org, period)
    return len(q)


def test_constant_queries(rated):
    w = rated
    before = _count(w.office, w.root, w.period)
    # More orgs, members, sessions and attempts: the same number of queries.
    actor = ss_actor()
    for i in range(3):
        branch = make_org(f"UB9{i}", f"新支部{i}", "branch", w.unit_b)
        members = [make_member(branch, f"新党员{i}{j}") for j in range(3)]
        ss.save_session(actor, ss.SessionData(org=branch, kind="branch_study", title="学习", starts_at=timezone.now() - dt.timedelta(hours=2),
                                              ends_at=timezone.now() - dt.timedelta(hours=1)))
        _attempt(w.quiz, members[0], 1, 99)
    from dangjian.core.scoping import forget
    forget(w.office)
    assert _count(w.office, w.root, w.period) == before <= 10
    rates = r.rates_for_tree(w.office, w.root, w.period)
    assert rates[w.root.pk].expected == 4 + 9 and rates[w.root.pk].excellent == 3 + 3


def test_page_and_export(rated, client, login):
    w = rated
    login(w.office)
    res = client.get(reverse("study_rates"), {"org": w.root.code, "campaign": w.campaign.pk})
    assert res.status_code == 200
    html = res.content.decode()
    assert "文学院党委" in html and "后勤处党总支" in html and "参学率" in html and "口径说明" in html
    assert f"?org={w.unit_a.code}" in html  # drill-down link
    res = client.get(reverse("study_rates"), {"org": w.root.code, "from": "bad"})
    assert res.status_code == 200 and "日期格式应为" in res.content.decode()
    res = client.get(reverse("study_rates_export"), {"org": w.root.code, "from": (timezone.localdate() - dt.timedelta(days=30)).isoformat()})
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = rows[2]
    assert head[:6] == ["序号", "单位", "党员数", "应到人次", "出席（含补学）", "参学率"]
    ua = next(row for row in rows if row[1] == "文学院党委")
    total = next(row for row in rows if row[1] and str(row[1]).endswith("合计"))
    assert ua[2:6] == [3, 2, 1, "50.0%"]
    assert total[2:6] == [5, 4, 2, "50.0%"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    login(w.ua_admin)
    assert client.get(reverse("study_rates"), {"org": w.unit_b.code}).status_code == 404
    assert client.get(reverse("study_rates")).context["org"] == w.unit_a
    login(w.member_user)
    assert client.get(reverse("study_rates")).status_code == 403
