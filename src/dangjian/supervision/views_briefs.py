"""Pages of the briefs: list, generate, detail (figures, sections, history, preview),
edit the sections of a draft, issue, download the docx and the pdf. Thin: supervision.briefs
computes and refuses, supervision.docgen writes the documents."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.audit import history_rows
from dangjian.core.scoping import Perm, can, restrict, scope_of
from dangjian.orgs.models import Org
from dangjian.supervision import briefs as b
from dangjian.supervision.docgen import FOOTNOTE, figure_tables
from dangjian.supervision.forms_briefs import BriefCreateForm, BriefEditForm
from dangjian.supervision.models import BriefKind, BriefStatus, Round

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _may_create_somewhere(user) -> bool:
    scope = scope_of(user)
    return bool({Perm.CHANGE_ORG, Perm.MANAGE_CAMPAIGN} & scope.is_global) or bool(
        scope.paths(Perm.CHANGE_ORG) or scope.paths(Perm.MANAGE_CAMPAIGN))


def _errors(form, exc: ValidationError) -> None:
    for field, msgs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


@login_required
@require_GET
def brief_list(request):
    user = request.user
    qs = b.visible_briefs(user).select_related("org", "round")
    kind = request.GET.get("kind")
    if kind in BriefKind.values:
        qs = qs.filter(kind=kind)
    status = request.GET.get("status")
    if status in BriefStatus.values:
        qs = qs.filter(status=status)
    return render(request, "supervision/briefs/brief_list.html", {
        "briefs": qs[:200], "kinds": BriefKind.choices, "statuses": BriefStatus.choices, "data": request.GET,
        "may_create": _may_create_somewhere(user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def brief_create(request):
    user = request.user
    if not _may_create_somewhere(user):
        raise PermissionDenied("只有党委办公室（主题教育办）和单位管理员可以生成专报")
    rounds = restrict(Round.objects.select_related("plan"), user).order_by("-starts_on", "-pk")
    form = BriefCreateForm(request.POST or None, rounds=rounds, initial={"round": request.GET.get("round"), "kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        org = None
        if d["kind"] == BriefKind.MONTHLY:
            code = (d.get("org") or "").strip()
            org = Org.objects.filter(code=code).first() if code else _top_changeable(user)
            if org is None or not can(user, Perm.VIEW, org):
                raise Http404("没有这个党组织，或超出管理范围")
        try:
            brief = b.create_brief(user, kind=d["kind"], org=org, round=d.get("round"), month=d.get("month"), title=d.get("title") or "")
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "已按最新数据生成专报草稿，可修改正文后印发")
            return redirect("brief_detail", pk=brief.pk)
    return render(request, "supervision/briefs/brief_form.html", {"form": form})


def _top_changeable(user) -> Org | None:
    scope = scope_of(user)
    if Perm.CHANGE_ORG in scope.is_global:
        return Org.objects.filter(depth=1).order_by("path").first()
    paths = scope.paths(Perm.CHANGE_ORG)
    return Org.objects.filter(path__in=paths).order_by("depth", "path").first() if paths else None


@login_required
@require_GET
def brief_detail(request, pk: int):
    user = request.user
    brief = b.get_brief(user, pk)
    figures = b.live_figures(brief)
    return render(request, "supervision/briefs/brief_detail.html", {
        "brief": brief, "figures": figures, "tables": figure_tables(figures), "footnote": FOOTNOTE,
        "may_manage": b.may_manage_brief(user, brief.org, brief.campaign), "draft": brief.status == BriefStatus.DRAFT,
        "history": history_rows(brief, limit=50), "computed_at": (figures.get("computed_at") or "").replace("T", " ")[:16],
    })


@login_required
@require_http_methods(["GET", "POST"])
def brief_edit(request, pk: int):
    user = request.user
    brief = b.get_brief(user, pk)
    if not b.may_manage_brief(user, brief.org, brief.campaign):
        raise PermissionDenied("只有党委办公室（主题教育办）可以修改专报")
    if brief.status == BriefStatus.ISSUED:
        messages.error(request, b.ISSUED_MESSAGE)
        return redirect("brief_detail", pk=brief.pk)
    form = BriefEditForm(request.POST or None, sections=brief.sections, initial={"title": brief.title})
    if request.method == "POST":
        if request.POST.get("regenerate"):
            try:
                b.refresh_sections(user, brief)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, "已按最新数据重写正文")
            return redirect("brief_edit", pk=brief.pk)
        if form.is_valid():
            try:
                b.update_brief(user, brief, title=form.cleaned_data["title"], sections=form.sections())
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, "正文已保存")
                return redirect("brief_detail", pk=brief.pk)
    return render(request, "supervision/briefs/brief_edit.html", {"brief": brief, "form": form})


@login_required
@require_POST
def brief_issue(request, pk: int):
    user = request.user
    brief = b.get_brief(user, pk)
    try:
        brief = b.issue_brief(user, brief)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已印发：{brief.number}")
    return redirect("brief_detail", pk=brief.pk)


def _download(brief, fmt: str, content_type: str) -> HttpResponse:
    response = HttpResponse(b.brief_document(brief, fmt), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"brief-{brief.pk}.{fmt}\"; filename*=UTF-8''{quote(b.file_name(brief, fmt))}"
    return response


@login_required
@require_GET
def brief_docx(request, pk: int):
    return _download(b.get_brief(request.user, pk), "docx", DOCX)


@login_required
@require_GET
def brief_pdf(request, pk: int):
    return _download(b.get_brief(request.user, pk), "pdf", "application/pdf")
