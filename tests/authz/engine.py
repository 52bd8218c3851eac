"""Machinery of the authorization matrix: cases, expected outcomes, and a database fingerprint."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from tests.authz import truth

ANONYMOUS = "anonymous"
ROLES = sorted(truth.LOGGED_IN) + [ANONYMOUS]

GROUP_RULES = {
    "public": truth.LOGGED_IN | {ANONYMOUS},
    "none": set(),  # answers nobody (e.g. the API's catch-all for unknown paths)
    "login": truth.LOGGED_IN,
    "any_view": truth.ANY_VIEW,
    "any_change": truth.ANY_CHANGE,
    "any_change_org": truth.ANY_CHANGE_ORG,
    "any_grant": truth.ANY_GRANT,
    "global_admin": {"sysadmin"},
    "campaign_manager": truth.CAMPAIGN_MANAGER,
    "campaign_view": truth.CAMPAIGN_VIEW,
    "has_member": truth.HAS_MEMBER,
    "study_reader": truth.STUDY_READER,
}


@dataclass
class Case:
    """One view or endpoint, how to call it for a target, and which rule decides access."""

    key: str  # URL name for pages; "METHOD /api/v1/path" for API operations
    rule: str  # a GROUP_RULES key, or a permission name looked up in truth.MAY per target
    method: str = "GET"
    targets: tuple[str, ...] = ("UA01", "UB01")
    kwargs: Callable | None = None  # (world, target) -> URL kwargs
    data: Callable | None = None  # (world, target) -> request body
    query: Callable | None = None  # (world, target) -> query string dict
    # (client, world, target, user) -> URL kwargs, for views that need state set up first
    prepare: Callable | None = None
    # Statuses that count as a refusal. Where the target comes in the form body, a refusal may
    # re-render the form with the field's error (200); an import refused row by row answers 409.
    # The data must stay unchanged either way.
    refused: tuple[int, ...] = (403, 404)
    changes: bool = True  # an allowed write must change some table (False: e.g. logout)
    multipart: bool = False  # API only: send `data` as multipart/form-data (file uploads)

    @property
    def is_api(self) -> bool:
        return self.key.split(" ", 1)[0] in {"GET", "POST", "PATCH", "PUT", "DELETE"}

    def allowed(self, target: str) -> set[str]:
        if self.rule in GROUP_RULES:
            return GROUP_RULES[self.rule]
        return truth.MAY[(self.rule, target)]

    def targets_for_rule(self) -> tuple[str, ...]:
        # A group rule does not depend on the target; its data still needs one to point at.
        return self.targets[:1] if self.rule in GROUP_RULES else self.targets


def org_of(w, target: str):
    return {"UA01": w.a1, "UB01": w.b1, "self": w.a1}[target]


def member_of(w, target: str):
    return {"UA01": w.m_a1b, "UB01": w.m_b1, "self": w.m_a1}[target]


def grant_of(w, target: str):
    from dangjian.core.models import RoleGrant

    user = {"UA01": w.a1_secretary, "UB01": w.guide}[target]
    return RoleGrant.objects.get(user=user)


def page_names() -> set[str]:
    """Every named page in the URLconf (the API is enumerated from its OpenAPI document)."""
    names: set[str] = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "api":
                    # Operations are enumerated from the OpenAPI document; anything else the
                    # API serves (its document, its docs page) needs a page case.
                    paths = {path.split(" ", 1)[1] for path in api_operations()}
                    for u in p.url_patterns:
                        route = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(u.pattern))
                        if route not in paths:
                            names.add(f"api:{u.name}")
                    continue
                walk(p.url_patterns, prefix)
            elif isinstance(p, URLPattern):
                if p.name is None:
                    raise AssertionError(f"URL pattern {p.pattern} has no name: name it and add it to the matrix")
                names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def api_operations() -> set[str]:
    from dangjian.api import api

    schema = api.get_openapi_schema()
    ops = set()
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.add(f"{method.upper()} {path}")
    return ops


def fingerprint() -> dict[str, int]:
    """Row counts of every table of ours (history and access log included), to prove a denied
    write changed nothing."""
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {"core", "orgs", "axes", "campaigns", "study", "rectification", "services", "supervision"} or model.__name__.startswith("Historical"):
            counts[model._meta.label] = model.objects.count()
    return counts
