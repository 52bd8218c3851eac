"""API of study plans, sessions, agenda items and the secretary's roster. Thin: reads go through
the scoping policy (plans.plans_for, sessions.sessions_for, core.scoping.restrict), writes
through study.plans, study.sessions and study.attendance, the functions the pages call."""
from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from dangjian.campaigns.models import Campaign, UnitTask
from dangjian.campaigns.services import visible_campaigns
from dangjian.core.api import BODY_PARAM, ERRORS, READ_ERRORS, page
from dangjian.core.scoping import restrict, subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.study import attendance as sa
from dangjian.study import plans as sp
from dangjian.study import sessions as ss
from dangjian.study.models import (
    A,
    AgendaItem,
    Attendance,
    Material,
    StudyMethod,
    StudyPlan,
    StudySession,
)
from dangjian.study.schemas_sessions import (
    AgendaIn,
    AgendaOrderIn,
    AgendaOut,
    AgendaPatch,
    AttendanceOut,
    AttendancePage,
    EvidenceIn,
    EvidenceOut,
    LeaveDecisionIn,
    MakeupIn,
    MarkIn,
    PlanDetail,
    PlanFilters,
    PlanIn,
    PlanPage,
    PlanPatch,
    RosterFilters,
    SessionDetail,
    SessionFilters,
    SessionIn,
    SessionPage,
    SessionPatch,
)

router = Router(tags=["理论学习 · 学习计划与学习会"])
assert BODY_PARAM == "payload"
TAG_PLANS = ["理论学习 · 学习计划"]
TAG_ROSTER = ["理论学习 · 考勤登记"]


def _value(v):
    return getattr(v, "value", v)


def _nulls(changes: dict, allowed: set[str] = frozenset()) -> dict:
    return {k: "不能为空" for k, v in changes.items() if v is None and k not in allowed}


def _org(field: str, code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({field: f"组织“{code}”不存在"})
    return org


def _orgs(field: str, codes: list[str]) -> list[Org]:
    codes = list(dict.fromkeys(codes))
    found = {o.code: o for o in Org.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError({field: f"组织不存在：{'、'.join(missing)}"})
    return [found[c] for c in codes]


def _campaign(user, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    c = visible_campaigns(user).filter(pk=pk).first()
    if c is None:
        raise ValidationError({"campaign": "主题教育不存在或不在查看范围内"})
    return c


# ------------------------------------------------------------------------------------ plans

def _plan_out(user, p: StudyPlan) -> dict:
    labels = dict(StudyMethod.choices)
    return {
        "id": p.pk, "org": p.org.code, "org_name": p.org.name, "title": p.title, "starts_on": p.starts_on, "ends_on": p.ends_on,
        "campaign": p.campaign_id, "methods": p.methods, "methods_label": [labels.get(m, m) for m in p.methods],
        "sessions": p.n_sessions if hasattr(p, "n_sessions") else p.sessions.filter(cancelled=False).count(),
        "may_edit": sp.may_edit_plan(user, p),
    }


def _plan_detail(user, p: StudyPlan) -> dict:
    targets = [{
        "id": t.target.pk, "group": t.target.group, "group_label": t.target.get_group_display(), "method": t.target.method,
        "method_label": t.target.get_method_display(), "sessions": t.planned, "note": t.target.note,
        "held": t.held, "scheduled": t.scheduled,
    } for t in sp.plan_progress(p)]
    return {**_plan_out(user, p), "content": p.content, "targets": targets,
            "created_by": p.created_by.username if p.created_by else None, "created_at": p.created_at}


def _targets(rows) -> list[sp.TargetData]:
    return [sp.TargetData(group=_value(t.group), method=_value(t.method), sessions=t.sessions, note=t.note) for t in rows]


@router.get("/study/plans", response={200: PlanPage, **READ_ERRORS}, summary="学习计划列表", tags=TAG_PLANS)
def list_plans(request, filters: Query[PlanFilters]):
    """Plans of the orgs the caller sees; newest period first."""
    user = request.auth
    qs = sp.plans_for(user)
    if filters.org:
        org = restrict(Org.objects.filter(code=filters.org), user).first()
        qs = qs.filter(subtree_q("org__path", org.path)) if org else qs.none()
    if filters.campaign:
        qs = qs.filter(campaign_id=filters.campaign)
    qs = (qs.select_related("org").annotate(n_sessions=Count("sessions", filter=Q(sessions__cancelled=False)))
          .order_by("-starts_on", "-pk"))
    result = page(qs, filters)
    result["items"] = [_plan_out(user, p) for p in result["items"]]
    return result


@router.post("/study/plans", response={201: PlanDetail, **ERRORS}, summary="制定学习计划", tags=TAG_PLANS)
def create_plan(request, payload: PlanIn):
    """The org needs ACT (secretary, liaison, unit admin, office); else 403."""
    user = request.auth
    data = sp.PlanData(org=_org("org", payload.org), title=payload.title, starts_on=payload.starts_on, ends_on=payload.ends_on,
                       content=payload.content, methods=[_value(m) for m in payload.methods],
                       campaign=_campaign(user, payload.campaign), targets=_targets(payload.targets))
    plan = sp.save_plan(user, data)
    return Status(201, _plan_detail(user, sp.get_plan(user, plan.pk)))


@router.get("/study/plans/{plan_id}", response={200: PlanDetail, **READ_ERRORS}, summary="学习计划详情", tags=TAG_PLANS)
def get_plan(request, plan_id: int):
    """With each target's planned, held and scheduled sessions, computed from the sessions
    linked to the plan."""
    user = request.auth
    return _plan_detail(user, sp.get_plan(user, plan_id))


@router.patch("/study/plans/{plan_id}", response={200: PlanDetail, **ERRORS}, summary="修改学习计划", tags=TAG_PLANS)
def update_plan(request, plan_id: int, payload: PlanPatch):
    """Partial: the fields sent replace the stored ones; `targets`, when sent, replace all."""
    user = request.auth
    plan = sp.get_plan(user, plan_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes, {"campaign"})
    if nulls:
        raise ValidationError(nulls)
    data = sp.PlanData(
        org=_org("org", changes["org"]) if "org" in changes else plan.org,
        title=changes.get("title", plan.title), starts_on=changes.get("starts_on", plan.starts_on),
        ends_on=changes.get("ends_on", plan.ends_on), content=changes.get("content", plan.content),
        methods=[_value(m) for m in payload.methods] if "methods" in changes else list(plan.methods),
        campaign=_campaign(user, changes["campaign"]) if "campaign" in changes else plan.campaign,
        targets=_targets(payload.targets) if "targets" in changes else None,
    )
    sp.save_plan(user, data, plan)
    return _plan_detail(user, sp.get_plan(user, plan.pk))


@router.delete("/study/plans/{plan_id}", response={204: None, **ERRORS}, summary="删除学习计划", tags=TAG_PLANS)
def delete_plan(request, plan_id: int):
    """Refused (422 on `plan`) while sessions are linked to it."""
    user = request.auth
    sp.delete_plan(user, sp.get_plan(user, plan_id))
    return Status(204, None)


# --------------------------------------------------------------------------------- sessions

def _session_out(s: StudySession, counts: dict) -> dict:
    c = counts.get(s.pk, {})
    return {
        "id": s.pk, "org": s.org.code, "org_name": s.org.name, "kind": s.kind, "kind_label": s.get_kind_display(),
        "title": s.title, "starts_at": s.starts_at, "ends_at": s.ends_at, "place": s.place, "campaign": s.campaign_id,
        "plan": s.plan_id, "cancelled": s.cancelled, "expected": sum(c.values()),
        "attended": c.get(A.PRESENT, 0) + c.get(A.MAKEUP, 0),
    }


def _counts(session_ids: list[int]) -> dict[int, dict]:
    counts: dict[int, dict] = defaultdict(dict)
    rows = (Attendance.objects.filter(session__in=session_ids).values_list("session_id", "status")
            .annotate(n=Count("pk")).order_by())
    for sid, status, n in rows:
        counts[sid][status] = n
    return counts


def _agenda_qs(user, session: StudySession):
    return session.agenda.prefetch_related(
        Prefetch("lead_readers", queryset=Member.objects.only("pk", "name").order_by("pk")),
        Prefetch("materials", queryset=restrict(Material.objects.all(), user).only("pk", "title").order_by("pk")),
    )


def _agenda_out(item: AgendaItem) -> dict:
    return {
        "id": item.pk, "session": item.session_id, "order": item.order, "kind": item.kind, "kind_label": item.get_kind_display(),
        "title": item.title, "notes": item.notes,
        "lead_readers": [{"id": m.pk, "name": m.name} for m in item.lead_readers.all()],
        "materials": [{"id": m.pk, "title": m.title} for m in item.materials.all()],
    }


def _session_detail(user, s: StudySession) -> dict:
    counts = sa.live(s)
    evidence = sp.evidenced_tasks(user, s)
    return {
        **_session_out(s, _counts([s.pk])),
        "orgs": [{"code": o.code, "name": o.name} for o in s.orgs.order_by("path")],
        "attendees": s.attendees, "attendees_label": s.get_attendees_display(), "groups": s.groups,
        "include_subtree": s.include_subtree, "summary": s.summary, "checkin_opens_minutes": s.checkin_opens_minutes,
        "late_after_minutes": s.late_after_minutes, "counts": counts,
        "agenda": [_agenda_out(i) for i in _agenda_qs(user, s)],
        "evidence_for": [{"id": ev.pk, "unit_task": ev.unit_task_id, "task_title": ev.unit_task.task.title,
                          "org": ev.unit_task.org.code, "status": ev.unit_task.status,
                          "status_label": ev.unit_task.get_status_display()} for ev in evidence],
        "may_run": ss.may_run(user, s),
    }


def _plan_ref(user, pk: int | None) -> StudyPlan | None:
    if pk is None:
        return None
    plan = sp.plans_for(user).filter(pk=pk).first()
    if plan is None:
        raise ValidationError({"plan": "学习计划不存在或不在查看范围内"})
    return plan


@router.get("/study/sessions", response={200: SessionPage, **READ_ERRORS}, summary="学习会列表")
def list_sessions(request, filters: Query[SessionFilters]):
    """Sessions of the orgs the caller sees, and those the caller is expected at; newest
    first (upcoming: soonest first). Each with expected and attended counts."""
    user = request.auth
    now = timezone.now()
    qs = ss.sessions_for(user)
    if filters.org:
        org = restrict(Org.objects.filter(code=filters.org), user).first()
        qs = qs.filter(subtree_q("org__path", org.path)) if org else qs.none()
    if filters.kind:
        qs = qs.filter(kind=filters.kind.value)
    if filters.campaign:
        qs = qs.filter(campaign_id=filters.campaign)
    if filters.plan:
        qs = qs.filter(plan_id=filters.plan)
    if filters.date_from:
        qs = qs.filter(ends_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(starts_at__date__lte=filters.date_to)
    order = ("-starts_at", "-pk")
    if filters.when == "upcoming":
        qs, order = qs.filter(starts_at__gt=now), ("starts_at", "pk")
    elif filters.when == "now":
        qs = qs.filter(starts_at__lte=now, ends_at__gte=now)
    elif filters.when == "past":
        qs = qs.filter(ends_at__lt=now)
    result = page(qs.select_related("org").order_by(*order), filters)
    counts = _counts([s.pk for s in result["items"]])
    result["items"] = [_session_out(s, counts) for s in result["items"]]
    return result


def _session_data(user, payload: SessionIn) -> ss.SessionData:
    return ss.SessionData(
        org=_org("org", payload.org), orgs=_orgs("orgs", payload.orgs), kind=payload.kind.value, title=payload.title,
        starts_at=payload.starts_at, ends_at=payload.ends_at, place=payload.place, campaign=_campaign(user, payload.campaign),
        plan=_plan_ref(user, payload.plan), attendees=_value(payload.attendees) or "", groups=[_value(g) for g in payload.groups],
        include_subtree=payload.include_subtree, summary=payload.summary,
        checkin_opens_minutes=payload.checkin_opens_minutes, late_after_minutes=payload.late_after_minutes,
    )


def _aware(d):
    if d is not None and timezone.is_naive(d):
        return timezone.make_aware(d)
    return d


@router.post("/study/sessions", response={201: SessionDetail, **ERRORS}, summary="安排学习会")
def create_session(request, payload: SessionIn):
    """Makes the expected attendees' rows from the orgs, the attendees rule and the groups. The
    host org needs ACT (403); other orgs must be visible (422 on `orgs`); `ends_at` after
    `starts_at` (422 on `ends_at`)."""
    user = request.auth
    payload.starts_at, payload.ends_at = _aware(payload.starts_at), _aware(payload.ends_at)
    session = ss.save_session(user, _session_data(user, payload))
    return Status(201, _session_detail(user, ss.get_session(user, session.pk)))


@router.get("/study/sessions/{session_id}", response={200: SessionDetail, **READ_ERRORS}, summary="学习会详情")
def get_session(request, session_id: int):
    user = request.auth
    return _session_detail(user, ss.get_session(user, session_id))


@router.patch("/study/sessions/{session_id}", response={200: SessionDetail, **ERRORS}, summary="修改学习会")
def update_session(request, session_id: int, payload: SessionPatch):
    """Partial; the expected attendees are computed again (rows already touched stay)."""
    user = request.auth
    s = ss.get_session(user, session_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes, {"campaign", "plan", "attendees", "include_subtree"})
    if nulls:
        raise ValidationError(nulls)
    if s.cancelled and ss.may_run(user, s):
        raise ValidationError({"session": "学习会已取消，不能修改"})
    data = ss.SessionData(
        org=_org("org", changes["org"]) if "org" in changes else s.org,
        orgs=_orgs("orgs", changes["orgs"]) if "orgs" in changes else [o for o in s.orgs.all() if o.pk != s.org_id],
        kind=_value(changes.get("kind", s.kind)), title=changes.get("title", s.title),
        starts_at=_aware(changes.get("starts_at", s.starts_at)), ends_at=_aware(changes.get("ends_at", s.ends_at)),
        place=changes.get("place", s.place),
        campaign=_campaign(user, changes["campaign"]) if "campaign" in changes else s.campaign,
        plan=_plan_ref(user, changes["plan"]) if "plan" in changes else s.plan,
        attendees=_value(changes.get("attendees", s.attendees)) or "",
        groups=[_value(g) for g in changes.get("groups", s.groups)],
        include_subtree=changes.get("include_subtree", s.include_subtree), summary=changes.get("summary", s.summary),
        checkin_opens_minutes=changes.get("checkin_opens_minutes", s.checkin_opens_minutes),
        late_after_minutes=changes.get("late_after_minutes", s.late_after_minutes),
    )
    ss.save_session(user, data, s)
    return _session_detail(user, ss.get_session(user, s.pk))


@router.post("/study/sessions/{session_id}/cancel", response={200: SessionDetail, **ERRORS}, summary="取消学习会")
def cancel_session(request, session_id: int):
    user = request.auth
    s = ss.get_session(user, session_id)
    if s.cancelled and ss.may_run(user, s):
        raise ValidationError({"session": "学习会已取消"})
    ss.cancel_session(user, s)
    return _session_detail(user, ss.get_session(user, s.pk))


@router.post("/study/sessions/{session_id}/evidence", response={201: EvidenceOut, **ERRORS},
             summary="将学习会作为任务佐证材料")
def attach_evidence(request, session_id: int, payload: EvidenceIn):
    """Link the session to one of the host org's open unit tasks as evidence of kind record
    (`record_ref` study.StudySession:<id>). 422 on `unit_task` when it is another org's task,
    not open for work, or holds the session already."""
    user = request.auth
    s = ss.get_session(user, session_id)
    ut = restrict(UnitTask.objects.select_related("task__campaign", "org"), user).filter(pk=payload.unit_task).first()
    if ut is None:
        if not ss.may_run(user, s):
            raise PermissionDenied("无权办理该单位的任务")
        raise ValidationError({"unit_task": "单位任务不存在或不在查看范围内"})
    ev = sp.attach_as_evidence(user, s, ut, payload.description)
    return Status(201, {"id": ev.pk, "unit_task": ut.pk, "kind": ev.kind, "record_ref": ev.record_ref, "record_label": ev.record_label})


# ----------------------------------------------------------------------------------- agenda

def _item(user, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(pk=item_id, session__in=ss.sessions_for(user)).select_related("session__org").first()
    if item is None:
        raise Http404
    return item


def _agenda_data(user, session: StudySession, kind, title, lead_readers, materials, notes, order) -> sp.AgendaData:
    errors = {}
    members = list(Member.objects.filter(pk__in=lead_readers))
    if len(members) != len(set(lead_readers)):
        errors["lead_readers"] = "领学人不存在"
    mats = list(Material.objects.filter(pk__in=materials))
    if len(mats) != len(set(materials)):
        errors["materials"] = "学习资料不存在或不在查看范围内"
    if errors:
        raise ValidationError(errors)
    return sp.AgendaData(kind=_value(kind), title=title, lead_readers=members, materials=mats, notes=notes, order=order)


def _agenda_list(user, session: StudySession) -> list[dict]:
    return [_agenda_out(i) for i in _agenda_qs(user, session)]


@router.get("/study/sessions/{session_id}/agenda", response={200: list[AgendaOut], **READ_ERRORS}, summary="议程")
def list_agenda(request, session_id: int):
    user = request.auth
    return _agenda_list(user, ss.get_session(user, session_id))


@router.post("/study/sessions/{session_id}/agenda", response={201: AgendaOut, **ERRORS}, summary="增加议程")
def create_agenda_item(request, session_id: int, payload: AgendaIn):
    """A first-topic item must be the first (422 on `order`; a second one: on `kind`); lead
    readers must be expected attendees (422 on `lead_readers`)."""
    user = request.auth
    s = ss.get_session(user, session_id)
    if not ss.may_run(user, s):
        raise PermissionDenied("无权管理该学习会")
    data = _agenda_data(user, s, payload.kind, payload.title, payload.lead_readers, payload.materials, payload.notes, payload.order)
    item = sp.save_agenda_item(user, s, data)
    return Status(201, _agenda_out(_agenda_qs(user, s).get(pk=item.pk)))


@router.patch("/study/agenda/{item_id}", response={200: AgendaOut, **ERRORS}, summary="修改议程")
def update_agenda_item(request, item_id: int, payload: AgendaPatch):
    user = request.auth
    item = _item(user, item_id)
    s = item.session
    if not ss.may_run(user, s):
        raise PermissionDenied("无权管理该学习会")
    changes = payload.model_dump(exclude_unset=True)
    nulls = _nulls(changes, {"order"})
    if nulls:
        raise ValidationError(nulls)
    data = _agenda_data(
        user, s, changes.get("kind", item.kind), changes.get("title", item.title),
        changes["lead_readers"] if "lead_readers" in changes else list(item.lead_readers.values_list("pk", flat=True)),
        changes["materials"] if "materials" in changes else list(item.materials.values_list("pk", flat=True)),
        changes.get("notes", item.notes), changes.get("order"),
    )
    sp.save_agenda_item(user, s, data, item)
    return _agenda_out(_agenda_qs(user, s).get(pk=item.pk))


@router.delete("/study/agenda/{item_id}", response={204: None, **ERRORS}, summary="删除议程")
def delete_agenda_item(request, item_id: int):
    user = request.auth
    sp.delete_agenda_item(user, _item(user, item_id))
    return Status(204, None)


@router.put("/study/sessions/{session_id}/agenda/order", response={200: list[AgendaOut], **ERRORS}, summary="调整议程顺序")
def reorder_agenda(request, session_id: int, payload: AgendaOrderIn):
    """Every item of the session once, in the new order; the first topic must stay first (422
    on `order`)."""
    user = request.auth
    s = ss.get_session(user, session_id)
    sp.reorder_agenda(user, s, payload.items)
    return _agenda_list(user, s)


# ------------------------------------------------------------------------------- the roster

def _att_out(a: Attendance) -> dict:
    return {
        "id": a.pk, "session": a.session_id, "member": a.member_id, "member_name": a.member.name, "org": a.org.code,
        "org_name": a.org.name, "status": a.status, "status_label": a.get_status_display(), "checked_in_at": a.checked_in_at,
        "late": a.late, "method": a.method, "method_label": a.get_method_display() if a.method else "",
        "leave_status": a.leave_status, "leave_status_label": a.get_leave_status_display() if a.leave_status else "",
        "leave_reason": a.leave_reason, "makeup_note": a.makeup_note, "makeup_at": a.makeup_at,
    }


@router.get("/study/sessions/{session_id}/attendance", response={200: AttendancePage, **READ_ERRORS},
            summary="考勤名单", tags=TAG_ROSTER)
def list_attendance(request, session_id: int, filters: Query[RosterFilters]):
    """Every expected attendee with status, check-in time, late mark and method: the rows the
    caller may see (a member sees their own row only)."""
    user = request.auth
    s = ss.get_session(user, session_id)
    qs = restrict(s.attendances.all(), user).select_related("member", "org").order_by("org__path", "member__name", "pk")
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    result = page(qs, filters)
    result["items"] = [_att_out(a) for a in result["items"]]
    return result


def _run_att(user, attendance_id: int) -> Attendance:
    att = (Attendance.objects.filter(pk=attendance_id, session__in=ss.sessions_for(user))
           .select_related("session__org", "member", "org").first())
    if att is None or not sa.may_view_attendance(user, att):
        raise Http404
    return att


def _fresh(att: Attendance) -> dict:
    return _att_out(Attendance.objects.select_related("member", "org").get(pk=att.pk))


@router.post("/study/attendance/{attendance_id}/status", response={200: AttendanceOut, **ERRORS},
             summary="登记考勤（书记）", tags=TAG_ROSTER)
def mark_attendance(request, attendance_id: int, payload: MarkIn):
    """present: checked in by the secretary (late marked); absent; leave (approved at once);
    expected: back to waiting. Whoever runs the session (403 otherwise)."""
    user = request.auth
    att = _run_att(user, attendance_id)
    if payload.status == A.PRESENT:
        sa.check_in_member(user, att.session, att.member)
    else:
        sa.set_status(user, att, payload.status, note=payload.note)
    return _fresh(att)


@router.post("/study/attendance/{attendance_id}/leave-decision", response={200: AttendanceOut, **ERRORS},
             summary="审批请假", tags=TAG_ROSTER)
def decide_leave(request, attendance_id: int, payload: LeaveDecisionIn):
    """422 on `leave` when no request is pending."""
    user = request.auth
    att = _run_att(user, attendance_id)
    sa.decide_leave(user, att, approve=payload.approve)
    return _fresh(att)


@router.post("/study/attendance/{attendance_id}/makeup", response={200: AttendanceOut, **ERRORS},
             summary="登记补学（书记）", tags=TAG_ROSTER)
def record_makeup(request, attendance_id: int, payload: MakeupIn):
    """Closes an absence or a leave (422 on `status` otherwise). The member's own make-up is
    POST /study/me/attendance/{id}/makeup."""
    user = request.auth
    att = _run_att(user, attendance_id)
    if not ss.may_run(user, att.session):
        raise PermissionDenied("无权登记该学习会的考勤")
    sa.record_makeup(user, att, payload.note)
    return _fresh(att)
