"""The configurable list of aspects (问题方面): the office adds, renames, reorders and deactivates
them; an aspect in use is never deleted (problems keep pointing at it), only deactivated."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can
from dangjian.rectification.models import Aspect

FIELDS = ("name", "short_name", "order", "active")


def may_manage(user) -> bool:
    """Those who run campaigns somewhere (the office, system admins) configure the list."""
    return can(user, Perm.MANAGE_CAMPAIGN)


def may_view(user) -> bool:
    return can(user, Perm.VIEW)


def aspects_with_use() -> QuerySet[Aspect]:
    """Every aspect, with the number of problems filed under it (one query)."""
    return Aspect.objects.annotate(n_problems=Count("problems")).order_by("order", "pk")


def aspect_errors(data: dict, aspect: Aspect | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    short = (data.get("short_name") or "").strip()
    if not name:
        errors["name"] = "请填写名称"
    elif len(name) > 100:
        errors["name"] = "名称不能超过 100 个字"
    if not short:
        errors["short_name"] = "请填写简称"
    elif len(short) > 20:
        errors["short_name"] = "简称不能超过 20 个字"
    others = Aspect.objects.exclude(pk=aspect.pk) if aspect else Aspect.objects.all()
    # Imports and the API name an aspect by its name or short name: both must be unambiguous.
    if name and "name" not in errors and (others.filter(name=name).exists() or others.filter(short_name=name).exists()):
        errors["name"] = f"已有名称或简称为“{name}”的问题方面"
    if short and "short_name" not in errors and (others.filter(short_name=short).exists() or others.filter(name=short).exists()):
        errors["short_name"] = f"已有名称或简称为“{short}”的问题方面"
    order = data.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        errors["order"] = "排序应为整数"
    return errors


def create_aspect(user, data: dict) -> Aspect:
    if not may_manage(user):
        raise PermissionDenied("只有主题教育办公室可以维护问题方面")
    data = {"order": 0, "active": True, **data}
    errors = aspect_errors(data)
    if errors:
        raise ValidationError(errors)
    aspect = Aspect(name=data["name"].strip(), short_name=data["short_name"].strip(), order=data["order"],
                    active=bool(data["active"]))
    stamp(aspect, user, "新增问题方面")
    aspect.save()
    return aspect


def update_aspect(user, aspect: Aspect, data: dict) -> Aspect:
    """Rename, reorder, deactivate or reactivate. A deactivated aspect stays on the problems
    that have it and in the lists' counts; it is no longer offered for new problems."""
    if not may_manage(user):
        raise PermissionDenied("只有主题教育办公室可以维护问题方面")
    merged = {name: getattr(aspect, name) for name in FIELDS}
    merged.update({k: v for k, v in data.items() if k in FIELDS})
    errors = aspect_errors(merged, aspect)
    if errors:
        raise ValidationError(errors)
    if not merged["active"] and aspect.active and not Aspect.objects.filter(active=True).exclude(pk=aspect.pk).exists():
        raise ValidationError({"active": "至少保留一个启用的问题方面"})
    aspect.name, aspect.short_name = merged["name"].strip(), merged["short_name"].strip()
    aspect.order, aspect.active = merged["order"], bool(merged["active"])
    reason = "修改问题方面"
    if "active" in data and bool(data["active"]) != bool(Aspect.objects.filter(pk=aspect.pk).values_list("active", flat=True).first()):
        reason = "启用问题方面" if aspect.active else "停用问题方面"
    stamp(aspect, user, reason)
    aspect.save()
    return aspect


def delete_aspect(user, aspect: Aspect) -> None:
    """Only an aspect no problem uses; one in use is deactivated instead."""
    if not may_manage(user):
        raise PermissionDenied("只有主题教育办公室可以维护问题方面")
    with transaction.atomic():
        locked = Aspect.objects.select_for_update().get(pk=aspect.pk)
        used = locked.problems.count()
        if used:
            raise ValidationError({"aspect": f"已有 {used} 个问题属于“{locked.name}”，不能删除；如不再使用，请停用"})
        if locked.active and not Aspect.objects.filter(active=True).exclude(pk=locked.pk).exists():
            raise ValidationError({"aspect": "至少保留一个启用的问题方面"})
        stamp(locked, user, "删除问题方面")
        locked.delete()
