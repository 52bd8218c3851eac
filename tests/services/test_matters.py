"""Practical matters (我为群众办实事): the domain functions (scope, validation, progress, counts,
history, a matter as task evidence) and the pages (list with filters and constant queries,
create, edit, progress, link, the xlsx export read back)."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.campaigns.models import Evidence, UnitTask
from dangjian.services import matters as sm
from dangjian.services.models import PracticalMatter
from tests.authz.engine import fingerprint

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _data(w, **over):
    d = dict(org=w.a1, title="老旧宿舍楼加装电梯", owner="张主任", starts_on=TODAY - dt.timedelta(days=10),
             due_on=TODAY + dt.timedelta(days=60), category="living", leader="李副书记", description="离退休教职工上下楼难")
    d.update(over)
    return sm.MatterData(**d)


# ----------------------------------------------------------------------------------- domain

def test_create_and_edit_are_audited(world):
    w = world
    m = sm.save_matter(w.a1_secretary, _data(w, campaign=w.campaign, problem=w.prob_a))
    assert m.status == "planned" and m.created_by == w.a1_secretary and m.problem == w.prob_a
    sm.save_matter(w.a1_secretary, _data(w, title="老旧宿舍楼加装电梯（一期）"), m)
    rows = list(m.history.order_by("history_id").values_list("history_change_reason", "history_user_id", "title"))
    assert rows == [("登记办实事项目", w.a1_secretary.pk, "老旧宿舍楼加装电梯"), ("修改办实事项目", w.a1_secretary.pk, "老旧宿舍楼加装电梯（一期）")]


def test_bad_input_named_by_field(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        sm.save_matter(w.a1_secretary, _data(w, title=" ", owner="", due_on=TODAY - dt.timedelta(days=30), category="bogus"))
    assert exc.value.message_dict == {"title": ["请填写实事名称"], "owner": ["请填写责任人"], "category": [exc.value.message_dict["category"][0]],
                                      "due_on": ["计划完成日期不能早于开始日期"]}
    assert "类别应为" in exc.value.message_dict["category"][0]
    assert PracticalMatter.objects.count() == 2


def test_problem_must_be_visible(world):
    w = world
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        sm.save_matter(w.a1_secretary, _data(w, problem=w.prob_b))
    assert exc.value.message_dict == {"problem": ["对应问题不存在或不在查看范围内"]}
    assert fingerprint() == before


@pytest.mark.parametrize("who", ["guide", "ub_admin", "member_user", "nobody"])
def test_out_of_scope_writes_refused(world, who):
    w = world
    user = getattr(w, who)
    before = fingerprint()
    with pytest.raises(PermissionDenied):
        sm.save_matter(user, _data(w))
    with pytest.raises(PermissionDenied):
        sm.record_progress(user, w.matter_a, sm.ProgressData(status="done", outcome="已完成"))
    assert fingerprint() == before
    w.matter_a.refresh_from_db()
    assert w.matter_a.status == "doing"


def test_progress_to_done(world):
    w = world
    m = sm.record_progress(w.a1_secretary, w.matter_a, sm.ProgressData(status="done", progress="新增设备两台", outcome="预约等待由7天缩短到2天",
                                                                      beneficiaries=12000, satisfaction=Decimal("96.55")))
    assert (m.status, m.done_on, m.beneficiaries, m.satisfaction) == ("done", TODAY, 12000, Decimal("96.6"))
    assert m.history.latest().history_change_reason == "办结"
    # Back to doing: the done date goes.
    m = sm.record_progress(w.a1_secretary, m, sm.ProgressData(status="doing", progress="二期启动"))
    assert m.done_on is None and m.status == "doing"


@pytest.mark.parametrize("data,field", [
    (dict(status="done", outcome=""), "outcome"),
    (dict(status="done", outcome="好", done_on=TODAY + dt.timedelta(days=1)), "done_on"),
    (dict(status="done", outcome="好", done_on=dt.date(2026, 4, 1)), "done_on"),  # before the start (2026-05-01)
    (dict(status="doing", done_on=TODAY), "done_on"),
    (dict(status="doing", satisfaction=101), "satisfaction"),
    (dict(status="doing", satisfaction=-1), "satisfaction"),
    (dict(status="doing", beneficiaries=-5), "beneficiaries"),
    (dict(status="finished"), "status"),
])
def test_progress_refusals(world, data, field):
    w = world
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        sm.record_progress(w.a1_secretary, w.matter_a, sm.ProgressData(**data))
    assert field in exc.value.message_dict
    assert fingerprint() == before


def test_overdue_and_counts(world):
    w = world
    late = sm.save_matter(w.a1_secretary, _data(w, starts_on=TODAY - dt.timedelta(days=90), due_on=TODAY - dt.timedelta(days=1)))
    assert sm.is_overdue(late) and not sm.is_overdue(w.matter_a)
    sm.record_progress(w.a1_secretary, w.matter_a, sm.ProgressData(status="done", outcome="完成", beneficiaries=300))
    c = sm.counts(sm.matters_for(w.office))
    assert (c["total"], c["overdue"], c["done"], c["planned"], c["beneficiaries"]) == (3, 1, 1, 2, 300)
    # Suspended matters are not overdue.
    sm.record_progress(w.a1_secretary, late, sm.ProgressData(status="suspended", progress="等待审批"))
    assert sm.counts(sm.matters_for(w.office))["overdue"] == 0


def test_scope_of_lists(world):
    w = world
    assert set(sm.matters_for(w.ua_admin)) == {w.matter_a}
    assert set(sm.matters_for(w.guide)) == {w.matter_b}
    assert set(sm.matters_for(w.office)) == {w.matter_a, w.matter_b}
    assert not sm.matters_for(w.nobody).exists()
    base, qs = sm.search(w.office, org="UB")
    assert list(qs) == [w.matter_b]
    assert list(sm.search(w.office, q="核磁")[1]) == [w.matter_a]
    assert list(sm.search(w.ua_admin, org="UB")[1]) == []


def test_matter_as_task_evidence(world):
    w = world
    ut = UnitTask.objects.get(task=w.task_g, org=w.a1)
    assert ut in sm.evidence_candidates(w.a1_secretary, w.matter_a)
    ev = sm.attach_as_evidence(w.a1_secretary, w.matter_a, ut, "办实事成效")
    assert (ev.kind, ev.record_ref) == ("record", f"services.PracticalMatter:{w.matter_a.pk}")
    assert ev.record_label.startswith("办实事：缩短核磁共振预约等待时间")
    assert [e.pk for e in sm.evidenced_tasks(w.office, w.matter_a)] == [ev.pk]
    assert ut not in sm.evidence_candidates(w.a1_secretary, w.matter_a)
    with pytest.raises(ValidationError) as exc:
        sm.attach_as_evidence(w.a1_secretary, w.matter_a, ut)
    assert exc.value.message_dict == {"unit_task": ["该任务已关联本办实事项目"]}


def test_evidence_of_another_orgs_task_refused(world):
    w = world
    other = UnitTask.objects.get(task=w.task_g, org=w.a2)
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        sm.attach_as_evidence(w.ua_admin, w.matter_a, other)
    assert exc.value.message_dict == {"unit_task": ["只能作为本项目责任单位自己任务的佐证材料"]}
    with pytest.raises(PermissionDenied):
        sm.attach_as_evidence(w.guide, w.matter_a, UnitTask.objects.get(task=w.task_g, org=w.a1))
    assert fingerprint() == before


# ------------------------------------------------------------------------------------ pages

def test_list_page_filters_and_counts(world, login):
    w = world
    c = login(w.office)
    r = c.get(reverse("matter_list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "缩短核磁共振预约等待时间" in body and "改善学生食堂就餐环境" in body
    r = c.get(reverse("matter_list"), {"org": "UA", "status": "doing"})
    assert [m.pk for m in r.context["rows"]] == [w.matter_a.pk]
    assert r.context["counts"]["total"] == 1
    r = c.get(reverse("matter_list"), {"category": "logistics"})
    assert [m.pk for m in r.context["rows"]] == [w.matter_b.pk]
    r = c.get(reverse("matter_list"), {"overdue": "1"})
    assert list(r.context["rows"]) == []


def _bulk(w, n):
    PracticalMatter.objects.bulk_create([
        PracticalMatter(org=w.a1 if i % 2 else w.b1, title=f"实事{i}", owner="某人", starts_on=TODAY, due_on=TODAY + dt.timedelta(days=i),
                        status=["planned", "doing", "done"][i % 3], campaign=w.campaign)
        for i in range(n)])


def test_list_queries_constant(world, login):
    w = world
    c = login(w.office)
    c.get(reverse("matter_list"))  # warm caches (scope, session)
    with CaptureQueriesContext(connection) as small:
        assert c.get(reverse("matter_list")).status_code == 200
    _bulk(w, 120)
    with CaptureQueriesContext(connection) as large:
        r = c.get(reverse("matter_list"))
    assert len(r.context["rows"]) == 50
    assert len(large) == len(small)


def test_create_edit_and_progress_pages(world, login):
    w = world
    c = login(w.a1_secretary)
    assert c.get(reverse("matter_create"), {"org": "UA01"}).status_code == 200
    assert c.get(reverse("matter_create"), {"org": "UB01"}).status_code == 403
    form = {"title": "图书馆延长开放时间", "org": "UA01", "category": "teaching", "campaign": str(w.campaign.pk), "leader": "",
            "owner": "王馆长", "starts_on": "2026-06-01", "due_on": "2026-05-01", "problem": "", "description": ""}
    r = c.post(reverse("matter_create"), form)
    assert r.status_code == 200 and "计划完成日期不能早于开始日期" in r.content.decode()
    assert not PracticalMatter.objects.filter(title="图书馆延长开放时间").exists()
    r = c.post(reverse("matter_create"), {**form, "due_on": "2026-12-31"})
    m = PracticalMatter.objects.get(title="图书馆延长开放时间")
    assert r.status_code == 302 and r["Location"] == reverse("matter_detail", args=[m.pk])
    r = c.post(reverse("matter_edit", args=[m.pk]), {**form, "due_on": "2026-12-31", "org": "UB01"})
    assert r.status_code == 200 and "不在您的管理范围内" in r.content.decode()
    r = c.post(reverse("matter_progress", args=[m.pk]), {"status": "done", "outcome": "", "progress": ""})
    assert r.status_code == 200 and "办结时请填写办理成效" in r.content.decode()
    r = c.post(reverse("matter_progress", args=[m.pk]), {"status": "done", "outcome": "每晚延长至22点", "beneficiaries": "5000",
                                                         "satisfaction": "98.5", "done_on": ""})
    assert r.status_code == 302
    page = c.get(reverse("matter_detail", args=[m.pk])).content.decode()
    assert "每晚延长至22点" in page and "<div>办结</div>" in page and "变更记录" in page


def test_link_task_page(world, login):
    w = world
    c = login(w.a1_secretary)
    ut = UnitTask.objects.get(task=w.task_g, org=w.a1)
    page = c.get(reverse("matter_detail", args=[w.matter_a.pk])).content.decode()
    assert "关联到责任单位的任务" in page
    r = c.post(reverse("matter_link_task", args=[w.matter_a.pk]), {"unit_task": str(ut.pk), "description": ""})
    assert r.status_code == 302
    assert Evidence.objects.filter(unit_task=ut, record_ref=f"services.PracticalMatter:{w.matter_a.pk}").count() == 1
    page = c.get(reverse("matter_detail", args=[w.matter_a.pk])).content.decode()
    assert w.task_g.title in page


def test_export_xlsx(world, login):
    w = world
    late = sm.save_matter(w.ua_admin, _data(w, title="=SUM(A1)", starts_on=TODAY - dt.timedelta(days=90), due_on=TODAY - dt.timedelta(days=2)))
    sm.record_progress(w.a1_secretary, w.matter_a, sm.ProgressData(status="done", outcome="缩短至2天", beneficiaries=800, satisfaction=97))
    c = login(w.office)
    r = c.get(reverse("matter_export"), {"org": "ROOT"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["办实事项目"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0][:4] == ("序号", "实事名称", "类别", "责任单位")
    by_title = {r[1]: r for r in rows[1:]}
    assert set(by_title) == {"缩短核磁共振预约等待时间", "改善学生食堂就餐环境", "=SUM(A1)"}
    done = by_title["缩短核磁共振预约等待时间"]
    assert (done[8], done[11], done[13], done[14]) == ("已办结", "缩短至2天", 800, 97.0)
    assert by_title["=SUM(A1)"][9] == "逾期" and late.pk
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]  # typed text never becomes a formula
    summary = {r[0]: r for r in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["合计"][1] == 3 and summary["医疗服务"][1] == 1
    # Scoped: UB's admin gets UB's matters only.
    r = login(w.ub_admin).get(reverse("matter_export"))
    titles = [row[1] for row in load_workbook(io.BytesIO(r.content))["办实事项目"].iter_rows(min_row=3, values_only=True)]
    assert titles == ["改善学生食堂就餐环境"]
