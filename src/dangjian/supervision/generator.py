"""Deterministic questionnaire data for the `questionnaire_results` benchmark: one published
questionnaire of 30 questions (12 single choice, 6 multiple choice, 10 scale, 2 text) at the
root, answered by members of the branches of a generated tree (orgs.generator): city 100,000
responses (about 3.3 million answers). Bulk inserts (study.generator._bulk: COPY on PostgreSQL,
executemany in batches elsewhere), no history rows. Idempotent: a second call finds the
questionnaire and returns the counts."""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Org
from dangjian.study.generator import _bulk
from dangjian.supervision.models import Answer, QItem, Questionnaire, Response

SEED = 2006
TITLE = "【基准】主题教育开展情况问卷调查"
RESPONSES = {"tiny": 1_000, "small": 10_000, "city": 100_000}
SINGLE = 12
MULTIPLE = 6
SCALE = 10
TEXT = 2
TEXTS = ("学习形式可以更丰富", "希望多组织实地参观", "建议减少材料报送", "效果很好")


@dataclass
class QuestionnaireResult:
    questionnaire: Questionnaire
    responses: int
    answers: int
    seconds: float
    created: bool


def _counts(q: Questionnaire, seconds: float, created: bool) -> QuestionnaireResult:
    return QuestionnaireResult(questionnaire=q, responses=Response.objects.filter(questionnaire=q).count(),
                               answers=Answer.objects.filter(item__questionnaire=q).count(), seconds=seconds, created=created)


def load_questionnaire(scale: str, root: Org, *, seed: int = SEED, now: dt.datetime | None = None) -> QuestionnaireResult:
    started = time.perf_counter()
    existing = Questionnaire.objects.filter(org=root, title=TITLE).first()
    if existing is not None:
        return _counts(existing, time.perf_counter() - started, False)
    with transaction.atomic():
        q = _load(scale, root, seed=seed, now=now or timezone.now())
    return _counts(q, time.perf_counter() - started, True)


def _items(q: Questionnaire) -> list[QItem]:
    items = []
    order = 0
    for n in range(SINGLE):
        order += 1
        items.append(QItem(questionnaire=q, section="一、基本情况" if n < 6 else "二、学习教育", order=order, kind="single",
                           text=f"单选题{n + 1}：本支部是否按要求开展第{n + 1}项工作？", options=["是", "基本是", "否", "不清楚"]))
    for n in range(MULTIPLE):
        order += 1
        items.append(QItem(questionnaire=q, section="二、学习教育", order=order, kind="multiple",
                           text=f"多选题{n + 1}：您参加过哪些形式？", options=["集中学习", "读书班", "专题党课", "线上学习", "实地参观"]))
    for n in range(SCALE):
        order += 1
        items.append(QItem(questionnaire=q, section="三、满意度", order=order, kind="scale", text=f"量表题{n + 1}：满意程度",
                           scale_max=5))
    for n in range(TEXT):
        order += 1
        items.append(QItem(questionnaire=q, section="四、意见建议", order=order, kind="text", text=f"文字题{n + 1}：意见建议",
                           required=False))
    return QItem.objects.bulk_create(items)


def _load(scale: str, root: Org, *, seed: int, now: dt.datetime) -> Questionnaire:
    rng = random.Random(seed)
    q = Questionnaire.objects.create(org=root, title=TITLE, audience="members", anonymous=True, deadline=now + dt.timedelta(days=30),
                                     status="published", published_at=now - dt.timedelta(days=10))
    items = [(i.pk, i.kind) for i in sorted(_items(q), key=lambda i: i.order)]
    orgs = list(Org.objects.filter(subtree_q("path", root.path), kind="branch").values_list("pk", flat=True)) or [root.pk]
    total = RESPONSES[scale]
    _bulk(Response, ["questionnaire_id", "respondent_key", "user_id", "org_id", "submitted_at"],
          ((q.pk, f"bench-{n:07d}", None, orgs[(n * 7919) % len(orgs)], now - dt.timedelta(seconds=n * 7)) for n in range(total)))
    ids = list(Response.objects.filter(questionnaire=q).order_by("respondent_key").values_list("pk", flat=True))

    def answers():
        for rid in ids:
            lean = rng.random()  # how satisfied this respondent is overall
            for item_id, kind in items:
                if kind == "single":
                    yield (rid, item_id, 0 if rng.random() < 0.55 + lean * 0.3 else rng.randrange(1, 4), None, "")
                elif kind == "multiple":
                    for opt in range(5):
                        if rng.random() < 0.4:
                            yield (rid, item_id, opt, None, "")
                elif kind == "scale":
                    yield (rid, item_id, None, min(5, max(1, round(2 + lean * 3 + rng.uniform(-1, 1)))), "")
                elif rng.random() < 0.1:
                    yield (rid, item_id, None, None, TEXTS[rng.randrange(len(TEXTS))])

    _bulk(Answer, ["response_id", "item_id", "option", "value", "text"], answers())
    return q
