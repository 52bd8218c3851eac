"""Pages of the records around problems: the duplicate check (htmx partial), the Excel import of
a problem list, institutional outcomes (制度成果) and the aspects list (问题方面)."""
from __future__ import annotations

import secrets
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, get_in_scope, restrict, restrict_subtree
from dangjian.orgs.importing import errors_workbook
from dangjian.orgs.models import Org
from dangjian.orgs.views import present_history
from dangjian.rectification import aspects as asp
from dangjian.rectification import dedupe
from dangjian.rectification import importing as imp
from dangjian.rectification import outcomes as oc
from dangjian.rectification import problems as pr
from dangjian.rectification.forms_records import AspectForm, ImportForm, OutcomeForm, enter_org
from dangjian.rectification.models import Aspect, Outcome, OutcomeKind, Problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "dangjian_problem_imports"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
KEEP_UPLOADS_SECONDS = 24 * 3600
PER_PAGE = 30
PROBLEM_CHOICES_MAX = 500
DATALIST_LIMIT = 300


def enter_orgs(user):
    """Orgs where the user may enter problems (ACT or REVIEW), for the code datalists."""
    qs = Org.objects.all()
    return (restrict(qs, user, Perm.ACT) | restrict(qs, user, Perm.REVIEW)).order_by("path").values("code", "name")[:DATALIST_LIMIT]


def _may_enter_somewhere(user) -> bool:
    return can(user, Perm.ACT) or can(user, Perm.REVIEW)


def _org_from_query(request, key: str = "org") -> Org | None:
    """?org=CODE preselects an org: it must be one the user may enter problems for (403)."""
    code = (request.GET.get(key) or "").strip()
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise Http404
    if not pr.may_enter(request.user, org):
        raise PermissionDenied("无权为该党组织录入")
    return org


# ------------------------------------------------------------------------------ duplicate check
def _lookup_org(value: str) -> Org | None:
    value = (value or "").strip()
    if not value:
        return None
    org = Org.objects.filter(code=value).first()
    if org is None and value.isdigit():
        org = Org.objects.filter(pk=int(value)).first()
    return org


def visible_similar(user, org: Org, title: str, description: str = "", exclude_pk=None):
    """similar_problems, split into what `user` may see and how many more lie out of sight."""
    found = dedupe.similar_problems(org, title, description, exclude_pk=exclude_pk)
    if not found:
        return [], 0
    ids = [p.pk for p, _ in found]
    visible = {p.pk: p for p in pr.problems_for(user).filter(pk__in=ids).select_related("org")}
    shown = [(visible[p.pk], s) for p, s in found if p.pk in visible]
    return shown, len(found) - len(shown)


@login_required
@require_GET
def problem_similar(request):
    """htmx partial for the problem form: near-identical problems of the org and its parent."""
    org = _lookup_org(request.GET.get("org", ""))
    title = (request.GET.get("title") or "").strip()[:200]
    description = (request.GET.get("description") or "")[:dedupe.DESCRIPTION_CHARS]
    exclude = request.GET.get("exclude") or ""
    if org is not None and not pr.may_enter(request.user, org):
        raise PermissionDenied("超出管理范围")
    shown, hidden = ([], 0)
    if org is not None and title:
        shown, hidden = visible_similar(request.user, org, title, description, int(exclude) if exclude.isdigit() else None)
    return render(request, "rectification/records/_similar.html", {
        "shown": shown, "hidden": hidden, "org": org, "asked": bool(org and title),
        "detail_url": _problem_url_prefix(),
    })


def _problem_url_prefix() -> str:
    """problem_detail is another part's page: link to it when it is installed."""
    try:
        return reverse("problem_detail", args=[0])[:-2]
    except NoReverseMatch:
        return ""


# ------------------------------------------------------------------------------ import
def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _sweep() -> None:
    cutoff = time.time() - KEEP_UPLOADS_SECONDS
    for path in _upload_dir().glob("p-*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def _upload(request, token: str) -> tuple[Path, Org | None]:
    """The file this user uploaded as `token` and its default org; 404 for anyone else."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry["user"] != request.user.pk:
        raise Http404
    path = _upload_dir() / f"p-{token}.xlsx"
    if not path.is_file():
        raise Http404
    org = Org.objects.filter(pk=entry["org"]).first() if entry.get("org") else None
    if org is not None and not pr.may_enter(request.user, org):
        raise PermissionDenied
    return path, org


def _forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if uploads.pop(token, None) is not None:
        request.session[SESSION_KEY] = uploads
    (_upload_dir() / f"p-{token}.xlsx").unlink(missing_ok=True)


@login_required
def rect_import(request):
    user = request.user
    org = _org_from_query(request)
    if not _may_enter_somewhere(user):
        raise PermissionDenied("无权录入问题")
    error = ""
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            f = form.cleaned_data["file"]
            if not f.name.lower().endswith(".xlsx"):
                error = "请上传 Excel 工作簿（.xlsx）；.xls 或 .csv 文件请先在 Excel 中另存为 .xlsx。"
            elif f.size > MAX_UPLOAD_BYTES:
                error = f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请分成几个文件导入。"
            elif not zipfile.is_zipfile(f):
                error = "文件无法读取：不是有效的 Excel 工作簿（.xlsx）。"
            else:
                directory = _upload_dir()
                directory.mkdir(parents=True, exist_ok=True)
                _sweep()
                token = secrets.token_urlsafe(16)
                f.seek(0)
                with open(directory / f"p-{token}.xlsx", "wb") as out:
                    for chunk in f.chunks():
                        out.write(chunk)
                default = form.cleaned_data["org"]
                uploads = request.session.get(SESSION_KEY, {})
                uploads[token] = {"user": user.pk, "org": default.pk if default else None, "name": f.name[:200],
                                  "at": timezone.now().isoformat()}
                for old in sorted(uploads, key=lambda t: uploads[t]["at"])[:-5]:
                    _forget(request, old)
                    uploads.pop(old, None)
                request.session[SESSION_KEY] = uploads
                return redirect("rect_import_preview", token=token)
        status = 400 if error else 200
    else:
        form = ImportForm(user=user, initial={"org": org.code if org else ""})
    return render(request, "rectification/records/import.html", {
        "form": form, "error": error, "columns": imp.COLUMNS, "orgs": enter_orgs(user),
        "aspects": Aspect.objects.filter(active=True),
    }, status=status)


@login_required
@require_GET
def rect_import_template(request):
    _org_from_query(request)
    if not _may_enter_somewhere(request.user):
        raise PermissionDenied("无权录入问题")
    response = HttpResponse(imp.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "问题清单导入模板.xlsx")
    return response


def _preview_page(request, token, org, result, status=200):
    columns = result.columns
    return render(request, "rectification/records/import_preview.html", {
        "token": token, "org": org, "result": result, "columns": columns,
        "name": request.session.get(SESSION_KEY, {}).get(token, {}).get("name", ""),
        "rows": [(r["row"], r["action"], [r.get(c, "") for c in columns]) for r in result.preview],
        "errors": result.errors[:1000], "errors_hidden": max(0, len(result.errors) - 1000),
        "warnings": result.warnings[:500],
    }, status=status)


@login_required
@require_GET
def rect_import_preview(request, token: str):
    path, org = _upload(request, token)
    result = imp.import_problems(request.user, str(path), default_org=org, dry_run=True)
    return _preview_page(request, token, org, result)


@login_required
@require_POST
def rect_import_confirm(request, token: str):
    path, org = _upload(request, token)
    result = imp.import_problems(request.user, str(path), default_org=org)
    if not result.ok:
        return _preview_page(request, token, org, result, status=409)
    _forget(request, token)
    messages.success(request, result.summary())
    try:
        # The problem list is another part's page; until it is installed, back to the import.
        url = reverse("problem_list")
    except NoReverseMatch:
        return redirect("rect_import")
    return redirect(url + ("?status=reviewing" if result.submitted == result.created else ""))


@login_required
@require_GET
def rect_import_errors(request, token: str):
    path, org = _upload(request, token)
    result = imp.import_problems(request.user, str(path), default_org=org, dry_run=True)
    response = HttpResponse(errors_workbook(result), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "问题清单导入错误报告.xlsx")
    return response


# ------------------------------------------------------------------------------ outcomes
def _view_org(request) -> Org | None:
    code = (request.GET.get("org") or "").strip()
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise Http404
    if not can(request.user, Perm.VIEW, org):
        raise PermissionDenied("超出查看范围")
    return org


@login_required
@require_GET
def outcome_list(request):
    user = request.user
    if not can(user, Perm.VIEW):
        raise PermissionDenied("没有可查看的制度成果")
    org = _view_org(request)
    qs = restrict_subtree(Outcome.objects.all(), user, org)
    kind = request.GET.get("kind", "")
    q = (request.GET.get("q") or "").strip()
    counts = oc.kind_counts(qs)
    if kind in OutcomeKind.values:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(doc_number__icontains=q))
    qs = qs.select_related("org").annotate(n_problems=Count("problems")).order_by("-issued_on", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "rectification/records/outcome_list.html", {
        "page": page, "org": org, "org_code": org.code if org else "", "kind": kind, "q": q,
        "kinds": OutcomeKind.choices, "counts": [(label, counts[value]) for value, label in OutcomeKind.choices],
        "total": sum(counts.values()), "may_create": _may_enter_somewhere(user),
        "orgs": restrict(Org.objects.all(), user).order_by("path").values("code", "name")[:DATALIST_LIMIT],
    })


def _problem_choices(user, org: Org | None, outcome: Outcome | None = None) -> list[tuple[str, str]]:
    base = Problem.objects.filter(status__in=oc.LINKABLE)
    if org is not None:
        qs = oc.linkable_problems(org)
    else:
        qs = restrict(base, user, Perm.ACT) | restrict(base, user, Perm.REVIEW)
    rows = list(qs.select_related("org").order_by("-found_on", "-pk")[:PROBLEM_CHOICES_MAX])
    if outcome is not None:
        have = {p.pk for p in rows}
        rows += [p for p in outcome.problems.select_related("org") if p.pk not in have]
    return [(str(p.pk), f"{p.number or '#' + str(p.pk)} {p.title}（{p.org.name}，{p.get_status_display()}）") for p in rows]


def _outcome_data(form) -> dict:
    d = form.cleaned_data
    return {"title": d["title"], "kind": d["kind"], "doc_number": d["doc_number"], "issued_on": d["issued_on"],
            "summary": d["summary"]}


@login_required
def outcome_create(request):
    user = request.user
    if not _may_enter_somewhere(user):
        raise PermissionDenied("无权录入制度成果")
    org = _org_from_query(request)
    problem_q = request.GET.get("problem", "")
    if request.method == "POST":
        code = (request.POST.get("org") or "").strip()
        try:
            post_org = enter_org(user, code) if code else None
        except ValidationError:
            post_org = None
        form = OutcomeForm(request.POST, user=user, problem_choices=_problem_choices(user, post_org))
        if form.is_valid():
            try:
                outcome = oc.create_outcome(user, form.cleaned_data["org"], _outcome_data(form), form.cleaned_data["problems"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已录入制度成果“{outcome.title}”")
                return redirect("outcome_detail", pk=outcome.pk)
    else:
        initial = {"org": org.code if org else "", "kind": OutcomeKind.NEW, "issued_on": timezone.localdate()}
        if problem_q.isdigit():
            initial["problems"] = [problem_q]
        form = OutcomeForm(user=user, problem_choices=_problem_choices(user, org), initial=initial)
    return render(request, "rectification/records/outcome_form.html", {
        "form": form, "title": "录入制度成果", "outcome": None, "orgs": enter_orgs(user),
    })


def _outcome(user, pk: int) -> Outcome:
    return get_in_scope(Outcome.objects.select_related("org", "campaign", "created_by"), user, Perm.VIEW, pk=pk)


@login_required
@require_GET
def outcome_detail(request, pk: int):
    user = request.user
    outcome = _outcome(user, pk)
    linked = list(outcome.problems.select_related("org", "aspect").order_by("org__path", "-found_on"))
    visible = set(pr.problems_for(user).filter(pk__in=[p.pk for p in linked]).values_list("pk", flat=True))
    rows = present_history(user, Outcome, history_rows(outcome))
    return render(request, "rectification/records/outcome_detail.html", {
        "outcome": outcome, "linked": [(p, p.pk in visible) for p in linked], "may_edit": oc.may_edit(user, outcome.org),
        "history": _with_problem_changes(rows), "detail_url": _problem_url_prefix(),
    })


def _with_problem_changes(rows: list[dict]) -> list[dict]:
    """The m2m change of linked problems reads as problem ids, not rows of the through table."""
    for row in rows:
        for change in row["changes"]:
            if change["field"] == "对应问题":
                change["old"] = _ids(change["old"])
                change["new"] = _ids(change["new"])
    return rows


def _ids(value) -> str:
    if isinstance(value, list):
        ids = sorted(v.get("problem") for v in value if isinstance(v, dict) and v.get("problem") is not None)
        return "、".join(f"#{i}" for i in ids) or "（无）"
    return value


@login_required
def outcome_edit(request, pk: int):
    user = request.user
    outcome = get_in_scope(Outcome.objects.select_related("org"), user, Perm.VIEW, pk=pk)
    if not oc.may_edit(user, outcome.org):
        raise PermissionDenied("无权修改该制度成果")
    choices = _problem_choices(user, outcome.org, outcome)
    initial = {"org": outcome.org.code, "org_obj": outcome.org, "title": outcome.title, "kind": outcome.kind,
               "doc_number": outcome.doc_number, "issued_on": outcome.issued_on, "summary": outcome.summary,
               "problems": [str(i) for i in outcome.problems.values_list("pk", flat=True)]}
    if request.method == "POST":
        form = OutcomeForm(request.POST, user=user, problem_choices=choices, outcome=outcome, initial=initial)
        if form.is_valid():
            try:
                oc.update_outcome(user, outcome, _outcome_data(form), form.cleaned_data["problems"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("outcome_detail", pk=outcome.pk)
    else:
        form = OutcomeForm(user=user, problem_choices=choices, outcome=outcome, initial=initial)
    return render(request, "rectification/records/outcome_form.html", {
        "form": form, "title": f"修改制度成果：{outcome.title}", "outcome": outcome, "orgs": enter_orgs(user),
    })


# ------------------------------------------------------------------------------ aspects
@login_required
@require_GET
def aspect_list(request):
    user = request.user
    if not can(user, Perm.VIEW):
        raise PermissionDenied("无权查看")
    return render(request, "rectification/records/aspect_list.html", {
        "aspects": asp.aspects_with_use(), "may_manage": asp.may_manage(user),
    })


def _manager(request):
    if not asp.may_manage(request.user):
        raise PermissionDenied("只有主题教育办公室可以维护问题方面")


def _aspect_data(form) -> dict:
    d = form.cleaned_data
    return {"name": d["name"], "short_name": d["short_name"], "order": d["order"], "active": d["active"]}


@login_required
def aspect_create(request):
    _manager(request)
    if request.method == "POST":
        form = AspectForm(request.POST)
        if form.is_valid():
            try:
                aspect = asp.create_aspect(request.user, _aspect_data(form))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已新增问题方面“{aspect.name}”")
                return redirect("aspect_list")
    else:
        last = Aspect.objects.order_by("-order").values_list("order", flat=True).first() or 0
        form = AspectForm(initial={"order": last + 1, "active": True})
    return render(request, "rectification/records/aspect_form.html", {"form": form, "aspect": None, "title": "新增问题方面"})


@login_required
def aspect_edit(request, pk: int):
    _manager(request)
    aspect = Aspect.objects.filter(pk=pk).annotate(n_problems=Count("problems")).first()
    if aspect is None:
        raise Http404
    if request.method == "POST":
        form = AspectForm(request.POST)
        if form.is_valid():
            try:
                asp.update_aspect(request.user, aspect, _aspect_data(form))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("aspect_list")
    else:
        form = AspectForm(initial={"name": aspect.name, "short_name": aspect.short_name, "order": aspect.order, "active": aspect.active})
    return render(request, "rectification/records/aspect_form.html", {
        "form": form, "aspect": aspect, "title": f"修改问题方面：{aspect.name}",
        "history": present_history(request.user, Aspect, history_rows(aspect)),
    })


@login_required
@require_POST
def aspect_delete(request, pk: int):
    _manager(request)
    aspect = Aspect.objects.filter(pk=pk).first()
    if aspect is None:
        raise Http404
    try:
        asp.delete_aspect(request.user, aspect)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("aspect_edit", pk=aspect.pk)
    messages.success(request, f"已删除问题方面“{aspect.name}”")
    return redirect("aspect_list")
