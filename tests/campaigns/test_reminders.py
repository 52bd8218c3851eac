"""Reminders as a periodic job: each once; the scheduler enqueues once with several schedulers;
the worker runs a queued task on the real database backend."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.campaigns import notices as ns
from dangjian.campaigns import reminders
from dangjian.campaigns.models import Task, UnitTask
from dangjian.core import jobs
from dangjian.core.models import Notification, Role, ScheduledJob
from tests.factories import make_org, make_user

TODAY = dt.date(2026, 5, 10)


def _due(task, days):
    Task.objects.filter(pk=task.pk).update(due_on=TODAY + dt.timedelta(days=days))


def keys():
    return sorted(Notification.objects.values_list("user__username", "key"))


def test_due_soon_then_overdue_each_once(world, settings):
    w = world
    settings.DANGJIAN_REMIND_DAYS_BEFORE = 3
    _due(w.task_p, 2)  # UA01 and UB01, reviewed by the level above
    reminders.run(TODAY)
    ut_a = UnitTask.objects.get(task=w.task_p, org=w.a1)
    ut_b = UnitTask.objects.get(task=w.task_p, org=w.b1)
    # Acting for UA01: unit admin and liaison of UA, secretary of UA01; for UB01: UB's admin.
    assert keys() == sorted([
        ("a1_secretary", f"task-due:{ut_a.pk}"), ("ua_admin", f"task-due:{ut_a.pk}"),
        ("ua_liaison", f"task-due:{ut_a.pk}"), ("ub_admin", f"task-due:{ut_b.pk}"),
    ])
    assert reminders.run(TODAY) == 0  # once
    n = Notification.objects.get(user=w.ub_admin)
    assert "2天后" in n.body and n.url.endswith(f"/unit-tasks/{ut_b.pk}/")
    # Overdue: again to the units, and a summary to the office, once.
    reminders.run(TODAY + dt.timedelta(days=3))
    over = [k for k in keys() if "overdue" in k[1]]
    assert ("office", f"overdue-office:{w.task_p.pk}") in over
    assert ("ub_admin", f"task-overdue:{ut_b.pk}") in over and len(over) == 5
    before = Notification.objects.count()
    reminders.run(TODAY + dt.timedelta(days=4))
    assert Notification.objects.count() == before


def test_done_or_waiting_tasks_are_not_reminded(world):
    w = world
    _due(w.task_p, 1)
    UnitTask.objects.filter(task=w.task_p, org=w.a1).update(status="submitted")
    UnitTask.objects.filter(task=w.task_p, org=w.b1).update(status="approved")
    reminders.run(TODAY)
    assert Notification.objects.count() == 0


def test_notice_acknowledgement_reminders(world):
    w = world
    notice = ns.create_notice(w.office, ns.NoticeData(org=w.root, title="报送名单", body="请报送", target_orgs=[w.unit_a, w.unit_b],
                                                      ack_due_on=TODAY + dt.timedelta(days=1)), send=True)
    ns.acknowledge(w.ub_admin, notice.receipts.get(org=w.unit_b))
    Notification.objects.all().delete()
    reminders.run(TODAY)
    ua = notice.receipts.get(org=w.unit_a)
    assert keys() == [("ua_admin", f"notice-due:{ua.pk}"), ("ua_liaison", f"notice-due:{ua.pk}")]
    reminders.run(TODAY + dt.timedelta(days=2))
    assert ("ua_liaison", f"notice-overdue:{ua.pk}") in keys()
    reminders.run(TODAY + dt.timedelta(days=2))
    assert len(keys()) == 4


def test_queries_do_not_grow_with_units(world):
    w = world
    _due(w.task_g, 1)
    with CaptureQueriesContext(connection) as few:
        reminders.run(TODAY)
    Notification.objects.all().delete()
    for i in range(30):
        org = make_org(f"UBX{i:02d}", f"支部{i}", "branch", w.unit_b)
        make_user(f"sec{i}", Role.BRANCH_SECRETARY, org)
        UnitTask.objects.create(task=w.task_g, org=org)
    with CaptureQueriesContext(connection) as many:
        sent = reminders.run(TODAY)
    assert sent > 30
    assert len(many) == len(few)


def test_scheduler_enqueues_once_with_two_schedulers(world):
    w = world
    Task.objects.filter(pk=w.task_p.pk).update(due_on=timezone.localdate() + dt.timedelta(days=1))
    now = timezone.now()
    # Two schedulers reading the same schedule row at the same moment: one claim wins.
    assert "campaigns.reminders" in jobs.tick(now)
    assert jobs.tick(now) == []
    row = ScheduledJob.objects.get(name="campaigns.reminders")
    assert row.runs == 1 and row.next_run_at == now + dt.timedelta(hours=1)
    stale = ScheduledJob.objects.get(pk=row.pk)
    stale.next_run_at = now  # what a second scheduler read before the first one's claim
    claimed = ScheduledJob.objects.filter(pk=row.pk, next_run_at=stale.next_run_at).update(runs=99)
    assert claimed == 0
    # The job ran at once (immediate backend in tests): the reminders went out.
    assert Notification.objects.filter(kind="task_due").count() == 4
    assert "campaigns.reminders" in jobs.tick(now + dt.timedelta(hours=1))
    assert Notification.objects.filter(kind="task_due").count() == 4


def test_daily_job_next_run():
    job = jobs.PeriodicJob(name="x", task=None, at=dt.time(7, 30))
    now = timezone.make_aware(dt.datetime(2026, 5, 10, 8, 0))
    nxt = timezone.localtime(job.next_after(now))
    assert (nxt.date(), nxt.hour, nxt.minute) == (dt.date(2026, 5, 11), 7, 30)
    early = timezone.make_aware(dt.datetime(2026, 5, 10, 6, 0))
    assert timezone.localtime(job.first_run(early)).date() == dt.date(2026, 5, 10)
    with pytest.raises(ValueError):
        jobs.periodic("bad")


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_queued_task_on_database_backend(settings):
    from tests.factories import make_world

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    w = make_world()
    Task.objects.filter(pk=w.task_p.pk).update(due_on=timezone.localdate() + dt.timedelta(days=1))
    call_command("worker", "--once", verbosity=0)
    # The scheduler queued the reminders job and the worker ran it.
    result = DBTaskResult.objects.get(task_path="dangjian.campaigns.tasks.send_reminders")
    assert result.status == "SUCCESSFUL", result.traceback
    assert Notification.objects.filter(kind="task_due").count() == 4
    # A second pass: not due again, nothing queued.
    call_command("worker", "--once", verbosity=0)
    assert DBTaskResult.objects.filter(task_path="dangjian.campaigns.tasks.send_reminders").count() == 1
    # --run queues it by hand; reminders stay once.
    call_command("worker", "--once", "--run", "campaigns.reminders", verbosity=0)
    assert DBTaskResult.objects.filter(task_path="dangjian.campaigns.tasks.send_reminders").count() == 2
    assert Notification.objects.filter(kind="task_due").count() == 4
