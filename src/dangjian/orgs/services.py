"""Domain operations on orgs, members and leadership teams.

Every entry point (views, API, commands, imports) calls these. Each takes the acting user
first, checks scope, validates, writes atomically and leaves an audit record.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from treebeard.exceptions import InvalidMoveToDescendant

from dangjian.core.audit import stamp
from dangjian.core.personal import id_number_error
from dangjian.core.scoping import Perm, can, can_on
from dangjian.orgs.models import (
    Category,
    Gender,
    LeadershipPosition,
    LeadershipTeam,
    Member,
    MemberStatus,
    Org,
    OrgKind,
)

# Which kinds may sit under which (a group only inside a branch).
ALLOWED_PARENT_KINDS = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.GROUP: {OrgKind.BRANCH},
}
MEMBER_ORG_KINDS = {OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GROUP, OrgKind.COMMITTEE}
# Built once: member_errors runs for every row of a 100,000-row import.
GENDERS = frozenset(Gender.values)
CATEGORIES = frozenset(Category.values)
STATUSES = frozenset(MemberStatus.values)


def kind_error(kind: str, parent_kind: str | None) -> str | None:
    if kind not in OrgKind.values:
        return f"组织类型“{kind}”无效"
    if parent_kind not in ALLOWED_PARENT_KINDS[OrgKind(kind)]:
        child = OrgKind(kind).label
        if parent_kind is None:
            return f"{child}不能作为根组织"
        return f"{child}不能设在{OrgKind(parent_kind).label}之下"
    return None


def _require(user, perm: str, org: Org | None) -> None:
    if not can(user, perm, org):
        raise PermissionDenied("超出管理范围")


@transaction.atomic
def create_org(user, *, code: str, name: str, kind: str, parent: Org | None, order: int = 0) -> Org:
    _require(user, Perm.CHANGE_ORG, parent) if parent is not None else _require_global(user)
    code, name = code.strip(), name.strip()
    errors = {}
    if not code:
        errors["code"] = "组织编码不能为空"
    elif Org.objects.filter(code=code).exists():
        errors["code"] = f"组织编码“{code}”已存在"
    if not name:
        errors["name"] = "组织名称不能为空"
    if err := kind_error(kind, parent.kind if parent else None):
        errors["kind"] = err
    if errors:
        raise ValidationError(errors)
    fields = {"code": code, "name": name, "kind": kind, "order": order}
    if parent is None:
        org = Org.objects.add_root(instance=stamp(Org(**fields), user))
    else:
        org = Org.objects.add_child(parent, instance=stamp(Org(**fields), user))
    return org


def _require_global(user) -> None:
    from dangjian.core.scoping import scope_of

    if Perm.CHANGE_ORG not in scope_of(user).is_global:
        raise PermissionDenied("只有系统管理员可以建立根组织")


@transaction.atomic
def update_org(user, org: Org, *, name: str | None = None, kind: str | None = None, order: int | None = None) -> Org:
    _require(user, Perm.CHANGE_ORG, org)
    org = Org.objects.select_for_update().get(pk=org.pk)
    errors = {}
    if name is not None:
        if not name.strip():
            errors["name"] = "组织名称不能为空"
        org.name = name.strip()
    if kind is not None and kind != org.kind:
        parent = Org.objects.get_parent(org)
        if err := kind_error(kind, parent.kind if parent else None):
            errors["kind"] = err
        elif any(kind_error(c.kind, kind) for c in Org.objects.get_children(org)):
            errors["kind"] = "改为该类型后，下级组织的类型不再相符"
        org.kind = kind
    if order is not None:
        org.order = order
    if errors:
        raise ValidationError(errors)
    stamp(org, user).save()
    return org


@transaction.atomic
def move_org(user, org: Org, new_parent: Org) -> Org:
    """Move `org` and its whole subtree under `new_parent`. A cycle is refused."""
    _require(user, Perm.CHANGE_ORG, org)
    _require(user, Perm.CHANGE_ORG, new_parent)
    parent = Org.objects.get_parent(org)
    if parent is None:
        raise ValidationError({"parent": "根组织不能移动"})
    if not can(user, Perm.CHANGE_ORG, parent):
        raise PermissionDenied("不能移动自己管理范围的根组织")
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise ValidationError({"parent": "不能移动到自身或其下级组织之下"})
    if err := kind_error(org.kind, new_parent.kind):
        raise ValidationError({"parent": err})
    try:
        Org.objects.move(org, new_parent, pos="last-child")
    except InvalidMoveToDescendant as exc:  # pragma: no cover - guarded above
        raise ValidationError({"parent": "不能移动到自身或其下级组织之下"}) from exc
    org = Org.objects.get(pk=org.pk)
    stamp(org, user, reason=f"移动到 {new_parent.name}（{new_parent.code}）").save()
    return org


@dataclass
class MemberData:
    name: str
    gender: str
    id_number: str
    phone: str
    org: Org
    category: str
    status: str
    joined_on: dt.date
    is_cadre: bool = False
    position: str = ""


def member_errors(data: MemberData) -> dict[str, str]:
    """Field-level problems with `data` (empty when valid). Uniqueness is checked by callers."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "姓名不能为空"
    if data.gender not in GENDERS:
        errors["gender"] = "性别应为“男”或“女”"
    if err := id_number_error(data.id_number):
        errors["id_number"] = err
    if data.phone and not (len(data.phone) == 11 and data.phone.isdigit() and data.phone.startswith("1")):
        errors["phone"] = "手机号应为以1开头的11位数字"
    if data.category not in CATEGORIES:
        errors["category"] = "人员类别应为在职、离退休、学生或流动"
    if data.status not in STATUSES:
        errors["status"] = "党员状态应为正式党员或预备党员"
    if data.org is not None and data.org.kind not in MEMBER_ORG_KINDS:
        errors["org"] = "党员须编入党组织"
    if not isinstance(data.joined_on, dt.date):
        errors["joined_on"] = "入党日期无效"
    elif data.joined_on > dt.date.today():
        errors["joined_on"] = "入党日期不能晚于今天"
    return errors


@transaction.atomic
def create_member(user, data: MemberData) -> Member:
    _require(user, Perm.CHANGE_MEMBER, data.org)
    errors = member_errors(data)
    if "id_number" not in errors and Member.objects.filter(id_number=data.id_number).exists():
        errors["id_number"] = "该身份证号已登记"
    if errors:
        raise ValidationError(errors)
    member = Member(**data.__dict__)
    stamp(member, user).save()
    return member


@transaction.atomic
def update_member(user, member: Member, data: MemberData) -> Member:
    if not can_on(user, Perm.CHANGE_MEMBER, member):
        raise PermissionDenied("超出管理范围")
    _require(user, Perm.CHANGE_MEMBER, data.org)
    errors = member_errors(data)
    if "id_number" not in errors and Member.objects.filter(id_number=data.id_number).exclude(pk=member.pk).exists():
        errors["id_number"] = "该身份证号已登记"
    if errors:
        raise ValidationError(errors)
    for key, value in data.__dict__.items():
        setattr(member, key, value)
    stamp(member, user).save()
    return member


@transaction.atomic
def link_account(user, member: Member, account) -> Member:
    """Bind a login account to a member record, so the member role sees its own record."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not can_on(user, Perm.CHANGE_MEMBER, member):
        raise PermissionDenied("超出管理范围")
    if member.user_id is not None:
        raise ValidationError({"id_number": f"党员{member.name}已绑定账号"})
    member.user = account
    stamp(member, user, reason="绑定登录账号").save()
    return member


@transaction.atomic
def save_leadership_team(user, org: Org, *, name: str, term_start: dt.date | None = None, term_end: dt.date | None = None) -> LeadershipTeam:
    """Create or update the org's leadership team (领导班子) and its current term."""
    _require(user, Perm.CHANGE_ORG, org)
    errors = {}
    if not name.strip():
        errors["name"] = "班子名称不能为空"
    if term_start and term_end and term_end <= term_start:
        errors["term_end"] = "届满日期应晚于本届开始日期"
    if errors:
        raise ValidationError(errors)
    team = LeadershipTeam.objects.select_for_update().filter(org=org).first() or LeadershipTeam(org=org)
    team.name, team.term_start, team.term_end = name.strip(), term_start, term_end
    stamp(team, user).save()
    return team


@transaction.atomic
def add_leadership_position(user, team: LeadershipTeam, *, member: Member, title: str, order: int = 0) -> LeadershipPosition:
    """Seat a member of the org's subtree on its leadership team."""
    _require(user, Perm.CHANGE_ORG, team.org)
    errors = {}
    if not title.strip():
        errors["title"] = "职务不能为空"
    if not member.org.path.startswith(team.org.path):
        errors["member"] = f"{member.name}不是{team.org.name}及其下级组织的党员"
    elif team.positions.filter(member=member).exists():
        errors["member"] = f"{member.name}已在班子中"
    if errors:
        raise ValidationError(errors)
    position = LeadershipPosition(team=team, member=member, title=title.strip(), order=order)
    stamp(position, user).save()
    return position


@transaction.atomic
def remove_leadership_position(user, position: LeadershipPosition) -> None:
    _require(user, Perm.CHANGE_ORG, position.team.org)
    stamp(position, user)
    position.delete()
