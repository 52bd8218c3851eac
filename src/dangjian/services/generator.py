"""Deterministic service-request data for the `redblack_city` benchmark: responsible units
spread over a generated tree (orgs.generator) and a year of requests (city: 500 units and
1,000,000 requests) ending now, each unit with its own quality (some excellent, some poor) so
that both lists have entries. Bulk inserts (COPY on PostgreSQL, executemany on SQLite), no
history rows. Idempotent: a second call finds the units and returns the counts.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Org
from dangjian.services.models import ServiceRequest, ServiceUnit
from dangjian.study.generator import _bulk

SEED = 2005
PREFIX = "BENCH-SU-"
UNITS = {"tiny": 10, "small": 50, "city": 500}
REQUESTS = {"tiny": 2_000, "small": 40_000, "city": 1_000_000}
MONTHS = 12
CATEGORIES = ("物业维修", "环境卫生", "供水供电", "安全隐患", "停车管理", "噪声扰民", "绿化养护", "其他")
CHANNELS = ("hotline", "hotline", "online", "online", "visit", "letter")


@dataclass
class RequestResult:
    units: int
    requests: int
    seconds: float
    created: bool


def _counts(seconds: float, created: bool) -> RequestResult:
    units = ServiceUnit.objects.filter(code__startswith=PREFIX)
    return RequestResult(units=units.count(), requests=ServiceRequest.objects.filter(unit__in=units).count(),
                         seconds=seconds, created=created)


def load_requests(scale: str, root: Org, *, seed: int = SEED, now: dt.datetime | None = None) -> RequestResult:
    started = time.perf_counter()
    if ServiceUnit.objects.filter(code__startswith=PREFIX).exists():
        return _counts(time.perf_counter() - started, False)
    with transaction.atomic():
        _load(scale, root, seed=seed, now=now or timezone.now())
    return _counts(time.perf_counter() - started, True)


def _load(scale: str, root: Org, *, seed: int, now: dt.datetime) -> None:
    rng = random.Random(seed)
    n_units = UNITS[scale]
    orgs = list(Org.objects.filter(subtree_q("path", root.path), depth__in=(root.depth + 1, root.depth + 2))
                .order_by("path").values_list("pk", flat=True))
    if not orgs:
        orgs = [root.pk]
    created = now
    unit_rows = []
    for i in range(n_units):
        org_id = orgs[(i * 7919) % len(orgs)]
        unit_rows.append((org_id, "company" if i % 4 else "org", f"{PREFIX}{i:04d}", f"第{i + 1}物业服务项目", "", True, created))
    _bulk(ServiceUnit, ["org_id", "kind", "code", "name", "contact", "active", "created_at"], unit_rows)
    units = list(ServiceUnit.objects.filter(code__startswith=PREFIX).order_by("code").values_list("pk", "org_id"))
    # Each unit's quality: the share answered in time, resolved, satisfied. About a fifth
    # excellent (red), a fifth poor on one measure (black), the rest in between.
    quality = []
    for i in range(len(units)):
        kind = i % 5
        if kind == 0:
            quality.append((0.995, 0.985, 0.985))
        elif kind == 1:
            quality.append([(0.90, 0.92, 0.90), (0.97, 0.70, 0.90), (0.97, 0.92, 0.70)][i % 3])
        else:
            quality.append((0.965, 0.90, 0.90))
    total = REQUESTS[scale]
    tz = timezone.get_current_timezone()
    first = (timezone.localtime(now, tz).date().replace(day=1) - dt.timedelta(days=31 * MONTHS)).replace(day=1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    span = (now - start).total_seconds() - 3 * 86400  # the last requests have had time to be answered

    def rows():
        for n in range(total):
            u = rng.randrange(len(units))
            unit_id, org_id = units[u]
            q_resp, q_res, q_sat = quality[u]
            received = start + dt.timedelta(seconds=int(rng.random() * span))
            if rng.random() < q_resp:
                responded = received + dt.timedelta(minutes=rng.randint(5, 23 * 60))
            elif rng.random() < 0.9:
                responded = received + dt.timedelta(hours=rng.randint(25, 72))
            else:
                responded = None
            resolved = responded + dt.timedelta(hours=rng.randint(1, 48)) if responded and rng.random() < q_res else None
            sat = ""
            if resolved is not None and rng.random() < 0.7:
                sat = "satisfied" if rng.random() < q_sat - 0.1 else ("basic" if rng.random() < 0.6 else "unsatisfied")
            yield (unit_id, org_id, f"BR{n:09d}", CHANNELS[n % len(CHANNELS)], CATEGORIES[n % len(CATEGORIES)], "",
                   received, responded, resolved, sat, None, created)

    _bulk(ServiceRequest, ["unit_id", "org_id", "number", "channel", "category", "content", "received_at", "responded_at",
                           "resolved_at", "satisfaction", "created_by_id", "created_at"], rows())
