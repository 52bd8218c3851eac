"""Quizzes (测试): setting one up (fixed questions or drawn at random by tag), publishing and
closing it, members taking it (start → answer → submit, scored automatically) and the results
per unit.

Rules a member meets:
- A quiz is taken by the members of its org's subtree, while it is published and open
  (opens_at ≤ now < closes_at), at most `max_attempts` times.
- An attempt's deadline is its start plus the time limit, never later than the quiz's close.
  A submission is accepted up to GRACE_SECONDS after the deadline (network delay); a later
  one is refused ("已超过答题时限") and nothing is stored: the attempt stays unsubmitted
  (no score, shown as 超时未交卷) and counts as an attempt used. It is not scored 0, so
  averages are over submitted papers only.
- Submitting is one conditional UPDATE (submitted_at IS NULL): of two racing submits of one
  attempt exactly one is scored; the other is refused ("本次答题已交卷").
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import STEPLEN, Perm, can, restrict, restrict_subtree, scope_of
from dangjian.orgs.models import Member, Org
from dangjian.study.models import Question, Quiz, QuizAttempt, QuizMode, QuizStatus
from dangjian.study.questions import answer_text, bank_q, is_correct
from dangjian.study.sessions import own_member, who

GRACE_SECONDS = 30
MAX_QUESTIONS = 200
S = QuizStatus


def excellent_default() -> int:
    return int(getattr(settings, "DANGJIAN_EXCELLENT_SCORE", 90))


class QuizRefused(PermissionDenied):
    """A refusal the member should read as it is (too late, no attempts left, ...)."""


# ------------------------------------------------------------------------------- scope
def may_manage(user, quiz: Quiz) -> bool:
    return can(user, Perm.ACT, quiz.org)


def quizzes_for(user) -> QuerySet[Quiz]:
    """Quizzes the user may see: of orgs in scope, or published by an org above them (members
    included); drafts only for those who may manage them."""
    qs = restrict(Quiz.objects.all(), user, Perm.VIEW)
    managed = restrict(Quiz.objects.all(), user, Perm.ACT)
    return qs.filter(~Q(status=S.DRAFT) | Q(pk__in=managed.values("pk")))


def get_quiz(user, pk: int) -> Quiz:
    quiz = quizzes_for(user).select_related("org", "campaign").filter(pk=pk).first()
    if quiz is None:
        raise Http404
    return quiz


def is_open(quiz: Quiz, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return quiz.status == S.PUBLISHED and quiz.opens_at <= now < quiz.closes_at


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(STEPLEN, len(path) + 1, STEPLEN)]


def quizzes_for_member(member: Member) -> QuerySet[Quiz]:
    """Published or closed quizzes a member takes: of their org and the orgs above it."""
    return Quiz.objects.filter(org__path__in=_ancestor_paths(member.org.path)).exclude(status=S.DRAFT)


# ------------------------------------------------------------------------------- saving
@dataclass
class QuizData:
    org: Org | None
    title: str
    mode: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    questions: list[Question] = field(default_factory=list)  # fixed mode
    tags: list[str] = field(default_factory=list)  # random mode: draw from questions with any of these
    count: int = 10  # random mode: how many to draw
    time_limit_minutes: int = 30
    max_attempts: int = 1
    excellent_score: int | None = None
    campaign: object | None = None


def pool(org: Org, tags: list[str]) -> list[int]:
    """Ids of the active questions a random quiz of `org` draws from: its own bank and those
    above it, with any of `tags` (all when none)."""
    rows = Question.objects.filter(bank_q(org), active=True).values_list("pk", "tags")
    wanted = set(tags)
    return [pk for pk, qtags in rows if not wanted or wanted & set(qtags or [])]


def quiz_errors(user, data: QuizData, quiz: Quiz | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.org is None:
        errors["org"] = "请选择组织单位"
    if not (data.title or "").strip():
        errors["title"] = "请填写测试名称"
    if data.mode not in QuizMode.values:
        errors["mode"] = "组卷方式无效"
    if not data.opens_at:
        errors["opens_at"] = "请填写开始时间"
    if not data.closes_at:
        errors["closes_at"] = "请填写结束时间"
    elif data.opens_at and data.closes_at <= data.opens_at:
        errors["closes_at"] = "结束时间须晚于开始时间"
    if not 1 <= (data.time_limit_minutes or 0) <= 600:
        errors["time_limit_minutes"] = "限时须为1–600分钟"
    if not 1 <= (data.max_attempts or 0) <= 20:
        errors["max_attempts"] = "可作答次数须为1–20次"
    score = data.excellent_score if data.excellent_score is not None else excellent_default()
    if not 1 <= score <= 100:
        errors["excellent_score"] = "优秀分数线须为1–100分"
    if data.org is not None and data.mode == QuizMode.FIXED:
        if not data.questions:
            errors["questions"] = "固定试题的测试至少选一道题"
        elif len(data.questions) > MAX_QUESTIONS:
            errors["questions"] = f"一次测试最多{MAX_QUESTIONS}道题"
        else:
            banks = set(_ancestor_paths(data.org.path))
            outside = [q for q in data.questions if q.org.path not in banks]
            if outside:
                errors["questions"] = f"试题“{outside[0].stem[:20]}”不属于本组织或上级组织的题库"
            elif any(not q.active for q in data.questions):
                errors["questions"] = "不能选用已停用的试题"
    if data.org is not None and data.mode == QuizMode.RANDOM:
        if not 1 <= (data.count or 0) <= MAX_QUESTIONS:
            errors["count"] = f"抽题数量须为1–{MAX_QUESTIONS}"
        else:
            available = len(pool(data.org, data.tags))
            if available < data.count:
                where = f"标签为“{'、'.join(data.tags)}”的" if data.tags else ""
                errors["count"] = f"题库中{where}可用试题只有{available}道，少于抽题数量{data.count}"
    if quiz is not None and quiz.pk and quiz.attempts.exists():
        changed = []
        if data.mode != quiz.mode:
            changed.append("mode")
        if data.mode == QuizMode.RANDOM and (list(data.tags) != list(quiz.tags) or data.count != quiz.count):
            changed.append("count")
        if data.mode == QuizMode.FIXED and {q.pk for q in data.questions} != set(quiz.questions.values_list("pk", flat=True)):
            changed.append("questions")
        if data.time_limit_minutes != quiz.time_limit_minutes:
            changed.append("time_limit_minutes")
        if score != quiz.excellent_score:
            changed.append("excellent_score")
        for name in changed:
            errors[name] = "已有人作答，不能再修改试题、限时和优秀分数线"
        if data.org is not None and data.org.pk != quiz.org_id:
            errors["org"] = "已有人作答，不能更换组织单位"
    return errors


def save_quiz(user, data: QuizData, quiz: Quiz | None = None) -> Quiz:
    if quiz is not None and not may_manage(user, quiz):
        raise PermissionDenied("无权管理该测试")
    if data.org is not None and not can(user, Perm.ACT, data.org):
        raise PermissionDenied("无权为该组织组织测试")
    if quiz is not None and quiz.status == S.CLOSED:
        raise ValidationError({"__all__": "测试已结束，不能修改"})
    errors = quiz_errors(user, data, quiz)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        quiz = quiz or Quiz(created_by=who(user))
        quiz.org = data.org
        quiz.campaign = data.campaign
        quiz.title = data.title.strip()
        quiz.mode = data.mode
        quiz.tags = list(data.tags) if data.mode == QuizMode.RANDOM else []
        quiz.count = data.count if data.mode == QuizMode.RANDOM else len(data.questions)
        quiz.time_limit_minutes = data.time_limit_minutes
        quiz.max_attempts = data.max_attempts
        quiz.opens_at, quiz.closes_at = data.opens_at, data.closes_at
        quiz.excellent_score = data.excellent_score if data.excellent_score is not None else excellent_default()
        stamp(quiz, user).save()
        quiz.questions.set(data.questions if data.mode == QuizMode.FIXED else [])
    return quiz


def publish_quiz(user, quiz: Quiz) -> Quiz:
    """Draft → published: members can take it between its open and close times."""
    if not may_manage(user, quiz):
        raise PermissionDenied("无权管理该测试")
    if quiz.status != S.DRAFT:
        raise ValidationError({"status": "只有未发布的测试可以发布"})
    if quiz.mode == QuizMode.RANDOM:
        available = len(pool(quiz.org, quiz.tags))
        if available < quiz.count:
            raise ValidationError({"count": f"题库中可用试题只有{available}道，少于抽题数量{quiz.count}"})
    elif not quiz.questions.filter(active=True).exists():
        raise ValidationError({"questions": "固定试题的测试至少选一道可用的题"})
    if quiz.closes_at <= timezone.now():
        raise ValidationError({"closes_at": "结束时间已过，请先修改结束时间"})
    quiz.status = S.PUBLISHED
    stamp(quiz, user, "发布测试").save(update_fields=["status"])
    return quiz


def close_quiz(user, quiz: Quiz) -> Quiz:
    """Published → closed: no new attempts or submissions; results stay."""
    if not may_manage(user, quiz):
        raise PermissionDenied("无权管理该测试")
    if quiz.status != S.PUBLISHED:
        raise ValidationError({"status": "只有已发布的测试可以结束"})
    quiz.status = S.CLOSED
    stamp(quiz, user, "结束测试").save(update_fields=["status"])
    return quiz


# ------------------------------------------------------------------------------ attempts
def _member_or_refuse(user) -> Member:
    member = own_member(user)
    if member is None:
        raise QuizRefused("只有登记为党员的账号可以参加测试")
    return member


def member_attempts(member: Member, quiz: Quiz) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(quiz=quiz, member=member).order_by("number"))


def in_progress(attempt: QuizAttempt, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return attempt.submitted_at is None and now <= attempt.deadline_at + dt.timedelta(seconds=GRACE_SECONDS)


def draw(quiz: Quiz, rng: random.Random | None = None) -> list[int]:
    """The questions of a new attempt: the quiz's own (fixed, active ones, in order), or
    `count` drawn at random without repeats from the pool."""
    if quiz.mode == QuizMode.FIXED:
        return list(quiz.questions.filter(active=True).order_by("pk").values_list("pk", flat=True))
    ids = pool(quiz.org, quiz.tags)
    if len(ids) < quiz.count:
        raise QuizRefused("题库中可用试题不足，请联系组织测试的党组织")
    return (rng or random.SystemRandom()).sample(ids, quiz.count)


def start_attempt(user, quiz: Quiz, rng: random.Random | None = None) -> QuizAttempt:
    """Start (or resume) the member's attempt. Refused outside the open window or beyond the
    attempts allowed; an unsubmitted attempt still within its time is resumed, not doubled."""
    member = _member_or_refuse(user)
    if not quizzes_for_member(member).filter(pk=quiz.pk).exists():
        raise Http404
    now = timezone.now()
    attempts = member_attempts(member, quiz)
    for a in attempts:
        if in_progress(a, now):
            return a
    if quiz.status != S.PUBLISHED:
        raise QuizRefused("测试未发布或已结束")
    if now < quiz.opens_at:
        raise QuizRefused(f"测试尚未开始（{timezone.localtime(quiz.opens_at):%Y-%m-%d %H:%M} 开始）")
    if now >= quiz.closes_at:
        raise QuizRefused("测试已结束")
    if len(attempts) >= quiz.max_attempts:
        raise QuizRefused(f"已达到可作答次数（{quiz.max_attempts}次）")
    ids = draw(quiz, rng)
    if not ids:
        raise QuizRefused("本测试没有可用的试题")
    deadline = min(now + dt.timedelta(minutes=quiz.time_limit_minutes), quiz.closes_at)
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                quiz=quiz, member=member, org=member.org, number=len(attempts) + 1, question_ids=ids,
                started_at=now, deadline_at=deadline,
            )
    except IntegrityError:
        # Two starts raced: the other one made this number; use it.
        attempt = QuizAttempt.objects.filter(quiz=quiz, member=member, number=len(attempts) + 1).first()
        if attempt is None:
            raise
        return attempt


def own_attempt(user, pk: int) -> QuizAttempt:
    """The user's own attempt; anyone else's is 404 (whoever may view it sees it elsewhere)."""
    member = own_member(user)
    attempt = QuizAttempt.objects.select_related("quiz__org", "member").filter(pk=pk).first()
    if attempt is None or member is None or attempt.member_id != member.pk:
        raise Http404
    return attempt


def attempt_questions(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions, in its order (questions deleted since are left out)."""
    by_id = Question.objects.in_bulk(attempt.question_ids)
    return [by_id[i] for i in attempt.question_ids if i in by_id]


def _clean_answers(attempt: QuizAttempt, answers: dict) -> dict[str, list[str]]:
    allowed = {str(i) for i in attempt.question_ids}
    out: dict[str, list[str]] = {}
    for key, value in (answers or {}).items():
        key = str(key)
        if key not in allowed:
            raise ValidationError({"answers": f"第{key}题不在本次试卷中"})
        values = value if isinstance(value, (list, tuple)) else [value]
        values = [str(v).strip()[:500] for v in values if v is not None and str(v).strip()]
        if values:
            out[key] = values[:10]
    return out


def score_of(questions: list[Question], answers: dict[str, list[str]]) -> Decimal:
    if not questions:
        return Decimal("0.0")
    right = sum(1 for q in questions if is_correct(q, answers.get(str(q.pk))))
    return (Decimal(100 * right) / Decimal(len(questions))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def submit_attempt(user, attempt: QuizAttempt, answers: dict) -> QuizAttempt:
    """Hand in the attempt and score it. Only the member themself, once, and in time."""
    member = own_member(user)
    if member is None or attempt.member_id != member.pk:
        raise QuizRefused("只能提交本人的答卷")
    if attempt.submitted_at is not None:
        raise QuizRefused("本次答题已交卷，不能重复提交")
    now = timezone.now()
    if now > attempt.deadline_at + dt.timedelta(seconds=GRACE_SECONDS):
        raise QuizRefused("已超过答题时限，本次答卷未被接收")
    clean = _clean_answers(attempt, answers)
    quiz = attempt.quiz
    score = score_of(attempt_questions(attempt), clean)
    excellent = score >= quiz.excellent_score
    done = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
        answers=clean, submitted_at=now, score=score, excellent=excellent,
    )
    if not done:
        raise QuizRefused("本次答题已交卷，不能重复提交")
    attempt.answers, attempt.submitted_at, attempt.score, attempt.excellent = clean, now, score, excellent
    return attempt


def review(attempt: QuizAttempt) -> list[dict]:
    """Each question with the member's answer and, once submitted, the right answer."""
    rows = []
    shown = attempt.submitted_at is not None
    for i, q in enumerate(attempt_questions(attempt), start=1):
        given = attempt.answers.get(str(q.pk), [])
        rows.append({
            "n": i, "question": q, "given": given,
            "correct": is_correct(q, given) if shown else None,
            "answer": answer_text(q) if shown else None,
        })
    return rows


def attempt_state(attempt: QuizAttempt, now: dt.datetime | None = None) -> str:
    if attempt.submitted_at is not None:
        return "submitted"
    return "in_progress" if in_progress(attempt, now) else "expired"


STATE_LABELS = {"submitted": "已交卷", "in_progress": "答题中", "expired": "超时未交卷"}


# ------------------------------------------------------------------------------- results
def results_parent(user, quiz: Quiz) -> Org | None:
    """Where the results page starts: the quiz's org if the user sees it, else the topmost org
    of the user's scope under it (a branch secretary sees their branch)."""
    if can(user, Perm.VIEW, quiz.org):
        return quiz.org
    paths = sorted((p for p in scope_of(user).paths(Perm.VIEW) if p.startswith(quiz.org.path)), key=len)
    return Org.objects.filter(path=paths[0]).first() if paths else None


def results_by_unit(user, quiz: Quiz, parent: Org) -> list[dict]:
    """One row for the members directly in `parent` (本级) and one per child org of `parent`
    that the user sees: members, members who handed in, papers handed in, average score,
    excellent members, participation and excellence rates. Counted in the database, grouped by
    a path prefix of fixed length; people are never ranked."""
    width = len(parent.path) + STEPLEN
    children = list(restrict_subtree(Org.objects.filter(depth=parent.depth + 1), user, parent).order_by("order", "path"))
    orgs = ([parent] if can(user, Perm.VIEW, parent) else []) + children
    rows = {o.path: {"org": o, "own": o.pk == parent.pk, "members": 0, "takers": 0, "attempts": 0, "average": None,
                     "excellent": 0, "participation": None, "excellent_rate": None,
                     "has_children": o.pk != parent.pk and o.numchild > 0}
            for o in orgs}
    if not rows:
        return []
    members = restrict_subtree(Member.objects.all(), user, parent)
    for row in members.annotate(unit=Substr("org__path", 1, width)).values("unit").annotate(n=Count("id")).order_by():
        if row["unit"] in rows:
            rows[row["unit"]]["members"] = row["n"]
    attempts = restrict_subtree(QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=False), user, parent)
    agg = (attempts.annotate(unit=Substr("org__path", 1, width)).values("unit")
           .annotate(n=Count("id"), takers=Count("member", distinct=True), avg=Avg("score"),
                     exc=Count("member", distinct=True, filter=Q(excellent=True)))
           .order_by())
    for row in agg:
        entry = rows.get(row["unit"])
        if entry is None:
            continue
        entry.update(attempts=row["n"], takers=row["takers"], excellent=row["exc"], average=_one_place(row["avg"]))
    for entry in rows.values():
        if entry["members"]:
            entry["participation"] = round(100 * entry["takers"] / entry["members"], 1)
        if entry["takers"]:
            entry["excellent_rate"] = round(100 * entry["excellent"] / entry["takers"], 1)
    return [r for r in rows.values() if not r["own"] or r["members"] or r["attempts"]]


def _one_place(value) -> Decimal | None:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if value is not None else None


def results_total(user, quiz: Quiz) -> dict:
    qs = restrict(QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=False), user, Perm.VIEW)
    agg = qs.aggregate(n=Count("id"), takers=Count("member", distinct=True), avg=Avg("score"),
                       exc=Count("member", distinct=True, filter=Q(excellent=True)))
    return {
        "attempts": agg["n"], "takers": agg["takers"], "excellent": agg["exc"],
        "average": _one_place(agg["avg"]),
        "excellent_rate": round(100 * agg["exc"] / agg["takers"], 1) if agg["takers"] else None,
    }
