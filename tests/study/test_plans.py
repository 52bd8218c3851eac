"""Study plans: pages (list scoped and filtered by org, create/edit with targets, detail with
planned against held computed from sessions, history) and the domain function's refusals."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.study import plans as sp
from dangjian.study import sessions as ss
from dangjian.study.models import PlanTarget, StudyPlan

pytestmark = pytest.mark.django_db


def _form(**over):
    data = {"org": "UA01", "title": "第四季度学习计划", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "campaign": "",
            "methods": ["central", "home_delivery"], "content": "学习党章",
            "targets-TOTAL_FORMS": "3", "targets-INITIAL_FORMS": "0",
            "targets-0-group": "retired", "targets-0-method": "home_delivery", "targets-0-sessions": "3", "targets-0-note": "送学上门",
            "targets-1-group": "floating", "targets-1-method": "online", "targets-1-sessions": "2", "targets-1-note": "",
            "targets-2-group": "", "targets-2-method": "central", "targets-2-sessions": "", "targets-2-note": ""}
    data.update(over)
    return data


def test_list_is_scoped_and_filtered(world, login):
    w = world
    html = login(w.a1_secretary).get(reverse("study_plan_list")).content.decode()
    assert w.plan_a1.title in html and w.plan_b1.title not in html
    c = login(w.office)
    html = c.get(reverse("study_plan_list"), {"org": "UB"}).content.decode()
    assert w.plan_b1.title in html and w.plan_a1.title not in html
    html = login(w.member_user).get(reverse("study_plan_list")).content.decode()
    assert w.plan_a1.title not in html


def test_list_query_count_is_constant(world, login):
    w = world
    c = login(w.office)
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("study_plan_list"))
    for i in range(15):
        p = StudyPlan.objects.create(org=w.a2, title=f"计划{i}", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 3, 31))
        PlanTarget.objects.create(plan=p, group="young", sessions=2)
    with CaptureQueriesContext(connection) as many:
        html = c.get(reverse("study_plan_list")).content.decode()
    assert "计划14" in html and len(many) == len(few)


def test_create_with_targets(world, login):
    w = world
    c = login(w.a1_secretary)
    assert c.get(reverse("study_plan_create")).status_code == 200
    response = c.post(reverse("study_plan_create"), _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = StudyPlan.objects.get(title="第四季度学习计划")
    assert plan.org == w.a1 and plan.methods == ["central", "home_delivery"] and plan.created_by == w.a1_secretary
    assert list(plan.targets.values_list("group", "method", "sessions", "note")) == [
        ("retired", "home_delivery", 3, "送学上门"), ("floating", "online", 2, "")]


def test_create_refuses_bad_input(world, login):
    w = world
    c = login(w.a1_secretary)
    before = StudyPlan.objects.count()
    response = c.post(reverse("study_plan_create"), _form(ends_on="2026-09-01"))
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()
    response = c.post(reverse("study_plan_create"), _form(org="UB01"))
    assert response.status_code == 200 and "不在您的管理范围内" in response.content.decode()
    response = c.post(reverse("study_plan_create"), _form(**{"targets-0-sessions": "-1"}))
    assert response.status_code == 200
    assert StudyPlan.objects.count() == before
    assert login(w.guide).get(reverse("study_plan_create")).status_code == 403
    assert login(w.a1_secretary).get(reverse("study_plan_create"), {"org": "UB01"}).status_code == 403


def test_domain_refusals(world):
    w = world
    data = sp.PlanData(org=w.b1, title="越权计划", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 3, 31))
    with pytest.raises(PermissionDenied):
        sp.save_plan(w.a1_secretary, data)
    data = sp.PlanData(org=w.a1, title="", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 3, 31), methods=["clicks"],
                       targets=[sp.TargetData(group="young", method="teleport")])
    with pytest.raises(ValidationError) as exc:
        sp.save_plan(w.a1_secretary, data)
    assert set(exc.value.message_dict) == {"title", "ends_on", "methods", "targets"}
    assert "第1行" in exc.value.message_dict["targets"][0]
    assert not StudyPlan.objects.filter(title__in=["越权计划", ""]).exists()


def test_edit_replaces_targets_and_keeps_history(world, login):
    w = world
    c = login(w.a1_secretary)
    assert c.get(reverse("study_plan_edit", args=[w.plan_a1.pk])).status_code == 200
    response = c.post(reverse("study_plan_edit", args=[w.plan_a1.pk]), _form(title="第三季度学习计划（修订）", **{"targets-INITIAL_FORMS": "1"}))
    assert response.status_code == 302
    w.plan_a1.refresh_from_db()
    assert w.plan_a1.title == "第三季度学习计划（修订）" and w.plan_a1.targets.count() == 2
    html = c.get(reverse("study_plan_history", args=[w.plan_a1.pk])).content.decode()
    assert "第三季度学习计划（修订）" in html and "修改学习计划及目标" in html
    # Not for the other side.
    assert c.get(reverse("study_plan_edit", args=[w.plan_b1.pk])).status_code == 404
    assert login(w.guide).get(reverse("study_plan_edit", args=[w.plan_b1.pk])).status_code == 403


def test_detail_planned_against_held(world, login):
    w = world
    now = timezone.now()

    def session(title, days, groups, kind="branch_study", cancelled=False):
        s = ss.save_session(w.a1_secretary, ss.SessionData(
            org=w.a1, kind=kind, title=title, starts_at=now + dt.timedelta(days=days),
            ends_at=now + dt.timedelta(days=days, hours=2), groups=groups, plan=w.plan_a1))
        if cancelled:
            ss.cancel_session(w.a1_secretary, s)
        return s

    sp.save_plan(w.a1_secretary, sp.PlanData(
        org=w.a1, title=w.plan_a1.title, starts_on=w.plan_a1.starts_on, ends_on=w.plan_a1.ends_on, methods=w.plan_a1.methods,
        targets=[sp.TargetData("retired", "home_delivery", 3, "送学上门"), sp.TargetData("young", "lecture", 2),
                 sp.TargetData("all", "self", 4)]), w.plan_a1)
    session("送学上门一", -10, ["retired"])
    session("全体学习", -5, [])
    session("青年支部学习", -3, ["young"])  # branch study: not a lecture
    session("青年党课", -2, ["young"], kind="lecture")
    session("取消的", -1, ["retired"], cancelled=True)
    session("下周送学", 7, ["retired"])
    progress = {p.target.group: (p.planned, p.held, p.scheduled) for p in sp.plan_progress(w.plan_a1)}
    assert progress == {"retired": (3, 2, 1), "young": (2, 1, 0), "all": (4, None, None)}
    html = login(w.a1_secretary).get(reverse("study_plan_detail", args=[w.plan_a1.pk])).content.decode()
    for text in ("离退休党员", "送学上门", "青年党课", "下周送学", "不以学习会计"):
        assert text in html, text
    assert login(w.guide).get(reverse("study_plan_detail", args=[w.plan_a1.pk])).status_code == 404


def test_new_session_from_plan_is_prefilled(world, login):
    w = world
    html = login(w.a1_secretary).get(reverse("study_session_create"), {"plan": w.plan_a1.pk}).content.decode()
    assert f'<option value="{w.plan_a1.pk}" selected' in html
