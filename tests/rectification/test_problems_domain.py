"""The reading side of rectification.problems (filters, review queues, the review trail by
level, history) and the problems' part of 我的待办 through campaigns.todo's registry."""
import datetime as dt
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.campaigns import todo as T
from dangjian.rectification import problems as P
from dangjian.rectification.models import Problem
from dangjian.rectification.models import ProblemStatus as S

pytestmark = pytest.mark.django_db


def _new(w, user, org, **kw):
    data = {"aspect": w.aspect.pk, "found_on": dt.date(2026, 5, 1), "title": "发挥作用不充分", "leader": "甲", "owner": "乙",
            "due_on": dt.date(2026, 12, 31)}
    data.update(kw)
    return P.create_problem(user, org, data, [{"text": "建立责任区", "due_on": dt.date(2026, 9, 1)}])


def test_filter_problems(world):
    w = world
    qs = P.problems_for(w.office)
    assert set(P.filter_problems(w.office, qs, org=w.unit_a).values_list("org__code", flat=True)) == {"UA01"}
    assert P.filter_problems(w.office, qs, status="accepted").count() == 6
    assert P.filter_problems(w.office, qs, status="bogus").count() == qs.count()  # an unknown status filters nothing
    assert list(P.filter_problems(w.office, qs, q="UA01-调查")) == [w.prob_review_a]
    today = dt.date(2099, 7, 1)  # everything past its deadline then
    assert set(P.filter_problems(w.office, qs, overdue=True, today=today)) == {w.prob_a, w.prob_b}


def test_awaiting_my_review_is_the_level_I_hold(world):
    w = world
    assert list(P.awaiting_my_review(w.ua_admin)) == [w.prob_review_a]
    assert list(P.awaiting_my_review(w.ub_admin)) == [w.prob_review_b]
    assert list(P.awaiting_my_review(w.office)) == []  # the units' level is the units' work
    assert list(P.awaiting_my_review(w.a1_secretary)) == []
    Problem.objects.filter(pk=w.prob_review_a.pk).update(review_org=w.root)
    assert list(P.awaiting_my_review(w.office)) == [w.prob_review_a]
    assert list(P.awaiting_my_review(w.sysadmin)) == [w.prob_review_a]
    # Whoever may review a level finds it with the broader filter.
    assert set(Problem.objects.filter(P.reviewable_q(w.office))) == {w.prob_review_a, w.prob_review_b}


def test_my_units_problems_returned_due_soon_overdue(world):
    w = world
    today = dt.date(2026, 11, 1)
    assert list(P.my_units_problems(w.a1_secretary, today)) == []
    Problem.objects.filter(pk=w.prob_a.pk).update(due_on=today + dt.timedelta(days=3))
    Problem.objects.filter(pk=w.prob_draft_a.pk).update(status=S.RETURNED)
    assert set(P.my_units_problems(w.a1_secretary, today)) == {w.prob_a, w.prob_draft_a}
    assert set(P.my_units_problems(w.ua_admin, today)) == {w.prob_a, w.prob_draft_a}
    assert list(P.my_units_problems(w.ub_admin, today)) == []
    assert list(P.my_units_problems(w.office, today)) == []  # the root's role does no unit's work


def test_review_levels_follow_the_problem(world):
    w = world
    p = _new(w, w.a1_secretary, w.a1)
    assert [lv["state"] for lv in P.review_levels(p)] == ["waiting", "waiting"]
    p = P.submit(w.a1_secretary, p)
    assert [lv["state"] for lv in P.review_levels(p)] == ["current", "waiting"]
    P.review(w.ua_admin, p, approve=False, comment="补充")
    p.refresh_from_db()
    levels = P.review_levels(p)
    assert [lv["state"] for lv in levels] == ["returned", "waiting"] and levels[0]["step"].comment == "补充"
    P.submit(w.a1_secretary, p)
    P.review(w.ua_admin, p, approve=True)
    p.refresh_from_db()
    assert [lv["state"] for lv in P.review_levels(p)] == ["approved", "current"]
    P.review(w.office, p, approve=True)
    p.refresh_from_db()
    assert [lv["state"] for lv in P.review_levels(p)] == ["approved", "approved"]
    assert [lv["org"] for lv in P.review_levels(p)] == [w.unit_a, w.root]


def test_history_covers_problem_measures_and_evidence(world):
    w = world
    P.update_measure(w.a1_secretary, w.measure_a, progress="已开展")
    P.update_problem(w.a1_secretary, w.prob_a, {"owner": "新人"})
    P.remove_evidence(w.a1_secretary, w.ev_a)
    rows = P.history(w.prob_a)
    whats = {r["what"].split("：")[0] for r in rows}
    assert whats == {"问题", "措施", "佐证材料"}
    owner_change = next(r for r in rows if r["reason"] == "修改问题")
    assert {"field": "责任人", "old": "支部书记", "new": "新人"} in owner_change["changes"]
    assert rows == sorted(rows, key=lambda r: r["at"], reverse=True)


def test_may_verify_now_excludes_the_declarer(world):
    w = world
    p = w.prob_rectified_a
    assert P.may_verify_now(w.ua_admin, p) and not P.may_verify_now(w.a1_secretary, p)
    p.rectified_by = w.ua_admin
    assert not P.may_verify_now(w.ua_admin, p) and P.may_verify_now(w.office, p)


# ------------------------------------------------------------------------------- 我的待办

def test_todo_lists_problems_for_review_and_for_the_units(world, client):
    w = world
    P.register_todo()  # what RectificationConfig.ready() does
    Problem.objects.filter(pk=w.prob_a.pk).update(due_on=dt.date.today() - dt.timedelta(days=2))
    t = T.todo(w.ua_admin)
    parts = {e["key"]: e for e in t["extra"]}
    assert parts["rect_review"]["count"] == 1 and parts["rect_review"]["items"][0]["title"] == w.prob_review_a.title
    assert parts["rect_units"]["count"] == 1 and parts["rect_units"]["items"][0]["badge"] == "逾期2天"
    assert parts["rect_review"]["more"] == reverse("problem_list") + "?mine=review"
    assert T.todo_count(w.ua_admin) == t["total"] and t["total"] >= 2
    client.force_login(w.ua_admin, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    html = client.get(reverse("todo")).content.decode()
    assert "待我审核的问题" in html and w.prob_review_a.title in html and "逾期2天" in html
    t = T.todo(w.nobody)
    assert all(e["count"] == 0 for e in t["extra"]) and t["total"] == 0


def test_todo_costs_constant_queries(world):
    w = world
    P.register_todo()
    T.todo(w.ua_admin)
    with CaptureQueriesContext(connection) as small:
        T.todo(w.ua_admin)
    for i in range(10):
        Problem.objects.create(org=w.a2, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title=f"待审{i}", leader="甲", owner="乙",
                               due_on=dt.date(2026, 12, 1), status=S.REVIEWING, review_org=w.unit_a, level_depth=3)
    with CaptureQueriesContext(connection) as big:
        t = T.todo(w.ua_admin)
    assert next(e for e in t["extra"] if e["key"] == "rect_review")["count"] == 11
    assert len(big) == len(small)


def test_the_app_registers_its_todo_sources_at_startup():
    """RectificationConfig.ready() calls problems.register_todo() (checked in a fresh process:
    other tests here register it themselves)."""
    code = ("import django; django.setup(); from dangjian.campaigns.todo import todo_sources; "
            "print(','.join(sorted(s.key for s in todo_sources())))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangjian.settings"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert {"rect_review", "rect_units"} <= set(out.stdout.strip().split(","))
