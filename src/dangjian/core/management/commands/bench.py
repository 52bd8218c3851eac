"""`dangjian bench`: run the benchmarks in bench/ on a fresh, throwaway database."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

SCALES = ("tiny", "small", "city")
# Set by the parent for the child it starts: the child's database is the throwaway one.
FRESH_ENV = "DANGJIAN_BENCH_FRESH_DB"


def bench_dir() -> Path:
    return Path(settings.BASE_DIR) / "bench"


class Command(BaseCommand):
    help = (
        "运行 bench/ 中的基准测试：在一个临时的新数据库上生成数据并计时（SQLite 为临时文件；"
        "设置了 DATABASE_URL 时在 PostgreSQL 上建立并最后删除数据库 dangjian_bench）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="small", help="数据规模：tiny（测试用）、small（2千党员）、city（10万党员）")
        parser.add_argument("--json", dest="json_path", help="把结果写入此 JSON 文件")
        parser.add_argument("--only", action="append", default=[], help="只运行此项（名称可带或不带规模后缀），可重复")
        parser.add_argument("--db-name", default="dangjian_bench", help="PostgreSQL 上的临时数据库名（默认 dangjian_bench）")
        parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--workdir", help=argparse.SUPPRESS)

    def handle(self, *args, scale, json_path, only, db_name, here, workdir, **options):
        directory = bench_dir()
        if not (directory / "runner.py").is_file():
            raise CommandError(f"找不到基准测试目录 {directory}：bench/ 只在源码检出中提供。")
        if json_path:
            json_path = str(Path(json_path).resolve())
        if here:
            return self._run_here(directory, scale, json_path, only, workdir)
        return self._run_fresh(scale, json_path, only, db_name)

    def _run_here(self, directory: Path, scale: str, json_path: str | None, only: list[str], workdir: str | None) -> None:
        if os.environ.get(FRESH_ENV) != "1":
            # The benchmarks add up to 100,000 fictional members: never into a real database.
            raise CommandError("--here 只供 dangjian bench 自己在临时数据库上使用。")
        call_command("migrate", interactive=False, verbosity=0)
        sys.path.insert(0, str(directory))
        import runner  # bench/runner.py

        try:
            runner.run(scale, json_path=json_path, only=only, workdir=Path(workdir or tempfile.mkdtemp()), write=self.stdout.write)
        except runner.BenchError as exc:
            raise CommandError(str(exc)) from exc

    def _run_fresh(self, scale: str, json_path: str | None, only: list[str], db_name: str) -> None:
        engine = settings.DATABASES["default"]["ENGINE"]
        tmp = Path(tempfile.mkdtemp(prefix="dangjian-bench-"))
        env = dict(os.environ)
        env[FRESH_ENV] = "1"
        # Measure the app as deployed (no debug cursor), without HTTPS redirects on the test client.
        env["DJANGO_DEBUG"] = "0"
        env["DANGJIAN_ENV"] = "development"
        env["DANGJIAN_DATA_DIR"] = str(tmp)
        pg = None
        try:
            if engine == "django.db.backends.sqlite3":
                env.pop("DATABASE_URL", None)
                where = f"SQLite 临时文件 {tmp / 'dangjian.sqlite3'}"
            elif engine == "django.db.backends.postgresql":
                pg = _Postgres(db_name)
                pg.create()
                env["DATABASE_URL"] = pg.url
                where = f"PostgreSQL 临时数据库 {db_name}"
            else:
                raise CommandError(f"不支持的数据库：{engine}")
            self.stdout.write(f"基准测试：规模 {scale}，{where}")
            cmd = [sys.executable, "-m", "dangjian.cli", "bench", "--here", "--scale", scale, "--workdir", str(tmp)]
            if json_path:
                cmd += ["--json", json_path]
            for name in only:
                cmd += ["--only", name]
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
            assert proc.stdout is not None
            for line in proc.stdout:
                self.stdout.write(line.rstrip("\n"))
            if proc.wait() != 0:
                raise CommandError(f"基准测试失败（退出码 {proc.returncode}）")
        finally:
            if pg is not None:
                pg.drop()
            shutil.rmtree(tmp, ignore_errors=True)


class _Postgres:
    """A dedicated database next to the configured one, created fresh and dropped after."""

    def __init__(self, name: str):
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            raise CommandError("PostgreSQL 基准测试需要以 DATABASE_URL 配置数据库。")
        if not name.replace("_", "").isalnum():
            raise CommandError("--db-name 只能包含字母、数字和下划线。")
        self.name = name
        parts = urlsplit(url)
        self.url = urlunsplit(parts._replace(path="/" + name))
        self.maintenance = urlunsplit(parts._replace(path="/postgres"))

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.maintenance, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
