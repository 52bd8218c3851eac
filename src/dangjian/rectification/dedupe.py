"""Duplicate detection (查重): near-identical problems already on the list of the same org or its
parent, for Chinese text without word segmentation.

Method (docs: /work/frags/h3-adr.md): one indexed query fetches the candidates (every problem of
the org and of its parent, a few columns only); Python scores each by the Dice coefficient of
character bigrams of the normalised title (and, where both have one, of the description). It runs
the same on SQLite and PostgreSQL: no trigram extension, no full-text configuration, no
segmentation dictionary.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models.functions import Substr

from dangjian.orgs.models import Org
from dangjian.rectification.models import Problem

# Below this score a candidate is not shown. 0.5 catches reworded titles ("理论学习不够深入" /
# "理论学习还不够深入系统") and leaves unrelated problems of the same aspect out.
THRESHOLD = 0.5
TITLE_WEIGHT = 0.7  # where both texts have a description, the title still counts most
# The description is looked at only when the titles already share this much: it lifts a
# reworded title, it does not make two different problems alike (and it is the costly part).
DESCRIPTION_FLOOR = 0.35
DESCRIPTION_CHARS = 600  # the start of a description is enough to tell; keeps scoring cheap


def threshold() -> float:
    return float(getattr(settings, "DANGJIAN_DUPLICATE_THRESHOLD", THRESHOLD))


_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, and nothing but letters and digits (CJK included):
    punctuation and spaces say nothing about what a problem is."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def _grams(text: str) -> frozenset[str]:
    t = normalize(text)
    if len(t) < 2:
        return frozenset((t,)) if t else frozenset()
    return frozenset(map(str.__add__, t, t[1:]))


@lru_cache(maxsize=16384)
def grams(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text (a one-character text: that character).
    Cached for titles: typing in the form re-scores the same candidates on every pause."""
    return _grams(text)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


class Probe:
    """The text being entered, reduced to its bigrams once."""

    __slots__ = ("title", "description")

    def __init__(self, title: str, description: str = ""):
        self.title = grams(title)
        self.description = _grams((description or "")[:DESCRIPTION_CHARS])

    def score(self, title: str, description: str = "") -> float:
        return self.score_grams(grams(title), _grams((description or "")[:DESCRIPTION_CHARS]))

    def score_grams(self, title: frozenset[str], description: frozenset[str]) -> float:
        t = dice(self.title, title)
        if self.description and description and t >= DESCRIPTION_FLOOR:
            # A matching description lifts a reworded title; it never drags an identical one down.
            return max(t, TITLE_WEIGHT * t + (1 - TITLE_WEIGHT) * dice(self.description, description))
        return t


def scope_orgs(org: Org) -> list[int]:
    """The org and its parent: where a duplicate of a problem entered at `org` would be listed."""
    ids = [org.pk]
    if org.depth > 1:
        parent_pk = Org.objects.filter(path=org.path[: -Org.steplen]).values_list("pk", flat=True).first()
        if parent_pk:
            ids.append(parent_pk)
    return ids


class Candidate(NamedTuple):
    pk: int
    org_id: int
    title: str
    description: str


def candidates(org_ids: Iterable[int]) -> list[Candidate]:
    """Every problem of these orgs as plain tuples (no model instances), the description cut
    in the database: one query on the (org, status) index."""
    rows = (Problem.objects.filter(org_id__in=list(org_ids)).order_by()
            .values_list("pk", "org_id", "title", Substr("description", 1, DESCRIPTION_CHARS)))
    return [Candidate(*r) for r in rows]


def rank(probe: Probe, rows: Iterable[Candidate], *, exclude_pk=None, limit: int = 5,
         minimum: float | None = None) -> list[tuple[Candidate, float]]:
    cut = threshold() if minimum is None else minimum
    # The description adds at most (1 - TITLE_WEIGHT) to TITLE_WEIGHT × title score: below this
    # title score no description can lift a candidate over the cut, so its bigrams are skipped.
    hopeless = max(DESCRIPTION_FLOOR, (cut - (1 - TITLE_WEIGHT)) / TITLE_WEIGHT)
    scored = []
    for c in rows:
        if exclude_pk is not None and c.pk == exclude_pk:
            continue
        t = dice(probe.title, grams(c.title))
        if t >= cut:
            s = t
        elif probe.description and c.description and t >= hopeless:
            s = probe.score_grams(grams(c.title), _grams(c.description))
        else:
            continue
        if s >= cut:
            scored.append((c, round(s, 3)))
    scored.sort(key=lambda cs: (-cs[1], -cs[0].pk))
    return scored[:limit]


class Pool:
    """Candidates with an inverted index of their title bigrams, for scoring many probes against
    one set (an import): a probe only looks at candidates sharing enough title bigrams."""

    def __init__(self, rows: Iterable[Candidate] = ()):
        self.rows: list[Candidate] = []
        self.titles: list[frozenset[str]] = []
        self.index: dict[str, list[int]] = {}
        for c in rows:
            self.add(c)

    def add(self, c: Candidate) -> None:
        i = len(self.rows)
        self.rows.append(c)
        t = grams(c.title)
        self.titles.append(t)
        for g in t:
            self.index.setdefault(g, []).append(i)

    def rank(self, probe: Probe, *, org_ids=None, limit: int = 5, minimum: float | None = None) -> list[tuple[Candidate, float]]:
        cut = threshold() if minimum is None else minimum
        floor = min(cut, max(DESCRIPTION_FLOOR, (cut - (1 - TITLE_WEIGHT)) / TITLE_WEIGHT)) if probe.description else cut
        shared: dict[int, int] = {}
        for g in probe.title:
            for i in self.index.get(g, ()):
                shared[i] = shared.get(i, 0) + 1
        n = len(probe.title)
        scored = []
        for i, k in shared.items():
            t_grams = self.titles[i]
            if 2 * k / (n + len(t_grams)) < floor:
                continue
            c = self.rows[i]
            if org_ids is not None and c.org_id not in org_ids:
                continue
            s = probe.score_grams(t_grams, _grams(c.description) if probe.description and c.description else frozenset())
            if s >= cut:
                scored.append((c, round(s, 3)))
        scored.sort(key=lambda cs: (-cs[1], -cs[0].pk))
        return scored[:limit]


def similar_problems(org: Org, title: str, description: str = "", *, exclude_pk=None, limit: int = 5) -> list[tuple[Problem, float]]:
    """Near-identical problems on the list of `org` or its parent, best first, as (problem,
    score in 0–1). Not scoped: callers show only what the user may see (see views_records).
    Three queries whatever the size of the lists: the parent, the candidates, the winners."""
    probe = Probe(title, description)
    if not probe.title:
        return []
    best = rank(probe, candidates(scope_orgs(org)), exclude_pk=exclude_pk, limit=limit)
    if not best:
        return []
    found = Problem.objects.select_related("org").in_bulk([c.pk for c, _ in best])
    return [(found[c.pk], s) for c, s in best if c.pk in found]
