"""Deterministic rectification data for benchmarks: on a generated org tree (orgs.generator), a
campaign at the root and problems spread over its units and branches in every status, with
measures. City: 50,000 problems and 120,000 measures; small 5,000 / 12,000; tiny 500 / 1,200.
Bulk inserts (COPY on PostgreSQL, executemany elsewhere), no history rows. Idempotent: a second
call finds the campaign and returns its counts.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from dangjian.campaigns.models import Campaign, CampaignStatus
from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Org
from dangjian.rectification.models import NOWHERE, Aspect, Measure, Problem

SEED = 2005
CAMPAIGN_NAME = "检视整改基准数据"
PROBLEMS = {"tiny": 500, "small": 5_000, "city": 50_000}
MEASURES = {"tiny": 1_200, "small": 12_000, "city": 120_000}
# Status mix of the problems (draft and returned count nowhere).
STATUS_MIX = (("draft", 0.04), ("returned", 0.02), ("reviewing", 0.08), ("open", 0.12), ("rectifying", 0.30),
              ("rectified", 0.10), ("verified", 0.06), ("closed", 0.28))
SOURCE_MIX = (("self", 0.55), ("inspection", 0.25), ("research", 0.12), ("public", 0.08))
TOPICS = (
    "理论学习不够深入系统", "学用结合不够紧密", "调查研究走马观花", "联系服务群众不够主动", "办事流程繁琐、群众跑腿多",
    "会议记录不规范", "“三会一课”落实不到位", "发展党员程序不规范", "党费收缴不及时", "制度执行不严格",
    "作风不够扎实、存在推诿扯皮", "落实上级部署打折扣", "廉政风险防控不到位", "意识形态阵地管理不严", "基层党组织软弱涣散",
)
MEASURE_TEXTS = (
    "制定专项整改方案，明确责任分工", "开展专题学习研讨", "修订完善相关制度", "建立工作台账，定期调度", "开展警示教育",
    "简化办事流程，推行一次办结", "组织专项检查，逐项销号", "召开专题组织生活会", "建立长效机制", "公开承诺并接受群众监督",
)
LEADERS = ("党委书记", "党委副书记", "纪委书记", "院长", "处长", "支部书记")
OWNERS = ("办公室主任", "组织员", "支部委员", "副处长", "科长", "辅导员")


@dataclass
class ProblemResult:
    campaign: Campaign
    problems: int
    measures: int
    seconds: float
    created: bool


def _bulk(model, columns: list[str], rows) -> int:
    """Insert `rows` (tuples in `columns` order) into `model`'s table: COPY on PostgreSQL,
    executemany in batches elsewhere. Datetimes are aware."""
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
        adapt_dt = connection.ops.adapt_datetimefield_value
        adapt_d = connection.ops.adapt_datefield_value
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            batch.append(tuple(adapt_dt(v) if isinstance(v, dt.datetime) else adapt_d(v) if isinstance(v, dt.date) else v for v in row))
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def _pick(rng: random.Random, mix) -> str:
    r, acc = rng.random(), 0.0
    for value, share in mix:
        acc += share
        if r < acc:
            return value
    return mix[-1][0]


def _counts(campaign: Campaign, seconds: float, created: bool) -> ProblemResult:
    return ProblemResult(campaign=campaign, problems=Problem.objects.filter(campaign=campaign).count(),
                         measures=Measure.objects.filter(problem__campaign=campaign).count(), seconds=seconds, created=created)


def load_problems(scale: str, root: Org, *, seed: int = SEED, now: dt.datetime | None = None) -> ProblemResult:
    """The rectification data of `scale` under `root`; reused if present."""
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
    campaign = Campaign.objects.create(org=root, name=CAMPAIGN_NAME, starts_on=today - dt.timedelta(days=540),
                                       ends_on=today + dt.timedelta(days=180), requirements="学思想、强党性、重实践、建新功",
                                       status=CampaignStatus.ACTIVE)
    aspects = list(Aspect.objects.filter(active=True).values_list("pk", flat=True))
    orgs = list(Org.objects.filter(subtree_q("path", root.path)).exclude(kind="group").values_list("pk", "path", "depth", "code"))
    by_path = {path: pk for pk, path, _, _ in orgs}
    grassroots = [o for o in orgs if o[2] >= 3]
    units = [o for o in orgs if o[2] == 2]
    top = [o for o in orgs if o[2] == 1]
    if not units:
        raise ValueError("the tree has no secondary units")
    tz = timezone.get_current_timezone()
    step = Org.steplen
    n_problems, n_measures = PROBLEMS[scale], MEASURES[scale]
    extra = set(rng.sample(range(n_problems), n_measures - 2 * n_problems))  # these get a third measure

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=tz)

    problems, measures = [], []
    for i in range(n_problems):
        r = rng.random()
        pk, path, depth, code = rng.choice(grassroots if r < 0.8 and grassroots else units if r < 0.95 else top)
        status = _pick(rng, STATUS_MIX)
        found = today - dt.timedelta(days=rng.randint(0, 540))
        due = found + dt.timedelta(days=rng.choice((30, 60, 90, 120, 180)))
        review_org, level = None, NOWHERE
        submitted = accepted = rectified = verified = closed = None
        if status not in ("draft", "returned"):
            submitted = at(found + dt.timedelta(days=rng.randint(0, 3)), 9)
        if status == "reviewing":
            if depth > 2 and rng.random() < 0.5:
                review_org, level = by_path[path[: 2 * step]], depth
            elif depth > 1:
                review_org, level = by_path[path[:step]], min(depth, 2)
            else:
                status = "open"
        if status not in ("draft", "returned", "reviewing"):
            level = 1
            accepted = submitted + dt.timedelta(days=rng.randint(1, 10))
        if status in ("rectified", "verified", "closed"):
            rectified = min(accepted + dt.timedelta(days=rng.randint(10, 120)), now)
        if status in ("verified", "closed"):
            verified = min(rectified + dt.timedelta(days=rng.randint(1, 15)), now)
        if status == "closed":
            closed = min(verified + dt.timedelta(days=rng.randint(0, 10)), now)
        number = f"{code}-{found.year}-B{i:06d}"
        topic = rng.choice(TOPICS)
        problems.append((pk, campaign.pk, number, _pick(rng, SOURCE_MIX), rng.choice(aspects), found, topic,
                         f"{topic}：具体表现见检视材料（{i + 1}）", rng.choice(LEADERS), rng.choice(OWNERS), due,
                         "按期整改到位，建立长效机制", status, review_org, level, "", "", submitted, accepted, rectified,
                         "已按措施整改到位" if rectified else "", verified, closed, now, now))
        k = 3 if i in extra else 2
        done_all = status in ("rectified", "verified", "closed")
        for j in range(k):
            m_due = min(due, found + dt.timedelta(days=rng.randint(15, (due - found).days)))
            if done_all or (status == "rectifying" and rng.random() < 0.45):
                m_status, done_on = "done", min(m_due + dt.timedelta(days=rng.randint(-10, 10)), today)
            elif status == "rectifying":
                m_status, done_on = "doing", None
            else:
                m_status, done_on = "pending", None
            measures.append((number, rng.choice(MEASURE_TEXTS), rng.choice(OWNERS), m_due, m_status,
                             "按计划推进" if m_status == "doing" else "", max(done_on, found) if done_on else None, j))

    _bulk(Problem, ["org_id", "campaign_id", "number", "source", "aspect_id", "found_on", "title", "description", "leader", "owner",
                    "due_on", "target", "status", "review_org_id", "level_depth", "activity_ref", "research_ref", "submitted_at",
                    "accepted_at", "rectified_at", "rectification_note", "verified_at", "closed_at", "created_at", "updated_at"],
          problems)
    ids = dict(Problem.objects.filter(campaign=campaign).values_list("number", "pk"))
    _bulk(Measure, ["problem_id", "text", "owner", "due_on", "status", "progress", "done_on", "order"],
          ((ids[m[0]], *m[1:]) for m in measures))
    return campaign
