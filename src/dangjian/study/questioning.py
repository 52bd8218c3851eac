"""Random questioning (随机提问, seed 003): an inspector — a role holder who may view the
member's org, e.g. a guidance-group member — draws questions for one member on the spot, asks
them, marks each answer right or wrong and saves.

Two steps, callable by the supervision app too:
- draw_questioning(user, member, count, tags) makes the record with the questions drawn
  (score empty: not yet marked);
- record_questioning(user, questioning, marks, note, activity_ref="") stores the marks and the
  score (100 × right / asked), once.
The member sees their own marked records; role holders see those of the orgs in their scope.
"""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Member
from dangjian.study.models import Question, Questioning
from dangjian.study.questions import bank_q
from dangjian.study.sessions import own_member, who

MAX_COUNT = 20


def may_question(user, member: Member) -> bool:
    return can(user, Perm.VIEW, member.org)


def questionings_for(user) -> QuerySet[Questioning]:
    """Records in the user's scope; a member's own once they are marked."""
    qs = restrict(Questioning.objects.all(), user, Perm.VIEW)
    mine = own_member(user)
    if mine is not None:
        qs = qs.exclude(member=mine, score__isnull=True)
    return qs


def get_questioning(user, pk: int) -> Questioning:
    q = questionings_for(user).select_related("member", "org", "asked_by").filter(pk=pk).first()
    if q is None:
        raise Http404
    return q


def draw_questioning(user, member: Member, count: int, tags: list[str] | None = None,
                     rng: random.Random | None = None) -> Questioning:
    """Draw `count` active questions (optionally with any of `tags`) from the banks of the
    member's org and the orgs above it, without repeats, and start the record."""
    if not may_question(user, member):
        raise PermissionDenied("无权对该党员随机提问")
    if not 1 <= int(count or 0) <= MAX_COUNT:
        raise ValidationError({"count": f"题数须为1–{MAX_COUNT}"})
    wanted = {t for t in (tags or []) if t}
    rows = Question.objects.filter(bank_q(member.org), active=True).values_list("pk", "tags")
    ids = [pk for pk, qtags in rows if not wanted or wanted & set(qtags or [])]
    if len(ids) < count:
        where = f"标签为“{'、'.join(sorted(wanted))}”的" if wanted else ""
        raise ValidationError({"count": f"题库中{where}可用试题只有{len(ids)}道，少于{count}道"})
    chosen = (rng or random.SystemRandom()).sample(ids, count)
    by_id = Question.objects.in_bulk(chosen)
    items = []
    for pk in chosen:
        q = by_id[pk]
        items.append({"question": q.pk, "kind": q.kind, "stem": q.stem, "options": q.options, "answer": q.answer,
                      "given": "", "correct": None})
    return Questioning.objects.create(member=member, org=member.org, asked_by=who(user), items=items)


def record_questioning(user, questioning: Questioning, marks, note: str = "", activity_ref: str = "") -> Questioning:
    """Store the marks of a drawn questioning: `marks` is a list of {"question": id,
    "correct": bool, "given": "what the member said"} or a dict {id: bool}; every question
    drawn needs a mark. Only once, by whoever may question the member."""
    if not may_question(user, questioning.member):
        raise PermissionDenied("无权对该党员随机提问")
    if questioning.score is not None:
        raise ValidationError({"__all__": "该次提问已记录，不能重复记录"})
    if isinstance(marks, dict):
        marks = [{"question": k, "correct": v} for k, v in marks.items()]
    by_question: dict[int, dict] = {}
    for m in marks or []:
        try:
            by_question[int(m["question"])] = m
        except (KeyError, TypeError, ValueError):
            raise ValidationError({"marks": "评判格式应为 [{question, correct, given}]"}) from None
    drawn = [item["question"] for item in questioning.items]
    extra = set(by_question) - set(drawn)
    if extra:
        raise ValidationError({"marks": f"试题{sorted(extra)[0]}不在本次提问中"})
    missing = [i for i, pk in enumerate(drawn, start=1) if not isinstance(by_question.get(pk, {}).get("correct"), bool)]
    if missing:
        raise ValidationError({"marks": f"请评判第{missing[0]}题回答正确与否"})
    items = []
    for item in questioning.items:
        m = by_question[item["question"]]
        items.append({**item, "correct": m["correct"], "given": str(m.get("given") or "").strip()[:500]})
    right = sum(1 for i in items if i["correct"])
    score = (Decimal(100 * right) / Decimal(len(items))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    done = Questioning.objects.filter(pk=questioning.pk, score__isnull=True).update(
        items=items, score=score, note=(note or "").strip()[:2000], activity_ref=(activity_ref or "")[:100],
    )
    if not done:
        raise ValidationError({"__all__": "该次提问已记录，不能重复记录"})
    questioning.items, questioning.score, questioning.note = items, score, (note or "").strip()[:2000]
    questioning.activity_ref = (activity_ref or "")[:100]
    return questioning
