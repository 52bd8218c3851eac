"""The one task interface for background and scheduled work.

- Background work is a django-tasks `Task` (`@task()` from `django_tasks`, Django 6's
  `django.tasks` API); `enqueue(task, *args)` queues it on the configured backend (the database
  by default, Redis in larger deployments; tests run it at once).
- Periodic work registers with `@periodic("name", every=timedelta(...))` or
  `@periodic("name", at=time(7, 30))` (once a day at that local time). The decorated function
  becomes a task; `tick()` enqueues each job that is due.
- Several schedulers may tick at once (one per `dangjian worker`, on several machines): each
  run is claimed with a conditional UPDATE of its ScheduledJob row (`next_run_at` moved forward
  only WHERE it still holds the value read), so every run is enqueued exactly once.

Core imports no domain app: domain apps register their jobs in `tasks.py` modules, which
`autodiscover()` imports (as Django's admin does with `admin.py`).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import task as make_task
from django_tasks.base import Task

logger = logging.getLogger("dangjian.jobs")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task
    every: dt.timedelta | None = None
    at: dt.time | None = None  # local time of day

    def next_after(self, now: dt.datetime) -> dt.datetime:
        """The first run strictly after `now`."""
        if self.every is not None:
            return now + self.every
        local = timezone.localtime(now)
        candidate = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if candidate <= local:
            candidate = timezone.make_aware(
                dt.datetime.combine(local.date() + dt.timedelta(days=1), self.at), local.tzinfo,
            )
        return candidate

    def first_run(self, now: dt.datetime) -> dt.datetime:
        """When a job never run before is first due: at once for interval jobs, at the next
        time of day for daily ones."""
        return now if self.every is not None else self.next_after(now)


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: dt.timedelta | None = None, at: dt.time | None = None) -> Callable[[Callable], Task]:
    """Register a module-level function as a periodic job; it becomes a task (so it can also
    be enqueued or called by hand: `job.call()`)."""
    if (every is None) == (at is None):
        raise ValueError("periodic() needs exactly one of every= or at=")
    if every is not None and every <= dt.timedelta(0):
        raise ValueError("every= must be positive")

    def register(fn: Callable) -> Task:
        t = fn if isinstance(fn, Task) else make_task()(fn)
        _jobs[name] = PeriodicJob(name=name, task=t, every=every, at=at)
        return t

    return register


def periodic_jobs() -> dict[str, PeriodicJob]:
    autodiscover()
    return dict(_jobs)


_discovered = False


def autodiscover() -> None:
    """Import every installed app's `tasks` module, where periodic jobs are registered."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True


def enqueue(t: Task, *args, on_commit: bool = False, **kwargs):
    """Queue `t(*args, **kwargs)` on the configured backend. With on_commit=True it is queued
    once the current transaction commits (nothing is queued if it rolls back)."""
    if on_commit:
        transaction.on_commit(lambda: t.enqueue(*args, **kwargs))
        return None
    return t.enqueue(*args, **kwargs)


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due; the names enqueued by this scheduler.

    Costs one query to read the schedule, plus one insert for jobs never seen and one
    conditional UPDATE (and an enqueue) per due job: nothing grows with the data."""
    from dangjian.core.models import ScheduledJob

    now = now or timezone.now()
    jobs = periodic_jobs()
    rows = {r.name: r for r in ScheduledJob.objects.filter(name__in=list(jobs))}
    missing = [ScheduledJob(name=n, next_run_at=j.first_run(now)) for n, j in jobs.items() if n not in rows]
    if missing:
        # Another scheduler may insert the same rows at the same moment: theirs stand.
        ScheduledJob.objects.bulk_create(missing, ignore_conflicts=True)
        rows = {r.name: r for r in ScheduledJob.objects.filter(name__in=list(jobs))}
    enqueued = []
    for name, job in sorted(jobs.items()):
        row = rows.get(name)
        if row is None or row.next_run_at > now:
            continue
        try:
            with transaction.atomic():
                claimed = ScheduledJob.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                    next_run_at=job.next_after(now), last_run_at=now, runs=F("runs") + 1,
                )
                if not claimed:
                    continue  # another scheduler took this run
                result = job.task.enqueue()
                ScheduledJob.objects.filter(pk=row.pk).update(last_task_id=str(getattr(result, "id", ""))[:64])
        except IntegrityError:  # pragma: no cover - defensive: the claim is rolled back
            logger.exception("could not enqueue periodic job %s", name)
            continue
        enqueued.append(name)
    return enqueued


def run_now(name: str):
    """Enqueue a periodic job at once, outside its schedule (operators, tests)."""
    jobs = periodic_jobs()
    if name not in jobs:
        raise KeyError(name)
    return jobs[name].task.enqueue()
