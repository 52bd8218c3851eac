"""`dangjian worker`: the scheduler loop (periodic jobs enqueued when due, once even with
several workers) and, when the queue is in the database, the queued tasks themselves.

    dangjian worker                 run until SIGTERM / Ctrl+C
    dangjian worker --once          one scheduler tick, then every queued task, then exit (cron, tests)
    dangjian worker --run NAME      queue the periodic job NAME now (then work as usual)
    dangjian worker --list          the periodic jobs and when each is next due

With another backend (e.g. Redis via django_tasks_rq) the backend's own workers run the
tasks and this command only schedules (`--no-tasks` says so explicitly).
"""
from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from dangjian.core import jobs


def _database_backend(alias: str = "default"):
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends[alias]
    return backend if isinstance(backend, DatabaseBackend) else None


class Command(BaseCommand):
    help = "运行定时任务调度和后台任务（提醒等）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="调度一次并执行全部排队任务后退出")
        parser.add_argument("--interval", type=float, default=5.0, help="空闲时每隔多少秒检查一次（默认 5）")
        parser.add_argument("--no-tasks", action="store_true", help="只调度，不执行排队任务（任务由其他队列的工作进程执行）")
        parser.add_argument("--no-schedule", action="store_true", help="只执行排队任务，不调度定时任务")
        parser.add_argument("--run", metavar="NAME", action="append", default=[], help="立即排队该定时任务（可重复）")
        parser.add_argument("--list", dest="list_jobs", action="store_true", help="列出定时任务及下次运行时间")

    def handle(self, *, once, interval, no_tasks, no_schedule, run, list_jobs, **options):
        self.verbosity = options.get("verbosity", 1)
        if list_jobs:
            return self._list()
        for name in run:
            try:
                jobs.run_now(name)
            except KeyError:
                raise CommandError(f"没有名为 {name} 的定时任务；可用：{', '.join(sorted(jobs.periodic_jobs()))}") from None
            self._say(f"已排队：{name}")
        backend = None if no_tasks else _database_backend()
        self.stopping = False
        self.db_worker = None
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        self._say(f"worker 已启动（{'调度' if not no_schedule else ''}{'、' if not no_schedule and backend else ''}{'执行数据库队列任务' if backend else ''}）")
        while not self.stopping:
            close_old_connections()
            if not no_schedule:
                for name in jobs.tick():
                    self._say(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} 排队定时任务 {name}")
            if backend is not None:
                self._run_queued()
            if once:
                break
            waited = 0.0
            while waited < interval and not self.stopping:
                time.sleep(min(0.2, interval))
                waited += 0.2
        close_old_connections()
        self._say("worker 已停止")

    def _run_queued(self) -> None:
        """Every task ready in the database queue, one after another (django-tasks-db's own
        worker, in batch mode, so a stop request ends it after the task in hand)."""
        from django_tasks_db.management.commands.db_worker import Worker

        self.db_worker = Worker(
            queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id=get_random_string(32), excluded_queue_names=[],
        )
        if self.stopping:
            return
        self.db_worker.run()
        self.db_worker = None

    def _stop(self, signum, frame) -> None:
        # Clean stop: finish the task in hand, then leave the loop.
        self.stopping = True
        if self.db_worker is not None:
            self.db_worker.running = False

    def _list(self) -> None:
        from dangjian.core.models import ScheduledJob

        rows = {r.name: r for r in ScheduledJob.objects.all()}
        for name, job in sorted(jobs.periodic_jobs().items()):
            when = f"每 {job.every}" if job.every else f"每天 {job.at:%H:%M}"
            row = rows.get(name)
            nxt = f"下次 {timezone.localtime(row.next_run_at):%Y-%m-%d %H:%M}" if row else "尚未调度"
            self.stdout.write(f"{name}\t{when}\t{nxt}")

    def _say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)
