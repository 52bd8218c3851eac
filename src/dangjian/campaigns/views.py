"""Campaign pages: campaigns and phases, working and guidance groups, tasks, and the unit tasks a
unit works on and a reviewer reviews. Every change goes through campaigns.services."""
from __future__ import annotations

from collections import Counter, defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.campaigns import services
from dangjian.campaigns.forms import (
    AssignForm,
    CampaignForm,
    EvidenceForm,
    FieldRowFormSet,
    GuidanceGroupForm,
    JointGroupForm,
    PhaseForm,
    ReviewForm,
    SeatForm,
    SubmitForm,
    TaskForm,
    WorkForm,
    WorkingGroupForm,
    field_rows,
)
from dangjian.campaigns.models import (
    OPEN_FOR_WORK,
    WAITING_REVIEW,
    Campaign,
    Evidence,
    EvidenceKind,
    GuidanceAssignment,
    GuidanceGroup,
    Phase,
    Seat,
    Submission,
    Task,
    TaskKind,
    TaskStatus,
    Transition,
    UnitTask,
    UnitTaskStatus,
    WorkingGroup,
    overdue_q,
)
from dangjian.core import files
from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.personal import mask_phone
from dangjian.core.scoping import Perm, can, get_in_scope, restrict, subtree_q
from dangjian.orgs.models import Org
from dangjian.orgs.views import code_suggestions, present_history

UNIT_TASKS_PER_PAGE = 50
GUIDANCE_UNITS_MIN, GUIDANCE_UNITS_MAX = 6, 10  # seed 002: each group covers 6 to 10 units


# ----------------------------------------------------------------------------- lookups

def _managed_campaign(user, pk: int) -> Campaign:
    """The campaign if visible (404) and the user runs it (403)."""
    campaign = services.get_campaign(user, pk)
    if not services.may_manage(user, campaign):
        raise PermissionDenied("无权管理该主题教育")
    return campaign


def _visible_task(user, pk: int) -> Task:
    task = Task.objects.select_related("campaign__org", "phase", "target_root").filter(
        pk=pk, campaign__in=services.visible_campaigns(user)).first()
    if task is None:
        raise Http404
    if task.status != TaskStatus.PUBLISHED and not services.may_manage(user, task.campaign):
        raise Http404  # drafts are the office's business
    return task


def _managed_task(user, pk: int) -> Task:
    task = _visible_task(user, pk)
    if not services.may_manage(user, task.campaign):
        raise PermissionDenied("无权管理该任务")
    return task


def _group(user, kind: str, pk: int) -> WorkingGroup | GuidanceGroup:
    model = {"working": WorkingGroup, "guidance": GuidanceGroup}.get(kind)
    if model is None:
        raise Http404
    group = model.objects.select_related("campaign__org").filter(pk=pk, campaign__in=services.visible_campaigns(user)).first()
    if group is None:
        raise Http404
    if not services.may_manage(user, group.campaign):
        raise PermissionDenied("无权管理该主题教育")
    return group


def _managed_seat(user, pk: int) -> Seat:
    seat = Seat.objects.select_related("working_group__campaign__org", "guidance_group__campaign__org", "user", "member").filter(pk=pk).first()
    if seat is None:
        raise Http404
    group = seat.guidance_group or seat.working_group
    _managed_campaign(user, group.campaign_id)
    return seat


def _secondary_units(campaign: Campaign):
    return Org.objects.filter(subtree_q("path", campaign.org.path), depth=campaign.org.depth + 1).order_by("order", "path")


def _status_counts(qs) -> dict[str, int]:
    counts = Counter({row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id")).order_by()})
    return {s: counts.get(s, 0) for s in UnitTaskStatus.values}


# ----------------------------------------------------------------------------- campaigns

@login_required
def campaign_list(request):
    user = request.user
    campaigns = list(services.visible_campaigns(user).annotate(
        n_tasks=Count("tasks", distinct=True)).order_by("-starts_on", "-pk"))
    return render(request, "campaigns/campaign_list.html", {
        "campaigns": campaigns, "can_create": can(user, Perm.MANAGE_CAMPAIGN),
    })


@login_required
def campaign_create(request):
    user = request.user
    if not can(user, Perm.MANAGE_CAMPAIGN):
        raise PermissionDenied("无权新建主题教育")
    managed = code_suggestions(user, Perm.MANAGE_CAMPAIGN, Org.objects.exclude(kind="group"))
    initial = {"org": managed[0]["code"]} if managed else {}
    form = CampaignForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.create_campaign(user, **d)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已建立主题教育“{campaign.name}”")
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "title": "新建主题教育", "orgs": managed})


@login_required
def campaign_edit(request, pk: int):
    user = request.user
    campaign = _managed_campaign(user, pk)
    form = CampaignForm(request.POST or None, user=user, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(user, campaign, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存修改")
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign, "title": f"修改 {campaign.name}"})


@login_required
def campaign_detail(request, pk: int):
    user = request.user
    campaign = services.get_campaign(user, pk)
    manage = services.may_manage(user, campaign)
    tasks = campaign.tasks.select_related("phase")
    if not manage:
        tasks = tasks.filter(status=TaskStatus.PUBLISHED)
    tasks = list(tasks)
    # Counts per task and status over the unit tasks this user sees: one grouped query.
    rows = (restrict(UnitTask.objects.filter(task__campaign=campaign, active=True), user)
            .values("task_id", "status").annotate(n=Count("id")).order_by())
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        counts[row["task_id"]][row["status"]] = row["n"]
    for t in tasks:
        c = counts[t.pk]
        t.n_units = sum(c.values())
        t.n_approved = c[UnitTaskStatus.APPROVED]
        t.n_waiting = sum(c[s] for s in WAITING_REVIEW)
        t.n_returned = c[UnitTaskStatus.RETURNED]
        t.pct = round(100 * t.n_approved / t.n_units) if t.n_units else 0
    return render(request, "campaigns/campaign_detail.html", {
        "campaign": campaign,
        "manage": manage,
        "phases": list(campaign.phases.annotate(n_tasks=Count("tasks"))),
        "tasks": tasks,
        "groups": {
            "working": campaign.working_groups.count(),
            "guidance": campaign.guidance_groups.count(),
            "assigned": campaign.assignments.count(),
            "joint": campaign.joint_groups.count(),
        },
        "phase_form": PhaseForm(initial={"order": campaign.phases.count() + 1}) if manage else None,
    })


@login_required
def campaign_history(request, pk: int):
    campaign = services.get_campaign(request.user, pk)
    rows = present_history(request.user, Campaign, history_rows(campaign))
    return render(request, "orgs/history.html", {
        "object": campaign, "rows": rows, "title": f"{campaign.name} · 变更记录", "back": reverse("campaign_detail", args=[campaign.pk]),
    })


def _phase_page(request, campaign: Campaign, phase: Phase | None):
    user = request.user
    initial = None
    if phase is not None:
        initial = {f: getattr(phase, f) for f in ("name", "order", "starts_on", "ends_on", "description")}
    form = PhaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_phase(user, campaign, phase=phase, name=d["name"], order=d["order"] or 0, starts_on=d["starts_on"],
                                ends_on=d["ends_on"], description=d["description"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存阶段“{d['name']}”")
            return redirect(reverse("campaign_detail", args=[campaign.pk]) + "#phases")
    return render(request, "campaigns/simple_form.html", {
        "form": form, "campaign": campaign, "title": "修改阶段" if phase else "增加阶段",
        "back": reverse("campaign_detail", args=[campaign.pk]),
    })


@login_required
def phase_create(request, pk: int):
    return _phase_page(request, _managed_campaign(request.user, pk), None)


@login_required
def phase_edit(request, pk: int):
    phase = Phase.objects.filter(pk=pk).first()
    if phase is None:
        raise Http404
    return _phase_page(request, _managed_campaign(request.user, phase.campaign_id), phase)


# ----------------------------------------------------------------------------- working groups

def _seat_rows(seats, manage: bool):
    return [{"seat": s, "phone": s.phone if manage else mask_phone(s.phone) if s.phone else ""} for s in seats]


@login_required
def workinggroup_list(request, pk: int):
    user = request.user
    campaign = services.get_campaign(user, pk)
    manage = services.may_manage(user, campaign)
    groups = list(campaign.working_groups.prefetch_related(Prefetch("seats", queryset=Seat.objects.select_related("user"))))
    for g in groups:
        g.rows = _seat_rows(g.seats.all(), manage)
    return render(request, "campaigns/workinggroup_list.html", {"campaign": campaign, "groups": groups, "manage": manage})


def _workinggroup_page(request, campaign: Campaign, group: WorkingGroup | None):
    user = request.user
    initial = {f: getattr(group, f) for f in ("kind", "name", "order", "duties")} if group else None
    form = WorkingGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_working_group(user, campaign, group=group, kind=d["kind"], name=d["name"], duties=d["duties"],
                                        order=d["order"] or 0)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存“{d['name']}”")
            return redirect("workinggroup_list", pk=campaign.pk)
    return render(request, "campaigns/simple_form.html", {
        "form": form, "campaign": campaign, "title": "修改工作机构" if group else "增加工作机构",
        "back": reverse("workinggroup_list", args=[campaign.pk]),
    })


@login_required
def workinggroup_create(request, pk: int):
    return _workinggroup_page(request, _managed_campaign(request.user, pk), None)


@login_required
def workinggroup_edit(request, pk: int):
    group = _group(request.user, "working", pk)
    return _workinggroup_page(request, group.campaign, group)


def _group_back(group) -> str:
    name = "guidance_list" if isinstance(group, GuidanceGroup) else "workinggroup_list"
    return reverse(name, args=[group.campaign_id])


def _seat_page(request, group, seat: Seat | None):
    user = request.user
    campaign = group.campaign
    initial = None
    if seat is not None:
        initial = {f: getattr(seat, f) for f in ("role", "name", "title", "duty", "phone", "order")}
        initial.update(account=seat.user.username if seat.user else "", member=seat.member.name if seat.member else "")
    form = SeatForm(request.POST or None, user=user, campaign=campaign, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_seat(user, group, seat=seat, role=d["role"], name=d["name"], title=d["title"], duty=d["duty"],
                               phone=d["phone"], account=d["account"], member=d["member"], order=d["order"] or 0)
        except ValidationError as exc:
            apply_errors(form, exc, {"user": "account"})
        else:
            messages.success(request, f"已保存{group.name}成员{d['name']}")
            return redirect(_group_back(group))
    return render(request, "campaigns/simple_form.html", {
        "form": form, "campaign": campaign, "title": f"{group.name} · {'修改成员' if seat else '增加成员'}", "back": _group_back(group),
    })


@login_required
def seat_create(request, kind: str, pk: int):
    return _seat_page(request, _group(request.user, kind, pk), None)


@login_required
def seat_edit(request, pk: int):
    seat = _managed_seat(request.user, pk)
    return _seat_page(request, seat.guidance_group or seat.working_group, seat)


@login_required
@require_POST
def seat_delete(request, pk: int):
    seat = _managed_seat(request.user, pk)
    group = seat.guidance_group or seat.working_group
    services.remove_seat(request.user, seat)
    messages.success(request, f"已将{seat.name}移出{group.name}")
    return redirect(_group_back(group))


# ----------------------------------------------------------------------------- guidance groups

@login_required
def guidance_list(request, pk: int):
    user = request.user
    campaign = services.get_campaign(user, pk)
    manage = services.may_manage(user, campaign)
    groups = list(campaign.guidance_groups.prefetch_related(
        Prefetch("seats", queryset=Seat.objects.select_related("user")),
        Prefetch("assignments", queryset=GuidanceAssignment.objects.select_related("org").order_by("org__order", "org__path")),
    ))
    for g in groups:
        g.rows = _seat_rows(g.seats.all(), manage)
        g.units = list(g.assignments.all())
        g.size_warning = manage and g.units and not GUIDANCE_UNITS_MIN <= len(g.units) <= GUIDANCE_UNITS_MAX
    assigned = {a.org_id for g in groups for a in g.units}
    unassigned = [o for o in _secondary_units(campaign) if o.pk not in assigned] if manage else []
    joints = list(campaign.joint_groups.select_related("lead_org").prefetch_related("orgs"))
    return render(request, "campaigns/guidance_list.html", {
        "campaign": campaign, "groups": groups, "manage": manage, "unassigned": unassigned, "joints": joints,
        "min_units": GUIDANCE_UNITS_MIN, "max_units": GUIDANCE_UNITS_MAX,
    })


def _guidance_page(request, campaign: Campaign, group: GuidanceGroup | None):
    user = request.user
    initial = {f: getattr(group, f) for f in ("name", "order", "note")} if group else None
    form = GuidanceGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_guidance_group(user, campaign, group=group, name=d["name"], order=d["order"] or 0, note=d["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存“{d['name']}”")
            return redirect("guidance_list", pk=campaign.pk)
    return render(request, "campaigns/simple_form.html", {
        "form": form, "campaign": campaign, "title": "修改巡回指导组" if group else "增加巡回指导组",
        "back": reverse("guidance_list", args=[campaign.pk]),
    })


@login_required
def guidance_create(request, pk: int):
    return _guidance_page(request, _managed_campaign(request.user, pk), None)


@login_required
def guidance_edit(request, pk: int):
    group = _group(request.user, "guidance", pk)
    return _guidance_page(request, group.campaign, group)


@login_required
def guidance_assign(request, pk: int):
    user = request.user
    group = _group(user, "guidance", pk)
    campaign = group.campaign
    units = list(_secondary_units(campaign))
    current = list(group.assignments.select_related("org").order_by("org__path"))
    secondary = {o.code for o in units}
    others = {a.org.code: a.group.name for a in campaign.assignments.select_related("org", "group").exclude(group=group)}
    initial = {"units": [a.org.code for a in current if a.org.code in secondary],
               "codes": " ".join(a.org.code for a in current if a.org.code not in secondary)}
    form = AssignForm(request.POST or None, user=user, campaign=campaign, units=units, taken=others, initial=initial)
    if request.method == "POST" and form.is_valid():
        orgs = form.cleaned_data["orgs"]
        try:
            services.assign_units(user, group, orgs)
        except ValidationError as exc:
            apply_errors(form, exc, {"orgs": "units"})
        else:
            messages.success(request, f"{group.name}现联系{len(orgs)}个单位")
            if orgs and not GUIDANCE_UNITS_MIN <= len(orgs) <= GUIDANCE_UNITS_MAX:
                messages.warning(request, f"每个巡回指导组通常联系{GUIDANCE_UNITS_MIN}至{GUIDANCE_UNITS_MAX}个单位")
            return redirect("guidance_list", pk=campaign.pk)
    return render(request, "campaigns/guidance_assign.html", {
        "form": form, "campaign": campaign, "group": group,
        "min_units": GUIDANCE_UNITS_MIN, "max_units": GUIDANCE_UNITS_MAX,
    })


@login_required
def joint_group_create(request, pk: int):
    user = request.user
    campaign = _managed_campaign(user, pk)
    units = list(_secondary_units(campaign))
    small = list(services.small_units(campaign))
    form = JointGroupForm(request.POST or None, user=user, campaign=campaign, units=units,
                          initial={"units": [o.code for o in small]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_joint_group(user, campaign, name=d["name"], lead_org=d["lead"], orgs=d["orgs"], note=d["note"])
        except ValidationError as exc:
            apply_errors(form, exc, {"orgs": "units"})
        else:
            messages.success(request, f"已建立联合开展“{d['name']}”")
            return redirect("guidance_list", pk=campaign.pk)
    return render(request, "campaigns/joint_group_form.html", {"form": form, "campaign": campaign, "small": small})


# ----------------------------------------------------------------------------- tasks

def _task_data(form: TaskForm, formset) -> services.TaskData:
    d = form.cleaned_data
    return services.TaskData(
        title=d["title"], starts_on=d["starts_on"], due_on=d["due_on"], description=d["description"], kind=d["kind"],
        phase=d["phase"], order=d["order"] or 0, target_mode=d["target_mode"], target_kinds=d["target_kinds"],
        target_depth=d["target_depth"], target_root=d["target_root"], target_orgs=d["target_orgs"],
        evidence_required=d["evidence_required"], evidence_note=d["evidence_note"], reviewer=d["reviewer"],
        fields=field_rows(formset),
    )


def _task_page(request, campaign: Campaign, task: Task | None):
    user = request.user
    extra = {} if task else {"initial": {"starts_on": timezone.localdate(), "target_depth": str(campaign.org.depth + 1),
                                         "target_mode": "kinds", "reviewer": "guidance", "order": 0}}
    form = TaskForm(request.POST or None, user=user, campaign=campaign, task=task, **extra)
    formset = FieldRowFormSet(request.POST or None, prefix="fields", initial=task.fields if task else None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            data = _task_data(form, formset)
            task = services.update_task(user, task, data) if task else services.create_task(user, campaign, data)
        except ValidationError as exc:
            apply_errors(form, exc, {"fields": None})
        else:
            messages.success(request, f"已保存任务“{task.title}”" + ("，已按新的范围同步各单位任务" if task.status == TaskStatus.PUBLISHED else ""))
            return redirect("task_detail", pk=task.pk)
    return render(request, "campaigns/task_form.html", {
        "form": form, "formset": formset, "campaign": campaign, "task": task,
        "title": f"修改任务 · {task.title}" if task else "新建工作任务",
        "orgs": code_suggestions(user, Perm.VIEW, Org.objects.filter(subtree_q("path", campaign.org.path))),
    })


@login_required
def task_create(request, pk: int):
    return _task_page(request, _managed_campaign(request.user, pk), None)


@login_required
def task_edit(request, pk: int):
    task = _managed_task(request.user, pk)
    return _task_page(request, task.campaign, task)


@login_required
def task_detail(request, pk: int):
    user = request.user
    task = _visible_task(user, pk)
    manage = services.may_manage(user, task.campaign)
    unit_tasks = restrict(UnitTask.objects.filter(task=task, active=True), user)
    status = request.GET.get("status", "")
    overdue_only = request.GET.get("overdue") == "1"
    counts = _status_counts(unit_tasks)
    today = timezone.localdate()
    n_overdue = unit_tasks.filter(overdue_q(today)).count()
    shown = unit_tasks.select_related("org", "submitted_by").order_by("org__path")
    if status in UnitTaskStatus.values:
        shown = shown.filter(status=status)
    if overdue_only:
        shown = shown.filter(overdue_q(today))
    page = Paginator(shown, UNIT_TASKS_PER_PAGE * 2).get_page(request.GET.get("page"))
    total = sum(counts.values())
    return render(request, "campaigns/task_detail.html", {
        "task": task, "campaign": task.campaign, "manage": manage, "page": page, "today": today, "open_statuses": list(OPEN_FOR_WORK),
        "counts": [(UnitTaskStatus(s), n) for s, n in counts.items()], "total": total, "n_overdue": n_overdue,
        "pct": round(100 * counts[UnitTaskStatus.APPROVED] / total) if total else 0,
        "targets": services.target_orgs(task).count() if manage else None,
        "status": status, "overdue_only": overdue_only,
        "evidence_labels": [EvidenceKind(k).label for k in task.evidence_required],
        "inactive": task.unit_tasks.filter(active=False).count() if manage else 0,
    })


@login_required
@require_POST
def task_publish(request, pk: int):
    task = _managed_task(request.user, pk)
    try:
        result = services.publish_task(request.user, task)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, f"已发布“{task.title}”，下发到{result.created + result.reactivated}个单位")
    return redirect("task_detail", pk=task.pk)


@login_required
@require_POST
def task_withdraw(request, pk: int):
    task = _managed_task(request.user, pk)
    try:
        services.withdraw_task(request.user, task)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, f"已撤回“{task.title}”；各单位已做的工作保留，重新发布后恢复")
    return redirect("task_detail", pk=task.pk)


# ----------------------------------------------------------------------------- unit tasks

VIEW_CHOICES = [("", "全部"), ("todo", "待我办理"), ("review", "待我审核")]


@login_required
def unit_task_list(request):
    """我的任务: the unit tasks the user may see, act on or review, with filters."""
    user = request.user
    today = timezone.localdate()
    campaigns = list(services.visible_campaigns(user).order_by("-starts_on", "-pk"))
    qs = services.unit_tasks_for(user).filter(active=True, task__status=TaskStatus.PUBLISHED)
    view = request.GET.get("view", "")
    if view == "todo":
        qs = qs.filter(pk__in=services.unit_tasks_for(user, Perm.ACT).values("pk"), status__in=OPEN_FOR_WORK)
    elif view == "review":
        qs = qs.filter(pk__in=services.waiting_for_review(user).values("pk"))
    campaign_id = request.GET.get("campaign", "")
    if campaign_id.isdigit():
        qs = qs.filter(task__campaign_id=int(campaign_id))
    status = request.GET.get("status", "")
    if status in UnitTaskStatus.values:
        qs = qs.filter(status=status)
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        qs = qs.filter(overdue_q(today))
    qs = qs.select_related("task__campaign", "task__phase", "org").order_by("task__due_on", "task__order", "org__path", "pk")
    page = Paginator(qs, UNIT_TASKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/unit_task_list.html", {
        "page": page, "today": today, "campaigns": campaigns, "statuses": UnitTaskStatus.choices, "open_statuses": list(OPEN_FOR_WORK),
        "views": VIEW_CHOICES, "view": view, "campaign_id": campaign_id, "status": status, "overdue_only": overdue_only,
    })


def _unit_task_page(request, ut: UnitTask, *, work_form=None, evidence_form=None, submit_form=None, review_form=None):
    """The unit task with everything about it; forms passed in carry errors from a refused action."""
    user = request.user
    task = ut.task
    may_act = services.may_act(user, ut)
    is_open = services.is_open(ut)
    editable = services.may_work_now(user, ut)
    may_review = services.may_review_now(user, ut)
    evidence = list(services.current_evidence(ut).select_related("uploaded_by"))
    submissions = list(ut.submissions.select_related("submitted_by", "reviewed_by").prefetch_related("evidence").order_by("-version"))
    labels = {f["key"]: f["label"] for f in task.fields}
    for sub in submissions:
        sub.rows = [(labels.get(k, k), v) for k, v in sub.values.items()]
    return render(request, "campaigns/unit_task_detail.html", {
        "ut": ut, "task": task, "campaign": task.campaign,
        "overdue": ut.is_overdue(), "is_open": is_open, "may_act": may_act, "editable": editable, "may_review": may_review,
        "value_rows": [(f["label"], ut.values.get(f["key"], "")) for f in task.fields],
        "evidence": evidence,
        "evidence_labels": [EvidenceKind(k).label for k in task.evidence_required],
        "submissions": submissions,
        "transitions": list(Transition.objects.filter(unit_task=ut).select_related("actor")),
        "is_plan": task.kind == TaskKind.WORK_PLAN,
        "work_form": work_form or (WorkForm(task=task, unit_task=ut) if editable and (task.fields or task.kind == TaskKind.WORK_PLAN) else None),
        "evidence_form": evidence_form or (EvidenceForm() if editable else None),
        "submit_form": submit_form or (SubmitForm() if editable else None),
        "review_form": review_form or (ReviewForm() if may_review else None),
        "missing": services.submit_errors(ut) if editable else {},
    })


@login_required
def unit_task_detail(request, pk: int):
    return _unit_task_page(request, services.get_unit_task(request.user, pk))


def _acting_unit_task(user, pk: int) -> UnitTask:
    ut = services.get_unit_task(user, pk)
    if not services.may_act(user, ut):
        raise PermissionDenied("无权办理该单位的任务")
    return ut


def _done(request, ut: UnitTask, message: str):
    messages.success(request, message)
    return redirect("unit_task_detail", pk=ut.pk)


@login_required
@require_POST
def unit_task_save(request, pk: int):
    user = request.user
    ut = _acting_unit_task(user, pk)
    form = WorkForm(request.POST, task=ut.task, unit_task=ut)
    if form.is_valid():
        try:
            services.save_work(user, ut, values=form.values() if ut.task.fields else None,
                               plan_text=form.cleaned_data.get("plan_text") if ut.task.kind == TaskKind.WORK_PLAN else None)
        except ValidationError as exc:
            apply_errors(form, exc, form.field_map())
        else:
            return _done(request, ut, "已保存")
    return _unit_task_page(request, services.get_unit_task(user, pk), work_form=form)


@login_required
@require_POST
def evidence_upload(request, pk: int):
    user = request.user
    ut = _acting_unit_task(user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            ev = services.add_evidence(user, ut, kind=d["kind"], upload=d["file"], record_ref=d["record_ref"],
                                       record_label=d["record_label"], description=d["description"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _done(request, ut, f"已上传“{ev}”")
    return _unit_task_page(request, services.get_unit_task(user, pk), evidence_form=form)


@login_required
@require_POST
def evidence_delete(request, pk: int):
    user = request.user
    ev = get_in_scope(Evidence.objects.select_related("unit_task"), user, Perm.VIEW, pk=pk, removed=False)
    ut = _acting_unit_task(user, ev.unit_task_id)
    ev.unit_task = ut
    try:
        services.remove_evidence(user, ev)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("unit_task_detail", pk=ut.pk)
    return _done(request, ut, f"已移除“{ev}”")


@login_required
def evidence_file(request, pk: int):
    ev = get_in_scope(Evidence.objects.all(), request.user, Perm.VIEW, pk=pk)
    if not ev.file:
        raise Http404
    return files.serve(ev.file, name=ev.original_name or ev.file.name.rsplit("/", 1)[-1], content_type=ev.content_type,
                       download=request.GET.get("download") == "1")


@login_required
@require_POST
def unit_task_submit(request, pk: int):
    user = request.user
    ut = _acting_unit_task(user, pk)
    form = SubmitForm(request.POST)
    if form.is_valid():
        resubmit = ut.status == UnitTaskStatus.RETURNED
        try:
            sub = services.submit(user, ut, note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _done(request, ut, f"已{'重新' if resubmit else ''}提交（第{sub.version}版），等待审核")
    return _unit_task_page(request, services.get_unit_task(user, pk), submit_form=form)


def _review(request, pk: int, approve: bool):
    user = request.user
    ut = services.get_unit_task(user, pk)
    if not services.may_review(user, ut):
        raise PermissionDenied("无权审核该任务")
    form = ReviewForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if approve:
                services.approve(user, ut, comment=comment)
            else:
                services.return_unit_task(user, ut, comment=comment)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _done(request, ut, "已审核通过" if approve else "已退回，单位修改后可重新提交")
    return _unit_task_page(request, services.get_unit_task(user, pk), review_form=form)


@login_required
@require_POST
def unit_task_return(request, pk: int):
    return _review(request, pk, approve=False)


@login_required
@require_POST
def unit_task_approve(request, pk: int):
    return _review(request, pk, approve=True)


@login_required
def unit_task_history(request, pk: int):
    ut = services.get_unit_task(request.user, pk)
    rows = present_history(request.user, UnitTask, history_rows(ut))
    return render(request, "orgs/history.html", {
        "object": ut, "rows": rows, "title": f"{ut} · 变更记录", "back": reverse("unit_task_detail", args=[ut.pk]),
    })


@login_required
def submission_detail(request, pk: int):
    """One submitted version as it was: a printable page."""
    sub = get_in_scope(Submission.objects.select_related("unit_task__task__campaign", "unit_task__org", "submitted_by", "reviewed_by"),
                       request.user, Perm.VIEW, pk=pk)
    labels = {f["key"]: f["label"] for f in sub.unit_task.task.fields}
    return render(request, "campaigns/submission_detail.html", {
        "sub": sub, "ut": sub.unit_task, "task": sub.unit_task.task,
        "rows": [(labels.get(k, k), v) for k, v in sub.values.items()],
        "evidence": list(sub.evidence.all()),
    })
