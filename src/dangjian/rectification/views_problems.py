"""Problem pages (问题清单): the list with its filters, the form with its first measures and the
duplicate check, the detail page with the tiered review's trail, measures, evidence, links,
outcomes and history, and the actions along the problem's way. Thin: every change goes through
rectification.problems, with the acting user first."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.campaigns.services import visible_campaigns
from dangjian.core import files
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Org
from dangjian.orgs.views import code_suggestions, present_history
from dangjian.rectification import problems as P
from dangjian.rectification.forms_problems import (
    CloseForm,
    EvidenceForm,
    MeasureForm,
    NewMeasureFormSet,
    ProblemForm,
    ProgressForm,
    RectifiedForm,
    ReviewForm,
    VerifyForm,
    measure_rows,
    unit_task_choices,
)
from dangjian.rectification.models import (
    ACCEPTED,
    EDITABLE,
    UNDER_WAY,
    Aspect,
    Measure,
    MeasureStatus,
    Outcome,
    Problem,
    ProblemStatus,
    Source,
    overdue_q,
)

PER_PAGE = 50
S = ProblemStatus
LATE_FIELDS = ("due_on", "owner", "leader", "target")  # what may change while the problem is being rectified
MINE_CHOICES = [("", "全部"), ("review", "待我审核"), ("units", "本单位待整改")]


def _refused(request, exc: ValidationError) -> None:
    for m in exc.messages:
        messages.error(request, m)


def _detail(problem_or_pk, anchor: str = ""):
    pk = getattr(problem_or_pk, "pk", problem_or_pk)
    return redirect(reverse("problem_detail", args=[pk]) + (f"#{anchor}" if anchor else ""))


# ------------------------------------------------------------------------------------- list

@login_required
def problem_list(request):
    user = request.user
    today = timezone.localdate()
    g = request.GET
    org_code = g.get("org", "").strip()
    org = restrict(Org.objects.filter(code=org_code), user).first() if org_code else None
    aspect = g.get("aspect", "")
    f = {"org": org_code, "status": g.get("status", ""), "aspect": aspect, "source": g.get("source", ""),
         "overdue": g.get("overdue", "") == "1", "q": g.get("q", "").strip()[:100], "mine": g.get("mine", "")}
    base = P.problems_for(user)
    if org_code and org is None:
        base = base.none()
    filtered = P.filter_problems(user, base, org=org, aspect=int(aspect) if aspect.isdigit() else None, source=f["source"],
                                 overdue=f["overdue"], q=f["q"], mine=f["mine"], today=today)
    # Counts by status under the other filters (one query): the tabs above the table.
    counts = filtered.aggregate(
        total=Count("pk"), accepted=Count("pk", filter=Q(status__in=ACCEPTED)),
        overdue=Count("pk", filter=overdue_q(today)),
        **{f"s_{s}": Count("pk", filter=Q(status=s)) for s in S.values},
    )
    qs = P.filter_problems(user, filtered, status=f["status"], today=today)
    qs = P.with_counts(qs.select_related("org", "aspect", "review_org"), today).order_by("-found_on", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(g.get("page"))
    rows = list(page.object_list)
    for p in rows:
        p.overdue = p.status in UNDER_WAY and p.due_on < today
        p.late_days = (today - p.due_on).days
    tabs = [("", "全部", counts["total"]), ("accepted", "已审定", counts["accepted"])]
    tabs += [(s, label, counts[f"s_{s}"]) for s, label in S.choices]
    query = g.copy()
    query.pop("page", None)
    query.pop("status", None)
    return render(request, "rectification/problems/problem_list.html", {
        "page": page, "rows": rows, "f": f, "tabs": tabs, "counts": counts, "org": org,
        "aspects": Aspect.objects.order_by("order", "pk"), "sources": Source.choices, "mines": MINE_CHOICES,
        "tab_query": query.urlencode(), "page_query": _page_query(g),
        "can_create": can(user, Perm.ACT) or can(user, Perm.REVIEW), "orgs": code_suggestions(user, Perm.VIEW),
    })


def _page_query(g) -> str:
    q = g.copy()
    q.pop("page", None)
    return q.urlencode()


# ------------------------------------------------------------------------------------- form

def _form_page(request, problem: Problem | None):
    user = request.user
    campaigns = list(visible_campaigns(user).order_by("-starts_on", "-pk")[:50])
    if problem is not None and problem.campaign_id and problem.campaign_id not in {c.pk for c in campaigns}:
        campaigns.append(problem.campaign)
    unit_tasks = unit_task_choices(user, problem.unit_task if problem is not None else None)
    if problem is not None:
        initial = {"org": problem.org.code, "aspect": str(problem.aspect_id), "campaign": str(problem.campaign_id or ""),
                   "unit_task": str(problem.unit_task_id or "")}
        initial.update({name: getattr(problem, name) for name in ("title", "description", "source", "found_on", "due_on",
                                                                  "leader", "owner", "target", "activity_ref", "research_ref")})
    else:
        acting = code_suggestions(user, Perm.ACT)
        code = request.GET.get("org", "").strip()
        if code and not restrict(Org.objects.filter(code=code), user, Perm.ACT).exists():
            raise PermissionDenied("无权为该组织录入问题")
        initial = {"org": code or (acting[0]["code"] if acting else ""), "found_on": timezone.localdate(), "source": Source.SELF}
        active = next((c for c in campaigns if c.status == "active"), None)
        if active is not None:
            initial["campaign"] = str(active.pk)
    form = ProblemForm(request.POST or None, user=user, campaigns=campaigns, unit_tasks=unit_tasks, initial=initial,
                       org_locked=problem is not None)
    late_only = problem is not None and problem.status in UNDER_WAY
    if late_only:
        for name, field in form.fields.items():
            if name not in LATE_FIELDS:
                field.disabled = True
    formset = NewMeasureFormSet(request.POST or None, prefix="measures") if problem is None else None
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        data = form.problem_data()
        try:
            if problem is None:
                problem = P.create_problem(user, form.cleaned_data["org"], data, measure_rows(formset),
                                           submit_now="submit" in request.POST)
                verb = "录入并提交审核" if problem.status != S.DRAFT else "录入（草稿）"
                messages.success(request, f"已{verb}问题“{problem.title}”，编号 {problem.number}")
            else:
                changes = {k: v for k, v in data.items() if k in LATE_FIELDS} if late_only else data
                P.update_problem(user, problem, changes)
                if "submit" in request.POST and problem.status in EDITABLE:
                    P.submit(user, problem)
                    messages.success(request, f"已修改并提交审核“{problem.title}”")
                else:
                    messages.success(request, f"已保存问题“{problem.title}”")
        except ValidationError as exc:
            if problem is not None and problem.pk is None:
                problem = None
            apply_errors(form, exc, {"measures": None})
            if hasattr(exc, "error_dict"):
                for key, msgs in exc.message_dict.items():
                    if key.startswith("measures."):
                        form.add_error(None, msgs)
        else:
            return _detail(problem)
    return render(request, "rectification/problems/problem_form.html", {
        "form": form, "formset": formset, "problem": problem, "late_only": late_only,
        "title": f"修改问题 {problem.number}" if problem else "录入问题",
        "act_orgs": code_suggestions(user, Perm.ACT),
        "may_submit": problem is None or problem.status in EDITABLE,
    })


@login_required
def problem_create(request):
    if not (can(request.user, Perm.ACT) or can(request.user, Perm.REVIEW)):
        raise PermissionDenied("无权录入问题")
    return _form_page(request, None)


def _editable(user, pk: int) -> Problem:
    problem = P.get_problem(user, pk)
    if not P.may_edit(user, problem):
        raise PermissionDenied("无权修改该问题")
    return problem


@login_required
def problem_edit(request, pk: int):
    problem = _editable(request.user, pk)
    if problem.status not in EDITABLE + UNDER_WAY:
        messages.error(request, f"问题{problem.get_status_display()}，不能修改")
        return _detail(problem)
    return _form_page(request, problem)


# ----------------------------------------------------------------------------------- detail

def _detail_page(request, problem: Problem, forms: dict | None = None, status: int = 200):
    user = request.user
    today = timezone.localdate()
    edits = P.may_edit(user, problem)
    works = edits and problem.status in EDITABLE + UNDER_WAY
    measures = list(problem.measures.order_by("order", "pk"))
    for m in measures:
        m.overdue = m.is_overdue(today)
        m.progress_form = ProgressForm(initial={"status": m.status, "progress": m.progress}, prefix=f"m{m.pk}") \
            if works and problem.status in UNDER_WAY else None
    evidence = list(P.current_evidence(problem).select_related("measure", "uploaded_by"))
    outcomes = list(restrict(Outcome.objects.filter(problems=problem), user).select_related("org").order_by("-issued_on", "pk"))
    forms = forms or {}
    may_review = P.may_review(user, problem)
    counts = {"total": len(measures), "done": sum(1 for m in measures if m.status == MeasureStatus.DONE)}
    return render(request, "rectification/problems/problem_detail.html", {
        "problem": problem, "today": today, "measures": measures, "evidence": evidence, "outcomes": outcomes,
        "levels": P.review_levels(problem), "steps": P.trail(problem), "counts": counts,
        "history": P.history(problem, 100, present=lambda model, rows: present_history(user, model, rows)),
        "overdue": problem.is_overdue(today), "days_left": (problem.due_on - today).days,
        "edits": edits and problem.status in EDITABLE + UNDER_WAY, "works": works,
        "may_submit": edits and problem.status in EDITABLE,
        "may_add_evidence": edits and problem.status in UNDER_WAY,
        "review_form": forms.get("review") or (ReviewForm(initial={"expected_level": problem.review_org_id}) if may_review else None),
        "rectified_form": forms.get("rectified") or (RectifiedForm() if P.may_declare(user, problem) else None),
        "verify_form": forms.get("verify") or (VerifyForm() if P.may_verify_now(user, problem) else None),
        "verify_own": problem.status == S.RECTIFIED and P.may_verify(user, problem) and not P.may_verify_now(user, problem),
        "close_form": forms.get("close") or (CloseForm() if P.may_close(user, problem) else None),
        "evidence_form": forms.get("evidence") or (EvidenceForm(measures=measures) if edits and problem.status in UNDER_WAY else None),
        "verifying_org": P.verifying_org(problem),
    }, status=status)


@login_required
def problem_detail(request, pk: int):
    return _detail_page(request, P.get_problem(request.user, pk))


# ---------------------------------------------------------------------------------- actions

@login_required
@require_POST
def problem_submit(request, pk: int):
    user = request.user
    problem = _editable(user, pk)
    try:
        problem = P.submit(user, problem)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        if problem.status == S.OPEN:
            messages.success(request, "已提交并逐级审定，问题进入整改")
        else:
            messages.success(request, f"已提交，等待{problem.review_org.name}审核")
    return _detail(problem)


@login_required
@require_POST
def problem_review(request, pk: int):
    user = request.user
    problem = P.get_problem(user, pk)
    if not P.may_review(user, problem):
        if problem.status == S.REVIEWING and problem.review_org is not None and not can(user, Perm.REVIEW, problem.review_org):
            raise PermissionDenied("无权在该层级审核")
        messages.error(request, f"问题{problem.get_status_display()}，无需审核")
        return _detail(problem)
    form = ReviewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        level = problem.review_org
        try:
            problem = P.review(user, problem, approve=d["decision"] == "approve", comment=d["comment"],
                               expected_level=d["expected_level"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if d["decision"] == "return":
                messages.success(request, f"{level.name}已退回，意见已告知录入人")
            elif problem.status == S.OPEN:
                messages.success(request, f"{level.name}审核通过，问题已审定，进入整改")
            else:
                messages.success(request, f"{level.name}审核通过，等待{problem.review_org.name}审核")
            return _detail(problem)
    return _detail_page(request, P.get_problem(user, pk), {"review": form})


@login_required
@require_POST
def problem_rectified(request, pk: int):
    user = request.user
    problem = _editable(user, pk)
    form = RectifiedForm(request.POST)
    if form.is_valid():
        try:
            P.declare_rectified(user, problem, form.cleaned_data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已申报整改完成，等待{P.verifying_org(problem).name}验收")
            return _detail(problem)
    return _detail_page(request, P.get_problem(user, pk), {"rectified": form})


def _verifiable(user, pk: int) -> Problem:
    problem = P.get_problem(user, pk)
    if not P.may_verify(user, problem):
        raise PermissionDenied("无权验收该问题")
    return problem


@login_required
@require_POST
def problem_verify(request, pk: int):
    user = request.user
    problem = _verifiable(user, pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            P.verify(user, problem, approve=approve, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_errors(form, exc)
            if "status" in getattr(exc, "message_dict", {}):
                _refused(request, exc)
                return _detail(problem)
        else:
            messages.success(request, "验收通过，可以销号" if approve else "验收不通过，问题退回继续整改")
            return _detail(problem)
    return _detail_page(request, P.get_problem(user, pk), {"verify": form})


@login_required
@require_POST
def problem_close(request, pk: int):
    user = request.user
    problem = _verifiable(user, pk)
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        P.close(user, problem, form.cleaned_data.get("comment", ""))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"问题“{problem.title}”已销号")
    return _detail(problem)


# --------------------------------------------------------------------------------- measures

def _measure_page(request, problem: Problem, measure: Measure | None):
    user = request.user
    if problem.status not in EDITABLE + UNDER_WAY:
        messages.error(request, f"问题{problem.get_status_display()}，不能修改整改措施")
        return _detail(problem, "measures")
    if measure is not None:
        initial = {"text": measure.text, "due_on": measure.due_on, "owner": measure.owner, "status": measure.status,
                   "progress": measure.progress, "done_on": measure.done_on}
    else:
        initial = {"due_on": problem.due_on, "status": MeasureStatus.PENDING}
    form = MeasureForm(request.POST or None, initial=initial)
    if problem.status in EDITABLE:
        form.fields["status"].disabled = True
        form.fields["status"].help_text = "问题审定后才能记录进展"
        form.fields["done_on"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if measure is None:
                measure = P.add_measure(user, problem, text=d["text"], due_on=d["due_on"], owner=d["owner"])
                if d.get("status") and d["status"] != MeasureStatus.PENDING and problem.status in UNDER_WAY:
                    P.update_measure(user, measure, status=d["status"], progress=d["progress"], done_on=d["done_on"])
                messages.success(request, "已添加整改措施")
            else:
                kw = {"text": d["text"], "due_on": d["due_on"], "owner": d["owner"], "progress": d["progress"]}
                if problem.status in UNDER_WAY:
                    kw.update(status=d["status"] or measure.status, done_on=d["done_on"])
                P.update_measure(user, measure, **kw)
                messages.success(request, "已保存整改措施")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _detail(problem, "measures")
    return render(request, "rectification/problems/measure_form.html", {
        "form": form, "problem": problem, "measure": measure, "title": "修改整改措施" if measure else "添加整改措施",
    })


@login_required
def measure_add(request, pk: int):
    return _measure_page(request, _editable(request.user, pk), None)


def _editable_measure(user, pk: int) -> Measure:
    measure = P.get_measure(user, pk)
    if not P.may_edit(user, measure.problem):
        raise PermissionDenied("无权修改该问题的整改措施")
    return measure


@login_required
def measure_edit(request, pk: int):
    user = request.user
    measure = _editable_measure(user, pk)
    problem = measure.problem
    if request.method == "POST" and "quick" in request.POST:
        form = ProgressForm(request.POST, prefix=f"m{measure.pk}")
        if not form.is_valid():
            messages.error(request, "请选择进展")
            return _detail(problem, f"measure-{measure.pk}")
        try:
            status = form.cleaned_data["status"]
            kept = measure.done_on if status == MeasureStatus.DONE == measure.status else None
            P.update_measure(user, measure, status=status, progress=form.cleaned_data["progress"], done_on=kept)
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"已更新措施进展：{measure.get_status_display()}")
        return _detail(problem, f"measure-{measure.pk}")
    return _measure_page(request, P.get_problem(user, problem.pk), measure)


@login_required
@require_POST
def measure_delete(request, pk: int):
    user = request.user
    measure = _editable_measure(user, pk)
    try:
        P.remove_measure(user, measure)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已删除整改措施“{measure.text[:30]}”")
    return _detail(measure.problem_id, "measures")


# --------------------------------------------------------------------------------- evidence

@login_required
@require_POST
def rect_evidence_add(request, pk: int):
    user = request.user
    problem = _editable(user, pk)
    measures = list(problem.measures.order_by("order", "pk"))
    form = EvidenceForm(request.POST, request.FILES, measures=measures)
    if form.is_valid():
        d = form.cleaned_data
        try:
            ev = P.add_evidence(user, problem, upload=d["file"], record_ref=d["record_ref"], record_label=d["record_label"],
                                measure=d["measure"], description=d["description"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已上传佐证材料“{ev}”")
            return _detail(problem, "evidence")
    return _detail_page(request, P.get_problem(user, pk), {"evidence": form})


@login_required
def rect_evidence_file(request, pk: int):
    ev = P.get_evidence(request.user, pk)
    if not ev.file:
        raise Http404
    try:
        return files.serve(ev.file, name=ev.original_name or ev.file.name.rsplit("/", 1)[-1], content_type=ev.content_type,
                           download=request.GET.get("download") == "1")
    except FileNotFoundError:
        raise Http404 from None


@login_required
@require_POST
def rect_evidence_remove(request, pk: int):
    user = request.user
    ev = P.get_evidence(user, pk)
    if not P.may_edit(user, ev.problem):
        raise PermissionDenied("无权移除该佐证材料")
    try:
        P.remove_evidence(user, ev)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已移除佐证材料“{ev}”")
    return _detail(ev.problem_id, "evidence")
