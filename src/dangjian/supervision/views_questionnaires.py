"""Questionnaire pages: the designers' list and the respondent's, design (head + questions),
publish, fill on a phone, results with charts, raw answers to xlsx, reminders. Thin: every rule
is in supervision.questionnaires."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.models import Category, Org, OrgKind
from dangjian.orgs.views import present_history
from dangjian.supervision import questionnaires as qn
from dangjian.supervision.forms_questionnaires import ItemFormSet, QuestionnaireForm, item_initial
from dangjian.supervision.models import Audience, QuestionKind, Questionnaire, QuestionnaireStatus

PER_PAGE = 30


def _get(pk: int) -> Questionnaire:
    q = Questionnaire.objects.select_related("org").filter(pk=pk).first()
    if q is None:
        raise Http404
    return q


def _viewable(user, pk: int) -> Questionnaire:
    q = _get(pk)
    if not qn.may_view(user, q):
        raise Http404
    return q


def _designable(user, pk: int) -> Questionnaire:
    q = _viewable(user, pk)
    if not qn.may_design(user, q.org):
        raise PermissionDenied("无权修改该问卷")
    return q


def _orgs(user):
    return restrict(Org.objects.all(), user, Perm.CHANGE_ORG).order_by("path").only("code", "name")[:300]


@login_required
@require_GET
def questionnaire_list(request):
    user = request.user
    designed = (qn.designed_for(user).select_related("org").annotate(n_responses=Count("responses"))
                .order_by("-created_at", "-pk"))
    page = Paginator(designed, PER_PAGE).get_page(request.GET.get("page"))
    waiting = qn.waiting_for(user)
    keys = {qn.respondent_key(q, user=user): q.pk for q in waiting if q.audience == Audience.MEMBERS}
    from dangjian.supervision.models import Response

    done = set(Response.objects.filter(respondent_key__in=list(keys)).values_list("questionnaire_id", flat=True)) if keys else set()
    may_create = restrict(Org.objects.all(), user, Perm.CHANGE_ORG).exists()
    return render(request, "supervision/questionnaires/list.html", {
        "page": page, "designed": page.object_list, "waiting": [(q, q.pk in done) for q in waiting], "may_create": may_create,
    })


def _save_form(request, q: Questionnaire | None):
    user = request.user
    initial = None
    if q is not None:
        initial = {"org": q.org.code, "title": q.title, "intro": q.intro, "audience": q.audience, "target_kinds": q.target_kinds,
                   "target_categories": q.target_categories, "anonymous": q.anonymous,
                   "deadline": timezone.localtime(q.deadline).strftime("%Y-%m-%dT%H:%M")}
    elif request.GET.get("org"):
        code = request.GET["org"].strip()
        org = restrict(Org.objects.filter(code=code), user, Perm.CHANGE_ORG).first()
        if org is None:
            raise PermissionDenied("无权为该组织设计问卷")
        initial = {"org": org.code, "anonymous": True, "audience": Audience.MEMBERS}
    if request.method == "POST":
        form = QuestionnaireForm(request.POST, user=user, fixed_org=q is not None, initial=initial)
        items = ItemFormSet(request.POST, prefix="items")
        if form.is_valid() and items.is_valid():
            d = form.cleaned_data
            data = {k: d[k] for k in ("title", "intro", "audience", "target_kinds", "target_categories", "anonymous", "deadline")}
            data["items"] = [i for i in (f.as_item() for f in items.forms) if i]
            try:
                if q is None:
                    q = qn.create_questionnaire(user, d["org"], data)
                    messages.success(request, "问卷已保存（设计中），检查无误后请发布")
                else:
                    q = qn.update_questionnaire(user, q, data)
                    messages.success(request, "问卷已修改")
                return redirect("questionnaire_detail", q.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
    else:
        form = QuestionnaireForm(user=user, fixed_org=q is not None, initial=initial)
        rows = item_initial(q) if q is not None else []
        try:
            extra = max(0, min(int(request.GET.get("rows", 0)), 50))
        except ValueError:
            extra = 0
        rows += [{"kind": QuestionKind.SINGLE, "required": True, "scale_max": 5}] * (extra or (3 if not rows else 1))
        items = ItemFormSet(prefix="items", initial=rows)
    return render(request, "supervision/questionnaires/form.html", {
        "form": form, "items": items, "q": q, "orgs": _orgs(user), "title": "修改问卷" if q else "设计问卷",
    })


@login_required
def questionnaire_create(request):
    return _save_form(request, None)


@login_required
def questionnaire_edit(request, pk: int):
    q = _designable(request.user, pk)
    if q.status != QuestionnaireStatus.DRAFT:
        messages.error(request, "问卷已发布，不能再修改题目")
        return redirect("questionnaire_detail", q.pk)
    return _save_form(request, q)


@login_required
@require_GET
def questionnaire_detail(request, pk: int):
    user = request.user
    q = _viewable(user, pk)
    items = list(q.items.all())
    n = q.responses.count()
    expected = qn.expected(q) if q.status != QuestionnaireStatus.DRAFT else None
    rows = present_history(user, Questionnaire, history_rows(q))
    return render(request, "supervision/questionnaires/detail.html", {
        "q": q, "items": items, "n_responses": n, "expected": expected,
        "rate": round(100 * n / expected, 1) if expected else None, "may_design": qn.may_design(user, q.org), "history": rows,
        "is_open": q.status == QuestionnaireStatus.PUBLISHED and q.deadline >= timezone.now(),
        "targets": [OrgKind(k).label for k in q.target_kinds if k in OrgKind.values]
        + [Category(c).label for c in q.target_categories if c in Category.values],
        "may_fill": q.status == QuestionnaireStatus.PUBLISHED and qn.is_respondent(user, q),
    })


@login_required
@require_POST
def questionnaire_publish(request, pk: int):
    q = _designable(request.user, pk)
    try:
        n = qn.publish(request.user, q)
        messages.success(request, f"问卷已发布，已通知 {n} 人")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("questionnaire_detail", q.pk)


@login_required
@require_POST
def questionnaire_remind(request, pk: int):
    q = _designable(request.user, pk)
    try:
        n = qn.remind_now(request.user, q)
        messages.success(request, f"已提醒 {n} 人（今天已提醒过的不再重复）")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("questionnaire_detail", q.pk)


@login_required
def questionnaire_fill(request, pk: int):
    user = request.user
    q = _get(pk)
    if q.status == QuestionnaireStatus.DRAFT or not qn.is_respondent(user, q):
        raise Http404
    orgs = list(qn.respondent_orgs(user, q)[:200]) if q.audience == Audience.UNITS else []
    org = None
    code = (request.POST.get("org") or request.GET.get("org") or "").strip()
    if q.audience == Audience.UNITS:
        org = next((o for o in orgs if o.code == code), None) or (orgs[0] if len(orgs) == 1 else None)
    items = list(q.items.all())
    errors: dict[str, str] = {}
    general: list[str] = []
    values: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = {}
        for i in items:
            got = request.POST.getlist(f"q{i.pk}")
            values[f"q{i.pk}"] = got
            answers[str(i.pk)] = got if i.kind == QuestionKind.MULTIPLE else (got[0] if got else "")
        try:
            qn.submit(user, q, answers, org=org)
            messages.success(request, "提交成功，感谢您的填写")
            return redirect("questionnaire_list")
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():
                if key.startswith("q") and key[1:].isdigit():
                    errors[key] = "；".join(msgs)
                else:
                    general.extend(msgs)
            if errors:
                general.insert(0, f"有 {len(errors)} 道题需要修改，请查看标红的题目")
    answered = qn.has_answered(user, q, org) if (q.audience == Audience.MEMBERS or org is not None) else False
    sections = []
    for n, i in enumerate(items, start=1):
        if not sections or sections[-1]["title"] != i.section:
            sections.append({"title": i.section, "items": []})
        sections[-1]["items"].append({"n": n, "item": i, "error": errors.get(f"q{i.pk}"), "values": values.get(f"q{i.pk}", []),
                                      "scale": range(1, i.scale_max + 1), "options": list(enumerate(i.options))})
    return render(request, "supervision/questionnaires/fill.html", {
        "q": q, "sections": sections, "general": general, "answered": answered, "orgs": orgs, "org": org,
        "closed": q.status != QuestionnaireStatus.PUBLISHED or q.deadline < timezone.now(),
    }, status=422 if (errors or general) else 200)


@login_required
@require_GET
def questionnaire_results(request, pk: int):
    user = request.user
    q = _viewable(user, pk)
    error = None
    try:
        org = qn.results_org(user, q, request.GET.get("org"))
    except ValidationError as exc:
        org, error = None, "；".join(exc.messages)
    res = qn.results(q, org=org)
    texts = {e["id"]: qn.text_answers(q, e["item"], 20, org=org) for e in res["items"] if e["kind"] == QuestionKind.TEXT}
    for e in res["items"]:
        e["texts"] = texts.get(e["id"], [])
        top = max([o["count"] for o in e["options"]] or [0])
        for o in e["options"]:
            o["width"] = round(100 * o["count"] / top, 1) if top else 0
    units = (restrict(Org.objects.filter(path__startswith=q.org.path, depth=q.org.depth + 1), user, Perm.VIEW)
             .order_by("order", "path").only("code", "name")[:200])
    return render(request, "supervision/questionnaires/results.html", {
        "q": q, "res": res, "org": org, "error": error, "units": units, "code": request.GET.get("org", ""),
    })


@login_required
@require_GET
def questionnaire_export(request, pk: int):
    q = _viewable(request.user, pk)
    data = qn.export_xlsx(q)
    resp = HttpResponse(data, content_type=qn.XLSX)
    resp["Content-Disposition"] = content_disposition_header(True, f"{q.title}-原始答卷.xlsx")
    return resp


def fill_url(q: Questionnaire) -> str:
    return reverse("questionnaire_fill", args=[q.pk])
