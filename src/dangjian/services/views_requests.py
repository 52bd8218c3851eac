"""Pages of service requests (群众诉求), the responsible units, the red/black list (红黑榜) and
its rules. Thin: units, requests, importing, redblack and exporting do the work."""
from __future__ import annotations

import io
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, can_on, restrict
from dangjian.orgs.models import Org
from dangjian.orgs.views import present_history
from dangjian.services import redblack as rb
from dangjian.services import units as su
from dangjian.services.exporting import XLSX, write_redblack
from dangjian.services.forms_requests import ImportForm, RequestForm, RuleForm, UnitForm
from dangjian.services.importing import import_requests, template_workbook
from dangjian.services.models import RankingRule, ServiceRequest, ServiceUnit
from dangjian.services.requests import (
    STATUS_CHOICES,
    create_request,
    flags,
    get_request,
    limit_hours,
    parse_month,
    requests,
    update_request,
)

PER_PAGE = 50
METRIC_KEYS = ("response", "resolution", "satisfaction")


def _xlsx(data: bytes, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def _org(user, code: str | None) -> Org:
    if code:
        org = Org.objects.filter(code=code.strip()[:32]).first()
        if org is None or not can(user, Perm.VIEW, org):
            raise Http404
        return org
    org = rb.top_org(user)
    if org is None:
        raise PermissionDenied("没有可查看的党组织")
    return org


def _month(data):
    try:
        return parse_month(data.get("month")) or rb.default_month(), None
    except ValidationError as exc:
        return rb.default_month(), exc.message_dict["month"][0]


def _require_any(user, perm: str, message: str) -> None:
    if not can(user, perm):
        raise PermissionDenied(message)


# ------------------------------------------------------------------------ red/black list
@login_required
@require_GET
def redblack(request):
    user = request.user
    org = _org(user, request.GET.get("org"))
    month, error = _month(request.GET)
    result = rb.compute(user, org, month)
    for row in result.rows:
        row.view = [{"key": m, "text": rb.pct_text(row.current.rate(m)), "trend": row.trend(m), "change": row.change(m),
                     "prev": rb.pct_text(row.previous.rate(m))} for m in METRIC_KEYS]
    return render(request, "services/requests/redblack.html", {
        "result": result, "org": org, "month": month, "error": error, "month_text": f"{month:%Y-%m}",
        "definitions": rb.definitions(result.limit_hours), "rules": [(r, rb.rule_text(r)) for r in result.rules],
        "may_rules": rb.may_manage_rules(user), "total": result.total,
        "total_view": [rb.pct_text(result.total.rate(m)) for m in METRIC_KEYS],
    })


@login_required
@require_GET
def redblack_export(request):
    user = request.user
    org = _org(user, request.GET.get("org"))
    month, _ = _month(request.GET)
    result = rb.compute(user, org, month)
    buffer = io.BytesIO()
    write_redblack(result, buffer)
    return _xlsx(buffer.getvalue(), f"redblack-{org.code}-{month:%Y%m}.xlsx", f"红黑榜-{org.name}-{month:%Y年%m月}.xlsx")


# ---------------------------------------------------------------------------------- units
def _change_orgs(user):
    return restrict(Org.objects.all(), user, Perm.CHANGE_ORG).order_by("path").values("code", "name")[:200]


@login_required
@require_GET
def service_unit_list(request):
    user = request.user
    _require_any(user, Perm.VIEW, "没有可查看的党组织")
    org = None
    if request.GET.get("org"):
        org = _org(user, request.GET.get("org"))
    qs = su.units(user, org=org)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    page = Paginator(qs.order_by("code"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "services/requests/unit_list.html", {
        "page": page, "org_code": request.GET.get("org", ""), "q": q, "may_create": can(user, Perm.CHANGE_ORG),
    })


@login_required
@require_http_methods(["GET", "POST"])
def service_unit_create(request):
    user = request.user
    _require_any(user, Perm.CHANGE_ORG, "无权管理诉求责任单位")
    initial = {"active": True}
    if request.GET.get("org"):
        org = Org.objects.filter(code=request.GET["org"][:32]).first()
        if org is None or not can(user, Perm.CHANGE_ORG, org):
            raise PermissionDenied("该组织不在您的管理范围内")
        initial["org"] = org.code
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = su.create_unit(user, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已添加责任单位“{unit.name}”")
            return redirect("service_unit_list")
    return render(request, "services/requests/unit_form.html", {"form": form, "title": "添加责任单位", "orgs": _change_orgs(user)})


@login_required
@require_http_methods(["GET", "POST"])
def service_unit_edit(request, pk: int):
    user = request.user
    unit = su.get_unit(user, pk)
    may_change = can(user, Perm.CHANGE_ORG, unit.org)
    if request.method == "POST" and not may_change:
        raise PermissionDenied("无权修改该责任单位")
    initial = {"org": unit.org.code, "code": unit.code, "name": unit.name, "kind": unit.kind, "contact": unit.contact, "active": unit.active}
    form = UnitForm(request.POST or None, initial=initial)
    if not may_change:  # seen read-only, with its history
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            su.update_unit(user, unit, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存责任单位“{unit.name}”")
            return redirect("service_unit_edit", pk=unit.pk)
    return render(request, "services/requests/unit_form.html", {
        "form": form, "unit": unit, "title": unit.name if not may_change else f"{unit.name} · 修改", "orgs": _change_orgs(user),
        "may_change": may_change,
        "history": present_history(user, ServiceUnit, history_rows(unit)),
    })


# ------------------------------------------------------------------------------- requests
@login_required
@require_GET
def service_request_list(request):
    user = request.user
    _require_any(user, Perm.VIEW, "没有可查看的党组织")
    g = request.GET
    org = _org(user, g.get("org")) if g.get("org") else None
    unit = None
    if g.get("unit"):
        try:
            unit = su.get_unit(user, int(g["unit"]))
        except (TypeError, ValueError):
            raise Http404 from None
    month, error = None, None
    if g.get("month"):
        try:
            month = parse_month(g["month"])
        except ValidationError as exc:
            error = exc.message_dict["month"][0]
    status = g.get("status", "") if g.get("status", "") in dict(STATUS_CHOICES) else ""
    qs = requests(user, org=org, unit=unit, month=month, status=status, q=(g.get("q") or "").strip()[:100])
    page = Paginator(qs, PER_PAGE).get_page(g.get("page"))
    now = timezone.now()
    for req in page:
        req.flags = flags(req, now)
    return render(request, "services/requests/request_list.html", {
        "page": page, "units": list(su.units(user).order_by("code").values("pk", "code", "name")[:500]), "unit": unit,
        "status_choices": STATUS_CHOICES, "data": g, "error": error, "may_create": can(user, Perm.ACT),
        "limit_hours": limit_hours(),
    })


def _act_units(user):
    return list(su.units(user, perm=Perm.ACT).filter(active=True).order_by("code")[:1000])


def _request_data(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items()}


@login_required
@require_http_methods(["GET", "POST"])
def service_request_create(request):
    user = request.user
    _require_any(user, Perm.ACT, "无权登记群众诉求")
    units = _act_units(user)
    initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.GET.get("unit"):
        try:
            unit = su.get_unit(user, int(request.GET["unit"]), Perm.ACT)
        except (TypeError, ValueError):
            raise Http404 from None
        initial["unit"] = str(unit.pk)
        if unit not in units:
            units.append(unit)
    form = RequestForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            req = create_request(user, _request_data(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记诉求 {req.number}")
            return redirect("service_request_detail", pk=req.pk)
    return render(request, "services/requests/request_form.html", {"form": form, "title": "登记群众诉求"})


@login_required
@require_GET
def service_request_detail(request, pk: int):
    user = request.user
    req = get_request(user, pk)
    return render(request, "services/requests/request_detail.html", {
        "req": req, "flags": flags(req), "may_edit": can_on(user, Perm.ACT, req), "limit_hours": limit_hours(),
        "history": present_history(user, ServiceRequest, history_rows(req)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def service_request_edit(request, pk: int):
    user = request.user
    req = get_request(user, pk, Perm.ACT)
    units = _act_units(user)
    if req.unit not in units:
        units.append(req.unit)
    fmt = "%Y-%m-%dT%H:%M"
    initial = {"unit": str(req.unit_id), "number": req.number, "channel": req.channel, "category": req.category,
               "content": req.content, "satisfaction": req.satisfaction,
               **{k: timezone.localtime(getattr(req, k)).strftime(fmt) for k in ("received_at", "responded_at", "resolved_at")
                  if getattr(req, k)}}
    form = RequestForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_request(user, req, _request_data(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存诉求 {req.number}")
            return redirect("service_request_detail", pk=req.pk)
    return render(request, "services/requests/request_form.html", {"form": form, "req": req, "title": f"{req.number} · 办理登记"})


@login_required
@require_http_methods(["GET", "POST"])
def service_request_import(request):
    user = request.user
    _require_any(user, Perm.VIEW, "没有可查看的党组织")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        _require_any(user, Perm.ACT, "无权导入群众诉求")
        if form.is_valid():
            result = import_requests(user, form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            if result.ok and not result.dry_run:
                messages.success(request, result.summary())
                return redirect(reverse("service_request_list"))
    return render(request, "services/requests/request_import.html", {"form": form, "result": result, "may_import": can(user, Perm.ACT)})


@login_required
@require_GET
def service_request_template(request):
    _require_any(request.user, Perm.VIEW, "没有可查看的党组织")
    return _xlsx(template_workbook(), "service-requests-template.xlsx", "群众诉求导入模板.xlsx")


# ---------------------------------------------------------------------------------- rules
@login_required
@require_GET
def ranking_rule_list(request):
    user = request.user
    _require_any(user, Perm.VIEW, "没有可查看的党组织")
    rules = list(RankingRule.objects.order_by("list_kind", "order", "pk"))
    return render(request, "services/requests/rule_list.html", {
        "rules": [(r, rb.rule_text(r)) for r in rules], "may_edit": rb.may_manage_rules(user),
        "definitions": rb.definitions(), "limit_hours": limit_hours(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def ranking_rule_edit(request, pk: int):
    user = request.user
    if not rb.may_manage_rules(user):
        raise PermissionDenied("只有党委办公室可以设置红黑榜规则")
    rule = RankingRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    form = RuleForm(request.POST or None, initial=RuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            rb.update_rule(user, rule, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存规则“{rule.name}”")
            return redirect("ranking_rule_list")
    return render(request, "services/requests/rule_form.html", {
        "form": form, "rule": rule, "history": present_history(user, RankingRule, history_rows(rule)),
    })


__all__ = ["urlencode"]
