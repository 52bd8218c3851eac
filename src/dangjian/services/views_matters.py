"""Practical-matter pages (我为群众办实事): the list with filters and counts, a matter with its
progress, outcome, task evidence and history, the xlsx export. Thin: every change goes through
services.matters."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.campaigns.services import visible_campaigns
from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Org
from dangjian.orgs.views import code_suggestions, present_history
from dangjian.services import matters as sm
from dangjian.services.exporting_matters import XLSX, matters_xlsx
from dangjian.services.forms_matters import EvidenceLinkForm, MatterForm, ProgressForm
from dangjian.services.models import MatterCategory, MatterStatus, PracticalMatter

PER_PAGE = 50


def filtered(user, params, today):
    """The list's filters as given, and what services.matters.search makes of them."""
    f = {k: params.get(k, "").strip() for k in ("org", "status", "category", "campaign", "q", "overdue")}
    f["status"] = f["status"] if f["status"] in MatterStatus.values else ""
    f["category"] = f["category"] if f["category"] in MatterCategory.values else ""
    f["campaign"] = f["campaign"] if f["campaign"].isdigit() else ""
    f["overdue"] = "1" if f["overdue"] == "1" else ""
    base, qs = sm.search(user, org=f["org"], status=f["status"], category=f["category"], campaign=int(f["campaign"] or 0) or None,
                         overdue=bool(f["overdue"]), q=f["q"], today=today)
    return base, qs, f


@login_required
def matter_list(request):
    user = request.user
    today = timezone.localdate()
    base, qs, f = filtered(user, request.GET, today)
    qs = qs.select_related("org").order_by("due_on", "pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for m in rows:
        m.overdue = sm.is_overdue(m, today)
    query = "&".join(f"{k}={quote(v)}" for k, v in f.items() if v)
    return render(request, "services/matters/matter_list.html", {
        "page": page, "rows": rows, "f": f, "counts": sm.counts(base, today), "query": query,
        "statuses": MatterStatus.choices, "categories": MatterCategory.choices,
        "campaigns": list(visible_campaigns(user).order_by("-starts_on", "-pk")[:50]),
        "can_create": can(user, Perm.ACT), "orgs": code_suggestions(user, Perm.VIEW),
    })


@login_required
def matter_export(request):
    """The filtered list as xlsx, with a summary sheet by status and by category."""
    user = request.user
    today = timezone.localdate()
    _, qs, f = filtered(user, request.GET, today)
    org = restrict(Org.objects.filter(code=f["org"]), user).first() if f["org"] else None
    content = matters_xlsx(qs.select_related("org", "campaign").order_by("org__path", "due_on", "pk"), today=today,
                           scope_name=org.name if org else "")
    response = HttpResponse(content, content_type=XLSX)
    name = f"我为群众办实事项目清单-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"matters.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def _preset_org(request) -> str:
    code = request.GET.get("org", "").strip()
    if not code:
        return ""
    if not restrict(Org.objects.filter(code=code), request.user, Perm.ACT).exists():
        raise PermissionDenied("无权为该组织登记办实事项目")
    return code


def _matter_form(request, matter: PracticalMatter | None):
    user = request.user
    campaigns = list(visible_campaigns(user).order_by("-starts_on", "-pk")[:50])
    if matter is not None:
        initial = {"title": matter.title, "org": matter.org.code, "category": matter.category, "campaign": str(matter.campaign_id or ""),
                   "leader": matter.leader, "owner": matter.owner, "starts_on": matter.starts_on, "due_on": matter.due_on,
                   "problem": matter.problem_id, "description": matter.description}
    else:
        acting = code_suggestions(user, Perm.ACT)
        initial = {"org": _preset_org(request) or (acting[0]["code"] if acting else ""), "starts_on": timezone.localdate()}
        active = next((c for c in campaigns if c.status == "active"), None)
        if active is not None:
            initial["campaign"] = str(active.pk)
    form = MatterForm(request.POST or None, user=user, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            matter = sm.save_matter(user, form.matter_data(), matter)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存办实事项目“{matter.title}”")
            return redirect("matter_detail", pk=matter.pk)
    return render(request, "services/matters/matter_form.html", {
        "form": form, "matter": matter, "title": f"修改 {matter.title}" if matter else "登记办实事项目",
        "act_orgs": code_suggestions(user, Perm.ACT),
    })


@login_required
def matter_create(request):
    if not can(request.user, Perm.ACT):
        raise PermissionDenied("无权登记办实事项目")
    return _matter_form(request, None)


def _editable(user, pk: int) -> PracticalMatter:
    matter = sm.get_matter(user, pk)
    if not sm.may_edit(user, matter):
        raise PermissionDenied("无权修改该办实事项目")
    return matter


@login_required
def matter_edit(request, pk: int):
    return _matter_form(request, _editable(request.user, pk))


def _detail(request, matter: PracticalMatter, *, progress_form=None, evidence_form=None):
    user = request.user
    may_edit = sm.may_edit(user, matter)
    candidates = sm.evidence_candidates(user, matter) if may_edit else []
    if progress_form is None and may_edit:
        progress_form = ProgressForm(initial={
            "status": matter.status, "progress": matter.progress, "outcome": matter.outcome, "done_on": matter.done_on,
            "beneficiaries": matter.beneficiaries, "satisfaction": matter.satisfaction,
        })
    problem = None
    if matter.problem_id:
        from dangjian.rectification.models import Problem

        problem = restrict(Problem.objects.filter(pk=matter.problem_id), user).first()
    return render(request, "services/matters/matter_detail.html", {
        "matter": matter, "may_edit": may_edit, "overdue": sm.is_overdue(matter), "problem": problem,
        "progress_form": progress_form,
        "evidence_form": evidence_form or (EvidenceLinkForm(candidates=candidates) if candidates else None),
        "evidenced": sm.evidenced_tasks(user, matter),
        "history": present_history(user, PracticalMatter, history_rows(matter, limit=50)),
    })


@login_required
def matter_detail(request, pk: int):
    return _detail(request, sm.get_matter(request.user, pk))


@login_required
@require_POST
def matter_progress(request, pk: int):
    user = request.user
    matter = _editable(user, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            matter = sm.record_progress(user, matter, form.progress_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已更新进展：{matter.get_status_display()}")
            return redirect(reverse("matter_detail", args=[matter.pk]) + "#progress")
    return _detail(request, matter, progress_form=form)


@login_required
@require_POST
def matter_link_task(request, pk: int):
    user = request.user
    matter = sm.get_matter(user, pk)
    if not sm.may_edit(user, matter):
        raise PermissionDenied("无权办理该单位的任务")
    form = EvidenceLinkForm(request.POST, candidates=sm.evidence_candidates(user, matter))
    if form.is_valid():
        ut = form.cleaned_data["unit_task"]
        try:
            sm.attach_as_evidence(user, matter, ut, form.cleaned_data["description"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已将本项目作为“{ut.task.title}”的佐证材料")
            return redirect(reverse("matter_detail", args=[matter.pk]) + "#evidence")
    return _detail(request, matter, evidence_form=form)
