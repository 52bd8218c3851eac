"""Pages of the supervision activities (phone-first): the list, recording and editing an
activity, photos, random questioning on the spot, findings, the unit's feedback and its answer,
exemplars. Thin: every rule is in supervision.activities."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dangjian.campaigns.models import GuidanceGroup
from dangjian.core import files
from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.orgs.models import Org
from dangjian.orgs.views import present_history
from dangjian.supervision import activities as sa
from dangjian.supervision.forms_activities import (
    ActivityForm,
    AnswerForm,
    DrawForm,
    ExemplarForm,
    FindingForm,
    PhotoForm,
)
from dangjian.supervision.models import Activity, ActivityKind, FeedbackStatus, Finding, Round

PER_PAGE = 30


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------- activities
@login_required
def activity_list(request):
    user = request.user
    group, rnd, kind = _int(request.GET.get("group")), _int(request.GET.get("round")), request.GET.get("kind", "")
    code = (request.GET.get("org") or request.GET.get("unit") or "").strip()
    org = Org.objects.filter(code=code).first() if code else None
    qs = sa.filter_activities(sa.activities_for(user), group=group, round=rnd, org=org, kind=kind)
    qs = qs.select_related("group", "org", "round").order_by("-held_on", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    groups = list(GuidanceGroup.objects.filter(pk__in=sa.activities_for(user).values("group_id")).order_by("order", "pk"))
    rounds = list(Round.objects.filter(pk__in=sa.activities_for(user).values("round_id")).order_by("-starts_on"))
    return render(request, "supervision/activities/activity_list.html", {
        "page": page, "groups": groups, "rounds": rounds, "kinds": ActivityKind.choices, "group": group, "round": rnd,
        "kind": kind, "org_code": code, "can_record": sa.recordable_groups(user).exists(),
    })


def _group_and_org(request, source) -> tuple[GuidanceGroup | None, Org | None]:
    group_id = _int(source.get("group"))
    group = GuidanceGroup.objects.select_related("campaign", "campaign__org").filter(pk=group_id).first() if group_id else None
    org_id = source.get("org", "")
    org = None
    if org_id:
        org = Org.objects.filter(pk=_int(org_id)).first() if str(org_id).isdigit() else Org.objects.filter(code=org_id).first()
    return group, org


@login_required
def activity_create(request):
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    group, org = _group_and_org(request, source)
    groups = list(sa.recordable_groups(user))
    if group is None and len(groups) == 1:
        group = groups[0]
    if group is not None and not sa.may_act_for_group(user, group):
        raise PermissionDenied("您不是该指导组成员")
    if group is None and not groups:
        raise PermissionDenied("您不是任何指导组的成员")
    units = sa.group_units(group) if group is not None else []
    form = ActivityForm(request.POST or None, group=group, org=org)
    if request.method == "POST" and group is not None and form.is_valid():
        if org is None:
            form.add_error(None, "请选择督查单位")
        else:
            rnd = Round.objects.filter(pk=_int(request.POST.get("round"))).select_related("plan").first() if request.POST.get("round") else None
            try:
                act = sa.record_activity(user, group, org, form.data_dict(), round=rnd)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "督查活动已记录")
                return redirect("activity_detail", act.pk)
    elif request.method == "POST" and group is None:
        form.add_error(None, "请选择指导组")
    return render(request, "supervision/activities/activity_form.html", {
        "form": form, "group": group, "org": org, "groups": groups, "units": units, "activity": None,
    })


@login_required
def activity_detail(request, pk: int):
    user = request.user
    act = sa.get_activity(user, pk)
    may = sa.may_record_at(user, act)
    findings = list(act.findings.select_related("problem", "org").order_by("pk"))
    return render(request, "supervision/activities/activity_detail.html", {
        "a": act, "may_record": may, "photos": list(act.photos.all()), "seats": list(act.members_present.all()),
        "findings": findings, "exemplars": list(act.exemplars.all()), "questionings": list(sa.activity_questionings(act)),
        "photo_form": PhotoForm(), "history": _activity_history(user, act),
    })


def _activity_history(user, act: Activity) -> list[dict]:
    """The history, with the members present shown by name (simple-history gives m2m rows)."""
    from dangjian.campaigns.models import Seat

    rows = present_history(user, Activity, history_rows(act))
    label = str(Activity._meta.get_field("members_present").verbose_name)
    ids = {d.get("seat") for r in rows for c in r["changes"] if c["field"] == label for v in (c["old"], c["new"])
           for d in (v if isinstance(v, list) else []) if isinstance(d, dict)}
    names = dict(Seat.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    for r in rows:
        for c in r["changes"]:
            if c["field"] == label:
                for key in ("old", "new"):
                    v = c[key]
                    if isinstance(v, list):
                        c[key] = "、".join(names.get(d.get("seat"), "?") for d in v if isinstance(d, dict)) or "（无）"
    return rows


@login_required
def activity_edit(request, pk: int):
    user = request.user
    act = sa.get_activity(user, pk)
    if not sa.may_record_at(user, act):
        raise PermissionDenied("您不是该指导组成员")
    initial = {name: getattr(act, name) for name in sa.FIELDS}
    initial["members_present"] = list(act.members_present.all())
    form = ActivityForm(request.POST or None, initial=initial, group=act.group, org=act.org)
    if request.method == "POST" and form.is_valid():
        try:
            sa.update_activity(user, act, form.data_dict())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存修改")
            return redirect("activity_detail", act.pk)
    return render(request, "supervision/activities/activity_form.html", {
        "form": form, "group": act.group, "org": act.org, "groups": [], "units": [], "activity": act,
    })


@login_required
@require_POST
def activity_photo_add(request, pk: int):
    user = request.user
    act = sa.get_activity(user, pk)
    if not sa.may_record_at(user, act):
        raise PermissionDenied("您不是该指导组成员")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            sa.add_photo(user, act, form.cleaned_data["file"], form.cleaned_data["caption"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "照片已上传")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("activity_detail", act.pk)


@login_required
def activity_photo_file(request, pk: int):
    photo = sa.photos_for(request.user).filter(pk=pk).first()
    if photo is None:
        raise Http404
    return files.serve(photo.file, name=photo.original_name or "photo", content_type=photo.content_type)


@login_required
def activity_questioning(request, pk: int):
    """Draw N questions for a member of the unit, then mark each answer right or wrong."""
    user = request.user
    act = sa.get_activity(user, pk)
    if not sa.may_record_at(user, act):
        raise PermissionDenied("您不是该指导组成员")
    pending = sa.activity_questionings(act).filter(score__isnull=True).last()
    qid = _int(request.POST.get("questioning") or request.GET.get("q"))
    if qid:
        pending = sa.activity_questionings(act).filter(pk=qid).first() or pending
    error = ""
    form = DrawForm(request.POST if request.POST.get("action") == "draw" else None, members=sa.unit_members(act))
    if request.method == "POST" and request.POST.get("action") == "draw":
        if form.is_valid():
            try:
                q = sa.draw_for_activity(user, act, form.cleaned_data["member"], form.cleaned_data["count"])
            except ValidationError as exc:
                apply_errors(form, exc, {"count": "count", "member": "member"})
            else:
                return redirect(reverse("activity_questioning", args=[act.pk]) + f"?q={q.pk}")
    elif request.method == "POST" and request.POST.get("action") == "mark" and pending is not None:
        marks = []
        for item in pending.items:
            c = request.POST.get(f"c{item['question']}")
            marks.append({"question": item["question"], "correct": {"1": True, "0": False}.get(c), "given": request.POST.get(f"g{item['question']}", "")})
        try:
            sa.mark_for_activity(user, act, pending.pk, marks, request.POST.get("note", ""))
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, f"已记录对{pending.member.name}的随机提问")
            return redirect("activity_detail", act.pk)
    if pending is not None and pending.score is not None:
        pending = None
    return render(request, "supervision/activities/activity_questioning.html", {
        "a": act, "form": form, "pending": pending, "error": error, "letters": "ABCDEFGHIJ",
    })


# ---------------------------------------------------------------------------------- findings
@login_required
def finding_create(request, pk: int):
    user = request.user
    act = sa.get_activity(user, pk)
    if not sa.may_record_at(user, act):
        raise PermissionDenied("您不是该指导组成员")
    form = FindingForm(request.POST or None, initial={"owner": "", "leader": ""})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            f = sa.add_finding(user, act, d["feedback"], {k: d[k] for k in ("aspect", "title", "description", "leader", "owner", "due_on")})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已反馈，问题已列入{act.org.name}的问题清单")
            return redirect("activity_detail", f.activity_id)
    return render(request, "supervision/activities/finding_form.html", {"a": act, "form": form})


@login_required
def feedback_list(request):
    user = request.user
    status = request.GET.get("status", "")
    qs = sa.findings_for(user)
    if status in FeedbackStatus.values:
        qs = qs.filter(status=status)
    qs = qs.select_related("org", "activity", "activity__group", "problem").order_by("status", "-created_at", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/activities/feedback_list.html", {
        "page": page, "status": status, "statuses": FeedbackStatus.choices,
    })


@login_required
def feedback_detail(request, pk: int):
    user = request.user
    f = sa.get_finding(user, pk)
    may_answer = sa.may_answer(user, f) and f.status == FeedbackStatus.SENT
    return render(request, "supervision/activities/feedback_detail.html", {
        "f": f, "may_answer": may_answer, "form": AnswerForm(), "may_see_activity": sa.activities_for(user).filter(pk=f.activity_id).exists(),
        "history": present_history(user, Finding, history_rows(f)),
    })


@login_required
@require_POST
def feedback_answer(request, pk: int):
    user = request.user
    f = sa.get_finding(user, pk)
    if not sa.may_answer(user, f):
        raise PermissionDenied("只有被反馈单位可以回复")
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            sa.answer_feedback(user, f, form.cleaned_data["answer"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已回复")
            return redirect("feedback_detail", f.pk)
    return render(request, "supervision/activities/feedback_detail.html", {
        "f": f, "may_answer": True, "form": form, "may_see_activity": sa.activities_for(user).filter(pk=f.activity_id).exists(),
        "history": present_history(user, Finding, history_rows(f)),
    })


# --------------------------------------------------------------------------------- exemplars
@login_required
def exemplar_list(request):
    qs = sa.exemplars_for(request.user).select_related("org", "activity", "activity__group").order_by("-created_at", "-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/activities/exemplar_list.html", {"page": page})


@login_required
def exemplar_create(request, pk: int):
    user = request.user
    act = sa.get_activity(user, pk)
    if not sa.may_record_at(user, act):
        raise PermissionDenied("您不是该指导组成员")
    form = ExemplarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sa.add_exemplar(user, act, form.cleaned_data["title"], form.cleaned_data["description"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "典型经验已记录")
            return redirect("activity_detail", act.pk)
    return render(request, "supervision/activities/exemplar_form.html", {"a": act, "form": form})
