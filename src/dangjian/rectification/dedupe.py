"""Duplicate detection (查重): near-identical problems already on the list of the same org or its
parent, for Chinese text without word segmentation.

Method (docs: /work/frags/h3-adr.md): one indexed query fetches the candidates (every problem of
the org and of its parent, a few columns only); Python scores each by the Dice coefficient of
character bigrams of the normalised title (and, where both have one, of the description). It runs
the same on SQLite and PostgreSQL: no trigram extension, no full-text configuration, no
segmentation dictionary.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.conf import settings

from dangjian.orgs.models import Org
from dangjian.rectification.models import Problem

# Below this score a candidate is not shown. 0.5 catches reworded titles ("理论学习不够深入" /
# "理论学习还不够深入系统") and leaves unrelated problems of the same aspect out.
THRESHOLD = 0.5
TITLE_WEIGHT = 0.7  # where both texts have a description, the title still counts most
DESCRIPTION_CHARS = 600  # the start of a description is enough to tell; keeps scoring cheap
CANDIDATE_FIELDS = ("pk", "org_id", "number", "title", "description", "status", "found_on")


def threshold() -> float:
    return float(getattr(settings, "DANGJIAN_DUPLICATE_THRESHOLD", THRESHOLD))


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, and nothing but letters and digits (CJK included):
    punctuation and spaces say nothing about what a problem is."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def grams(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text (a one-character text: that character)."""
    t = normalize(text)
    if len(t) < 2:
        return frozenset((t,)) if t else frozenset()
    return frozenset(t[i : i + 2] for i in range(len(t) - 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


class Probe:
    """The text being entered, reduced to its bigrams once."""

    __slots__ = ("title", "description")

    def __init__(self, title: str, description: str = ""):
        self.title = grams(title)
        self.description = grams((description or "")[:DESCRIPTION_CHARS])

    def score(self, title: str, description: str = "") -> float:
        return self.score_grams(grams(title), grams((description or "")[:DESCRIPTION_CHARS]))

    def score_grams(self, title: frozenset[str], description: frozenset[str]) -> float:
        t = dice(self.title, title)
        if self.description and description:
            # A matching description lifts a reworded title; it never drags an identical one down.
            return max(t, TITLE_WEIGHT * t + (1 - TITLE_WEIGHT) * dice(self.description, description))
        return t


def parent_of(org: Org) -> Org | None:
    if org.depth <= 1:
        return None
    return Org.objects.filter(path=org.path[: -Org.steplen]).first()


def scope_orgs(org: Org) -> list[int]:
    """The org and its parent: where a duplicate of a problem entered at `org` would be listed."""
    ids = [org.pk]
    if org.depth > 1:
        parent_pk = Org.objects.filter(path=org.path[: -Org.steplen]).values_list("pk", flat=True).first()
        if parent_pk:
            ids.append(parent_pk)
    return ids


def candidates(org_ids: Iterable[int]):
    """Every problem of these orgs, few columns: one query on the (org, status) index."""
    return Problem.objects.filter(org_id__in=list(org_ids)).only(*CANDIDATE_FIELDS).select_related(None)


def rank(probe: Probe, rows: Iterable[Problem], *, exclude_pk=None, limit: int = 5,
         minimum: float | None = None) -> list[tuple[Problem, float]]:
    cut = threshold() if minimum is None else minimum
    scored = []
    for p in rows:
        if exclude_pk is not None and p.pk == exclude_pk:
            continue
        s = probe.score(p.title, p.description)
        if s >= cut:
            scored.append((p, round(s, 3)))
    scored.sort(key=lambda ps: (-ps[1], -ps[0].pk))
    return scored[:limit]


def similar_problems(org: Org, title: str, description: str = "", *, exclude_pk=None, limit: int = 5) -> list[tuple[Problem, float]]:
    """Near-identical problems on the list of `org` or its parent, best first, as (problem,
    score in 0–1). Not scoped: callers show only what the user may see (see views_records)."""
    probe = Probe(title, description)
    if not probe.title:
        return []
    return rank(probe, candidates(scope_orgs(org)), exclude_pk=exclude_pk, limit=limit)
