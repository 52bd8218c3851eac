"""API of the supervision activities: record and read a group's activities, photos, random
questioning on the spot, findings (each opens an inspection problem on the unit's list), the
unit's feedback and its answer, exemplars. Thin: every rule is in supervision.activities, the
functions the pages call; a group sees only its own activities, a unit only its own feedback."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from dangjian.campaigns.models import GuidanceGroup
from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.orgs.models import Member, Org
from dangjian.supervision import activities as sa
from dangjian.supervision.models import Activity, Exemplar, Finding, Round
from dangjian.supervision.schemas_activities import (
    ActivityDetail,
    ActivityFilters,
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    AnswerIn,
    DrawIn,
    ExemplarFilters,
    ExemplarIn,
    ExemplarOut,
    ExemplarPage,
    FindingFilters,
    FindingIn,
    FindingOut,
    FindingPage,
    MarksIn,
    PhotoOut,
    QuestioningOut,
)

router = Router(tags=["督促指导 · 督查活动与反馈"])
P = "/supervision"


def _name(u) -> str | None:
    return (getattr(u, "display_name", "") or u.username) if u is not None else None


def _value(v):
    return getattr(v, "value", v)


def _activity_out(a: Activity) -> dict:
    return {
        "id": a.pk, "group": a.group_id, "group_name": a.group.name, "org": a.org.code, "org_name": a.org.name,
        "round": a.round_id, "round_name": a.round.name if a.round_id else "", "kind": a.kind, "kind_label": a.get_kind_display(),
        "held_on": a.held_on, "place": a.place, "subject": a.subject, "notes": a.notes, "interviewed_count": a.interviewed_count,
        "interviewees": a.interviewees, "records_checked": a.records_checked, "meeting_ref": a.meeting_ref,
        "unit_task": a.unit_task_id, "created_by": _name(a.created_by), "created_at": a.created_at,
    }


def _photo_out(p) -> dict:
    return {"id": p.pk, "original_name": p.original_name, "content_type": p.content_type, "size": p.size, "caption": p.caption,
            "url": reverse("activity_photo_file", args=[p.pk])}


def _q_out(q) -> dict:
    return {"id": q.pk, "member": q.member_id, "member_name": q.member.name, "score": float(q.score) if q.score is not None else None,
            "items": q.items}


def _finding_out(f: Finding) -> dict:
    p = f.problem
    return {
        "id": f.pk, "activity": f.activity_id, "org": f.org.code, "org_name": f.org.name, "group_name": f.activity.group.name,
        "feedback": f.feedback, "status": f.status, "status_label": f.get_status_display(), "problem": f.problem_id,
        "problem_number": p.number if p else "", "problem_title": p.title if p else "", "problem_status": p.status if p else "",
        "answer": f.answer, "answered_at": f.answered_at, "answered_by": _name(f.answered_by), "created_by": _name(f.created_by),
        "created_at": f.created_at,
    }


def _exemplar_out(e: Exemplar) -> dict:
    return {"id": e.pk, "activity": e.activity_id, "org": e.org.code, "org_name": e.org.name, "title": e.title,
            "description": e.description, "created_by": _name(e.created_by), "created_at": e.created_at}


def _detail(a: Activity) -> dict:
    return {
        **_activity_out(a),
        "members_present": list(a.members_present.values_list("pk", flat=True)),
        "photos": [_photo_out(p) for p in a.photos.all()],
        "questionings": [_q_out(q) for q in sa.activity_questionings(a)],
        "findings": [_finding_out(f) for f in a.findings.select_related("org", "problem", "activity__group", "created_by", "answered_by")],
        "exemplars": [_exemplar_out(e) for e in a.exemplars.select_related("org", "created_by")],
    }


def _recordable(user, pk: int) -> Activity:
    a = sa.get_activity(user, pk)
    if not sa.may_record_at(user, a):
        raise Http404
    return a


def _org(field: str, code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({field: f"组织“{code}”不存在"})
    return org


# ------------------------------------------------------------------------------ activities
@router.get(f"{P}/activities", response={200: ActivityPage, **READ_ERRORS}, summary="督查活动列表")
def list_activities(request, filters: Query[ActivityFilters]):
    """The activities the user sees: the office's campaign, or the user's own groups."""
    user = request.auth
    org = _org("org", filters.org) if filters.org else None
    qs = sa.filter_activities(sa.activities_for(user), group=filters.group, round=filters.round, org=org, kind=_value(filters.kind) or "")
    result = page(qs.select_related("group", "org", "round", "created_by").order_by("-held_on", "-pk"), filters)
    result["items"] = [_activity_out(a) for a in result["items"]]
    return result


@router.post(f"{P}/activities", response={201: ActivityDetail, **ERRORS}, summary="记录督查活动")
def create_activity(request, payload: ActivityIn):
    """By the office or a member of the group; the unit must be one of the group's units
    ("该单位不在本组联系范围内" otherwise). Kinds need their own fields (interview: count and
    people; spot check: records checked; sitting in: the meeting or a unit task)."""
    user = request.auth
    group = GuidanceGroup.objects.select_related("campaign", "campaign__org").filter(pk=payload.group).first()
    if group is None:
        raise ValidationError({"group": "指导组不存在"})
    org = _org("org", payload.org)
    rnd = None
    if payload.round:
        rnd = Round.objects.select_related("plan").filter(pk=payload.round).first()
        if rnd is None:
            raise ValidationError({"round": "督查轮次不存在"})
    data = payload.model_dump(exclude={"group", "org", "round"})
    data["kind"] = _value(data["kind"])
    act = sa.record_activity(user, group, org, data, round=rnd)
    return Status(201, _detail(sa.get_activity(user, act.pk)))


@router.get(f"{P}/activities/{{activity_id}}", response={200: ActivityDetail, **READ_ERRORS}, summary="督查活动详情")
def get_activity(request, activity_id: int):
    return _detail(sa.get_activity(request.auth, activity_id))


@router.patch(f"{P}/activities/{{activity_id}}", response={200: ActivityDetail, **ERRORS}, summary="修改督查活动")
def patch_activity(request, activity_id: int, payload: ActivityPatch):
    user = request.auth
    act = _recordable(user, activity_id)
    data = {k: _value(v) for k, v in payload.model_dump(exclude_unset=True).items()}
    nulls = {k: "不能为空" for k, v in data.items() if v is None and k != "unit_task"}
    if nulls:
        raise ValidationError(nulls)
    sa.update_activity(user, act, data)
    return _detail(sa.get_activity(user, act.pk))


@router.post(f"{P}/activities/{{activity_id}}/photos", response={201: PhotoOut, **ERRORS}, summary="上传活动照片")
def add_photo(request, activity_id: int, file: File[UploadedFile], caption: Form[str] = ""):
    """multipart/form-data: `file` (an image by its content: JPG, PNG, GIF, WebP, HEIC) and `caption`."""
    user = request.auth
    act = _recordable(user, activity_id)
    return Status(201, _photo_out(sa.add_photo(user, act, file, caption)))


@router.post(f"{P}/activities/{{activity_id}}/questionings", response={201: QuestioningOut, **ERRORS}, summary="随机提问：抽题")
def draw(request, activity_id: int, payload: DrawIn):
    """Draw `count` questions from the question bank for a member of the unit (study's random
    questioning, linked to the activity). The answers to mark are returned with the questions."""
    user = request.auth
    act = _recordable(user, activity_id)
    member = None
    if payload.member is not None:
        member = Member.objects.select_related("org").filter(pk=payload.member).first()
        if member is None:
            raise ValidationError({"member": "党员不存在"})
    q = sa.draw_for_activity(user, act, member, payload.count, payload.tags)
    return Status(201, _q_out(q))


@router.post(f"{P}/activities/{{activity_id}}/questionings/{{questioning_id}}/marks", response={200: QuestioningOut, **ERRORS},
             summary="随机提问：评判并记录")
def mark(request, activity_id: int, questioning_id: int, payload: MarksIn):
    """Every question drawn needs a mark; once only. The score is 100 × right / asked."""
    user = request.auth
    act = _recordable(user, activity_id)
    q = sa.mark_for_activity(user, act, questioning_id, [m.model_dump() for m in payload.marks], payload.note)
    return _q_out(q)


# --------------------------------------------------------------------------- findings, feedback
def _finding_qs(user):
    return sa.findings_for(user).select_related("org", "problem", "activity__group", "created_by", "answered_by")


@router.post(f"{P}/findings", response={201: FindingOut, **ERRORS}, summary="反馈问题")
def create_finding(request, payload: FindingIn):
    """The problem opens at once on the unit's list (source 督查, linked to the activity) and the
    feedback goes to the unit, which answers it."""
    user = request.auth
    act = _recordable(user, payload.activity)
    data = payload.model_dump(exclude={"activity", "feedback"})
    f = sa.add_finding(user, act, payload.feedback, data)
    return Status(201, _finding_out(_finding_qs(user).get(pk=f.pk)))


@router.get(f"{P}/feedback", response={200: FindingPage, **READ_ERRORS}, summary="督查反馈列表")
def list_feedback(request, filters: Query[FindingFilters]):
    """Feedback addressed to the units the user sees (and that given by the user's groups)."""
    user = request.auth
    qs = _finding_qs(user)
    if filters.status:
        qs = qs.filter(status=_value(filters.status))
    if filters.org:
        qs = qs.filter(org__path__startswith=_org("org", filters.org).path)
    result = page(qs.order_by("-created_at", "-pk"), filters)
    result["items"] = [_finding_out(f) for f in result["items"]]
    return result


@router.get(f"{P}/feedback/{{finding_id}}", response={200: FindingOut, **READ_ERRORS}, summary="督查反馈详情")
def get_feedback(request, finding_id: int):
    f = _finding_qs(request.auth).filter(pk=finding_id).first()
    if f is None:
        raise Http404
    return _finding_out(f)


@router.post(f"{P}/feedback/{{finding_id}}/answer", response={200: FindingOut, **ERRORS}, summary="单位回复督查反馈")
def answer(request, finding_id: int, payload: AnswerIn):
    """By whoever acts for the unit; once."""
    user = request.auth
    f = sa.get_finding(user, finding_id)
    sa.answer_feedback(user, f, payload.answer)
    return _finding_out(_finding_qs(user).get(pk=f.pk))


# ----------------------------------------------------------------------------------- exemplars
@router.get(f"{P}/exemplars", response={200: ExemplarPage, **READ_ERRORS}, summary="典型经验列表")
def list_exemplars(request, filters: Query[ExemplarFilters]):
    user = request.auth
    qs = sa.exemplars_for(user).select_related("org", "created_by")
    if filters.org:
        qs = qs.filter(org__path__startswith=_org("org", filters.org).path)
    result = page(qs.order_by("-created_at", "-pk"), filters)
    result["items"] = [_exemplar_out(e) for e in result["items"]]
    return result


@router.post(f"{P}/exemplars", response={201: ExemplarOut, **ERRORS}, summary="记录典型经验")
def create_exemplar(request, payload: ExemplarIn):
    user = request.auth
    act = _recordable(user, payload.activity)
    e = sa.add_exemplar(user, act, payload.title, payload.description)
    return Status(201, _exemplar_out(Exemplar.objects.select_related("org", "created_by").get(pk=e.pk)))


_ = ActivityOut  # the list's item schema (documented through ActivityPage)
