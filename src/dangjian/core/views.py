"""Pages of core: login, home dashboard, accounts and roles, history; and the health check."""
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dangjian.core import accounts
from dangjian.core.forms import LoginForm, RoleFilterForm, RoleGrantForm, apply_errors, org_model
from dangjian.core.models import AccessLog, RoleGrant
from dangjian.core.scoping import (
    Perm,
    can,
    get_in_scope,
    grantable_roles,
    restrict,
    scope_of,
    scope_q,
)

ROLES_PER_PAGE = 30


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


# The home page is assembled from panels that the domain apps register, because core may not
# import them (see ARCHITECTURE.md): a panel returns (template name, context) or None.
HomePanel = Callable[[HttpRequest], "tuple[str, dict] | None"]
_home_panels: dict[str, tuple[int, HomePanel]] = {}


def register_home_panel(name: str, panel: HomePanel, order: int = 100) -> None:
    _home_panels[name] = (order, panel)


@login_required
def home(request):
    panels = []
    for _order, panel in sorted(_home_panels.values(), key=lambda item: item[0]):
        result = panel(request)
        if result is not None:
            panels.append({"template": result[0], "context": result[1]})
    return render(request, "core/home.html", {"panels": panels})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _require_grant(user) -> None:
    if not can(user, Perm.GRANT):
        raise PermissionDenied("无权管理角色")


@login_required
def role_list(request):
    _require_grant(request.user)
    grants = restrict(RoleGrant.objects.select_related("user", "org", "created_by"), request.user, Perm.GRANT)
    form = RoleFilterForm(request.GET or None)
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            grants = grants.filter(Q(user__username__icontains=q) | Q(user__display_name__icontains=q) | Q(user__phone=q))
        if role := form.cleaned_data["role"]:
            grants = grants.filter(role=role)
    page = Paginator(grants.order_by("org__path", "user__username", "role", "id"), ROLES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"grant": g, "can_revoke": g.user_id != request.user.pk and g.role in grantable_roles(request.user, g.org)} for g in page]
    return render(request, "core/role_list.html", {
        "form": form, "page": page, "rows": rows,
        "can_see_access_log": Perm.UNMASK in scope_of(request.user).is_global,
    })


@login_required
def role_grant(request):
    _require_grant(request.user)
    form = RoleGrantForm(request.POST or None, user=request.user, initial={"account": request.GET.get("account", ""), "org": request.GET.get("org", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = accounts.grant_role(request.user, data["account"], data["role"], data["org"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            scope = f"“{grant.org.name}”" if grant.org else "全部组织"
            messages.success(request, f"已授予 {grant.user} 在{scope}的{grant.get_role_display()}角色")
            return redirect("role_list")
    orgs = restrict(org_model().objects.order_by("path"), request.user, Perm.GRANT).values("code", "name")[:500]
    return render(request, "core/role_grant.html", {"form": form, "orgs": orgs})


@login_required
@require_POST
def role_revoke(request, pk: int):
    grant = get_in_scope(RoleGrant.objects.select_related("user", "org"), request.user, Perm.GRANT, pk=pk)
    accounts.revoke_role(request.user, grant)
    scope = f"“{grant.org.name}”" if grant.org else "全部组织"
    messages.success(request, f"已撤销 {grant.user} 在{scope}的{grant.get_role_display()}角色")
    return redirect("role_list")


@login_required
def role_history(request):
    """Every grant and revocation inside the user's grant scope, newest first."""
    _require_grant(request.user)
    events = RoleGrant.history.select_related("history_user", "user", "org")
    # The history model is not registered itself, but it carries the same org path lookup, so
    # the one scoping policy's filter for RoleGrant applies to it unchanged.
    q = scope_q(RoleGrant, request.user, Perm.GRANT)
    if q is not None:
        events = events.filter(q)
    account = request.GET.get("account", "").strip()
    if account:
        events = events.filter(Q(user__username=account) | Q(user__phone=account))
    page = Paginator(events.order_by("-history_date", "-history_id"), ROLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "core/role_history.html", {"page": page, "account": account})


@login_required
def access_log(request):
    """Who saw ID and phone numbers unmasked, when and how: for system admins, whose scope is
    everything (the log names records of any org)."""
    if Perm.UNMASK not in scope_of(request.user).is_global:
        raise PermissionDenied("只有系统管理员可以查看个人信息查看记录")
    account = request.GET.get("account", "").strip()
    action = request.GET.get("action", "")
    rows = AccessLog.objects.select_related("user").order_by("-at", "-id")
    if account:
        rows = rows.filter(Q(user__username=account) | Q(user__phone=account))
    if action in AccessLog.ACTIONS:
        rows = rows.filter(action=action)
    page = Paginator(rows, ROLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "core/access_log.html", {
        "page": page, "account": account, "action": action, "actions": AccessLog.ACTIONS,
    })
