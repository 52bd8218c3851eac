"""The to-do list: tasks of units I act for, submissions waiting for my review, notices to
acknowledge; counts on the home page; constant queries."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.campaigns import notices as ns
from dangjian.campaigns.models import Task, UnitTask
from dangjian.campaigns.todo import todo, todo_count
from dangjian.core.models import Role
from tests.factories import make_org, make_user


def test_tasks_reviews_and_notices(world):
    w = world
    t = todo(w.ua_liaison)
    # UA's liaison acts for UA01 and UA02: task_g for both, task_p for UA01.
    assert t["task_counts"]["total"] == 3
    assert {(ut.task_id, ut.org.code) for ut in t["tasks"]} == {(w.task_g.pk, "UA01"), (w.task_g.pk, "UA02"), (w.task_p.pk, "UA01")}
    # The office does none of the units' work.
    assert todo(w.office)["task_counts"]["total"] == 0
    assert todo(w.nobody)["total"] == 0
    # A submission waits for the level above (task_p for UB01: UB's admin).
    ut = UnitTask.objects.get(task=w.task_p, org=w.b1)
    UnitTask.objects.filter(pk=ut.pk).update(status="submitted", submitted_at=timezone.now())
    assert [u.pk for u in todo(w.ub_admin)["reviews"]] == [ut.pk]
    assert todo(w.ub_admin)["task_counts"]["total"] == 1  # task_g for UB01; task_p is submitted
    # A returned task is on the list, flagged.
    UnitTask.objects.filter(task=w.task_g, org=w.a1).update(status="returned")
    assert todo(w.a1_secretary)["task_counts"]["returned"] == 1
    # Overdue.
    Task.objects.filter(pk=w.task_g.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    t = todo(w.a1_secretary)
    assert t["task_counts"]["overdue"] == 1 and t["tasks"][0].overdue
    # A notice to acknowledge, until acknowledged.
    notice = ns.create_notice(w.office, ns.NoticeData(org=w.root, title="通知", body="正文", target_orgs=[w.unit_a]), send=True)
    assert todo(w.ua_liaison)["notice_count"] == 1
    assert todo(w.ub_admin)["notice_count"] == 0
    before = todo_count(w.ua_liaison)
    ns.acknowledge(w.ua_admin, notice.receipts.get())
    assert todo_count(w.ua_liaison) == before - 1


def test_page_panel_and_constant_queries(world, login):
    w = world
    c = login(w.ua_liaison)
    assert "我的待办" in c.get(reverse("home")).content.decode()
    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse("todo")).status_code == 200
    for i in range(12):
        org = make_org(f"UAX{i:02d}", f"支部{i}", "branch", w.unit_a)
        make_user(f"sec{i}", Role.BRANCH_SECRETARY, org)
        UnitTask.objects.create(task=w.task_g, org=org)
        ns.create_notice(w.office, ns.NoticeData(org=w.root, title=f"通知{i}", body="正文", target_orgs=[w.unit_a]), send=True)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("todo"))
    assert r.status_code == 200 and "支部11" in r.content.decode()
    assert len(many) == len(few)
    assert todo(w.ua_liaison)["task_counts"]["total"] == 15
