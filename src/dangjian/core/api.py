"""API of core: who am I, role grants, and what every router shares (errors, paging)."""
from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dangjian.core import accounts
from dangjian.core.models import Role, RoleGrant
from dangjian.core.scoping import Perm, can, get_in_scope, restrict, subtree_q

router = Router(tags=["core"])

MAX_LIMIT = 500
NON_FIELD = "__all__"


# --- what every router shares -------------------------------------------------------------

class Message(Schema):
    detail: str


class FieldError(Schema):
    field: str = Field(description="出错的字段名（与请求中的名称一致）；不属于某个字段时为 `__all__`")
    message: str


class ValidationErrors(Schema):
    detail: list[FieldError]


ERRORS = {401: Message, 403: Message, 404: Message, 422: ValidationErrors}
READ_ERRORS = {401: Message, 404: Message, 422: ValidationErrors}


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}")
    offset: int = Field(0, ge=0, description="跳过的条数")


def page(qs: QuerySet, params: PageParams) -> dict:
    """One page of `qs` and the total: two queries, whatever the size of the table."""
    count = qs.count()
    items = list(qs[params.offset : params.offset + params.limit])
    return {"count": count, "limit": params.limit, "offset": params.offset, "items": items}


def field_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": field, "message": msg} for field, msgs in exc.message_dict.items() for msg in msgs]
    return [{"field": NON_FIELD, "message": msg} for msg in exc.messages]


# pydantic's English messages, said in Chinese; `ctx` fills the placeholders.
_PYDANTIC_MESSAGES = {
    "missing": "此项为必填项",
    "string_type": "应为字符串",
    "string_too_short": "至少{min_length}个字符",
    "string_too_long": "不能超过{max_length}个字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "greater_than": "应大于{gt}",
    "less_than": "应小于{lt}",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "请求体应为 JSON 对象",
    "model_type": "请求体应为 JSON 对象",
    "extra_forbidden": "不支持此字段",
}
# ninja's own messages for errors that are not about a field.
_HTTP_MESSAGES = {"Cannot parse request body": "请求体不是有效的 JSON"}
# ninja's error locations start with where the value came from and, for a body, the handler's
# parameter name ("body", "payload", "joined_on"); a client knows only the field's name.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAM = "payload"  # every handler here names its request body so


def _pydantic_field(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] == BODY_PARAM:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def _pydantic_message(err: dict, field: str) -> str:
    if field == NON_FIELD and err.get("type") == "missing":
        return "请求体不能为空，应为 JSON 对象"
    template = _PYDANTIC_MESSAGES.get(err.get("type", ""))
    if template is None:
        return f"取值无效（{err.get('msg', '')}）"
    ctx = dict(err.get("ctx") or {})
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace(" or ", ", ").replace("'", "")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def install(api) -> None:
    """Give `api` one error shape: {"detail": "..."} or {"detail": [{"field", "message"}]}."""

    def validation(request: HttpRequest, exc: NinjaValidationError):
        detail = []
        for err in exc.errors:
            field = _pydantic_field(err.get("loc", ()))
            detail.append({"field": field, "message": _pydantic_message(err, field)})
        return api.create_response(request, {"detail": detail}, status=422)

    def domain_validation(request: HttpRequest, exc: DjangoValidationError):
        return api.create_response(request, {"detail": field_errors(exc)}, status=422)

    def forbidden(request: HttpRequest, exc: PermissionDenied):
        return api.create_response(request, {"detail": str(exc) or "无权执行此操作"}, status=403)

    def missing(request: HttpRequest, exc: Http404):
        return api.create_response(request, {"detail": "未找到，或不在您的查看范围内"}, status=404)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError):
        message = exc.message if exc.message != "Unauthorized" else "未登录：请登录，或以 Authorization: Bearer <令牌> 调用"
        return api.create_response(request, {"detail": message}, status=401)

    def http_error(request: HttpRequest, exc: HttpError):
        message = _HTTP_MESSAGES.get(exc.message, exc.message)
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(NinjaValidationError, validation)
    api.add_exception_handler(DjangoValidationError, domain_validation)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Http404, missing)
    api.add_exception_handler(AuthenticationError, unauthenticated)


def org_model():
    # A string reference like RoleGrant.org's: core imports no domain app.
    return apps.get_model("orgs", "Org")


# --- who am I -------------------------------------------------------------------------------

class RoleOut(Schema):
    role: str = Field(description="角色代码：" + "，".join(f"{c} {label}" for c, label in Role.choices))
    role_label: str
    org: str | None = Field(description="管理范围的组织编码；系统管理员为 null（全部）")
    org_name: str | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_superuser: bool
    roles: list[RoleOut]


def _role_row(grant: RoleGrant) -> dict:
    return {
        "role": grant.role,
        "role_label": grant.get_role_display(),
        "org": grant.org.code if grant.org else None,
        "org_name": grant.org.name if grant.org else None,
    }


@router.get("/me", response={200: MeOut, 401: Message}, summary="当前账号及其角色")
def me(request):
    user = request.auth
    grants = list(RoleGrant.objects.filter(user=user).select_related("org").order_by("role", "org__path"))
    roles = [_role_row(g) for g in grants]
    # Scoping treats a superuser as a system admin; say so here too.
    if user.is_superuser and not any(r["role"] == Role.SYSTEM_ADMIN for r in roles):
        roles.insert(0, {"role": Role.SYSTEM_ADMIN, "role_label": Role.SYSTEM_ADMIN.label, "org": None, "org_name": None})
    return {"id": user.pk, "username": user.username, "display_name": user.display_name,
            "is_superuser": user.is_superuser, "roles": roles}


# --- role grants ----------------------------------------------------------------------------

class GrantOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    org: str | None
    org_name: str | None
    created_at: dt.datetime
    created_by: str | None


class GrantPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[GrantOut]


class GrantFilters(PageParams):
    org: str | None = Field(None, description="组织编码：只列出该组织及其下级的授权")
    role: Role | None = None
    username: str | None = None


class GrantIn(Schema):
    username: str = Field(max_length=150)
    role: Role
    org: str | None = Field(None, max_length=32, description="管理范围的组织编码；授予系统管理员时为空")


def _grant_out(grant: RoleGrant) -> dict:
    return {
        **_role_row(grant),
        "id": grant.pk,
        "username": grant.user.username,
        "display_name": grant.user.display_name,
        "created_at": grant.created_at,
        "created_by": grant.created_by.username if grant.created_by else None,
    }


@router.get("/roles", response={200: GrantPage, **READ_ERRORS}, summary="可管理的角色授权")
def list_grants(request, filters: Query[GrantFilters]):
    """The grants inside the subtrees where the caller may hand out roles (Perm.GRANT)."""
    qs = restrict(RoleGrant.objects.all(), request.auth, Perm.GRANT)
    if filters.org:
        org = org_model().objects.filter(code=filters.org).first()
        qs = qs.filter(subtree_q("org__path", org.path)) if org else qs.none()
    if filters.role:
        qs = qs.filter(role=filters.role.value)
    if filters.username:
        qs = qs.filter(user__username=filters.username)
    qs = qs.select_related("user", "org", "created_by").order_by("org__path", "user__username", "role", "pk")
    result = page(qs, filters)
    result["items"] = [_grant_out(g) for g in result["items"]]
    return result


@router.post("/roles", response={201: GrantOut, **ERRORS}, summary="授予角色")
def create_grant(request, payload: GrantIn):
    actor = request.auth
    if not can(actor, Perm.GRANT):
        raise PermissionDenied("无权授予角色")
    target = get_user_model().objects.filter(username=payload.username).first()
    if target is None:
        raise DjangoValidationError({"username": f"账号“{payload.username}”不存在"})
    org = None
    if payload.org:
        org = org_model().objects.filter(code=payload.org).first()
        if org is None:
            raise DjangoValidationError({"org": f"组织“{payload.org}”不存在"})
    grant = accounts.grant_role(actor, target, payload.role.value, org)
    grant = RoleGrant.objects.select_related("user", "org", "created_by").get(pk=grant.pk)
    return Status(201, _grant_out(grant))


@router.delete("/roles/{grant_id}", response={204: None, **ERRORS}, summary="撤销角色")
def delete_grant(request, grant_id: int):
    actor = request.auth
    grant = get_in_scope(RoleGrant.objects.select_related("user", "org"), actor, Perm.GRANT, pk=grant_id)
    accounts.revoke_role(actor, grant)
    return Status(204, None)

