"""Accounts and role grants: creating accounts, granting and revoking roles in scope."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.core.audit import stamp
from dangjian.core.models import Role, RoleGrant
from dangjian.core.scoping import Perm, can, can_on, forget, grantable_roles


@transaction.atomic
def create_account(actor, *, username: str, password: str, display_name: str = "", phone: str | None = None):
    if not can(actor, Perm.GRANT):
        raise PermissionDenied("无权创建账号")
    User = get_user_model()
    errors = {}
    if not username.strip():
        errors["username"] = "用户名不能为空"
    elif User.objects.filter(username=username).exists():
        errors["username"] = f"用户名“{username}”已被使用"
    if phone and User.objects.filter(phone=phone).exists():
        errors["phone"] = "该手机号已绑定其他账号"
    candidate = User(username=username, display_name=display_name, phone=phone or None)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = "；".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    candidate.save()
    return candidate


@transaction.atomic
def grant_role(actor, target_user, role: str, org) -> RoleGrant:
    if role not in Role.values:
        raise ValidationError({"role": "角色无效"})
    if role != Role.SYSTEM_ADMIN and org is None:
        raise ValidationError({"org": "请选择管理范围"})
    if role not in grantable_roles(actor, None if role == Role.SYSTEM_ADMIN else org):
        raise PermissionDenied("无权在该范围授予此角色")
    grant, created = RoleGrant.objects.get_or_create(
        user=target_user, role=role, org=None if role == Role.SYSTEM_ADMIN else org,
        defaults={"created_by": actor if actor.is_authenticated else None},
    )
    if not created:
        raise ValidationError({"role": "该账号已有此授权"})
    forget(target_user)
    return grant


@transaction.atomic
def revoke_role(actor, grant: RoleGrant) -> None:
    if grant.user_id == actor.pk:
        # Nobody locks themselves out: the level above revokes.
        raise PermissionDenied("不能撤销自己的授权，请由上级管理员办理")
    if grant.org is None:
        if Role.SYSTEM_ADMIN not in grantable_roles(actor, None):
            raise PermissionDenied("无权撤销此授权")
    elif not can_on(actor, Perm.GRANT, grant) or grant.role not in grantable_roles(actor, grant.org):
        raise PermissionDenied("无权撤销此授权")
    stamp(grant, actor)
    grant.delete()
    forget(grant.user)
