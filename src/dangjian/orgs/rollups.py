"""Counts that roll up the tree, computed in the database (never in Python loops)."""
from django.db.models import Count
from django.db.models.functions import Substr

from dangjian.core.scoping import restrict_subtree
from dangjian.orgs.models import Category, Member, Org, OrgKind


def _zeroed(choices, rows, key: str) -> dict:
    counts = {value: 0 for value in choices.values}
    for row in rows:
        counts[row[key]] = row["n"]
    return counts


def org_counts_by_kind(user, org: Org | None = None) -> dict[str, int]:
    qs = restrict_subtree(Org.objects.all(), user, org)
    return _zeroed(OrgKind, qs.values("kind").annotate(n=Count("id")).order_by(), "kind")


def member_counts_by_category(user, org: Org | None = None) -> dict[str, int]:
    qs = restrict_subtree(Member.objects.all(), user, org)
    return _zeroed(Category, qs.values("category").annotate(n=Count("id")).order_by(), "category")


def secondary_unit_rollup(user, root: Org) -> list[dict]:
    """One row per secondary unit under `root`: its org counts by kind, members by category."""
    width = len(root.path) + Org.steplen
    units = list(restrict_subtree(Org.objects.filter(depth=root.depth + 1), user, root).order_by("order", "path"))
    if not units:
        return []
    by_path = {u.path: {"org": u, "kinds": dict.fromkeys(OrgKind.values, 0), "categories": dict.fromkeys(Category.values, 0), "members": 0, "cadres": 0} for u in units}
    orgs = restrict_subtree(Org.objects.filter(depth__gt=root.depth), user, root)
    for row in orgs.annotate(unit=Substr("path", 1, width)).values("unit", "kind").annotate(n=Count("id")).order_by():
        if row["unit"] in by_path:
            by_path[row["unit"]]["kinds"][row["kind"]] += row["n"]
    members = restrict_subtree(Member.objects.all(), user, root)
    for row in members.annotate(unit=Substr("org__path", 1, width)).values("unit", "category", "is_cadre").annotate(n=Count("id")).order_by():
        entry = by_path.get(row["unit"])
        if entry is None:
            continue
        entry["categories"][row["category"]] += row["n"]
        entry["members"] += row["n"]
        if row["is_cadre"]:
            entry["cadres"] += row["n"]
    return list(by_path.values())
