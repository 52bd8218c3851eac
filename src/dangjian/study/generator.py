"""Deterministic study data for benchmarks: on a generated tree with members (orgs.generator),
a study campaign at the root with three required materials and three quizzes, branch sessions
enough for about a million attendance rows, reading progress for the required materials and
about 200,000 quiz attempts. Bulk inserts: COPY on PostgreSQL, executemany on SQLite; no
history rows. Idempotent: a second call finds the campaign and returns its counts.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from dangjian.campaigns.models import Campaign, CampaignStatus
from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.study.models import (
    Attendance,
    CampaignMaterial,
    Material,
    Quiz,
    QuizAttempt,
    ReadingProgress,
    StudySession,
)

SEED = 2003
CAMPAIGN_NAME = "理论学习基准数据"
ATTENDANCE = {"tiny": 2_000, "small": 20_000, "city": 1_000_000}
ATTEMPTS = {"tiny": 400, "small": 4_000, "city": 200_000}
QUIZZES = 3
MATERIALS = ("习近平新时代中国特色社会主义思想学习纲要", "习近平著作选读（第一卷）", "习近平著作选读（第二卷）")


@dataclass
class StudyResult:
    campaign: Campaign
    sessions: int
    attendances: int
    reading: int
    attempts: int
    seconds: float
    created: bool


def _bulk(model, columns: list[str], rows) -> int:
    """Insert `rows` (tuples in `columns` order) into `model`'s table: COPY on PostgreSQL,
    executemany in batches elsewhere. Datetimes are aware; JSON values are given as text."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        adapt = connection.ops.adapt_datetimefield_value
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            batch.append(tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row))
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def _counts(campaign: Campaign, seconds: float, created: bool) -> StudyResult:
    return StudyResult(
        campaign=campaign,
        sessions=StudySession.objects.filter(campaign=campaign).count(),
        attendances=Attendance.objects.filter(session__campaign=campaign).count(),
        reading=ReadingProgress.objects.filter(material__campaign_lists__campaign=campaign).count(),
        attempts=QuizAttempt.objects.filter(quiz__campaign=campaign).count(),
        seconds=seconds, created=created,
    )


def load_study(scale: str, root: Org, *, seed: int = SEED, now: dt.datetime | None = None) -> StudyResult:
    """The study data of `scale` under `root` (whose members must be loaded); reused if present."""
    started = time.perf_counter()
    existing = Campaign.objects.filter(org=root, name=CAMPAIGN_NAME).first()
    if existing is not None:
        return _counts(existing, time.perf_counter() - started, False)
    with transaction.atomic():
        campaign = _load(scale, root, seed=seed, now=now or timezone.now())
    return _counts(campaign, time.perf_counter() - started, True)


def _load(scale: str, root: Org, *, seed: int, now: dt.datetime) -> Campaign:
    rng = random.Random(seed)
    today = timezone.localdate(now)
    begins = today - dt.timedelta(days=150)
    campaign = Campaign.objects.create(org=root, name=CAMPAIGN_NAME, starts_on=begins, ends_on=today + dt.timedelta(days=90),
                                       requirements="学思想、强党性、重实践、建新功", status=CampaignStatus.ACTIVE)
    materials = []
    for i, title in enumerate(MATERIALS):
        m = Material.objects.create(org=root, kind="book", title=title, author="中共中央宣传部", text="第一页\f第二页\f第三页", pages=3)
        CampaignMaterial.objects.create(campaign=campaign, material=m, required=True, order=i)
        materials.append(m)
    quizzes = [Quiz.objects.create(
        org=root, campaign=campaign, title=f"理论测试（第{i + 1}次）", mode="random", tags=["理论"], count=20,
        opens_at=now - dt.timedelta(days=120 - 40 * i), closes_at=now - dt.timedelta(days=100 - 40 * i) if i < QUIZZES - 1 else now + dt.timedelta(days=10),
        status="closed" if i < QUIZZES - 1 else "published",
    ) for i in range(QUIZZES)]

    members = list(Member.objects.filter(subtree_q("org__path", root.path)).order_by("org_id", "pk").values_list("pk", "org_id"))
    if not members:
        raise ValueError("the tree has no members: load them first")
    by_org: dict[int, list[int]] = {}
    for pk, org_id in members:
        by_org.setdefault(org_id, []).append(pk)
    per_org = max(1, round(ATTENDANCE[scale] / len(members)))
    tz = timezone.get_current_timezone()
    span = (today + dt.timedelta(days=20) - begins).days

    # Sessions: `per_org` branch sessions of every org with members, spread over the campaign.
    session_rows = []
    for org_id in by_org:
        for k in range(per_org):
            day = begins + dt.timedelta(days=int((k + rng.random()) * span / per_org))
            starts = dt.datetime.combine(day, dt.time(14, 30), tzinfo=tz)
            session_rows.append((org_id, campaign.pk, "branch_study", f"支部集中学习（第{k + 1}次）", starts, starts + dt.timedelta(hours=2),
                                 "党员活动室", "members", "[]", False, "", k == 0 and rng.random() < 0.02,
                                 secrets.token_hex(16), 30, 5, now))
    _bulk(StudySession, ["org_id", "campaign_id", "kind", "title", "starts_at", "ends_at", "place", "attendees", "groups",
                         "include_subtree", "summary", "cancelled", "qr_secret", "checkin_opens_minutes", "late_after_minutes",
                         "created_at"], session_rows)
    sessions = list(StudySession.objects.filter(campaign=campaign).values_list("pk", "org_id", "starts_at", "ends_at"))
    through = StudySession.orgs.through
    _bulk(through, ["studysession_id", "org_id"], ((pk, org_id) for pk, org_id, _, _ in sessions))

    def attendance_rows():
        for pk, org_id, starts, ends in sessions:
            for member_id in by_org[org_id]:
                if starts > now:
                    yield (pk, member_id, org_id, "expected", None, "", False, "", "", None, "", None)
                    continue
                r = rng.random()
                if r < 0.80:
                    late = r < 0.04
                    at = starts + dt.timedelta(minutes=12 if late else -rng.randint(1, 20))
                    yield (pk, member_id, org_id, "present", at, "qr", late, "", "", None, "", None)
                elif r < 0.87:
                    yield (pk, member_id, org_id, "leave", None, "", False, "approved", "因公出差", starts - dt.timedelta(days=1), "", None)
                elif r < 0.94:
                    yield (pk, member_id, org_id, "makeup", None, "", False, "", "", None, "观看录像并提交心得", ends + dt.timedelta(days=3))
                else:
                    yield (pk, member_id, org_id, "absent", None, "", False, "", "", None, "", None)

    _bulk(Attendance, ["session_id", "member_id", "org_id", "status", "checked_in_at", "method", "late", "leave_status",
                       "leave_reason", "leave_requested_at", "makeup_note", "makeup_at"], attendance_rows())

    def reading_rows():
        for member_id, org_id in members:
            for m in materials:
                if rng.random() < 0.75:
                    done = rng.random() < 0.8
                    pos = 2 if done else rng.randint(0, 1)
                    at = now - dt.timedelta(days=rng.randint(1, 120))
                    yield (member_id, m.pk, org_id, pos, pos, 100 if done else (pos + 1) * 33, at, at, at if done else None)

    _bulk(ReadingProgress, ["member_id", "material_id", "org_id", "position", "furthest", "percent", "started_at", "updated_at",
                            "finished_at"], reading_rows())

    share = min(1.0, ATTEMPTS[scale] / (len(members) * len(quizzes)))

    def attempt_rows():
        for quiz in quizzes:
            for member_id, org_id in members:
                if rng.random() >= share:
                    continue
                score = max(0.0, min(100.0, round(rng.gauss(84, 9) * 2) / 2))
                started = quiz.opens_at + dt.timedelta(hours=rng.randint(1, 200))
                yield (quiz.pk, member_id, org_id, 1, "[]", "{}", started, started + dt.timedelta(minutes=30),
                       started + dt.timedelta(minutes=rng.randint(8, 29)), score, score >= quiz.excellent_score)

    _bulk(QuizAttempt, ["quiz_id", "member_id", "org_id", "number", "question_ids", "answers", "started_at", "deadline_at",
                        "submitted_at", "score", "excellent"], attempt_rows())
    return campaign
