"""API of orgs: the tree, members, roll-up counts. Thin: scoping and writes live elsewhere."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from ninja import Query, Router, Status

from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.core.personal import log_access, mask_id_number, mask_phone, may_unmask
from dangjian.core.scoping import (
    Perm,
    can,
    get_in_scope,
    restrict,
    restrict_subtree,
    scope_of,
    subtree_q,
)
from dangjian.orgs import rollups, services
from dangjian.orgs.models import Category, LeadershipTeam, Member, Org, OrgKind
from dangjian.orgs.schemas import (
    LeadershipOut,
    MemberFilters,
    MemberIn,
    MemberOut,
    MemberPage,
    MemberPatch,
    MoveIn,
    OrgDetail,
    OrgFilters,
    OrgIn,
    OrgPage,
    OrgPatch,
    RollupOut,
    Subtree,
)

router = Router(tags=["orgs"])


# --- orgs -----------------------------------------------------------------------------------

def _orgs() -> QuerySet:
    """Orgs with their parent's code: the parent's path is the child's minus one step."""
    parent = Org.objects.filter(path=Substr(OuterRef("path"), 1, (OuterRef("depth") - 1) * Org.steplen))
    return Org.objects.annotate(parent_code=Subquery(parent.values("code")[:1]))


def _detail(user, org: Org) -> Org:
    parent = Org.objects.filter(path=org.path[: -Org.steplen]).values_list("name", flat=True).first() if org.depth > 1 else None
    org.parent_name = parent
    org.member_count = restrict_subtree(Member.objects.all(), user, org).count()
    return org


def _org_by_code(field: str, code: str) -> Org:
    """An org named in a request body, checked for existence only: scope is the domain
    function's to check, and a write outside it is a 403, not a 404."""
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({field: f"组织“{code}”不存在"})
    return org


@router.get("/orgs", response={200: OrgPage, **READ_ERRORS}, summary="党组织列表")
def list_orgs(request, filters: Query[OrgFilters]):
    """Orgs the caller may see, in tree order. `parent` lists the direct children of one org."""
    qs = restrict(_orgs(), request.auth)
    if filters.kind:
        qs = qs.filter(kind=filters.kind.value)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.parent:
        parent = Org.objects.filter(code=filters.parent).values_list("path", "depth").first()
        # An unknown parent and one out of scope both give an empty page: no hint either way.
        qs = qs.filter(subtree_q("path", parent[0]), depth=parent[1] + 1) if parent else qs.none()
    if filters.depth:
        qs = qs.filter(depth=filters.depth)
    return page(qs.order_by("path"), filters)


@router.get("/orgs/{code}", response={200: OrgDetail, **READ_ERRORS}, summary="党组织详情")
def get_org(request, code: str):
    return _detail(request.auth, get_in_scope(_orgs(), request.auth, Perm.VIEW, code=code))


@router.get("/orgs/{code}/leadership", response={200: LeadershipOut, **READ_ERRORS}, summary="领导班子")
def get_leadership(request, code: str):
    """The org's leadership team (领导班子): its term and who holds which seat. 404 when the
    org is out of scope or has no team registered."""
    org = get_in_scope(Org.objects.all(), request.auth, Perm.VIEW, code=code)
    team = get_in_scope(LeadershipTeam.objects.select_related("org"), request.auth, Perm.VIEW, org=org)
    positions = team.positions.select_related("member__org").order_by("order", "id")
    return {
        "org": org.code, "name": team.name, "term_start": team.term_start, "term_end": team.term_end,
        "positions": [
            {"title": p.title, "member_id": p.member_id, "name": p.member.name, "org": p.member.org.code, "is_cadre": p.member.is_cadre}
            for p in positions
        ],
    }


@router.get("/orgs/{code}/subtree", response={200: Subtree, **READ_ERRORS}, summary="党组织子树")
def get_subtree(request, code: str):
    """The org and everything under it as one flat list in tree (path) order; each item
    names its parent and depth, so a client rebuilds the nesting in one pass."""
    user = request.auth
    root = get_in_scope(_orgs(), user, Perm.VIEW, code=code)
    rows = list(restrict_subtree(Org.objects.all(), user, root).order_by("path"))
    codes = {row.path: row.code for row in rows}
    for row in rows:
        # Every row but the root has its parent in the same result.
        row.parent_code = root.parent_code if row.pk == root.pk else codes.get(row.path[: -Org.steplen])
    return {"root": root.code, "count": len(rows), "items": rows}


@router.post("/orgs", response={201: OrgDetail, **ERRORS}, summary="新建党组织")
def create_org(request, payload: OrgIn):
    user = request.auth
    parent = _org_by_code("parent", payload.parent) if payload.parent else None
    org = services.create_org(user, code=payload.code, name=payload.name, kind=payload.kind.value,
                              parent=parent, order=payload.order)
    return Status(201, _detail(user, _orgs().get(pk=org.pk)))


@router.patch("/orgs/{code}", response={200: OrgDetail, **ERRORS}, summary="修改党组织")
def update_org(request, code: str, payload: OrgPatch):
    user = request.auth
    org = get_in_scope(Org.objects.all(), user, Perm.VIEW, code=code)
    changes = payload.model_dump(exclude_unset=True)
    services.update_org(user, org, name=changes.get("name"), order=changes.get("order"),
                        kind=changes["kind"].value if changes.get("kind") else None)
    return _detail(user, _orgs().get(pk=org.pk))


@router.post("/orgs/{code}/move", response={200: OrgDetail, **ERRORS}, summary="移动党组织（连同下级）")
def move_org(request, code: str, payload: MoveIn):
    user = request.auth
    org = get_in_scope(Org.objects.all(), user, Perm.VIEW, code=code)
    new_parent = _org_by_code("parent", payload.parent)
    services.move_org(user, org, new_parent)
    return _detail(user, _orgs().get(pk=org.pk))


# --- members --------------------------------------------------------------------------------

def _member_out(m: Member, unmask: bool) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "gender": m.gender,
        "gender_label": m.get_gender_display(),
        "id_number": m.id_number if unmask else mask_id_number(m.id_number),
        "phone": m.phone if unmask else mask_phone(m.phone),
        "masked": not unmask,
        "org": m.org.code,
        "org_name": m.org.name,
        "category": m.category,
        "category_label": m.get_category_display(),
        "status": m.status,
        "status_label": m.get_status_display(),
        "joined_on": m.joined_on,
        "is_cadre": m.is_cadre,
        "position": m.position,
        "has_account": m.user_id is not None,
    }


def _may_unmask_all(user, org: Org | None) -> bool:
    """May `user` see unmasked every member they can see under `org` (None: everywhere)?"""
    if org is not None:
        return can(user, Perm.UNMASK, org)
    scope = scope_of(user)
    if Perm.UNMASK in scope.is_global:
        return True
    if Perm.VIEW in scope.is_global:
        return False
    # Owners may unmask their own record, which is all a plain member sees.
    return all(scope.covers(Perm.UNMASK, prefix) for prefix in scope.paths(Perm.VIEW))


@router.get("/members", response={200: MemberPage, **ERRORS}, summary="党员列表")
def list_members(request, filters: Query[MemberFilters]):
    """Members the caller may see; ID and phone numbers masked unless `unmask=true`."""
    user = request.auth
    org = Org.objects.filter(code=filters.org).first() if filters.org else None
    qs = restrict_subtree(Member.objects.select_related("org"), user, org)
    if filters.org and org is None:
        qs = qs.none()
    if filters.unmask and (not _may_unmask_all(user, org) or (filters.org and org is None)):
        raise PermissionDenied("无权查看该范围内党员的身份证号与手机号明文")
    if filters.category:
        qs = qs.filter(category=filters.category.value)
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    if filters.is_cadre is not None:
        qs = qs.filter(is_cadre=filters.is_cadre)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    result = page(qs.order_by("org__path", "name", "pk"), filters)
    if filters.unmask:
        ids = ",".join(str(m.pk) for m in result["items"])
        log_access(user, "api", object_type="orgs.member",
                   detail=f"{request.get_full_path()} 共{len(result['items'])}条 ids={ids}")
    result["items"] = [_member_out(m, filters.unmask) for m in result["items"]]
    result["masked"] = not filters.unmask
    return result


@router.get("/members/{member_id}", response={200: MemberOut, **ERRORS}, summary="党员详情")
def get_member(request, member_id: int, unmask: bool = False):
    user = request.auth
    member = get_in_scope(Member.objects.select_related("org"), user, Perm.VIEW, pk=member_id)
    if unmask:
        if not may_unmask(user, member):
            raise PermissionDenied("无权查看该党员的身份证号与手机号明文")
        log_access(user, "api", member, detail=request.get_full_path())
    return _member_out(member, unmask)


@router.post("/members", response={201: MemberOut, **ERRORS}, summary="新增党员")
def create_member(request, payload: MemberIn):
    user = request.auth
    data = payload.model_dump()
    data["org"] = _org_by_code("org", payload.org)
    for key in ("gender", "category", "status"):
        data[key] = data[key].value
    member = services.create_member(user, services.MemberData(**data))
    return Status(201, _member_out(Member.objects.select_related("org").get(pk=member.pk), unmask=False))


# Fields a PATCH may clear with null (to ""); the rest must keep a value.
_BLANKABLE = {"phone", "position"}


@router.patch("/members/{member_id}", response={200: MemberOut, **ERRORS}, summary="修改党员信息")
def update_member(request, member_id: int, payload: MemberPatch):
    """Partial: the fields sent replace the stored ones; the rest are kept as they are."""
    user = request.auth
    member = get_in_scope(Member.objects.select_related("org"), user, Perm.VIEW, pk=member_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None and k not in _BLANKABLE}
    data = {f: getattr(member, f) for f in services.MemberData.__dataclass_fields__}
    for key, value in changes.items():
        if key in nulls:
            continue
        if key == "org":
            value = _org_by_code("org", value)
        elif value is None:
            value = ""
        data[key] = getattr(value, "value", value) if key in ("gender", "category", "status") else value
    data = services.MemberData(**data)
    if nulls:
        # Report the nulls together with whatever else is wrong, and write nothing.
        raise ValidationError({**services.member_errors(data), **nulls})
    member = services.update_member(user, member, data)
    return _member_out(Member.objects.select_related("org").get(pk=member.pk), unmask=False)


# --- roll-ups -------------------------------------------------------------------------------

def _counts(choices, counts: dict[str, int]) -> list[dict]:
    return [{"code": value, "label": label, "count": counts.get(value, 0)} for value, label in choices.choices]


def _visible_roots(user) -> list[Org]:
    scope = scope_of(user)
    if Perm.VIEW in scope.is_global:
        return list(Org.objects.filter(depth=1).order_by("path"))
    return list(Org.objects.filter(path__in=scope.paths(Perm.VIEW)).order_by("path"))


@router.get("/rollups", response={200: RollupOut, **READ_ERRORS}, summary="汇总统计")
def get_rollups(request, org: str | None = None):
    """Orgs by kind and members by category under `org` (default: everything the caller
    sees), and one row per unit directly under it, all counted in the database."""
    user = request.auth
    target = get_in_scope(Org.objects.all(), user, Perm.VIEW, code=org) if org else None
    roots = [target] if target else _visible_roots(user)
    units = []
    for root in roots:
        for row in rollups.secondary_unit_rollup(user, root):
            unit = row["org"]
            units.append({
                "code": unit.code, "name": unit.name, "kind": unit.kind, "kind_label": unit.get_kind_display(),
                "parent": root.code,
                "orgs_by_kind": _counts(OrgKind, row["kinds"]),
                "members_by_category": _counts(Category, row["categories"]),
                "members": row["members"], "cadres": row["cadres"],
            })
    return {
        "org": target.code if target else None,
        "org_name": target.name if target else None,
        "orgs_by_kind": _counts(OrgKind, rollups.org_counts_by_kind(user, target)),
        "members_by_category": _counts(Category, rollups.member_counts_by_category(user, target)),
        "units": units,
    }
