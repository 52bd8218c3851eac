"""Institutional outcomes (制度成果): rules made, revised or abolished, each linked to the problems
it answers, which lie in its org's subtree.

Who: VIEW at the outcome's org to see it; ACT or REVIEW at the org to record or change it (the
same people who enter the org's problems).
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, restrict, subtree_q
from dangjian.orgs.models import Org
from dangjian.rectification import problems as pr
from dangjian.rectification.models import Outcome, OutcomeKind, Problem, ProblemStatus

FIELDS = ("title", "kind", "doc_number", "issued_on", "summary", "campaign")
# Problems an outcome may answer: on a list (submitted at least), not drafts nor returned ones.
LINKABLE = tuple(s for s in ProblemStatus.values if s not in (ProblemStatus.DRAFT, ProblemStatus.RETURNED))
MAX_PROBLEMS = 200


def outcomes_for(user, perm: str = Perm.VIEW) -> QuerySet[Outcome]:
    return restrict(Outcome.objects.all(), user, perm)


def may_edit(user, org: Org) -> bool:
    return pr.may_enter(user, org)


def kind_counts(qs: QuerySet[Outcome]) -> dict[str, int]:
    """Counts by kind over `qs`, in the database (one query)."""
    rows = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {value: rows.get(value, 0) for value in OutcomeKind.values}


def linkable_problems(org: Org) -> QuerySet[Problem]:
    return Problem.objects.filter(subtree_q("org__path", org.path), status__in=LINKABLE)


def outcome_errors(data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "请填写制度名称"
    elif len(title) > 200:
        errors["title"] = "制度名称不能超过 200 个字"
    if data.get("kind") not in OutcomeKind.values:
        errors["kind"] = f"类型应为：{'、'.join(OutcomeKind.labels)}"
    if len((data.get("doc_number") or "").strip()) > 100:
        errors["doc_number"] = "文号不能超过 100 个字"
    issued = data.get("issued_on")
    if not isinstance(issued, dt.date):
        errors["issued_on"] = "请填写印发日期"
    elif issued > timezone.localdate():
        errors["issued_on"] = "印发日期不能晚于今天"
    return errors


def _problems(org: Org, problems) -> list[Problem]:
    """The problems by pk (or Problem), each checked to lie in `org`'s subtree and be on a list."""
    ids = []
    for p in problems or ():
        try:
            ids.append(p.pk if isinstance(p, Problem) else int(p))
        except (TypeError, ValueError):
            raise ValidationError({"problems": f"问题编号“{p}”无效"}) from None
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_PROBLEMS:
        raise ValidationError({"problems": f"一项制度成果最多关联 {MAX_PROBLEMS} 个问题"})
    found = {p.pk: p for p in linkable_problems(org).filter(pk__in=ids)} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"problems": f"问题 {'、'.join(f'#{i}' for i in missing)} 不在{org.name}及其下级党组织的问题清单上"})
    return [found[i] for i in ids]


def _clean(data: dict) -> dict:
    out = dict(data)
    for name in ("title", "doc_number", "summary"):
        if name in out:
            out[name] = (out[name] or "").strip()
    return out


def create_outcome(user, org: Org, data: dict, problems=()) -> Outcome:
    """A new outcome of `org` answering `problems` (pks or Problems of its subtree)."""
    if not may_edit(user, org):
        raise PermissionDenied("超出管理范围")
    data = _clean({"kind": OutcomeKind.NEW, **data})
    errors = outcome_errors(data)
    if errors:
        raise ValidationError(errors)
    linked = _problems(org, problems)
    with transaction.atomic():
        outcome = Outcome(org=org, created_by=user if getattr(user, "pk", None) else None)
        for name in FIELDS:
            if name in data:
                setattr(outcome, name, data[name] if data[name] is not None or name == "campaign" else "")
        stamp(outcome, user, "录入制度成果")
        outcome.save()
        if linked:
            stamp(outcome, user, "关联问题")
            outcome.problems.set(linked)
    return outcome


def update_outcome(user, outcome: Outcome, data: dict, problems=None) -> Outcome:
    """Change the outcome's fields; `problems` (when given) replaces the linked problems. The
    org does not change (a rule belongs to the org that issued it)."""
    if not may_edit(user, outcome.org):
        raise PermissionDenied("超出管理范围")
    merged = {name: getattr(outcome, name) for name in FIELDS}
    merged.update(_clean({k: v for k, v in data.items() if k in FIELDS}))
    errors = outcome_errors(merged)
    if errors:
        raise ValidationError(errors)
    linked = _problems(outcome.org, problems) if problems is not None else None
    with transaction.atomic():
        for name in FIELDS:
            value = merged[name]
            setattr(outcome, name, value if value is not None or name == "campaign" else "")
        stamp(outcome, user, "修改制度成果")
        outcome.save()
        if linked is not None and {p.pk for p in linked} != set(outcome.problems.values_list("pk", flat=True)):
            stamp(outcome, user, "修改关联问题")
            outcome.problems.set(linked)
    return outcome


def may_view(user, outcome: Outcome) -> bool:
    return can(user, Perm.VIEW, outcome.org)
