"""Responsible units (诉求责任单位): an org of the tree, or an outside company under one.
Seen by those who may VIEW the unit's org; created and changed by those with CHANGE_ORG there."""
from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, get_in_scope, restrict, subtree_q
from dangjian.orgs.models import Org
from dangjian.services.models import ServiceUnit, UnitKind

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
FIELDS = ("org", "kind", "code", "name", "contact", "active")


def units(user, *, org: Org | None = None, perm: str = Perm.VIEW):
    """The units `user` may `perm`, under `org` when given."""
    qs = ServiceUnit.objects.select_related("org")
    if org is not None:
        qs = qs.filter(subtree_q("org__path", org.path))
    return restrict(qs, user, perm)


def get_unit(user, pk: int, perm: str = Perm.VIEW) -> ServiceUnit:
    return get_in_scope(ServiceUnit.objects.select_related("org"), user, perm, pk=pk)


def _clean(user, data: dict, unit: ServiceUnit | None) -> dict:
    errors: dict[str, str] = {}
    out = {}
    if "org" in data or unit is None:
        org = data.get("org")
        if isinstance(org, str):
            org = Org.objects.filter(code=org.strip()).first()
        if org is None:
            errors["org"] = "请填写所属党组织（组织编码）"
        elif not can(user, Perm.CHANGE_ORG, org):
            errors["org"] = f"党组织“{org.code}”不在您的管理范围内"
        else:
            out["org"] = org
    if "code" in data or unit is None:
        code = (data.get("code") or "").strip()
        if not code:
            errors["code"] = "请填写单位编码"
        elif not CODE_RE.match(code):
            errors["code"] = "单位编码只能由字母、数字、-、_、. 组成，不超过40个字符"
        elif ServiceUnit.objects.filter(code=code).exclude(pk=unit.pk if unit else None).exists():
            errors["code"] = f"单位编码“{code}”已被使用"
        else:
            out["code"] = code
    if "name" in data or unit is None:
        name = (data.get("name") or "").strip()
        if not name:
            errors["name"] = "请填写单位名称"
        elif len(name) > 200:
            errors["name"] = "单位名称不能超过200个字符"
        else:
            out["name"] = name
    if "kind" in data or unit is None:
        kind = data.get("kind") or UnitKind.COMPANY
        if kind not in UnitKind.values:
            errors["kind"] = "类型无效，可选：" + "、".join(f"{v}（{label}）" for v, label in UnitKind.choices)
        else:
            out["kind"] = kind
    if "contact" in data:
        contact = (data.get("contact") or "").strip()
        if len(contact) > 50:
            errors["contact"] = "联系人不能超过50个字符"
        out["contact"] = contact
    if "active" in data and data["active"] is not None:
        out["active"] = bool(data["active"])
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_unit(user, data: dict) -> ServiceUnit:
    """A new responsible unit; CHANGE_ORG at its org. Bad input: ValidationError by field."""
    if not can(user, Perm.CHANGE_ORG):
        raise PermissionDenied("无权管理诉求责任单位")
    values = _clean(user, data, None)
    unit = ServiceUnit(**values)
    stamp(unit, user, "新建责任单位")
    unit.save()
    return unit


@transaction.atomic
def update_unit(user, unit: ServiceUnit, data: dict) -> ServiceUnit:
    """Change a unit (CHANGE_ORG at its org, and at the new org when it moves)."""
    if not can(user, Perm.CHANGE_ORG, unit.org):
        raise PermissionDenied("无权修改该责任单位")
    values = _clean(user, {k: v for k, v in data.items() if k in FIELDS}, unit)
    moved = "org" in values and values["org"].pk != unit.org_id
    for k, v in values.items():
        setattr(unit, k, v)
    stamp(unit, user, "修改责任单位")
    unit.save()
    if moved:
        # Requests carry their unit's org for scoping: they move with it.
        unit.requests.update(org=unit.org)
    return unit
