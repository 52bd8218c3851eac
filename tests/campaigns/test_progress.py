"""The progress table (工作推进表): cells, counts, roll-ups, filters, overdue, scope, chart,
constant query counts, and the pages."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.campaigns import progress
from dangjian.campaigns import services as cs
from dangjian.campaigns.models import Transition, UnitTask
from dangjian.campaigns.progress import Filters, build_table
from dangjian.core.scoping import forget
from tests.factories import make_org

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def codes(table) -> list[str]:
    return [r.org.code for r in table.rows]


def cell(table, code, task):
    row = next(r for r in table.rows if r.org.code == code)
    return row.cells[[t.pk for t in table.tasks].index(task.pk)]


def set_status(w, task, code, status):
    UnitTask.objects.filter(task=task, org__code=code).update(status=status)


@pytest.mark.parametrize("role, expected", [
    ("office", ["UA01", "UA02", "UB01"]), ("sysadmin", ["UA01", "UA02", "UB01"]),
    ("ua_admin", ["UA01", "UA02"]), ("ub_admin", ["UB01"]), ("guide", ["UB01"]), ("a1_secretary", ["UA01"]),
])
def test_each_role_sees_only_its_units(world, role, expected):
    table = build_table(getattr(world, role), world.campaign)
    assert codes(table) == expected
    assert table.units == len(expected)
    assert table.totals.total == sum(r.counts.total for r in table.rows)


def test_columns_cells_and_counts(world):
    set_status(world, world.task_g, "UA01", "approved")
    set_status(world, world.task_g, "UA02", "resubmitted")
    set_status(world, world.task_p, "UB01", "returned")
    table = build_table(world.office, world.campaign)
    assert [t.title for t in table.tasks] == ["召开动员部署会", "报送工作方案"]
    assert cell(table, "UA01", world.task_g).label == "已通过"
    assert cell(table, "UA02", world.task_g).label == "已提交"
    assert cell(table, "UB01", world.task_p).label == "退回"
    assert cell(table, "UA02", world.task_p) is None  # the work plan does not reach UA02
    g = table.task_counts[world.task_g.pk]
    assert (g.total, g.approved, g.submitted, g.not_started, g.done_pct) == (3, 1, 1, 1, 33.3)
    p = table.task_counts[world.task_p.pk]
    assert (p.total, p.returned, p.not_started) == (2, 1, 1)
    ua01 = next(r for r in table.rows if r.org.code == "UA01")
    assert (ua01.counts.total, ua01.counts.approved) == (2, 1)
    assert (table.totals.total, table.totals.approved) == (5, 1)


def test_rollup_per_secondary_unit(world):
    set_status(world, world.task_g, "UA01", "approved")
    set_status(world, world.task_g, "UA02", "approved")
    table = build_table(world.office, world.campaign, limit=1)
    assert len(table.rows) == 1  # one page of rows, roll-ups over the whole scope
    ups = {r.org.code: r for r in table.rollups}
    assert list(ups) == ["UA", "UB"]
    assert ups["UA"].units == 2 and ups["UB"].units == 1
    assert ups["UA"].per_task[world.task_g.pk].approved == 2 and ups["UA"].per_task[world.task_g.pk].total == 2
    assert ups["UA"].per_task[world.task_p.pk].total == 1
    assert ups["UB"].counts.approved == 0 and ups["UB"].counts.total == 2


def test_filters(world):
    set_status(world, world.task_g, "UA02", "approved")
    office = world.office
    assert codes(build_table(office, world.campaign, Filters(unit="UA"))) == ["UA01", "UA02"]
    assert codes(build_table(office, world.campaign, Filters(unit="UA01"))) == []  # not a secondary unit
    assert codes(build_table(office, world.campaign, Filters(group=world.group1.pk))) == ["UB01"]
    assert codes(build_table(office, world.campaign, Filters(status="approved"))) == ["UA02"]
    assert codes(build_table(office, world.campaign, Filters(status="overdue"))) == []
    phase = cs.save_phase(office, world.campaign, name="学习教育")
    world.task_p.phase = phase
    world.task_p.save()
    table = build_table(office, world.campaign, Filters(phase=phase.pk))
    assert [t.pk for t in table.tasks] == [world.task_p.pk] and codes(table) == ["UA01", "UB01"]
    with pytest.raises(ValidationError):
        build_table(office, world.campaign, Filters(status="bogus"))


def test_overdue_is_derived_from_the_due_date(world):
    world.task_g.due_on = dt.date(2026, 4, 23)
    world.task_g.save()
    set_status(world, world.task_g, "UA01", "submitted")
    set_status(world, world.task_g, "UB01", "returned")
    today = dt.date(2026, 5, 1)
    table = build_table(world.office, world.campaign, today=today)
    assert cell(table, "UA01", world.task_g).overdue is False  # waiting for review is not late
    assert cell(table, "UA02", world.task_g).label == "逾期"
    assert cell(table, "UB01", world.task_g).label == "逾期"
    assert table.task_counts[world.task_g.pk].overdue == 2
    # The same rule as the model's.
    for ut in UnitTask.objects.filter(task=world.task_g).select_related("task", "org"):
        assert cell(table, ut.org.code, world.task_g).overdue == ut.is_overdue(today)
    late = progress.overdue_queryset(world.office, world.campaign, today=today)
    assert [u.org.code for u in late] == ["UA02", "UB01"]
    assert [u.org.code for u in progress.overdue_queryset(world.guide, world.campaign, today=today)] == ["UB01"]
    assert codes(build_table(world.office, world.campaign, Filters(status="overdue"), today=today)) == ["UA02", "UB01"]


def test_a_submission_and_approval_change_the_counts_and_the_chart(world, media):
    ut = UnitTask.objects.select_related("task__campaign__org", "org").get(task=world.task_g, org=world.a1)
    cs.add_evidence(world.ua_admin, ut, kind="file", upload=SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf"))
    cs.submit(world.ua_admin, ut)
    assert build_table(world.office, world.campaign).task_counts[world.task_g.pk].submitted == 1
    cs.approve(world.office, ut)
    table = build_table(world.office, world.campaign)
    assert cell(table, "UA01", world.task_g).label == "已通过"
    assert table.task_counts[world.task_g.pk].approved == 1
    series = progress.completion_series(world.office, world.campaign)
    assert series[-1].day == timezone.localdate() and (series[-1].submitted, series[-1].approved) == (1, 1)
    assert progress.completion_series(world.ub_admin, world.campaign) == []  # not in their scope


def test_chart_counts_cumulatively_per_day(world):
    uts = list(UnitTask.objects.filter(task=world.task_g).order_by("org__path"))
    day = timezone.make_aware(dt.datetime(2026, 4, 20, 10))
    Transition.objects.create(unit_task=uts[0], from_status="in_progress", to_status="submitted", at=day)
    Transition.objects.create(unit_task=uts[1], from_status="not_started", to_status="submitted", at=day + dt.timedelta(days=1))
    Transition.objects.create(unit_task=uts[0], from_status="submitted", to_status="approved", at=day + dt.timedelta(days=2))
    Transition.objects.create(unit_task=uts[1], from_status="returned", to_status="resubmitted", at=day + dt.timedelta(days=2))
    series = progress.completion_series(world.office, world.campaign)
    assert [(p.day.day, p.submitted, p.approved) for p in series] == [(20, 1, 0), (21, 2, 0), (22, 2, 1)]


def _more_units(w, n):
    for i in range(n):
        make_org(f"UAX{i}", f"新支部{i}", "branch", w.unit_a)
    cs.sync_unit_tasks(w.task_g)


def test_query_count_does_not_grow_with_units(world):
    def count():
        forget(world.office)
        with CaptureQueriesContext(connection) as q:
            build_table(world.office, world.campaign)
        return len(q)

    before = count()
    _more_units(world, 12)
    assert count() == before
    assert build_table(world.office, world.campaign).units == 15


def test_page_query_count_does_not_grow_with_units(world, login):
    client = login(world.office)
    url = reverse("progress_table", kwargs={"campaign_id": world.campaign.pk})
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        return len(q)

    before = count()
    _more_units(world, 12)
    assert count() == before


def test_the_page_shows_the_units_cells_and_links(world, login):
    set_status(world, world.task_g, "UA01", "approved")
    html = login(world.ua_admin).get(reverse("progress_table", kwargs={"campaign_id": world.campaign.pk})).content.decode()
    assert "学习贯彻主题教育工作推进表" in html
    assert "文学院教工第一党支部" in html and "后勤处第一党支部" not in html
    assert "小计（2个单位）" in html
    ut = UnitTask.objects.get(task=world.task_g, org=world.a1)
    try:
        link = reverse("unit_task_detail", kwargs={"pk": ut.pk})
    except NoReverseMatch:  # the unit-task page is not installed
        link = None
    assert link is None or f'href="{link}"' in html
    assert "已通过" in html


def test_the_htmx_filter_answers_the_table_body(world, login):
    client = login(world.office)
    url = reverse("progress_table", kwargs={"campaign_id": world.campaign.pk})
    r = client.get(url, {"unit": "UB"}, headers={"HX-Request": "true", "HX-Target": "progress-body"})
    html = r.content.decode()
    assert "<html" not in html and 'id="progress-body"' in html
    assert "后勤处第一党支部" in html and "文学院教工第一党支部" not in html
    bad = client.get(url, {"status": "bogus"}).content.decode()
    assert "状态无效" in bad


def test_chart_and_overdue_pages(world, login):
    client = login(world.guide)
    kw = {"campaign_id": world.campaign.pk}
    assert "尚无提交记录" in client.get(reverse("progress_chart", kwargs=kw)).content.decode()
    world.task_g.due_on = dt.date(2020, 1, 1)
    world.task_g.save()
    html = client.get(reverse("progress_overdue", kwargs=kw)).content.decode()
    assert "后勤处第一党支部" in html and "文学院" not in html


def test_outside_the_campaign_is_404(world, login):
    kw = {"campaign_id": world.campaign.pk}
    assert login(world.member_user).get(reverse("progress_table", kwargs=kw)).status_code == 404
    assert login(world.office).get(reverse("progress_table", kwargs={"campaign_id": 999999})).status_code == 404
