"""Supervision activities (督查活动) and what comes of them: a guidance group's visits, sitting in
on meetings, interviews, spot checks, random questioning and document reviews at its units;
photos; findings, which become problems on the unit's list (source 督查) and feedback the unit
answers; exemplars (典型经验).

Who (supervision.access): the office (MANAGE_CAMPAIGN at the campaign's org) records for any
group; a group's members (their seats) record for their group, at the group's units only. The
unit answers its feedback with ACT at the unit. Every view, API call and the demo call these.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.campaigns.models import GuidanceAssignment, GuidanceGroup, Seat, UnitTask
from dangjian.core import files
from dangjian.core.audit import stamp
from dangjian.core.notify import notify
from dangjian.core.scoping import Perm, can, restrict, system_actor
from dangjian.orgs.models import Member, Org
from dangjian.supervision.access import group_covers, in_group, may_manage, my_group_ids, visible
from dangjian.supervision.models import (
    Activity,
    ActivityKind,
    ActivityPhoto,
    Exemplar,
    FeedbackStatus,
    Finding,
    Round,
    RoundUnit,
)

K = ActivityKind
NOT_COVERED = "该单位不在本组联系范围内"
MAX_PHOTOS = 20


def activity_ref(activity: Activity) -> str:
    return f"supervision.Activity:{activity.pk}"


# ------------------------------------------------------------------------------ who sees what
def activities_for(user) -> QuerySet[Activity]:
    """Activities the user sees: the office's (its campaign's org) and those of the user's groups."""
    return visible(Activity.objects.all(), user)


def get_activity(user, pk: int) -> Activity:
    act = activities_for(user).select_related("group", "group__campaign", "org", "round", "unit_task", "created_by").filter(pk=pk).first()
    if act is None:
        raise Http404
    return act


def may_act_for_group(user, group: GuidanceGroup) -> bool:
    """The office or a member of the group (before checking the unit)."""
    return may_manage(user, group.campaign) or in_group(user, group)


def may_record_at(user, activity: Activity) -> bool:
    return may_act_for_group(user, activity.group)


def recordable_groups(user) -> QuerySet[GuidanceGroup]:
    """Groups the user may record for: their own, and every group of the campaigns they run."""
    from dangjian.campaigns.models import Campaign

    run = [c.pk for c in Campaign.objects.select_related("org") if may_manage(user, c)] if can(user, Perm.MANAGE_CAMPAIGN) else []
    return GuidanceGroup.objects.filter(Q(pk__in=my_group_ids(user)) | Q(campaign_id__in=run)).select_related("campaign").order_by("campaign_id", "order", "pk")


def group_units(group: GuidanceGroup) -> list[Org]:
    """The units the group covers (its assignments and round units), for the form's choices."""
    ids = set(GuidanceAssignment.objects.filter(group=group).values_list("org_id", flat=True))
    ids |= set(RoundUnit.objects.filter(group=group).values_list("org_id", flat=True))
    return list(Org.objects.filter(pk__in=ids).order_by("path"))


def findings_for(user) -> QuerySet[Finding]:
    """Feedback the user sees: addressed to orgs in their scope, or given by their groups."""
    mine = my_group_ids(user)
    scoped = restrict(Finding.objects.all(), user)
    if not mine:
        return scoped
    return Finding.objects.filter(Q(pk__in=scoped.values("pk")) | Q(activity__group_id__in=mine))


def get_finding(user, pk: int) -> Finding:
    f = findings_for(user).select_related("activity", "activity__group", "org", "problem", "created_by", "answered_by").filter(pk=pk).first()
    if f is None:
        raise Http404
    return f


def may_answer(user, finding: Finding) -> bool:
    return can(user, Perm.ACT, finding.org)


def exemplars_for(user) -> QuerySet[Exemplar]:
    mine = my_group_ids(user)
    scoped = restrict(Exemplar.objects.all(), user)
    if not mine:
        return scoped
    return Exemplar.objects.filter(Q(pk__in=scoped.values("pk")) | Q(activity__group_id__in=mine))


def filter_activities(qs: QuerySet[Activity], *, group: int | None = None, round: int | None = None, org: Org | None = None,
                      kind: str = "") -> QuerySet[Activity]:
    if group:
        qs = qs.filter(group_id=group)
    if round:
        qs = qs.filter(round_id=round)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    if kind in K.values:
        qs = qs.filter(kind=kind)
    return qs


# ------------------------------------------------------------------------------ activities
FIELDS = ("kind", "held_on", "place", "subject", "notes", "interviewed_count", "interviewees", "records_checked", "unit_task",
          "meeting_ref")


def _round_for(group: GuidanceGroup, org: Org, held_on: dt.date) -> Round | None:
    """The open round of the group's campaign in which the group covers `org` on `held_on`
    (supervision.plans.round_for_activity, the one definition)."""
    from dangjian.supervision.plans import round_for_activity

    return round_for_activity(group, org, held_on)


def activity_errors(data: dict, org: Org | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in K.values:
        errors["kind"] = f"督查方式应为：{'、'.join(K.labels)}"
    held = data.get("held_on")
    if not isinstance(held, dt.date):
        errors["held_on"] = "请填写日期"
    elif held > timezone.localdate():
        errors["held_on"] = "日期不能晚于今天"
    if not str(data.get("subject") or "").strip():
        errors["subject"] = "请填写督查内容"
    elif len(str(data["subject"])) > 200:
        errors["subject"] = "督查内容不能超过 200 个字"
    if len(str(data.get("place") or "")) > 200:
        errors["place"] = "地点不能超过 200 个字"
    count = data.get("interviewed_count") or 0
    try:
        count = int(count)
    except (TypeError, ValueError):
        errors["interviewed_count"] = "访谈人数应为整数"
        count = 0
    if count < 0:
        errors["interviewed_count"] = "访谈人数不能为负数"
    if kind == K.INTERVIEW:
        if count < 1:
            errors["interviewed_count"] = "座谈访谈请填写访谈人数"
        if not str(data.get("interviewees") or "").strip():
            errors["interviewees"] = "座谈访谈请填写访谈对象"
    if kind == K.SPOT_CHECK and not str(data.get("records_checked") or "").strip():
        errors["records_checked"] = "随机抽查请填写抽查了哪些资料"
    if kind == K.SIT_IN and not str(data.get("meeting_ref") or "").strip() and not data.get("unit_task"):
        errors["meeting_ref"] = "列席会议请填写会议名称或选择关联的工作任务"
    task = data.get("unit_task")
    if task and org is not None:
        if not isinstance(task, UnitTask):
            task = UnitTask.objects.filter(pk=task).select_related("org").first()
        if task is None or not (task.org.path.startswith(org.path) or org.path.startswith(task.org.path)):
            errors["unit_task"] = "关联的工作任务须为本单位的任务"
    return errors


def _clean(data: dict) -> dict:
    out = {}
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name == "unit_task" and value and not isinstance(value, UnitTask):
            value = UnitTask.objects.get(pk=value)
        if name == "unit_task" and not value:
            value = None
        if name == "interviewed_count":
            value = int(value or 0)
        out[name] = value if value is not None or name == "unit_task" else ""
    return out


def _seats(group: GuidanceGroup, seats) -> list[Seat]:
    ids = [int(getattr(s, "pk", s)) for s in (seats or [])]
    found = list(Seat.objects.filter(pk__in=ids, guidance_group=group))
    if len(found) != len(set(ids)):
        raise ValidationError({"members_present": "参加人员须为本组成员"})
    return found


def record_activity(user, group: GuidanceGroup, org: Org, data: dict, round: Round | None = None) -> Activity:
    """Record an activity of `group` at `org` (the office for any group, a member for their
    own); the unit must be one the group covers. `data`: FIELDS plus "members_present" (seats
    of the group). The round is found from the date when not given."""
    if not may_act_for_group(user, group):
        raise PermissionDenied("您不是该指导组成员，不能记录督查活动")
    errors = activity_errors(data, org)
    if round is not None and round.plan.campaign_id != group.campaign_id:
        errors["round"] = "督查轮次不属于本组所在的主题教育"
    covered = group_covers(group, org) or (round is not None and group_covers(group, org, round))
    if not covered:
        errors["org"] = NOT_COVERED
    if errors:
        raise ValidationError(errors)
    seats = _seats(group, data.get("members_present"))
    with transaction.atomic():
        act = Activity(group=group, org=org, created_by=user if getattr(user, "pk", None) else None, **_clean(data))
        act.round = round or _round_for(group, org, act.held_on)
        stamp(act, user, "记录督查活动")
        act.save()
        if seats:
            act.members_present.set(seats)
    return act


def update_activity(user, activity: Activity, data: dict) -> Activity:
    if not may_record_at(user, activity):
        raise PermissionDenied("您不是该指导组成员，不能修改督查活动")
    merged = {name: getattr(activity, name) for name in FIELDS}
    merged.update(data)
    errors = activity_errors(merged, activity.org)
    if errors:
        raise ValidationError(errors)
    seats = _seats(activity.group, data["members_present"]) if "members_present" in data else None
    with transaction.atomic():
        for name, value in _clean(merged).items():
            setattr(activity, name, value)
        stamp(activity, user, "修改督查活动")
        activity.save()
        if seats is not None:
            activity.members_present.set(seats)
    return activity


def add_photo(user, activity: Activity, upload, caption: str = "") -> ActivityPhoto:
    """A photo of the activity: an image by its content (JPG, PNG, GIF, WebP, HEIC)."""
    if not may_record_at(user, activity):
        raise PermissionDenied("您不是该指导组成员，不能上传照片")
    content_type = files.check_upload(upload, allowed=files.IMAGES, field="file")
    if len(caption or "") > 200:
        raise ValidationError({"caption": "说明不能超过 200 个字"})
    if activity.photos.count() >= MAX_PHOTOS:
        raise ValidationError({"file": f"每次活动最多上传 {MAX_PHOTOS} 张照片"})
    photo = ActivityPhoto(activity=activity, original_name=upload.name[:200], content_type=content_type, size=upload.size,
                          caption=(caption or "").strip(), uploaded_by=user if getattr(user, "pk", None) else None)
    photo.file.save(upload.name, upload, save=False)
    photo.save()
    return photo


def photos_for(user) -> QuerySet[ActivityPhoto]:
    return ActivityPhoto.objects.filter(activity__in=activities_for(user).values("pk"))


# ------------------------------------------------------------------------ random questioning
def unit_members(activity: Activity) -> QuerySet[Member]:
    return Member.objects.filter(org__path__startswith=activity.org.path).select_related("org").order_by("org__path", "name")


def draw_for_activity(user, activity: Activity, member: Member | None, count: int, tags: list[str] | None = None):
    """Draw questions for a member of the unit on the spot (study.questioning), linked to the
    activity. Without a member, one of the unit's members is picked at random."""
    from dangjian.study.models import Questioning
    from dangjian.study.questioning import draw_questioning

    if not may_record_at(user, activity):
        raise PermissionDenied("您不是该指导组成员，不能随机提问")
    if member is None:
        member = unit_members(activity).order_by("?").first()
        if member is None:
            raise ValidationError({"member": "该单位没有党员可供提问"})
    if not member.org.path.startswith(activity.org.path):
        raise ValidationError({"member": "请选择本单位的党员"})
    q = draw_questioning(user, member, count, tags)
    ref = activity_ref(activity)
    Questioning.objects.filter(pk=q.pk).update(activity_ref=ref)
    q.activity_ref = ref
    return q


def activity_questionings(activity: Activity):
    from dangjian.study.models import Questioning

    return Questioning.objects.filter(activity_ref=activity_ref(activity)).select_related("member").order_by("asked_at", "pk")


def mark_for_activity(user, activity: Activity, questioning_id: int, marks, note: str = ""):
    from dangjian.study.questioning import record_questioning

    if not may_record_at(user, activity):
        raise PermissionDenied("您不是该指导组成员，不能随机提问")
    q = activity_questionings(activity).filter(pk=questioning_id).first()
    if q is None:
        raise Http404
    return record_questioning(user, q, marks, note, activity_ref=activity_ref(activity))


# ------------------------------------------------------------------------- findings, feedback
PROBLEM_FIELDS = ("aspect", "title", "description", "leader", "owner", "due_on", "target")


def _unit_users(org: Org) -> list[int]:
    """Who acts for the unit: unit admins, liaisons and branch secretaries at the org or above
    it up to its secondary unit."""
    from dangjian.campaigns.todo import ACTING_ROLES, SECONDARY_PATH_LEN
    from dangjian.core.models import RoleGrant

    paths = [org.path[:i] for i in range(SECONDARY_PATH_LEN, len(org.path) + 1, Org.steplen)]
    return list(RoleGrant.objects.filter(org__path__in=paths, role__in=ACTING_ROLES).values_list("user_id", flat=True).distinct())


def add_finding(user, activity: Activity, feedback: str, problem: dict) -> Finding:
    """A finding of the activity: the problem opens on the unit's list at once (source 督查,
    linked to the activity; entered for the committee), and the feedback goes to the unit."""
    from dangjian.rectification.models import Source
    from dangjian.rectification.problems import create_problem

    if not may_record_at(user, activity):
        raise PermissionDenied("您不是该指导组成员，不能反馈问题")
    feedback = (feedback or "").strip()
    data = {k: problem[k] for k in PROBLEM_FIELDS if k in problem}
    data.update(source=Source.INSPECTION, found_on=problem.get("found_on") or activity.held_on, activity_ref=activity_ref(activity),
                campaign=activity.group.campaign)
    if activity.unit_task_id:
        data["unit_task"] = activity.unit_task
    if not feedback:
        from dangjian.rectification.problems import problem_errors

        errors = {"feedback": "请填写反馈意见"}
        errors.update(problem_errors(data))
        raise ValidationError(errors)
    with transaction.atomic():
        prob = create_problem(system_actor(), activity.org, data, submit_now=True)
        if getattr(user, "pk", None):
            type(prob).objects.filter(pk=prob.pk).update(created_by=user)
        prob.refresh_from_db()
        finding = Finding(activity=activity, org=activity.org, problem=prob, feedback=feedback,
                          created_by=user if getattr(user, "pk", None) else None)
        stamp(finding, user, "督查反馈")
        finding.save()
    from django.urls import reverse

    notify(_unit_users(activity.org), f"督查反馈：{prob.title}", f"{activity.group.name}在{activity.get_kind_display()}中反馈了问题，请回复",
           url=reverse("feedback_detail", args=[finding.pk]), kind="feedback", key=f"sup-feedback-{finding.pk}")
    return finding


def answer_feedback(user, finding: Finding, answer: str) -> Finding:
    """The unit answers its feedback (ACT at the unit), once."""
    if not may_answer(user, finding):
        raise PermissionDenied("只有被反馈单位可以回复")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写回复内容"})
    if len(answer) > 5000:
        raise ValidationError({"answer": "回复不能超过 5000 个字"})
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status == FeedbackStatus.ANSWERED:
            raise ValidationError({"answer": "该反馈已回复，不能重复回复"})
        locked.answer, locked.status, locked.answered_at = answer, FeedbackStatus.ANSWERED, timezone.now()
        locked.answered_by = user if getattr(user, "pk", None) else None
        stamp(locked, user, "单位回复")
        locked.save()
    finding.answer, finding.status, finding.answered_at, finding.answered_by = locked.answer, locked.status, locked.answered_at, locked.answered_by
    if finding.created_by_id:
        from django.urls import reverse

        notify([finding.created_by_id], f"单位已回复督查反馈：{finding.org.name}", answer[:100],
               url=reverse("feedback_detail", args=[finding.pk]), kind="feedback", key=f"sup-feedback-answer-{finding.pk}")
    return finding


def waiting_feedback(user) -> QuerySet[Finding]:
    """Feedback waiting for an answer from the units the user acts for."""
    from dangjian.campaigns.todo import acting_paths

    paths = acting_paths(user)
    if not paths:
        return Finding.objects.none()
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(org__path__startswith=p)
    return restrict(Finding.objects.filter(q, status=FeedbackStatus.SENT), user, Perm.ACT)


# ----------------------------------------------------------------------------------- exemplars
def add_exemplar(user, activity: Activity, title: str, description: str) -> Exemplar:
    if not may_record_at(user, activity):
        raise PermissionDenied("您不是该指导组成员，不能记录典型经验")
    title, description = (title or "").strip(), (description or "").strip()
    errors = {}
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 200:
        errors["title"] = "标题不能超过 200 个字"
    if not description:
        errors["description"] = "请填写经验做法"
    if errors:
        raise ValidationError(errors)
    ex = Exemplar(activity=activity, org=activity.org, title=title, description=description,
                  created_by=user if getattr(user, "pk", None) else None)
    stamp(ex, user, "记录典型经验")
    ex.save()
    return ex


# --------------------------------------------------------------------------------- to-do list
def _todo_items(user, limit: int, today: dt.date) -> list[dict]:
    from django.urls import reverse

    rows = waiting_feedback(user).select_related("org", "activity__group").order_by("created_at", "pk")[:limit]
    return [{"title": f.feedback[:60], "url": reverse("feedback_detail", args=[f.pk]), "org": f.org.name, "when": timezone.localdate(f.created_at),
             "badge": "待回复", "badge_class": "st-submitted", "note": f.activity.group.name} for f in rows]


def register_todo() -> None:
    """Add the feedback waiting for the unit's answer to 我的待办 (call from SupervisionConfig.ready)."""
    from dangjian.campaigns.todo import register_todo_source

    register_todo_source("sup_feedback", title="待回复的督查反馈", count=lambda u: waiting_feedback(u).count(), items=_todo_items,
                         order=45, columns=("反馈意见", "单位", "反馈日期", "状态"), empty="没有待回复的督查反馈",
                         more_url="feedback_list?status=sent")
