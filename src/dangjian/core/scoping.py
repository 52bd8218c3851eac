"""The one scoping policy: which records a user may see or change.

Every queryset that reaches a user goes through `restrict(qs, user, perm)`; every single-object
check goes through `can(user, perm, org)` or `get_in_scope(...)`. Models say where their org
path is with `register()`; core itself imports no domain app.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from dangjian.core.models import Role


class Perm:
    VIEW = "view"
    CHANGE_ORG = "change_org"
    CHANGE_MEMBER = "change_member"
    UNMASK = "unmask"  # see ID and phone numbers unmasked (each view is audited)
    GRANT = "grant"  # hand out roles inside the subtree
    ACT = "act"  # act for a unit: do its campaign tasks, acknowledge notices to it
    REVIEW = "review"  # review units' submissions (which tasks: see campaigns.review)
    MANAGE_CAMPAIGN = "manage_campaign"  # run campaigns owned by an org in the subtree



_ADMIN = frozenset({Perm.VIEW, Perm.CHANGE_ORG, Perm.CHANGE_MEMBER, Perm.UNMASK, Perm.GRANT, Perm.ACT, Perm.REVIEW})

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: _ADMIN | {Perm.MANAGE_CAMPAIGN},
    Role.COMMITTEE_ADMIN: _ADMIN | {Perm.MANAGE_CAMPAIGN},
    Role.UNIT_ADMIN: _ADMIN,
    Role.LIAISON: frozenset({Perm.VIEW, Perm.ACT}),
    Role.BRANCH_SECRETARY: frozenset({Perm.VIEW, Perm.CHANGE_MEMBER, Perm.UNMASK, Perm.ACT}),
    # Guidance members review through their groups' assignments (campaigns.services.may_review).
    Role.GUIDANCE_MEMBER: frozenset({Perm.VIEW}),
    Role.MEMBER: frozenset(),
}
# What a user may do with the record that is their own (Member.user == user).
OWNER_PERMS = frozenset({Perm.VIEW, Perm.UNMASK})

# Which roles a holder of each role may hand out (always inside its own subtree).
GRANTABLE: dict[str, tuple[str, ...]] = {
    Role.SYSTEM_ADMIN: tuple(Role.values),
    Role.COMMITTEE_ADMIN: tuple(r for r in Role.values if r != Role.SYSTEM_ADMIN),
    Role.UNIT_ADMIN: (Role.UNIT_ADMIN, Role.LIAISON, Role.BRANCH_SECRETARY, Role.MEMBER),
}

# treebeard's MP_Node alphabet; paths only ever hold these characters.
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4  # Org.steplen


def prefix_upper(prefix: str) -> str | None:
    """The smallest string above every path that starts with `prefix` (None: no bound)."""
    p = prefix.rstrip(PATH_ALPHABET[-1])
    if not p:
        return None
    return p[:-1] + PATH_ALPHABET[PATH_ALPHABET.index(p[-1]) + 1]


def subtree_q(path_field: str, prefix: str) -> Q:
    """Rows whose path lies in the subtree at `prefix`: a range scan, index-friendly on
    SQLite and PostgreSQL alike (LIKE 'x%' is not, under non-C collations)."""
    q = Q(**{f"{path_field}__gte": prefix})
    upper = prefix_upper(prefix)
    if upper is not None:
        q &= Q(**{f"{path_field}__lt": upper})
    return q


class Inherit:
    """Records an org publishes to its whole subtree (a library book, a quiz) are also seen,
    read-only, from below: by role holders anywhere under the org (ROLES), and also by members
    whose branch is under it (MEMBERS)."""

    NONE = ""
    ROLES = "roles"
    MEMBERS = "members"


@dataclass(frozen=True)
class Rule:
    path: str | None  # lookup to the org path, e.g. "org__path"; None: not org-scoped
    owner: str | None = None  # lookup to the owning user, e.g. "user" or "member__user"
    inherit: str = Inherit.NONE


_registry: dict[type[Model], Rule] = {}


def register(model: type[Model], *, path: str | None, owner: str | None = None, inherit: str = Inherit.NONE) -> None:
    _registry[model] = Rule(path=path, owner=owner, inherit=inherit)


def registered_models() -> list[type[Model]]:
    return list(_registry)


# Functions (user) -> iterable of (role, org path) that add grants not stored as RoleGrant rows,
# e.g. a guidance group's assigned units (campaigns). Higher apps register here; core imports none.
_scope_sources: list = []


def register_scope_source(fn) -> None:
    if fn not in _scope_sources:
        _scope_sources.append(fn)


# Function (user) -> the org paths of the member records the user owns (orgs registers it).
_member_paths_source = None


def register_member_paths(fn) -> None:
    global _member_paths_source
    _member_paths_source = fn


def _ancestors(paths) -> set[str]:
    """Every path on the way from the root to each of `paths`, the paths included."""
    out: set[str] = set()
    for p in paths:
        out.update(p[:i] for i in range(STEPLEN, len(p) + 1, STEPLEN))
    return out


@dataclass
class Scope:
    """A user's grants, reduced to path prefixes per permission."""

    user_id: int | None
    is_global: frozenset[str] = frozenset()
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> org paths ("" = all)
    _member_paths: tuple[str, ...] | None = None

    def paths(self, perm: str) -> tuple[str, ...]:
        return self.prefixes.get(perm, ())

    def covers(self, perm: str, path: str) -> bool:
        return perm in self.is_global or any(path.startswith(p) for p in self.paths(perm))

    @property
    def has_any_role(self) -> bool:
        return bool(self.roles)

    def member_paths(self) -> tuple[str, ...]:
        """Org paths of the user's own member records (asked once, when first needed)."""
        if self._member_paths is None:
            self._member_paths = tuple(_member_paths_source(self.user_id)) if (_member_paths_source and self.user_id) else ()
        return self._member_paths

    def inherited_paths(self, inherit: str) -> set[str]:
        """Paths above (and at) the user's view scope: where published records reach them."""
        paths = set(self.paths(Perm.VIEW))
        if inherit == Inherit.MEMBERS:
            paths.update(self.member_paths())
        return _ancestors(paths)


def _minimal(prefixes: set[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for p in sorted(prefixes):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return tuple(kept)


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object (one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(user_id=None)
    cached = getattr(user, "_dangjian_scope", None)
    if cached is not None:
        return cached
    from dangjian.core.models import RoleGrant

    glob: set[str] = set()
    prefixes: dict[str, set[str]] = {}
    roles: dict[str, list[str]] = {}
    rows = list(RoleGrant.objects.filter(user=user).values_list("role", "org__path"))
    for source in _scope_sources:
        rows.extend((role, path) for role, path in source(user) if path)
    for role, path in rows:
        roles.setdefault(role, []).append(path or "")
        for perm in ROLE_PERMS.get(role, ()):
            if role == Role.SYSTEM_ADMIN or not path:
                if role == Role.SYSTEM_ADMIN:
                    glob.add(perm)
                continue
            prefixes.setdefault(perm, set()).add(path)
    if user.is_superuser:
        glob |= ROLE_PERMS[Role.SYSTEM_ADMIN]
        roles.setdefault(Role.SYSTEM_ADMIN, [""])
    scope = Scope(
        user_id=user.pk,
        is_global=frozenset(glob),
        prefixes={perm: _minimal(ps) for perm, ps in prefixes.items()},
        roles={r: tuple(ps) for r, ps in roles.items()},
    )
    user._dangjian_scope = scope
    return scope


def system_actor():
    """The acting user of operator commands run without --user: global rights, no account.

    It is an unsaved User, so history rows record no user (the change reason names the
    command) and it can never log in.
    """
    from django.contrib.auth import get_user_model

    actor = get_user_model()(username="命令行", display_name="命令行操作员", is_active=True)
    actor._dangjian_scope = Scope(
        user_id=None, is_global=ROLE_PERMS[Role.SYSTEM_ADMIN], roles={Role.SYSTEM_ADMIN: ("",)},
    )
    return actor


def forget(user) -> None:
    """Drop the cached scope after the user's grants change."""
    if hasattr(user, "_dangjian_scope"):
        del user._dangjian_scope


def scope_q(model: type[Model], user, perm: str = Perm.VIEW) -> Q | None:
    """The filter for `perm` on `model`; None means everything (a global grant)."""
    rule = _registry.get(model)
    if rule is None:
        raise LookupError(f"{model.__name__} is not registered with the scoping policy")
    scope = scope_of(user)
    if perm in scope.is_global:
        return None
    q = Q(pk__in=[])
    if rule.path:
        for prefix in scope.paths(perm):
            q |= subtree_q(rule.path, prefix)
    if rule.owner and perm in OWNER_PERMS and scope.user_id is not None:
        q |= Q(**{rule.owner: scope.user_id})
    if rule.inherit and perm == Perm.VIEW:
        inherited = scope.inherited_paths(rule.inherit)
        if inherited:
            q |= Q(**{f"{rule.path}__in": sorted(inherited)})
    return q


def restrict(qs: QuerySet, user, perm: str = Perm.VIEW) -> QuerySet:
    """The rows of `qs` that `user` may `perm`."""
    q = scope_q(qs.model, user, perm)
    return qs if q is None else qs.filter(q)


def restrict_subtree(qs: QuerySet, user, org, perm: str = Perm.VIEW) -> QuerySet:
    """The rows of `qs` under `org` (everywhere when None) that `user` may `perm`. When the
    whole subtree is in scope the subtree range alone is the filter: the scope's OR (e.g.
    "or my own record") would otherwise keep the database from answering from an index."""
    if org is None:
        return restrict(qs, user, perm)
    rule = _registry[qs.model]
    in_subtree = qs.filter(subtree_q(rule.path, org.path))
    return in_subtree if can(user, perm, org) else restrict(in_subtree, user, perm)


def can(user, perm: str, org=None) -> bool:
    """May `user` do `perm` at `org` (an Org, or None for "anywhere at all")?"""
    scope = scope_of(user)
    if perm in scope.is_global:
        return True
    if org is None:
        return bool(scope.paths(perm))
    return scope.covers(perm, org.path)


def can_on(user, perm: str, obj) -> bool:
    """May `user` do `perm` on one registered record (org path or ownership)?"""
    rule = _registry[type(obj)]
    scope = scope_of(user)
    if perm in scope.is_global:
        return True
    if rule.owner and perm in OWNER_PERMS and scope.user_id is not None:
        if _follow(obj, rule.owner + "_id") == scope.user_id:
            return True
    if not rule.path:
        return False
    path = _follow(obj, rule.path)
    if path is None:
        return False
    if rule.inherit and perm == Perm.VIEW and path in scope.inherited_paths(rule.inherit):
        return True
    return scope.covers(perm, path)


def _follow(obj, lookup: str):
    """obj.a.b.c for the lookup "a__b__c" (None where the chain breaks)."""
    value = obj
    for part in lookup.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def get_in_scope(qs: QuerySet, user, perm: str = Perm.VIEW, **lookup):
    """One record by `lookup` if `user` may `perm` it; 404 otherwise (no hint that it exists)."""
    obj = restrict(qs, user, perm).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def grantable_roles(user, org) -> list[str]:
    """Roles `user` may hand out at `org`."""
    scope = scope_of(user)
    if Perm.GRANT in scope.is_global:
        return list(Role.values)
    allowed: list[str] = []
    for role, paths in scope.roles.items():
        if Perm.GRANT not in ROLE_PERMS.get(role, ()):
            continue
        if org is not None and any(org.path.startswith(p) for p in paths if p):
            allowed.extend(r for r in GRANTABLE.get(role, ()) if r not in allowed)
    return allowed
