"""Pages of the three lists (问题清单、责任清单、整改清单): the roll-up with drill-down, counts by
status, aspect and level, overdue and due-soon lists, the found-vs-closed chart, the xlsx/docx
download, and the home panel. Thin: rectification.lists and rectification.exporting compute."""
from __future__ import annotations

import io
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org
from dangjian.rectification import lists
from dangjian.rectification.exporting import FORMATS, write
from dangjian.rectification.models import ProblemStatus


def org_for(user, code: str | None) -> Org:
    """The org asked for (by code), or the highest one the user sees; 404 out of scope."""
    if code:
        org = Org.objects.filter(code=str(code).strip()[:32]).first()
        if org is None or not can(user, Perm.VIEW, org):
            raise Http404
        return org
    org = lists.top_org(user)
    if org is None:
        raise PermissionDenied("没有可查看的党组织")
    return org


def _filter(user, data) -> tuple[lists.Filter, dict]:
    try:
        return lists.parse_filter(user, campaign_id=data.get("campaign"), starts=data.get("from"), ends=data.get("to")), {}
    except ValidationError as exc:
        return lists.Filter(), {k: v[0] for k, v in exc.message_dict.items()}


def _problem_list_url() -> str:
    try:
        return reverse("problem_list")
    except NoReverseMatch:
        return ""


# -------------------------------------------------------------------------------- the chart
CHART_W, CHART_H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 240, 40, 44, 14, 34


def _nice_top(value: int) -> tuple[int, int]:
    """A round top for an axis and its tick step (about five ticks)."""
    value = max(value, 1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000, 100000):
        if value / step <= 5:
            return step * -(-value // step), step
    step = 10 ** (len(str(value)) - 1)
    return step * -(-value // step), step


def chart(months: list[lists.Month]) -> dict:
    """Coordinates of the found-vs-closed chart (an inline SVG drawn by the template): two bars
    a month on the left scale, and the line of problems still open at each month's end on its
    own scale at the right (the backlog is usually far larger than a month's flow)."""
    if not months:
        return {}
    top, step = _nice_top(max(max(m.found, m.closed) for m in months))
    line_top, line_step = _nice_top(max(m.open_after for m in months))
    inner_w, inner_h = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
    base = PAD_T + inner_h
    slot = inner_w / len(months)
    bar = max(2.0, min(16.0, slot * 0.32))

    def y(v: int, scale: int) -> float:
        return round(base - inner_h * v / scale, 1)

    points, bars = [], []
    every = max(1, -(-len(months) // 12))
    for i, m in enumerate(months):
        cx = PAD_L + slot * i + slot / 2
        label = ""
        if i % every == 0:
            label = f"{m.month.year}年" if (m.month.month == 1 and i) else f"{m.month.month}月"
        bars.append({
            "month": m, "x_found": round(cx - bar - 1, 1), "x_closed": round(cx + 1, 1), "w": round(bar, 1),
            "y_found": y(m.found, top), "h_found": round(base - y(m.found, top), 1),
            "y_closed": y(m.closed, top), "h_closed": round(base - y(m.closed, top), 1),
            "y_open": y(m.open_after, line_top), "cx": round(cx, 1), "label": label,
        })
        points.append(f"{round(cx, 1)},{y(m.open_after, line_top)}")
    return {"w": CHART_W, "h": CHART_H, "left": PAD_L, "right": CHART_W - PAD_R, "base": base, "bars": bars,
            "line": " ".join(points), "label_y": CHART_H - 12,
            "ticks": [{"v": v, "y": y(v, top)} for v in range(0, top + 1, step)],
            "line_ticks": [{"v": v, "y": y(v, line_top)} for v in range(0, line_top + 1, line_step)]}


# -------------------------------------------------------------------------------- the pages
@login_required
@require_GET
def rect_lists(request):
    user = request.user
    org = org_for(user, request.GET.get("org"))
    flt, errors = _filter(user, request.GET)
    table = lists.rollup(user, org, flt)
    keep = urlencode(flt.query())
    from dangjian.campaigns.services import visible_campaigns

    plist = _problem_list_url()
    for row in table.rows:
        row.cells = [row.counts.by_status.get(s, 0) for s in lists.LIST_STATUSES]
    for p in table.overdue:
        p.days_late = (table.today - p.due_on).days
    for p in table.due_soon:
        p.days_left = (p.due_on - table.today).days
    statuses = [(s, ProblemStatus(s).label, table.total.by_status.get(s, 0)) for s in lists.LIST_STATUSES]
    aspects = [(a, table.total.by_aspect.get(a.pk, 0)) for a in table.aspects if a.active or table.total.by_aspect.get(a.pk)]
    levels = [(d, lists.level_label(d), n) for d, n in sorted(table.total.by_level.items())]
    return render(request, "rectification/lists/lists.html", {
        "table": table, "org": org, "flt": flt, "errors": errors, "keep": keep, "data": request.GET,
        "statuses": statuses, "aspects": aspects, "levels": levels, "chart": chart(table.months),
        "campaigns": list(visible_campaigns(user).order_by("-starts_on", "-pk").values_list("pk", "name")),
        "problem_list": plist, "definitions": {k: v.format(days=table.soon_days) for k, v in lists.DEFINITIONS.items()},
        "max_aspect": max([n for _, n in aspects] + [1]),
    })


@login_required
@require_GET
def rect_lists_export(request):
    user = request.user
    org = org_for(user, request.GET.get("org"))
    fmt = (request.GET.get("format") or "xlsx").lower()
    if fmt not in FORMATS:
        return HttpResponse("导出格式应为 xlsx 或 docx", status=400, content_type="text/plain; charset=utf-8")
    flt, errors = _filter(user, request.GET)
    if errors:
        return HttpResponse("；".join(f"{k}：{v}" for k, v in errors.items()), status=400, content_type="text/plain; charset=utf-8")
    buffer = io.BytesIO()
    try:
        write(user, org, flt, fmt, buffer)
    except ValidationError as exc:
        return HttpResponse("；".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    return attachment(buffer.getvalue(), fmt, org)


def attachment(content: bytes, fmt: str, org: Org) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    name = f"三个清单-{org.name}-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename=\"rect-lists-{org.code}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return response


def home_panel(request):
    """The home page's panel: the problems on the list of the highest org the user sees."""
    user = request.user
    org = lists.top_org(user)
    if org is None:
        return None
    s = lists.summary(user, org)
    if s.total == 0 and s.to_review == 0:
        return None
    return "rectification/lists/home_panel.html", {"s": s, "problem_list": _problem_list_url(),
                                                   "soon_days": lists.due_soon_days()}


def register_panel() -> None:
    """Put the panel on the home page (called from the app's ready())."""
    from dangjian.core.views import register_home_panel

    register_home_panel("rect_lists", home_panel, order=30)
