"""Pages of the progress table (工作推进表): the table with its filters, the completion chart
(loaded by htmx), the overdue list and the xlsx download. Thin: campaigns.progress computes."""
from __future__ import annotations

import io
import math
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.campaigns import progress
from dangjian.campaigns.exporting import export_progress, workbook_title
from dangjian.campaigns.models import GuidanceGroup
from dangjian.campaigns.services import get_campaign
from dangjian.core.scoping import Perm, restrict, subtree_q
from dangjian.orgs.models import Org

_PK = 987654321  # a placeholder id: one reverse() for every cell of the page


def _cell_url():
    """A function id -> the unit task's page, or None while that page is not installed."""
    try:
        base = reverse("unit_task_detail", kwargs={"pk": _PK})
    except NoReverseMatch:
        return lambda pk: None
    return lambda pk: base.replace(str(_PK), str(pk))


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def filters_from(data) -> tuple[progress.Filters, dict]:
    f = progress.Filters(unit=(data.get("unit") or "").strip()[:32], group=_int(data.get("group")), phase=_int(data.get("phase")),
                         status=(data.get("status") or "").strip())
    errors = f.errors()
    if errors:
        f.status = ""
    return f, errors


def _choices(user, campaign) -> dict:
    units = restrict(Org.objects.filter(subtree_q("path", campaign.org.path), depth=Org.SECONDARY_DEPTH), user, Perm.VIEW)
    return {
        "units": list(units.order_by("order", "path").values_list("code", "name")),
        "groups": list(GuidanceGroup.objects.filter(campaign=campaign).values_list("pk", "name")),
        "phases": list(campaign.phases.values_list("pk", "name")),
        "statuses": list(progress.STATUS_FILTERS.items()),
    }


@login_required
@require_GET
def progress_table(request, campaign_id: int):
    user = request.user
    campaign = get_campaign(user, campaign_id)
    filters, errors = filters_from(request.GET)
    number = max(_int(request.GET.get("page")) or 1, 1)
    per = progress.PER_PAGE
    table = progress.build_table(user, campaign, filters, offset=(number - 1) * per, limit=per)
    pages = max(math.ceil(table.units / per), 1)
    if number > pages:  # past the end: show the last page
        number = pages
        table = progress.build_table(user, campaign, filters, offset=(number - 1) * per, limit=per)
    page = Paginator(range(table.units), per).get_page(number)
    url = _cell_url()
    rollups = {r.prefix: r for r in table.rollups}
    sections, current = [], None
    for row in table.rows:
        for cell in row.cells:
            if cell is not None:
                cell.url = url(cell.unit_task_id)
        if current is None or current["prefix"] != row.secondary:
            rollup = rollups.get(row.secondary)
            if rollup is not None:
                rollup.columns = [rollup.per_task[t.pk] for t in table.tasks]
            current = {"prefix": row.secondary, "rollup": rollup, "rows": []}
            sections.append(current)
        current["rows"].append(row)
    ctx = {
        "campaign": campaign, "table": table, "sections": sections, "page": page, "filters": filters, "errors": errors,
        "query": urlencode(filters.as_query()), "title": workbook_title(table), **_choices(user, campaign),
        "task_columns": [(t, table.task_counts[t.pk]) for t in table.tasks],
    }
    template = "campaigns/_progress_body.html" if request.htmx and request.htmx.target == "progress-body" else "campaigns/progress_table.html"
    return render(request, template, ctx)


CHART_W, CHART_H, PAD = 720, 220, 36


def chart_points(series: list[progress.Point], total: int) -> dict:
    """Two polylines (cumulative submissions and approvals) scaled into the SVG box."""
    if not series:
        return {}
    days = (series[-1].day - series[0].day).days or 1
    top = max(total, series[-1].submitted, 1)

    def xy(p, value):
        x = PAD + (CHART_W - 2 * PAD) * (p.day - series[0].day).days / days
        y = CHART_H - PAD - (CHART_H - 2 * PAD) * value / top
        return f"{x:.1f},{y:.1f}"

    return {
        "submitted": " ".join(xy(p, p.submitted) for p in series),
        "approved": " ".join(xy(p, p.approved) for p in series),
        "first": series[0].day, "last": series[-1], "top": top,
        "grid": [{"y": CHART_H - PAD - (CHART_H - 2 * PAD) * f, "label": f"{round(top * f)}"} for f in (0, 0.25, 0.5, 0.75, 1)],
    }


@login_required
@require_GET
def progress_chart(request, campaign_id: int):
    user = request.user
    campaign = get_campaign(user, campaign_id)
    filters, _ = filters_from(request.GET)
    series = progress.completion_series(user, campaign, filters)
    total = progress.build_table(user, campaign, filters, limit=1).totals.total if series else 0
    return render(request, "campaigns/_progress_chart.html", {
        "campaign": campaign, "chart": chart_points(series, total), "total": total,
        "width": CHART_W, "height": CHART_H, "pad": PAD, "right": CHART_W - PAD, "bottom": CHART_H - PAD,
    })


@login_required
@require_GET
def progress_overdue(request, campaign_id: int):
    user = request.user
    campaign = get_campaign(user, campaign_id)
    filters, errors = filters_from(request.GET)
    qs = progress.overdue_queryset(user, campaign, filters)
    page = Paginator(qs, progress.PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    url = _cell_url()
    for ut in page.object_list:
        ut.url = url(ut.pk)
        ut.days_late = (today - ut.task.due_on).days
    return render(request, "campaigns/progress_overdue.html", {
        "campaign": campaign, "page": page, "filters": filters, "errors": errors, "query": urlencode(filters.as_query()),
        **_choices(user, campaign),
    })


@login_required
@require_GET
def progress_export(request, campaign_id: int):
    user = request.user
    campaign = get_campaign(user, campaign_id)
    filters, _ = filters_from(request.GET)  # an unknown status is dropped, as on the page
    buffer = io.BytesIO()
    export_progress(user, campaign, buffer, filters)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"工作推进表-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"progress-{campaign.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
