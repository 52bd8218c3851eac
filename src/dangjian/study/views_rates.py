"""Pages of the three rates (三个100%) with drill-down, the member's study record (学习档案)
and the xlsx downloads. Thin: study.rates, study.records and study.exporting compute."""
from __future__ import annotations

import io
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org
from dangjian.study import rates as r
from dangjian.study.exporting import XLSX, write_rates, write_records
from dangjian.study.records import get_member, study_record
from dangjian.study.sessions import own_member


def _org(user, code: str | None) -> Org:
    """The org asked for (by code), or the highest one the user sees; 404 out of scope."""
    if code:
        org = Org.objects.filter(code=code.strip()[:32]).first()
        if org is None or not can(user, Perm.VIEW, org):
            raise Http404
        return org
    org = r.top_org(user)
    if org is None:
        raise PermissionDenied("没有可查看的党组织")
    return org


def _period(user, data) -> tuple[r.Period, dict]:
    try:
        return r.parse_period(user, campaign_id=data.get("campaign"), starts=data.get("from"), ends=data.get("to")), {}
    except ValidationError as exc:
        return r.default_period(user), {k: v[0] for k, v in exc.message_dict.items()}


def _query(data, *keys) -> str:
    return urlencode({k: data[k] for k in keys if data.get(k)})


def _xlsx(buffer: io.BytesIO, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def _rate_view(value) -> dict:
    return {"text": r.pct_text(value), "low": value is not None and value < 1, "none": value is None,
            "width": 0 if value is None else min(100, round(float(value) * 100))}


@login_required
@require_GET
def study_rates(request):
    user = request.user
    org = _org(user, request.GET.get("org"))
    period, errors = _period(user, request.GET)
    table = r.rates_children(user, org, period)
    from dangjian.campaigns.services import visible_campaigns

    for row in table.rows:
        row.view = {k: _rate_view(getattr(row.rates, k)) for k in ("participation", "completion", "excellence")}
        row.drill = row.org.numchild > 0
    total = {k: _rate_view(getattr(table.total, k)) for k in ("participation", "completion", "excellence")}
    keep = _query(request.GET, "campaign", "from", "to")
    return render(request, "study/rates/rates.html", {
        "table": table, "org": org, "period": period, "errors": errors, "total": total, "keep": keep,
        "campaigns": list(visible_campaigns(user).order_by("-starts_on", "-pk").values_list("pk", "name")),
        "definitions": r.DEFINITIONS, "data": request.GET,
    })


@login_required
@require_GET
def study_rates_export(request):
    user = request.user
    org = _org(user, request.GET.get("org"))
    period, _ = _period(user, request.GET)
    table = r.rates_children(user, org, period)
    buffer = io.BytesIO()
    write_rates(table, buffer)
    return _xlsx(buffer, f"rates-{org.code}.xlsx", f"三个100%-{org.name}-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_GET
def study_record_export(request):
    user = request.user
    org = _org(user, request.GET.get("org"))
    period, _ = _period(user, request.GET)
    buffer = io.BytesIO()
    write_records(user, org, period, buffer)
    return _xlsx(buffer, f"study-records-{org.code}.xlsx", f"学习档案-{org.name}-{timezone.localdate():%Y%m%d}.xlsx")


def _record_page(request, member, *, own: bool):
    record = study_record(member)
    return render(request, "study/records/record.html", {"record": record, "member": member, "own": own, "now": timezone.now()})


@login_required
@require_GET
def study_record_member(request, pk: int):
    member = get_member(request.user, pk)
    return _record_page(request, member, own=member.user_id == request.user.pk)


@login_required
@require_GET
def study_record_me(request):
    member = own_member(request.user)
    if member is None:
        raise Http404("当前账号未关联党员信息")
    return _record_page(request, member, own=True)
