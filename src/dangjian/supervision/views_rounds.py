"""Pages of plans, rounds, coverage and the group workspace (督查计划、督查轮次、覆盖情况、指导组
工作台). Thin: every rule is in supervision.plans and supervision.workspace."""
from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from dangjian.campaigns.models import GuidanceAssignment, GuidanceGroup
from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.orgs.views import present_history
from dangjian.study.exporting import XLSX
from dangjian.supervision import plans as p
from dangjian.supervision import workspace as ws
from dangjian.supervision.forms_rounds import NoticeForm, PlanForm, RoundForm
from dangjian.supervision.models import InspectionPlan, Round, RoundStatus, RoundUnit

PER_PAGE = 100


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------- home
@login_required
def supervision_home(request):
    """The office: its plans and the current round's coverage per group; a group member: the
    workspace(s) of their group(s)."""
    user = request.user
    plans = list(p.plans_for(user).select_related("campaign").order_by("-starts_on", "-pk")[:20])
    current = p.current_round(user)
    coverage = p.coverage_by_group(user, current) if current else None
    groups = list(ws.groups_for(user)[:50])
    return render(request, "supervision/rounds/home.html", {
        "plans": plans, "current": current, "coverage": coverage, "groups": groups,
        "can_plan": p.managed_campaigns(user).exists(),
        "rounds": list(p.rounds_with_counts(p.rounds_for(user)).select_related("plan").order_by("-starts_on", "-pk")[:12]),
    })


# ----------------------------------------------------------------------------- plans
def _plan_data(d) -> p.PlanData:
    return p.PlanData(title=d["title"], starts_on=d["starts_on"], ends_on=d["ends_on"], target_units=d["target_units"],
                      target_branches=d["target_branches"], target_members=d["target_members"], note=d["note"])


@login_required
def inspection_plan_create(request):
    user = request.user
    campaigns = list(p.managed_campaigns(user))
    if not campaigns:
        raise PermissionDenied("只有主题教育办公室可以制定督查计划")
    initial = {"campaign": campaigns[0].pk, "target_units": 0, "target_branches": 0, "target_members": 0}
    form = PlanForm(request.POST or None, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        campaign = next(c for c in campaigns if c.pk == d["campaign"])
        try:
            plan = p.create_plan(user, campaign, _plan_data(d))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已制定督查计划“{plan.title}”")
            return redirect("inspection_plan_detail", pk=plan.pk)
    return render(request, "supervision/rounds/plan_form.html", {"form": form, "plan": None, "title": "制定督查计划"})


@login_required
def inspection_plan_edit(request, pk: int):
    user = request.user
    plan = p.get_plan(user, pk)
    if not p.may_manage_plan(user, plan):
        raise PermissionDenied("只有主题教育办公室可以修改督查计划")
    initial = {k: getattr(plan, k) for k in ("title", "starts_on", "ends_on", "target_units", "target_branches", "target_members", "note")}
    form = PlanForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            p.update_plan(user, plan, _plan_data(form.cleaned_data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存督查计划")
            return redirect("inspection_plan_detail", pk=plan.pk)
    return render(request, "supervision/rounds/plan_form.html", {"form": form, "plan": plan, "title": f"修改 {plan.title}"})


@login_required
def inspection_plan_detail(request, pk: int):
    user = request.user
    plan = p.get_plan(user, pk)
    rounds = p.rounds_with_counts(p.rounds_for(user).filter(plan=plan)).order_by("-starts_on", "-pk")
    return render(request, "supervision/rounds/plan_detail.html", {
        "plan": plan, "rounds": list(rounds), "targets": p.plan_progress(plan), "manage": p.may_manage_plan(user, plan),
        "history": present_history(user, InspectionPlan, history_rows(plan, limit=50)),
    })


# ----------------------------------------------------------------------------- rounds
def _round_data(d) -> p.RoundData:
    return p.RoundData(name=d["name"], starts_on=d["starts_on"], ends_on=d["ends_on"], focus=d["focus"])


@login_required
def round_create(request, plan_id: int):
    user = request.user
    plan = p.get_plan(user, plan_id)
    if not p.may_manage_plan(user, plan):
        raise PermissionDenied("只有主题教育办公室可以安排督查轮次")
    form = RoundForm(request.POST or None, initial={"starts_on": plan.starts_on, "ends_on": plan.ends_on})
    assignments = list(GuidanceAssignment.objects.filter(campaign=plan.campaign).select_related("group", "org").order_by("group__order", "org__path"))
    if request.method == "POST" and form.is_valid():
        try:
            rnd = p.create_round(user, plan, _round_data(form.cleaned_data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已安排“{rnd.name}”，按各指导组联系单位分工 {rnd.units.count()} 个单位")
            return redirect("round_detail", pk=rnd.pk)
    return render(request, "supervision/rounds/round_form.html", {"form": form, "plan": plan, "round": None, "assignments": assignments,
                                                                   "title": "安排督查轮次"})


@login_required
def round_edit(request, pk: int):
    """Edit a round: name, dates, focus, status (open / close) and the split among groups
    (one select per unit; "不列入" leaves the unit out)."""
    user = request.user
    rnd = p.get_round(user, pk)
    plan = rnd.plan
    if not p.may_manage_plan(user, plan):
        raise PermissionDenied("只有主题教育办公室可以修改督查轮次")
    initial = {"name": rnd.name, "starts_on": rnd.starts_on, "ends_on": rnd.ends_on, "focus": rnd.focus, "status": rnd.status}
    form = RoundForm(request.POST or None, with_status=True, initial=initial)
    groups = list(GuidanceGroup.objects.filter(campaign=plan.campaign).order_by("order", "pk"))
    current = dict(RoundUnit.objects.filter(round=rnd).values_list("org_id", "group_id"))
    units = {a.org_id: a.org for a in GuidanceAssignment.objects.filter(campaign=plan.campaign).select_related("org")}
    units.update({ru.org_id: ru.org for ru in RoundUnit.objects.filter(round=rnd).select_related("org")})
    split_rows = [{"org": o, "group": current.get(o.pk)} for o in sorted(units.values(), key=lambda o: o.path)]
    split_error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        split = {}
        if request.POST.get("split_form") == "1":
            for row in split_rows:
                g = _int(request.POST.get(f"unit_{row['org'].pk}"))
                if g:
                    split[row["org"].pk] = g
        pasted = request.POST.get("split_text", "").strip()
        try:
            if pasted and request.POST.get("split_form") == "1":
                split = p.split_code_lines(rnd, pasted)
            with transaction.atomic():
                p.update_round(user, rnd, _round_data(d))
                if request.POST.get("split_form") == "1" and split != current:
                    p.set_round_units(user, rnd, split)
                if d.get("status") and d["status"] != rnd.status:
                    p.set_round_status(user, rnd, d["status"])
        except ValidationError as exc:
            rnd.refresh_from_db()
            if hasattr(exc, "error_dict") and "split" in exc.error_dict:
                split_error = "；".join(exc.message_dict.pop("split"))
            apply_errors(form, ValidationError(exc.message_dict) if hasattr(exc, "error_dict") else exc)
        else:
            messages.success(request, "已保存督查轮次")
            return redirect("round_detail", pk=rnd.pk)
    return render(request, "supervision/rounds/round_form.html", {
        "form": form, "plan": plan, "round": rnd, "groups": groups, "split_rows": split_rows, "split_error": split_error,
        "closed": rnd.status == RoundStatus.CLOSED, "title": f"修改 {rnd.name}", "split_text": request.POST.get("split_text", ""),
    })


@login_required
def round_detail(request, pk: int):
    """The coverage table: group × unit, visited or not, counts; what is left."""
    user = request.user
    rnd = p.get_round(user, pk)
    group_id = _int(request.GET.get("group"))
    only_left = request.GET.get("left") == "1"
    rows = p.coverage_rows(user, rnd, group_id)
    if only_left:
        rows = rows.filter(visited=False)
    coverage = p.coverage_by_group(user, rnd)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/rounds/round_detail.html", {
        "round": rnd, "plan": rnd.plan, "rows": page, "page": page, "coverage": coverage, "group_id": group_id, "only_left": only_left,
        "manage": p.may_manage_plan(user, rnd.plan),
        "history": present_history(user, Round, history_rows(rnd, limit=50)),
    })


@login_required
def round_coverage_export(request, pk: int):
    """The coverage table (as the user sees it) as xlsx."""
    rnd = p.get_round(request.user, pk)
    buffer = io.BytesIO()
    p.write_coverage(request.user, rnd, buffer)
    name = f"{rnd.name}覆盖情况.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"coverage-{rnd.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


# ----------------------------------------------------------------------------- workspace
@login_required
def group_workspace(request, pk: int):
    user = request.user
    group = ws.get_group(user, pk)
    space = ws.workspace(user, group)
    rnd = p.current_round(user)
    rows = list(p.coverage_rows(user, rnd, group.pk)) if rnd and rnd.plan.campaign_id == group.campaign_id else []
    return render(request, "supervision/rounds/workspace.html", {
        "ws": space, "group": group, "round": rnd if rows else None, "coverage_rows": rows,
        "left": sum(1 for r in rows if not r.visited),
    })


@login_required
def group_notice_create(request, pk: int):
    user = request.user
    group = ws.get_group(user, pk)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ws.create_notice(user, group, form.cleaned_data["title"], form.cleaned_data["body"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已发布组内通知")
            return redirect("group_workspace", pk=group.pk)
    return render(request, "supervision/rounds/notice_form.html", {"form": form, "group": group})

