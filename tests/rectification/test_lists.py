"""The three lists: the roll-up (what counts at which level), overdue and due-soon lists, the
months, filters, scope, the page and the home panel, with query counts at two sizes."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.rectification import lists
from dangjian.rectification.models import Aspect, Measure, Problem
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def add_problem(w, org, title, status, *, level, aspect=None, due=None, found=None, measures=(), **kw):
    return Problem.objects.create(
        org=org, campaign=kw.pop("campaign", w.campaign), number=f"{org.code}-{title}", aspect=aspect or w.aspect,
        found_on=found or dt.date(2026, 5, 10), title=title, description=f"{title}的表现", leader="书记", owner="委员",
        due_on=due or dt.date(2099, 6, 30), status=status, level_depth=level, **kw,
    ) if not measures else _with_measures(w, org, title, status, level=level, aspect=aspect, due=due, found=found,
                                          measures=measures, **kw)


def _with_measures(w, org, title, status, *, measures, **kw):
    p = add_problem(w, org, title, status, **kw)
    for i, (text, due, mstatus) in enumerate(measures):
        Measure.objects.create(problem=p, text=text, due_on=due, status=mstatus, order=i)
    return p


@pytest.fixture
def listed(world):
    """The world's problems plus: one closed at UA02 (found in March, closed in April), one
    overdue at UB01 with an overdue measure, one due in three days at UA01, one of UA itself
    under the committee's review (level 2), one of the root (level 1)."""
    w = world
    today = timezone.localdate()
    w.today = today
    aspects = list(Aspect.objects.order_by("order"))
    w.aspect2 = aspects[1]
    tz = timezone.get_current_timezone()
    w.closed = add_problem(w, w.a2, "考勤制度执行不严", "closed", level=1, aspect=w.aspect2, found=dt.date(2026, 3, 5),
                           closed_at=dt.datetime(2026, 4, 20, 10, tzinfo=tz),
                           measures=[("修订考勤制度", dt.date(2026, 4, 1), "done")])
    w.late = add_problem(w, w.b1, "服务窗口推诿扯皮", "rectifying", level=1, due=today - dt.timedelta(days=5),
                         found=today - dt.timedelta(days=40),
                         measures=[("公开办事流程", today - dt.timedelta(days=10), "doing"), ("设立投诉电话", today + dt.timedelta(days=30), "done")])
    w.soon = add_problem(w, w.a1, "党员活动室使用率低", "open", level=1, due=today + dt.timedelta(days=3), found=today - dt.timedelta(days=2))
    w.unit_level = add_problem(w, w.unit_a, "学院领导班子调研不深", "reviewing", level=2, review_org=w.root)
    w.root_own = add_problem(w, w.root, "机关作风有待改进", "open", level=1, aspect=w.aspect2)
    return w


def test_what_counts_at_the_root(listed):
    w = listed
    t = lists.rollup(w.office, w.root, today=w.today)
    # Level 1: prob_a/_b, rectified, verified (×2), closed, late, soon, root_own. Not: drafts,
    # the branches' problems under review (level 3) nor UA's own under the committee (level 2).
    assert t.total.total == 2 + 2 + 2 + 1 + 1 + 1 + 1 == 10
    assert t.total.by_status == {"reviewing": 0, "open": 2, "rectifying": 3, "rectified": 2, "verified": 2, "closed": 1}
    assert t.total.below == 3 and t.total.by_level == {1: 10, 2: 1, 3: 2}
    assert t.total.by_aspect == {w.aspect.pk: 8, w.aspect2.pk: 2}
    assert (t.total.overdue, t.total.due_soon) == (1, 1)
    assert (t.total.measures, t.total.measures_done, t.total.measures_overdue) == (2 + 1 + 2, 2, 1)
    rows = {r.org.code: r for r in t.rows}
    assert [r.org.code for r in t.rows] == ["ROOT", "UA", "UB"] and rows["ROOT"].own and not rows["ROOT"].drill
    assert rows["ROOT"].counts.total == 1 and rows["UA"].drill
    assert rows["UA"].counts.total == 5 and rows["UA"].counts.below == 2  # UA's own (level 2) and prob_review_a (3)
    assert rows["UB"].counts.total == 4 and rows["UB"].counts.overdue == 1 and rows["UB"].counts.measures_overdue == 1
    assert sum(r.counts.total for r in t.rows) == t.total.total
    assert [p.pk for p in t.overdue] == [w.late.pk] and t.overdue[0].m_late == 1 and t.overdue[0].m_total == 2
    assert [p.pk for p in t.due_soon] == [w.soon.pk]


def test_the_unit_and_the_branch_see_more_of_their_own(listed):
    w = listed
    ua = lists.rollup(w.ua_admin, w.unit_a)
    # Level ≤ 2 under UA: prob_a, rectified_a, verified_a, closed (UA02), soon, and UA's own
    # problem awaiting the committee; prob_review_a (level 3) still awaits UA itself.
    assert ua.total.total == 6 and ua.total.reviewing == 1 and ua.total.below == 1
    assert [r.org.code for r in ua.rows] == ["UA", "UA01", "UA02"] and ua.rows[0].own
    a1 = lists.rollup(w.a1_secretary, w.a1)
    assert a1.total.total == 5 and a1.total.by_status["reviewing"] == 1 and a1.total.below == 0
    assert [r.org.code for r in a1.rows] == ["UA01", "UA01G1"]  # its own row first, then its group


def test_scope(listed):
    w = listed
    with pytest.raises(PermissionDenied):
        lists.rollup(w.ua_admin, w.unit_b)
    with pytest.raises(PermissionDenied):
        lists.rollup(w.a1_secretary, w.unit_a)
    with pytest.raises(PermissionDenied):
        lists.rollup(w.nobody, w.root)
    assert lists.top_org(w.ua_admin) == w.unit_a and lists.top_org(w.office) == w.root
    assert lists.top_org(w.nobody) is None


def test_months_found_and_closed(listed):
    w = listed
    flt = lists.Filter(starts=dt.date(2026, 3, 1), ends=dt.date(2026, 5, 31))
    t = lists.rollup(w.office, w.root, flt, today=dt.date(2026, 6, 15))
    assert [(m.month, m.found, m.closed, m.open_after) for m in t.months] == [
        (dt.date(2026, 3, 1), 1, 0, 1), (dt.date(2026, 4, 1), 0, 1, 0), (dt.date(2026, 5, 1), 7, 0, 7)]
    # Default: the last twelve months up to this month.
    months = lists.rollup(w.office, w.root, today=w.today).months
    assert len(months) == 12 and months[-1].month == w.today.replace(day=1)
    assert months[-1].open_after == lists.rollup(w.office, w.root).total.total - 1


def test_filters_and_bad_input(listed):
    w = listed
    other = type(w.campaign).objects.create(org=w.root, name="另一次主题教育", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))
    add_problem(w, w.b1, "另一主题教育的问题", "open", level=1, campaign=other)
    assert lists.rollup(w.office, w.root, lists.parse_filter(w.office, campaign_id=str(other.pk))).total.total == 1
    assert lists.rollup(w.office, w.root, lists.parse_filter(w.office, starts="2026-03-01", ends="2026-03-31")).total.total == 1
    for kwargs, field in (({"starts": "2026-02-30"}, "from"), ({"ends": "昨天"}, "to"), ({"campaign_id": "x"}, "campaign"),
                          ({"campaign_id": "999999"}, "campaign"), ({"starts": "2026-05-01", "ends": "2026-04-01"}, "to")):
        with pytest.raises(ValidationError) as exc:
            lists.parse_filter(w.office, **kwargs)
        assert field in exc.value.message_dict


def test_due_list_all_pages(listed):
    w = listed
    for i in range(3):
        add_problem(w, w.a2, f"逾期问题{i}", "open", level=1, due=w.today - dt.timedelta(days=i + 1))
    qs = lists.due_list(w.office, w.root, kind="overdue")
    assert [p.title for p in qs] == ["服务窗口推诿扯皮", "逾期问题2", "逾期问题1", "逾期问题0"]
    assert lists.due_list(w.ua_admin, w.unit_a, kind="overdue").count() == 3
    with pytest.raises(ValidationError):
        lists.due_list(w.office, w.root, kind="late")


def test_summary_for_the_home_panel(listed):
    w = listed
    s = lists.summary(w.office, w.root)
    assert (s.total, s.under_way, s.overdue, s.due_soon, s.closed, s.rectified) == (10, 5, 1, 1, 1, 4)
    # Those the office may review now: UA's own at the committee, and those at UA and UB
    # (the office's review covers the levels below it, as problems.review allows).
    assert s.to_review == 3
    assert lists.summary(w.ua_admin, w.unit_a).to_review == 1  # prob_review_a at UA
    assert lists.summary(w.a1_secretary, w.a1).to_review == 0


# ------------------------------------------------------------------------------------ pages
def test_page(listed, client, login):
    w = listed
    login(w.office)
    res = client.get("/rectification/lists/", {"org": "ROOT"})
    assert res.status_code == 200
    html = res.content.decode()
    assert "问题清单、责任清单、整改清单" in html and "文学院党委" in html and "?org=UA" in html
    assert "<svg" in html and "服务窗口推诿扯皮" in html and "党员活动室使用率低" in html
    assert "逾期问题（1）" in html and "format=docx" in html
    res = client.get("/rectification/lists/", {"org": "ROOT", "from": "2026-02-30"})
    assert res.status_code == 200 and "日期格式应为 YYYY-MM-DD" in res.content.decode()


def test_page_scope_and_default_org(listed, client, login):
    w = listed
    login(w.ua_admin)
    assert client.get("/rectification/lists/", {"org": "UB"}).status_code == 404
    assert client.get("/rectification/lists/", {"org": "NOPE"}).status_code == 404
    res = client.get("/rectification/lists/")
    assert res.status_code == 200 and res.context["org"] == w.unit_a
    assert "服务窗口推诿扯皮" not in res.content.decode()
    login(w.nobody)
    assert client.get("/rectification/lists/").status_code == 403


def test_page_constant_queries(listed, client, login):
    w = listed
    login(w.office)

    def count():
        with CaptureQueriesContext(connection) as q:
            assert client.get("/rectification/lists/", {"org": "ROOT"}).status_code == 200
        return len(q)

    first = count()
    for i in range(5):
        unit = make_org(f"UX{i}", f"新单位{i}", "committee", w.root)
        branch = make_org(f"UX{i}01", f"新单位{i}支部", "branch", unit)
        for j in range(4):
            add_problem(w, branch, f"新问题{i}-{j}", "rectifying", level=1, due=w.today - dt.timedelta(days=j + 1),
                        measures=[("措施一", w.today, "doing"), ("措施二", w.today + dt.timedelta(days=2), "pending")])
    assert count() == first
    assert lists.rollup(w.office, w.root).total.total == 10 + 20


def test_home_panel(listed, client, login):
    from dangjian.rectification.views_lists import register_panel

    register_panel()
    w = listed
    login(w.office)
    html = client.get("/").content.decode()
    assert "检视整改 · 示范大学党委" in html and "待我审核" in html
    login(w.member_user)
    assert "检视整改" not in client.get("/").content.decode()


def test_chart_coordinates():
    from dangjian.rectification.views_lists import chart

    months = [lists.Month(dt.date(2026, m, 1), found=f, closed=c, open_after=o)
              for m, f, c, o in ((11, 40, 10, 300), (12, 0, 20, 280))] + [lists.Month(dt.date(2027, 1, 1), 10, 0, 290)]
    c = chart(months)
    first, second, third = c["bars"]
    assert [t["v"] for t in c["ticks"]] == [0, 10, 20, 30, 40] and c["line_ticks"][-1]["v"] == 300
    assert first["h_found"] == c["base"] - first["y_found"] > 0 and second["h_found"] == 0
    assert first["h_found"] == 4 * third["h_found"] and second["h_closed"] == 2 * first["h_closed"]
    assert (first["label"], second["label"], third["label"]) == ("11月", "12月", "2027年")
    assert first["y_open"] < second["y_open"] and len(c["line"].split()) == 3
    assert chart([]) == {}
