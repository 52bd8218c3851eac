"""Plans and rounds: making them (the office only), the default split from the guidance
assignments, re-splitting, opening and closing, coverage (全覆盖 and what is left), progress
against the plan's targets; refusals change nothing; the pages and their query counts."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.supervision import plans as p
from dangjian.supervision.models import Activity, InspectionPlan, Round, RoundUnit
from tests.authz.engine import fingerprint
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def _round_data(w, name="第二轮督查", **kw):
    return p.RoundData(name=name, starts_on=kw.get("starts_on", w.round_now.starts_on), ends_on=kw.get("ends_on", w.round_now.ends_on),
                       focus=kw.get("focus", ""))


def _visit(w, group, org, rnd, n=0):
    return Activity.objects.create(group=group, round=rnd, org=org, kind="interview", held_on=rnd.starts_on, subject="座谈",
                                   interviewed_count=n)


def test_world_round_is_fully_covered_and_a_group_sees_its_own_rows(world):
    w = world
    cov = p.coverage_by_group(w.office, w.round_now)
    assert [(g.name, g.units, g.covered, g.left) for g in cov.groups] == [("第一巡回指导组", 1, 1, 0), ("第二巡回指导组", 1, 1, 0)]
    assert cov.full and cov.percent == 100
    rows = list(p.coverage_rows(w.office, w.round_now))
    assert [(r.group_id, r.org.code, r.visited, r.activities) for r in rows] == [(w.group1.pk, "UB", True, 1), (w.group2.pk, "UA", True, 1)]
    # The guide (group1) sees only group1's unit; the unit's admin sees no round at all.
    assert [r.org.code for r in p.coverage_rows(w.guide, w.round_now)] == ["UB"]
    assert [g.name for g in p.coverage_by_group(w.guide, w.round_now).groups] == ["第一巡回指导组"]
    assert list(p.rounds_for(w.guide)) == [w.round_now] and list(p.plans_for(w.guide)) == [w.plan]
    assert not p.rounds_for(w.ua_admin).exists() and not p.plans_for(w.ua_admin).exists()
    assert set(p.plans_for(w.sysadmin)) == {w.plan}


def test_new_round_splits_by_assignments_and_tracks_what_is_left(world):
    w = world
    rnd = p.create_round(w.office, w.plan, _round_data(w))
    assert set(RoundUnit.objects.filter(round=rnd).values_list("group_id", "org__code")) == {(w.group1.pk, "UB"), (w.group2.pk, "UA")}
    assert rnd.history.count() == 1 and rnd.history.first().history_user == w.office
    cov = p.coverage_by_group(w.office, rnd)
    assert (cov.units, cov.covered, cov.left, cov.full) == (2, 0, 2, False)
    # An activity at a branch below UA (UA01) covers UA; UB is what is left.
    _visit(w, w.group2, w.a1, rnd, n=5)
    cov = p.coverage_by_group(w.office, rnd)
    assert (cov.covered, cov.left) == (1, 1)
    assert [r.org.code for r in p.left_to_cover(w.office, rnd)] == ["UB"]
    ua = p.coverage_rows(w.office, rnd).get(org=w.unit_a)
    assert (ua.activities, ua.interviewed, ua.last_on) == (1, 5, rnd.starts_on)
    # An activity of another round does not count in this one.
    _visit(w, w.group1, w.b1, w.round_now)
    assert p.coverage_by_group(w.office, rnd).covered == 1
    _visit(w, w.group1, w.b1, rnd)
    assert p.coverage_by_group(w.office, rnd).full


def test_round_refusals_change_nothing(world):
    w = world
    before = fingerprint()
    with pytest.raises(PermissionDenied):
        p.create_round(w.guide, w.plan, _round_data(w))
    with pytest.raises(PermissionDenied):
        p.create_round(w.ua_admin, w.plan, _round_data(w))
    with pytest.raises(ValidationError) as exc:
        p.create_round(w.office, w.plan, _round_data(w, starts_on=w.plan.starts_on - dt.timedelta(days=1)))
    assert "计划期限" in exc.value.message_dict["starts_on"][0]
    with pytest.raises(ValidationError) as exc:
        p.create_round(w.office, w.plan, _round_data(w, starts_on=w.round_now.ends_on, ends_on=w.round_now.starts_on))
    assert exc.value.message_dict["ends_on"] == ["结束日期不能早于开始日期"]
    with pytest.raises(ValidationError) as exc:
        p.create_round(w.office, w.plan, _round_data(w, name=w.round_now.name))
    assert "已有名为" in exc.value.message_dict["name"][0]
    # A split naming a group of no campaign of ours, or an org outside the campaign: nothing written.
    with pytest.raises(ValidationError) as exc:
        p.create_round(w.office, w.plan, _round_data(w), split={w.unit_a.pk: 999999})
    assert "指导组不属于本次主题教育" in exc.value.message_dict["split"][0]
    assert fingerprint() == before


def test_status_moves_and_closed_split(world):
    w = world
    rnd = p.create_round(w.office, w.plan, _round_data(w))
    with pytest.raises(ValidationError) as exc:
        p.set_round_status(w.office, rnd, "closed")
    assert "不能改为" in exc.value.message_dict["status"][0]
    with pytest.raises(PermissionDenied):
        p.set_round_status(w.guide, rnd, "active")
    p.set_round_status(w.office, rnd, "active")
    p.set_round_status(w.office, rnd, "closed")
    assert Round.objects.get(pk=rnd.pk).status == "closed"
    assert rnd.history.first().history_change_reason == "结束本轮督查"
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        p.set_round_units(w.office, rnd, {w.unit_a.pk: w.group1.pk})
    assert exc.value.message_dict["split"] == ["已结束的轮次不能调整分工"]
    assert fingerprint() == before
    p.set_round_status(w.office, rnd, "active")  # reopened
    p.set_round_units(w.office, rnd, {w.unit_a.pk: w.group1.pk})
    assert list(RoundUnit.objects.filter(round=rnd).values_list("group_id", "org_id")) == [(w.group1.pk, w.unit_a.pk)]


def test_split_lines_name_the_line(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        p.split_code_lines(w.round_now, "UA,第一巡回指导组\nNOPE,第一巡回指导组\nUB,第九组\nUA,第二巡回指导组")
    assert exc.value.message_dict["split"] == ["第2行：单位编码“NOPE”不在本次主题教育范围内", "第3行：没有名为“第九组”的指导组", "第4行：单位“UA”重复"]
    assert p.split_code_lines(w.round_now, f"UA，第一巡回指导组\nUB,{w.group2.pk}") == {w.unit_a.pk: w.group1.pk, w.unit_b.pk: w.group2.pk}


def test_plan_targets_and_validation(world):
    w = world
    w.activity_a.interviewed_count = 4
    w.activity_a.save()
    _visit(w, w.group1, w.b1, w.round_now, n=3)
    progress = {t.key: (t.target, t.done, t.percent) for t in p.plan_progress(w.plan)}
    # UA and UB covered; branches UA01 and UB01; 4 + 3 people interviewed.
    assert progress == {"units": (2, 2, 100), "branches": (3, 2, 67), "members": (10, 7, 70)}
    data = p.PlanData(title=" ", starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 4, 1), target_units=-1)
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        p.create_plan(w.office, w.campaign, data)
    errors = exc.value.message_dict
    assert errors["title"] == ["请填写计划名称"] and errors["ends_on"] == ["结束日期不能早于开始日期"]
    assert "计划督查单位数" in errors["target_units"][0]
    with pytest.raises(PermissionDenied):
        p.create_plan(w.ua_admin, w.campaign, p.PlanData("x", dt.date(2026, 1, 1), dt.date(2026, 2, 1)))
    # Narrowing the plan's period below a round's dates is refused, naming the round.
    short = p.PlanData(w.plan.title, w.round_now.ends_on + dt.timedelta(days=1), w.plan.ends_on)
    with pytest.raises(ValidationError) as exc:
        p.update_plan(w.office, w.plan, short)
    assert w.round_now.name in exc.value.message_dict["starts_on"][0]
    assert fingerprint() == before
    plan = p.create_plan(w.office, w.campaign, p.PlanData("2027年计划", dt.date(2027, 1, 1), dt.date(2027, 12, 31), 10, 100, 1000))
    assert plan.org == w.root and plan.history.first().history_user == w.office


# ----------------------------------------------------------------------------- pages
def test_pages_create_plan_round_and_edit_split(world, client, login):
    w = world
    login(w.office)
    res = client.post(reverse("inspection_plan_create"), {"campaign": w.campaign.pk, "title": "", "starts_on": "2027-01-01",
                                                          "ends_on": "2026-01-01", "target_units": "-3", "target_branches": 0, "target_members": 0})
    assert res.status_code == 200
    text = res.content.decode()
    assert "请填写计划名称" in text and "不能为负数" in text
    res = client.post(reverse("inspection_plan_create"), {"campaign": w.campaign.pk, "title": "2027年督查计划", "starts_on": "2027-01-01",
                                                          "ends_on": "2027-12-31", "target_units": 10, "target_branches": 100, "target_members": 1000})
    plan = InspectionPlan.objects.get(title="2027年督查计划")
    assert res.status_code == 302 and res["Location"] == reverse("inspection_plan_detail", args=[plan.pk])
    res = client.post(reverse("round_create", args=[plan.pk]), {"name": "2027年1月督查", "starts_on": "2027-01-01", "ends_on": "2027-01-31"})
    rnd = Round.objects.get(plan=plan)
    assert res.status_code == 302 and rnd.units.count() == 2
    # Re-split: UA to group1, UB left out; open the round.
    res = client.post(reverse("round_edit", args=[rnd.pk]), {"name": rnd.name, "starts_on": "2027-01-01", "ends_on": "2027-01-31", "focus": "",
                                                              "status": "active", "split_form": "1", f"unit_{w.unit_a.pk}": w.group1.pk,
                                                              f"unit_{w.unit_b.pk}": ""})
    assert res.status_code == 302
    rnd.refresh_from_db()
    assert rnd.status == "active" and list(rnd.units.values_list("group_id", "org_id")) == [(w.group1.pk, w.unit_a.pk)]
    page = client.get(reverse("round_detail", args=[rnd.pk])).content.decode()
    assert "未覆盖" in page and "文学院党委" in page and "后勤处党总支" not in page and "调整督查分工" in page
    page = client.get(reverse("inspection_plan_detail", args=[plan.pk])).content.decode()
    assert "2027年1月督查" in page and "0<small>/ 10" in page and "制定督查计划" in page
    # A bad edit (dates outside the plan) keeps everything as it was.
    res = client.post(reverse("round_edit", args=[rnd.pk]), {"name": "改名", "starts_on": "2026-12-01", "ends_on": "2027-01-31",
                                                              "status": "closed", "split_form": "1", f"unit_{w.unit_b.pk}": w.group2.pk})
    assert res.status_code == 200 and "轮次日期须在计划期限内" in res.content.decode()
    rnd.refresh_from_db()
    assert rnd.name == "2027年1月督查" and rnd.status == "active" and rnd.units.count() == 1
    # The paste box: errors name the line, nothing changes; a good paste replaces the split.
    base = {"name": rnd.name, "starts_on": "2027-01-01", "ends_on": "2027-01-31", "status": "active", "split_form": "1"}
    res = client.post(reverse("round_edit", args=[rnd.pk]), base | {"name": "不该保存", "split_text": "UA,第一巡回指导组\nUB,第九组"})
    assert res.status_code == 200 and "第2行：没有名为“第九组”的指导组" in res.content.decode()
    rnd.refresh_from_db()
    assert rnd.name == "2027年1月督查" and rnd.units.count() == 1
    res = client.post(reverse("round_edit", args=[rnd.pk]), base | {"split_text": "UA,第二巡回指导组\nUB,第一巡回指导组"})
    assert res.status_code == 302
    assert set(rnd.units.values_list("org_id", "group_id")) == {(w.unit_a.pk, w.group2.pk), (w.unit_b.pk, w.group1.pk)}


def test_home_for_office_and_guide(world, client, login):
    w = world
    login(w.office)
    page = client.get(reverse("supervision_home")).content.decode()
    assert w.plan.title in page and w.round_now.name in page and "全覆盖" in page and "第二巡回指导组" in page
    login(w.guide)
    page = client.get(reverse("supervision_home")).content.decode()
    assert reverse("group_workspace", args=[w.group1.pk]) in page and reverse("group_workspace", args=[w.group2.pk]) not in page
    assert "第二巡回指导组" not in page and "制定督查计划" not in page
    login(w.ua_admin)
    page = client.get(reverse("supervision_home")).content.decode()
    assert w.plan.title not in page and "暂无督查计划" in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_round_detail_and_plan_detail_cost_the_same_at_two_sizes(world, client, login):
    w = world
    login(w.office)
    urls = [reverse("round_detail", args=[w.round_now.pk]), reverse("inspection_plan_detail", args=[w.plan.pk]), reverse("supervision_home")]
    small = [_queries(client, u) for u in urls]
    for i in range(6):
        org = make_org(f"UC{i}", f"新单位{i}", "committee", w.root)
        RoundUnit.objects.create(round=w.round_now, group=[w.group1, w.group2][i % 2], org=org)
        _visit(w, w.group1, org, w.round_now, n=2)
    p.create_round(w.office, w.plan, _round_data(w, name="又一轮"))
    large = [_queries(client, u) for u in urls]
    assert small == large
    assert "新单位5" in client.get(urls[0]).content.decode()


def test_round_for_activity(world):
    w = world
    day = w.round_now.starts_on
    assert p.round_for_activity(w.group1, w.b1, day) == w.round_now  # UB01 is under group1's UB
    assert p.round_for_activity(w.group1, w.a1, day) is None  # UA is group2's
    assert p.round_for_activity(w.group2, w.unit_a, day) == w.round_now
    assert p.round_for_activity(w.group1, w.b1, w.round_now.ends_on + dt.timedelta(days=1)) is None
    p.set_round_status(w.office, w.round_now, "closed")
    assert p.round_for_activity(w.group1, w.b1, day) is None


def test_coverage_export_read_back(world, client, login):
    import io

    from openpyxl import load_workbook

    w = world
    rnd = p.create_round(w.office, w.plan, _round_data(w))
    _visit(w, w.group2, w.a1, rnd, n=5)
    login(w.office)
    res = client.get(reverse("round_coverage_export", args=[rnd.pk]))
    assert res.status_code == 200 and "attachment" in res["Content-Disposition"]
    wb = load_workbook(io.BytesIO(res.content))
    rows = [list(r) for r in wb["覆盖明细"].iter_rows(min_row=3, values_only=True)]
    assert rows == [[1, "第一巡回指导组", "UB", "后勤处党总支", "未覆盖", 0, 0, None],
                    [2, "第二巡回指导组", "UA", "文学院党委", "已覆盖", 1, 5, rnd.starts_on.isoformat()]]
    totals = [list(r) for r in wb["各组汇总"].iter_rows(min_row=2, max_row=4, values_only=True)]
    assert totals == [["第一巡回指导组", 1, 0, 1, 0], ["第二巡回指导组", 1, 1, 0, 100], ["合计", 2, 1, 1, 50]]
    # The guide's export holds only group1's unit.
    login(w.guide)
    wb = load_workbook(io.BytesIO(client.get(reverse("round_coverage_export", args=[w.round_now.pk])).content))
    assert [r[2] for r in wb["覆盖明细"].iter_rows(min_row=3, values_only=True)] == ["UB"]


def test_a_viewer_of_the_root_reads_but_does_not_plan(world):
    from tests.factories import make_user

    w = world
    viewer = make_user("root_liaison", role="liaison", org=w.root)  # VIEW at the plan's org, no MANAGE_CAMPAIGN
    assert list(p.plans_for(viewer)) == [w.plan] and list(p.rounds_for(viewer)) == [w.round_now]
    assert [g.name for g in p.coverage_by_group(viewer, w.round_now).groups] == ["第一巡回指导组", "第二巡回指导组"]
    assert not p.may_manage_plan(viewer, w.plan)
    with pytest.raises(PermissionDenied):
        p.set_round_status(viewer, w.round_now, "closed")
