"""Study plan and session pages: plans with planned-against-held targets; sessions with their
agenda, the seed-003 structure, the record, the secretary's attendance roster and the link to
campaign tasks as evidence. Thin: every change goes through study.plans, study.sessions or
study.attendance."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.campaigns.services import visible_campaigns
from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, restrict, subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.orgs.views import code_suggestions, present_history
from dangjian.study import attendance as sa
from dangjian.study import plans as sp
from dangjian.study import sessions as ss
from dangjian.study.forms_sessions import (
    AgendaForm,
    EvidenceLinkForm,
    LeaveDecisionForm,
    MakeupForm,
    MarkForm,
    PlanForm,
    SessionForm,
    SummaryForm,
    TargetFormSet,
    material_choices,
    target_rows,
)
from dangjian.study.models import (
    A,
    AgendaItem,
    Attendance,
    LeaveStatus,
    SessionKind,
    StudyPlan,
    StudySession,
)

PER_PAGE = 50
ROSTER_LIMIT = 1000  # a roster page lists up to this many attendees (a reading class of a unit)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter_org(user, code: str) -> Org | None:
    if not code:
        return None
    return restrict(Org.objects.filter(code=code.strip()), user).first()


def _preset_org(request) -> str:
    """`?org=CODE` preselects the org of a new plan or session: one the user may act for (403
    otherwise)."""
    code = request.GET.get("org", "").strip()
    if not code:
        return ""
    if not restrict(Org.objects.filter(code=code), request.user, Perm.ACT).exists():
        raise PermissionDenied("无权为该组织制定计划或安排学习会")
    return code


# ------------------------------------------------------------------------------------ plans

@login_required
def plan_list(request):
    user = request.user
    qs = sp.plans_for(user)
    org_code = request.GET.get("org", "").strip()
    org = _filter_org(user, org_code)
    if org_code and org is None:
        qs = qs.none()
    elif org is not None:
        qs = qs.filter(subtree_q("org__path", org.path))
    qs = (qs.select_related("org", "campaign")
          .annotate(n_targets=Count("targets", distinct=True),
                    n_sessions=Count("sessions", filter=Q(sessions__cancelled=False), distinct=True))
          .order_by("-starts_on", "-pk"))
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "study/plans/plan_list.html", {
        "page": page, "org_code": org_code, "can_create": can(user, Perm.ACT),
        "orgs": code_suggestions(user, Perm.VIEW),
    })


def _plan_page(request, plan: StudyPlan | None):
    user = request.user
    campaigns = list(visible_campaigns(user).order_by("-starts_on", "-pk")[:50])
    if plan is not None:
        initial = {"org": plan.org.code, "title": plan.title, "starts_on": plan.starts_on, "ends_on": plan.ends_on,
                   "campaign": str(plan.campaign_id or ""), "methods": plan.methods, "content": plan.content}
        rows = [{"group": t.group, "method": t.method, "sessions": t.sessions, "note": t.note} for t in plan.targets.all()]
    else:
        acting = code_suggestions(user, Perm.ACT)
        initial = {"org": _preset_org(request) or (acting[0]["code"] if acting else "")}
        rows = None
    form = PlanForm(request.POST or None, user=user, campaigns=campaigns, initial=initial)
    formset = TargetFormSet(request.POST or None, prefix="targets", initial=rows)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        data = sp.PlanData(org=d["org"], title=d["title"], starts_on=d["starts_on"], ends_on=d["ends_on"], content=d["content"],
                           methods=d["methods"], campaign=d["campaign"], targets=target_rows(formset))
        try:
            plan = sp.save_plan(user, data, plan)
        except ValidationError as exc:
            apply_errors(form, exc, {"targets": None})
        else:
            messages.success(request, f"已保存学习计划“{plan.title}”")
            return redirect("study_plan_detail", pk=plan.pk)
    return render(request, "study/plans/plan_form.html", {
        "form": form, "formset": formset, "plan": plan, "title": f"修改 {plan.title}" if plan else "制定学习计划",
        "act_orgs": code_suggestions(user, Perm.ACT),
    })


@login_required
def plan_create(request):
    if not can(request.user, Perm.ACT):
        raise PermissionDenied("无权制定学习计划")
    return _plan_page(request, None)


def _editable_plan(user, pk: int) -> StudyPlan:
    plan = sp.get_plan(user, pk)
    if not sp.may_edit_plan(user, plan):
        raise PermissionDenied("无权修改该学习计划")
    return plan


@login_required
def plan_edit(request, pk: int):
    return _plan_page(request, _editable_plan(request.user, pk))


@login_required
def plan_detail(request, pk: int):
    user = request.user
    plan = sp.get_plan(user, pk)
    sessions = list(ss.sessions_for(user).filter(plan=plan).select_related("org").order_by("starts_at", "pk"))
    return render(request, "study/plans/plan_detail.html", {
        "plan": plan, "progress": sp.plan_progress(plan), "sessions": sessions, "now": timezone.now(),
        "may_edit": sp.may_edit_plan(user, plan),
        "methods": [dict(sp.StudyMethod.choices).get(m, m) for m in plan.methods],
    })


@login_required
def plan_history(request, pk: int):
    plan = sp.get_plan(request.user, pk)
    rows = present_history(request.user, StudyPlan, history_rows(plan))
    return render(request, "orgs/history.html", {
        "object": plan, "rows": rows, "title": f"{plan.title} · 变更记录", "back": reverse("study_plan_detail", args=[plan.pk]),
    })


# --------------------------------------------------------------------------------- sessions

WHEN_CHOICES = [("", "全部"), ("upcoming", "未开始"), ("now", "进行中"), ("past", "已结束")]


@login_required
def session_list(request):
    user = request.user
    now = timezone.now()
    qs = ss.sessions_for(user)
    g = request.GET
    org_code = g.get("org", "").strip()
    org = _filter_org(user, org_code)
    if org_code and org is None:
        qs = qs.none()
    elif org is not None:
        qs = qs.filter(subtree_q("org__path", org.path))
    kind = g.get("kind", "")
    if kind in SessionKind.values:
        qs = qs.filter(kind=kind)
    campaign_id = g.get("campaign", "")
    if campaign_id.isdigit():
        qs = qs.filter(campaign_id=int(campaign_id))
    date_from, date_to = _date(g.get("from", "")), _date(g.get("to", ""))
    if date_from:
        qs = qs.filter(ends_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(starts_at__date__lte=date_to)
    when = g.get("when", "")
    if when == "upcoming":
        qs = qs.filter(starts_at__gt=now).order_by("starts_at", "pk")
    elif when == "now":
        qs = qs.filter(starts_at__lte=now, ends_at__gte=now)
    elif when == "past":
        qs = qs.filter(ends_at__lt=now)
    if when != "upcoming":
        qs = qs.order_by("-starts_at", "-pk")
    qs = qs.select_related("org", "campaign")
    page = Paginator(qs, PER_PAGE).get_page(g.get("page"))
    rows = list(page.object_list)
    counts: dict[int, dict] = defaultdict(dict)
    for sid, status, n in (Attendance.objects.filter(session__in=[s.pk for s in rows])
                           .values_list("session_id", "status").annotate(n=Count("pk")).order_by()):
        counts[sid][status] = n
    for s in rows:
        c = counts[s.pk]
        s.n_expected = sum(c.values())
        s.n_attended = c.get(A.PRESENT, 0) + c.get(A.MAKEUP, 0)
    return render(request, "study/sessions/session_list.html", {
        "page": page, "rows": rows, "now": now, "kinds": SessionKind.choices, "whens": WHEN_CHOICES,
        "campaigns": list(visible_campaigns(user).order_by("-starts_on", "-pk")[:50]),
        "f": {"org": org_code, "kind": kind, "campaign": campaign_id, "from": g.get("from", ""), "to": g.get("to", ""), "when": when},
        "can_create": can(user, Perm.ACT), "orgs": code_suggestions(user, Perm.VIEW),
    })


def _session_form(request, session: StudySession | None):
    user = request.user
    campaigns = list(visible_campaigns(user).order_by("-starts_on", "-pk")[:50])
    plans = list(sp.plans_for(user, Perm.ACT).select_related("org").order_by("-starts_on", "-pk")[:200])
    from dangjian.campaigns.models import JointGroup

    joint_groups = list(JointGroup.objects.filter(campaign__in=[c.pk for c in campaigns])
                        .select_related("lead_org").prefetch_related("orgs").order_by("pk")[:50])
    # Only groups whose orgs the user sees all of.
    visible = set(restrict(Org.objects.filter(pk__in={o.pk for jg in joint_groups for o in [jg.lead_org, *jg.orgs.all()]}), user)
                  .values_list("pk", flat=True))
    joint_groups = [jg for jg in joint_groups if {o.pk for o in [jg.lead_org, *jg.orgs.all()]} <= visible]
    if session is not None:
        local = timezone.localtime
        initial = {
            "org": session.org.code, "kind": session.kind, "title": session.title, "starts_at": local(session.starts_at),
            "ends_at": local(session.ends_at), "place": session.place,
            "other_orgs": " ".join(o.code for o in session.orgs.all() if o.pk != session.org_id),
            "campaign": str(session.campaign_id or ""), "plan": str(session.plan_id or ""), "attendees": session.attendees,
            "groups": session.groups, "include_subtree": "1" if session.include_subtree else "0",
            "checkin_opens_minutes": session.checkin_opens_minutes, "late_after_minutes": session.late_after_minutes,
            "summary": session.summary,
        }
        if session.plan_id and str(session.plan_id) not in {str(p.pk) for p in plans}:
            plans.append(session.plan)
    else:
        acting = code_suggestions(user, Perm.ACT)
        initial = {"org": _preset_org(request) or (acting[0]["code"] if acting else ""), "kind": SessionKind.BRANCH_STUDY,
                   "checkin_opens_minutes": 30, "late_after_minutes": 5}
        active = next((c for c in campaigns if c.status == "active"), None)
        if active is not None:
            initial["campaign"] = str(active.pk)
        plan_id = request.GET.get("plan", "")
        if plan_id.isdigit() and plan_id in {str(p.pk) for p in plans}:
            plan = next(p for p in plans if str(p.pk) == plan_id)
            initial.update(plan=plan_id, org=plan.org.code, campaign=str(plan.campaign_id or ""))
    form = SessionForm(request.POST or None, user=user, campaigns=campaigns, plans=plans, joint_groups=joint_groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = ss.save_session(user, form.session_data(), session)
        except ValidationError as exc:
            apply_errors(form, exc, {"orgs": "other_orgs"})
        else:
            messages.success(request, f"已保存学习会“{session.title}”，参加人员{session.attendances.count()}人")
            return redirect("study_session_detail", pk=session.pk)
    return render(request, "study/sessions/session_form.html", {
        "form": form, "session": session, "title": f"修改 {session.title}" if session else "安排学习会",
        "act_orgs": code_suggestions(user, Perm.ACT), "view_orgs": code_suggestions(user, Perm.VIEW),
    })


@login_required
def session_create(request):
    if not can(request.user, Perm.ACT):
        raise PermissionDenied("无权安排学习会")
    return _session_form(request, None)


def _run_session(user, pk: int) -> StudySession:
    session = ss.get_session(user, pk)
    if not ss.may_run(user, session):
        raise PermissionDenied("无权管理该学习会")
    return session


@login_required
def session_edit(request, pk: int):
    session = _run_session(request.user, pk)
    if session.cancelled:
        messages.error(request, "学习会已取消，不能修改")
        return redirect("study_session_detail", pk=session.pk)
    return _session_form(request, session)


def _agenda(session: StudySession, user) -> list[AgendaItem]:
    from dangjian.study.models import Material

    return list(session.agenda.prefetch_related(
        Prefetch("lead_readers", queryset=Member.objects.only("pk", "name", "org_id")),
        Prefetch("materials", queryset=restrict(Material.objects.all(), user).only("pk", "title", "org_id")),
    ))


def _session_page(request, session: StudySession, *, summary_form=None, evidence_form=None, status: int = 200):
    user = request.user
    runs = ss.may_run(user, session)
    sees_roster = can(user, Perm.VIEW, session.org)
    agenda = _agenda(session, user)
    counts = sa.live(session)
    roster = []
    mine = None
    if sees_roster:
        roster = list(session.attendances.select_related("member", "org", "recorded_by").order_by("org__path", "member__name", "pk")[:ROSTER_LIMIT])
    member = ss.own_member(user)
    if member is not None:
        mine = session.attendances.filter(member=member).first()
    now = timezone.now()
    for att in roster:
        att.may_makeup = sa.may_makeup(att, now)
    candidates = sp.evidence_candidates(user, session) if runs else []
    return render(request, "study/sessions/session_detail.html", {
        "session": session, "runs": runs, "sees_roster": sees_roster, "agenda": agenda, "counts": counts,
        "roster": roster, "roster_truncated": counts["expected"] > len(roster) and sees_roster, "mine": mine,
        "structure": sp.structure(session, agenda, counts), "now": now,
        "ended": now > session.ends_at, "started": now >= session.starts_at,
        "checkin_open": now >= sa.checkin_window(session)[0],
        "other_orgs": [o for o in session.orgs.all() if o.pk != session.org_id],
        "group_labels": [dict(sp.TargetGroup.choices).get(g, g) for g in session.groups],
        "summary_form": summary_form or (SummaryForm(initial={"summary": session.summary}) if runs and not session.cancelled else None),
        "evidence_form": evidence_form or (EvidenceLinkForm(candidates=candidates) if candidates else None),
        "evidenced": sp.evidenced_tasks(user, session),
        "leave_pending": LeaveStatus.PENDING,
    }, status=status)


@login_required
def session_detail(request, pk: int):
    return _session_page(request, ss.get_session(request.user, pk))


@login_required
@require_POST
def session_cancel(request, pk: int):
    session = _run_session(request.user, pk)
    if session.cancelled:
        messages.info(request, "学习会已取消")
    else:
        ss.cancel_session(request.user, session)
        messages.success(request, f"已取消学习会“{session.title}”")
    return redirect("study_session_detail", pk=session.pk)


@login_required
@require_POST
def session_summary(request, pk: int):
    user = request.user
    session = _run_session(user, pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        sp.save_summary(user, session, form.cleaned_data["summary"])
        messages.success(request, "已保存学习情况记录")
        return redirect(reverse("study_session_detail", args=[session.pk]) + "#record")
    return _session_page(request, session, summary_form=form)


@login_required
def session_history(request, pk: int):
    session = ss.get_session(request.user, pk)
    if not can(request.user, Perm.VIEW, session.org):
        raise Http404  # an attendee sees the session, not its audit trail
    rows = present_history(request.user, StudySession, history_rows(session))
    return render(request, "orgs/history.html", {
        "object": session, "rows": rows, "title": f"{session.title} · 变更记录",
        "back": reverse("study_session_detail", args=[session.pk]),
    })


# ----------------------------------------------------------------------------------- agenda

def _agenda_page(request, session: StudySession, item: AgendaItem | None):
    user = request.user
    if session.cancelled:
        messages.error(request, "学习会已取消，不能修改议程")
        return redirect("study_session_detail", pk=session.pk)
    members = list(Member.objects.filter(attendances__session=session).order_by("org__path", "name", "pk").only("pk", "name")[:ROSTER_LIMIT])
    materials = material_choices(user, session)
    if item is not None:
        known = {m.pk for m in materials}
        materials += [m for m in restrict(item.materials.all(), user) if m.pk not in known]
        initial = {"kind": item.kind, "title": item.title, "notes": item.notes,
                   "lead_readers": [str(pk) for pk in item.lead_readers.values_list("pk", flat=True)],
                   "materials": [str(pk) for pk in item.materials.values_list("pk", flat=True)]}
    else:
        initial = {"kind": "first_topic" if not session.agenda.exists() else "lead_reading"}
    form = AgendaForm(request.POST or None, members=members, materials=materials, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sp.save_agenda_item(user, session, form.agenda_data(), item)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存议程")
            return redirect(reverse("study_session_detail", args=[session.pk]) + "#agenda")
    return render(request, "study/sessions/agenda_form.html", {
        "form": form, "session": session, "item": item, "title": "修改议程" if item else "增加议程",
    })


@login_required
def agenda_add(request, pk: int):
    return _agenda_page(request, _run_session(request.user, pk), None)


def _run_item(user, pk: int) -> AgendaItem:
    item = AgendaItem.objects.filter(pk=pk, session__in=ss.sessions_for(user)).select_related("session__org").first()
    if item is None:
        raise Http404
    if not ss.may_run(user, item.session):
        raise PermissionDenied("无权管理该学习会")
    return item


@login_required
def agenda_edit(request, pk: int):
    item = _run_item(request.user, pk)
    return _agenda_page(request, item.session, item)


@login_required
@require_POST
def agenda_delete(request, pk: int):
    item = _run_item(request.user, pk)
    try:
        sp.delete_agenda_item(request.user, item)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, f"已删除议程“{item.title}”")
    return redirect(reverse("study_session_detail", args=[item.session_id]) + "#agenda")


@login_required
@require_POST
def agenda_move(request, pk: int, direction: str):
    item = _run_item(request.user, pk)
    if direction not in ("up", "down"):
        raise Http404
    try:
        sp.move_agenda_item(request.user, item, -1 if direction == "up" else 1)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect(reverse("study_session_detail", args=[item.session_id]) + "#agenda")


# ------------------------------------------------------------------------------- attendance

def _run_attendance(user, pk: int) -> Attendance:
    att = (Attendance.objects.filter(pk=pk, session__in=ss.sessions_for(user))
           .select_related("session__org", "member", "org").first())
    if att is None or not sa.may_view_attendance(user, att):
        raise Http404
    if not ss.may_run(user, att.session):
        raise PermissionDenied("无权登记该学习会的考勤")
    return att


def _back_to_roster(att: Attendance):
    return redirect(reverse("study_session_detail", args=[att.session_id]) + "#roster")


def _refused(request, exc: ValidationError) -> None:
    for m in exc.messages:
        messages.error(request, m)


@login_required
@require_POST
def attendance_mark(request, pk: int):
    user = request.user
    att = _run_attendance(user, pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "考勤状态无效")
        return _back_to_roster(att)
    status = form.cleaned_data["status"]
    try:
        if status == A.PRESENT:
            result = sa.check_in_member(user, att.session, att.member)
            if result.created:
                messages.success(request, f"{att.member.name} 已签到{'（迟到）' if result.late else ''}")
            else:
                messages.info(request, f"{att.member.name} 此前已签到")
        else:
            sa.set_status(user, att, status, note=form.cleaned_data["note"])
            messages.success(request, f"已将{att.member.name}登记为“{att.get_status_display()}”")
    except ValidationError as exc:
        _refused(request, exc)
    return _back_to_roster(att)


@login_required
@require_POST
def attendance_leave(request, pk: int):
    user = request.user
    att = _run_attendance(user, pk)
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或不批准")
        return _back_to_roster(att)
    approve = form.cleaned_data["approve"]
    try:
        sa.decide_leave(user, att, approve=approve)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已{'批准' if approve else '不批准'}{att.member.name}的请假")
    return _back_to_roster(att)


@login_required
@require_POST
def attendance_makeup(request, pk: int):
    user = request.user
    att = _run_attendance(user, pk)
    form = MakeupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写补学内容")
        return _back_to_roster(att)
    try:
        sa.record_makeup(user, att, form.cleaned_data["note"])
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已登记{att.member.name}的补学")
    return _back_to_roster(att)


# ------------------------------------------------------------------------- evidence of a task

@login_required
@require_POST
def session_evidence(request, pk: int):
    user = request.user
    session = ss.get_session(user, pk)
    candidates = sp.evidence_candidates(user, session)
    if not candidates and not ss.may_run(user, session):
        raise PermissionDenied("无权办理该单位的任务")
    form = EvidenceLinkForm(request.POST, candidates=candidates)
    if form.is_valid():
        ut = form.cleaned_data["unit_task"]
        try:
            sp.attach_as_evidence(user, session, ut, form.cleaned_data["description"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已将本次学习会作为“{ut.task.title}”的佐证材料")
            return redirect(reverse("study_session_detail", args=[session.pk]) + "#evidence")
    return _session_page(request, session, evidence_form=form, status=200)
