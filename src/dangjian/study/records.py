"""A member's study record (学习档案): sessions with attendance, reading of the required
materials, quiz results and random questionings; for the member, the branch and the annual
assessment. Read-only; the same few queries whatever the member's history."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from dangjian.core.scoping import Perm, can_on
from dangjian.orgs.models import Member
from dangjian.study.models import (
    ATTENDED,
    A,
    Attendance,
    CampaignMaterial,
    Questioning,
    Quiz,
    QuizAttempt,
    ReadingProgress,
)
from dangjian.study.rates import RATED_QUIZ, STEP, Period


def get_member(user, pk: int) -> Member:
    """The member whose record `user` may see (VIEW on the member's org, or their own): else 404."""
    member = Member.objects.select_related("org").filter(pk=pk).first()
    if member is None or not can_on(user, Perm.VIEW, member):
        raise Http404
    return member


def member_campaigns(member: Member):
    """Active campaigns run by the member's org or an org above it."""
    from dangjian.campaigns.models import Campaign

    path = member.org.path
    above = [path[:i] for i in range(STEP, len(path) + 1, STEP)]
    return Campaign.objects.filter(org__path__in=above, status="active").order_by("-starts_on", "-pk")


@dataclass
class Totals:
    expected: int = 0  # sessions that have started
    attended: int = 0  # present or make-up
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    makeup: int = 0
    upcoming: int = 0

    @property
    def rate(self) -> str:
        return f"{100 * self.attended / self.expected:.1f}%" if self.expected else "—"


@dataclass
class ReadingRow:
    material_id: int
    title: str
    kind: str
    required: bool
    percent: int
    finished_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass
class QuizRow:
    quiz: Quiz
    attempts: int
    best: float | None
    excellent: bool
    last_at: dt.datetime | None


@dataclass
class StudyRecord:
    member: Member
    attendances: list[Attendance]
    totals: Totals
    reading: list[ReadingRow]
    quizzes: list[QuizRow]
    questionings: list[Questioning]
    required_total: int = 0
    required_finished: int = 0
    campaigns: list = field(default_factory=list)

    @property
    def quizzes_taken(self) -> int:
        return sum(1 for q in self.quizzes if q.attempts)

    @property
    def quizzes_excellent(self) -> int:
        return sum(1 for q in self.quizzes if q.excellent)


def study_record(member: Member, *, now: dt.datetime | None = None) -> StudyRecord:
    """Everything of one member's study. The caller has checked access (get_member)."""
    now = now or timezone.now()
    atts = list(Attendance.objects.filter(member=member, session__cancelled=False)
                .select_related("session", "session__org").order_by("-session__starts_at", "-pk"))
    totals = Totals()
    for a in atts:
        if a.session.starts_at > now:
            totals.upcoming += 1
            continue
        totals.expected += 1
        totals.attended += a.status in ATTENDED
        totals.present += a.status == A.PRESENT
        totals.late += a.status == A.PRESENT and a.late
        totals.leave += a.status == A.LEAVE
        totals.makeup += a.status == A.MAKEUP
        totals.absent += a.status == A.ABSENT or (a.status == A.EXPECTED and a.session.ends_at < now)

    campaigns = list(member_campaigns(member))
    required = {}
    for cm in (CampaignMaterial.objects.filter(campaign__in=campaigns, required=True)
               .select_related("material").order_by("order", "pk")):
        required.setdefault(cm.material_id, cm.material)
    progress = {p.material_id: p for p in ReadingProgress.objects.filter(member=member).select_related("material")}
    reading = []
    for mid, material in required.items():
        p = progress.get(mid)
        reading.append(ReadingRow(mid, material.title, material.get_kind_display(), True, p.percent if p else 0,
                                  p.finished_at if p else None, p.updated_at if p else None))
    for mid, p in progress.items():
        if mid not in required:
            reading.append(ReadingRow(mid, p.material.title, p.material.get_kind_display(), False, p.percent,
                                      p.finished_at, p.updated_at))

    path = member.org.path
    above = [path[:i] for i in range(STEP, len(path) + 1, STEP)]
    best = {row["quiz_id"]: row for row in QuizAttempt.objects.filter(member=member, submitted_at__isnull=False)
            .values("quiz_id").order_by().annotate(n=Count("pk"), best=Max("score"), last=Max("submitted_at"))}
    quizzes = list(Quiz.objects.filter(Q(pk__in=list(best)) | Q(org__path__in=above, status__in=RATED_QUIZ, opens_at__lte=now))
                   .order_by("-opens_at", "-pk"))
    rows = []
    for q in quizzes:
        b = best.get(q.pk)
        score = float(b["best"]) if b and b["best"] is not None else None
        rows.append(QuizRow(q, b["n"] if b else 0, score, score is not None and score >= q.excellent_score, b["last"] if b else None))
    questionings = list(Questioning.objects.filter(member=member).select_related("asked_by").order_by("-asked_at", "-pk"))
    return StudyRecord(
        member=member, attendances=atts, totals=totals, reading=reading, quizzes=rows, questionings=questionings,
        required_total=len(required), required_finished=sum(1 for r in reading if r.required and r.finished_at),
        campaigns=campaigns,
    )


# ------------------------------------------------------------------------------ org export
@dataclass
class MemberLine:
    """One member's figures for the period (a row of the org export)."""

    member_id: int
    name: str
    org_name: str
    category: str
    expected: int = 0
    attended: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    makeup: int = 0
    late: int = 0
    finished: int = 0
    required: int = 0
    quizzes_expected: int = 0
    taken: int = 0
    excellent: int = 0
    best: dict[int, float] = field(default_factory=dict)  # quiz id -> best score


def org_member_lines(org, period: Period, *, now: dt.datetime | None = None):
    """(quizzes, iterator of MemberLine) for every member under `org` in tree order: four
    aggregations grouped by member, then the members streamed. The caller checks VIEW on org."""
    from dangjian.core.scoping import subtree_q
    from dangjian.study.rates import _inputs

    now = now or timezone.now()
    inputs = _inputs(period)
    start, end = period.bounds(now)
    sub = subtree_q("org__path", org.path)
    att: dict[int, tuple] = {}
    for row in (Attendance.objects.filter(sub, session__cancelled=False, session__starts_at__gte=start, session__starts_at__lt=end)
                .values("member_id").order_by()
                .annotate(n=Count("pk"), yes=Count("pk", filter=Q(status__in=ATTENDED)),
                          present=Count("pk", filter=Q(status=A.PRESENT)), leave=Count("pk", filter=Q(status=A.LEAVE)),
                          no=Count("pk", filter=Q(status=A.ABSENT) | Q(status=A.EXPECTED, session__ends_at__lt=now)),
                          makeup=Count("pk", filter=Q(status=A.MAKEUP)), late=Count("pk", filter=Q(status=A.PRESENT, late=True)))
                .values_list("member_id", "n", "yes", "present", "leave", "no", "makeup", "late")):
        att[row[0]] = row[1:]
    finished: dict[int, int] = {}
    if inputs.materials:
        finished = dict(ReadingProgress.objects.filter(sub, material_id__in=inputs.materials, finished_at__isnull=False)
                        .values("member_id").order_by().annotate(n=Count("pk")).values_list("member_id", "n"))
    quiz_ids = [q for q, _ in inputs.quizzes]
    quizzes = list(Quiz.objects.filter(pk__in=quiz_ids).select_related("org").order_by("opens_at", "pk")) if quiz_ids else []
    line_of = {q.pk: q.excellent_score for q in quizzes}
    best: dict[int, dict[int, float]] = {}
    if quiz_ids:
        for member_id, quiz_id, score in (QuizAttempt.objects.filter(sub, quiz_id__in=quiz_ids, submitted_at__isnull=False)
                                          .values("member_id", "quiz_id").order_by().annotate(best=Max("score"))
                                          .values_list("member_id", "quiz_id", "best")):
            if score is not None:
                best.setdefault(member_id, {})[quiz_id] = float(score)
    n_materials = len(inputs.materials)
    categories = dict(Member._meta.get_field("category").choices)

    def lines():
        members = (Member.objects.filter(subtree_q("org__path", org.path)).order_by("org__path", "name", "pk")
                   .values_list("pk", "name", "org__name", "org__path", "category"))
        for pk, name, org_name, path, category in members.iterator(chunk_size=2000):
            line = MemberLine(pk, name, org_name, categories.get(category, category))
            a = att.get(pk)
            if a:
                line.expected, line.attended, line.present, line.leave, line.absent, line.makeup, line.late = a
            line.finished, line.required = finished.get(pk, 0), n_materials
            line.quizzes_expected = sum(1 for q in quizzes if path.startswith(q.org.path))
            line.best = best.get(pk, {})
            line.taken = len(line.best)
            line.excellent = sum(1 for qid, s in line.best.items() if s >= line_of[qid])
            yield line

    return quizzes, lines()
