"""checkin_burst_<scale>: 2,000 members checking in to one session within a minute, over
loopback, against the app served by gunicorn on PostgreSQL.

One branch with 2,000 members, each with an account and an API bearer token, and one session
under way that expects them all. gunicorn serves the app in a subprocess (several workers, a
free loopback port); a second process (bench/checkin_loadgen.py, standard library only)
sends POST /api/v1/study/checkin for every member from a pool of threads, taking the code
from GET /api/v1/study/sessions/{id}/qr as the screen in the room does.

Figures: throughput (limit 300/s: the ratio is the share of the goal reached, ≥ 1 is good),
p50 and p99 latency (limit 200 ms), lost check-ins (a 2xx answer but no present row) and
duplicated ones (more than one check-in history row, or more than one 201, for a member),
counted from the database afterwards. A second wave on a second session sends every member's
check-in twice at the same moment from two connections: exactly one 201 per member and one
history row each, or the duplicates are counted.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from runner import BenchError, Context, Figure, Skip

NAME = "checkin_burst"
MEMBERS = 2_000
GOAL_RPS = 300.0
GOAL_P99_MS = 200.0
CONCURRENCY = int(os.environ.get("CHECKIN_BURST_CONCURRENCY", "32"))
WORKERS = int(os.environ.get("CHECKIN_BURST_WORKERS", str(max(2, (os.cpu_count() or 2) * 2))))
THREADS = int(os.environ.get("CHECKIN_BURST_THREADS", "4"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    i = min(len(sorted_ms) - 1, max(0, int(round(q * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[i]


def _setup(ctx: Context):
    """The branch, its members with accounts and tokens, the secretary, two sessions."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dangjian.core.models import ApiToken, Role, RoleGrant
    from dangjian.core.personal import id_check_digit
    from dangjian.orgs.models import Member, Org
    from dangjian.study import sessions as ss

    User = get_user_model()
    branch = Org.objects.add_child(Org.objects.get(pk=ctx.root.pk), instance=Org(code="BCHK01", name="签到压测党支部", kind="branch"))
    users = User.objects.bulk_create([User(username=f"bench_checkin_{i:05d}", display_name=f"党员{i:05d}", password="!")
                                      for i in range(MEMBERS)], batch_size=1000)
    users = list(User.objects.filter(username__startswith="bench_checkin_").order_by("username"))
    members = []
    for i, user in enumerate(users):
        first17 = f"990101{dt.date(1960, 1, 1) + dt.timedelta(days=i):%Y%m%d}{i % 1000:03d}"  # unique by birth date
        members.append(Member(name=f"党员{i:05d}", gender="male", id_number=first17 + id_check_digit(first17), phone="",
                              org=branch, category="staff", status="full", joined_on=dt.date(2010, 7, 1), user=user))
    Member.objects.bulk_create(members, batch_size=1000)
    raws = []
    tokens = []
    for i, user in enumerate(users):
        raw = f"dj_bench_checkin_{i:05d}_{os.urandom(8).hex()}"
        raws.append(raw)
        tokens.append(ApiToken(user=user, name="bench", digest=ApiToken.hash(raw), prefix=raw[:8]))
    secretary = User.objects.create_user(username="bench_checkin_secretary", display_name="书记")
    RoleGrant.objects.create(user=secretary, role=Role.BRANCH_SECRETARY, org=branch)
    screen_raw = "dj_bench_checkin_screen_" + os.urandom(8).hex()
    tokens.append(ApiToken(user=secretary, name="screen", digest=ApiToken.hash(screen_raw), prefix=screen_raw[:8]))
    ApiToken.objects.bulk_create(tokens, batch_size=1000)

    now = timezone.now()
    sessions = []
    for title in ("签到压测", "签到压测（重复提交）"):
        sessions.append(ss.save_session(secretary, ss.SessionData(
            org=branch, kind="branch_study", title=title, starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(hours=3), late_after_minutes=60)))
    for s in sessions:
        if s.attendances.count() != MEMBERS:
            raise BenchError(f"session {s.pk} expects {s.attendances.count()} members, not {MEMBERS}")
    ctx.analyze()
    return sessions, raws, screen_raw


def _serve(port: int, workdir: Path):
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "0")
    log = open(workdir / "checkin_gunicorn.log", "w")  # noqa: SIM115 - closed by the caller
    cmd = [sys.executable, "-m", "gunicorn", "dangjian.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
           "--backlog", "2048", "--timeout", "60", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}); see {workdir / 'checkin_gunicorn.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        raise BenchError("gunicorn did not start within 60 s")
    return proc, log


def _drive(workdir: Path, base: str, session, raws, screen_raw, repeat: int, tag: str) -> dict:
    plan = {"base": base, "session": session.pk, "screen_token": screen_raw, "members": raws,
            "concurrency": CONCURRENCY, "repeat": repeat}
    plan_path, result_path = workdir / f"checkin_plan_{tag}.json", workdir / f"checkin_result_{tag}.json"
    plan_path.write_text(json.dumps(plan))
    loadgen = Path(__file__).resolve().parent / "checkin_loadgen.py"
    done = subprocess.run([sys.executable, str(loadgen), str(plan_path), str(result_path)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"load generator failed: {done.stderr[-2000:]}")
    return json.loads(result_path.read_text())


def _audit(session, ok_members: list[int]) -> dict:
    """From the database: members answered 2xx whose row is not present (lost), rows with more
    than one check-in history row or members with more than one row (duplicated)."""
    from django.db.models import Count

    from dangjian.study.models import A, Attendance

    present = set(Attendance.objects.filter(session=session, status=A.PRESENT)
                  .values_list("member__user__username", flat=True))
    lost = sum(1 for i in set(ok_members) if f"bench_checkin_{i:05d}" not in present)
    per_row = (Attendance.history.filter(session_id=session.pk, history_type="~", status=A.PRESENT)
               .values("id").annotate(n=Count("history_id")).filter(n__gt=1).count())
    rows = Attendance.objects.filter(session=session).values("member_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return {"present": len(present), "lost": lost, "duplicated": per_row + rows}


def run(ctx: Context) -> list[Figure]:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise Skip("needs PostgreSQL (DATABASE_URL=postgres://…): the served app's concurrent writes are what is measured")
    if ctx.scale == "tiny":
        # The tiny scale is the test suite's smoke run: a 2,000-member burst with a server of
        # its own does not belong there.
        raise Skip("runs at small and city scale (2,000 members over loopback)")
    sessions, raws, screen_raw = _setup(ctx)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc, log = _serve(port, ctx.workdir)
    try:
        first = _drive(ctx.workdir, base, sessions[0], raws, screen_raw, 1, "single")
        second = _drive(ctx.workdir, base, sessions[1], raws, screen_raw, 2, "double")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    figures = []
    a1 = _audit(sessions[0], first["ok_members"])
    created1 = first["status"].get("201", 0)
    ok1 = created1 + first["status"].get("200", 0)
    dup1 = a1["duplicated"] + max(0, created1 - MEMBERS)
    lat = first["latencies_ms"]
    rps = first["requests"] / first["seconds"] if first["seconds"] else 0.0
    figures.append(Figure(ctx.name(NAME), rps, "/s", limit=GOAL_RPS, extra={
        "requests": first["requests"], "seconds": round(first["seconds"], 3), "created": created1,
        "non_2xx": first["requests"] - ok1, "present": a1["present"], "lost": a1["lost"], "duplicated": dup1,
        "workers": WORKERS, "threads": THREADS, "concurrency": first["threads"]}))
    figures.append(Figure(ctx.name(NAME + "_p50"), _percentile(lat, 0.50), "ms", limit=GOAL_P99_MS))
    figures.append(Figure(ctx.name(NAME + "_p99"), _percentile(lat, 0.99), "ms", limit=GOAL_P99_MS,
                          extra={"max_ms": round(lat[-1], 1) if lat else 0.0}))
    figures.append(Figure(ctx.name(NAME + "_lost"), a1["lost"], "", extra={"answered_2xx": ok1}))
    figures.append(Figure(ctx.name(NAME + "_duplicated"), dup1, ""))

    a2 = _audit(sessions[1], second["ok_members"])
    created2, repeated2 = second["status"].get("201", 0), second["status"].get("200", 0)
    lat2 = second["latencies_ms"]
    figures.append(Figure(ctx.name(NAME + "_double_duplicated"), a2["duplicated"] + max(0, created2 - MEMBERS), "", extra={
        "requests": second["requests"], "created_201": created2, "repeated_200": repeated2, "present": a2["present"],
        "lost": a2["lost"], "rps": round(second["requests"] / second["seconds"], 1) if second["seconds"] else 0.0,
        "p50_ms": round(_percentile(lat2, 0.50), 1), "p99_ms": round(_percentile(lat2, 0.99), 1)}))
    errors = first["errors"] + second["errors"]
    if errors:
        ctx.write(f"{ctx.name(NAME)} first errors: {errors[:3]}")
    return figures
