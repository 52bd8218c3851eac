"""Domain operations of study plans (学习计划) and of a session's agenda (议程), its record
(学习情况记录) and its use as the evidence of a campaign task.

Each function takes the acting user first, checks scope (ACT on the org for writes), validates
with errors keyed by field, writes atomically and leaves an audit record. Agenda changes are
recorded in the session's history (agenda items keep none of their own).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Member, Org
from dangjian.study.models import (
    AgendaItem,
    AgendaKind,
    Material,
    PlanTarget,
    SessionKind,
    StudyMethod,
    StudyPlan,
    StudySession,
    TargetGroup,
)
from dangjian.study.sessions import may_run, who


def _refuse(message: str = "超出管理范围") -> None:
    raise PermissionDenied(message)


# ------------------------------------------------------------------------------------ plans
def plans_for(user, perm: str = Perm.VIEW) -> QuerySet[StudyPlan]:
    return restrict(StudyPlan.objects.all(), user, perm)


def get_plan(user, pk: int) -> StudyPlan:
    plan = plans_for(user).select_related("org", "campaign", "created_by").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def may_edit_plan(user, plan: StudyPlan) -> bool:
    return can(user, Perm.ACT, plan.org)


@dataclass
class TargetData:
    group: str
    method: str
    sessions: int = 1
    note: str = ""


@dataclass
class PlanData:
    org: Org
    title: str
    starts_on: dt.date
    ends_on: dt.date
    content: str = ""
    methods: list[str] = field(default_factory=list)
    campaign: object | None = None
    targets: list[TargetData] | None = None  # None: keep the plan's targets (an edit)


MAX_TARGET_SESSIONS = 366


def plan_errors(user, data: PlanData) -> dict:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "请填写计划名称"
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    bad = [m for m in data.methods if m not in StudyMethod.values]
    if bad:
        errors["methods"] = f"学习方式无效：{'、'.join(map(str, bad))}"
    for i, t in enumerate(data.targets or [], start=1):
        if t.group not in TargetGroup.values:
            errors["targets"] = f"第{i}行：学习对象无效"
        elif t.method not in StudyMethod.values:
            errors["targets"] = f"第{i}行：学习方式无效"
        elif not isinstance(t.sessions, int) or not 0 <= t.sessions <= MAX_TARGET_SESSIONS:
            errors["targets"] = f"第{i}行：计划次数应为0至{MAX_TARGET_SESSIONS}"
        else:
            continue
        break
    if data.campaign is not None:
        from dangjian.campaigns.services import visible_campaigns

        if not visible_campaigns(user).filter(pk=data.campaign.pk).exists():
            errors["campaign"] = "主题教育不存在或不在查看范围内"
    return errors


def save_plan(user, data: PlanData, plan: StudyPlan | None = None) -> StudyPlan:
    """Create or change a plan; `data.targets` (when given) replace the plan's targets."""
    if not can(user, Perm.ACT, data.org) or (plan is not None and not may_edit_plan(user, plan)):
        _refuse()
    errors = plan_errors(user, data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        creating = plan is None
        plan = plan or StudyPlan(created_by=who(user))
        plan.org, plan.title = data.org, data.title.strip()
        plan.starts_on, plan.ends_on = data.starts_on, data.ends_on
        plan.content, plan.campaign = data.content.strip(), data.campaign
        plan.methods = list(dict.fromkeys(data.methods))
        reason = ""
        if data.targets is not None and not creating:
            reason = "修改学习计划及目标"
        stamp(plan, user, reason).save()
        if data.targets is not None:
            plan.targets.all().delete()
            PlanTarget.objects.bulk_create([
                PlanTarget(plan=plan, group=t.group, method=t.method, sessions=t.sessions, note=t.note.strip()[:200])
                for t in data.targets
            ])
    return plan


def delete_plan(user, plan: StudyPlan) -> None:
    if not may_edit_plan(user, plan):
        _refuse()
    if plan.sessions.exists():
        raise ValidationError({"plan": "已有学习会关联该计划，不能删除；可修改计划内容"})
    stamp(plan, user, "删除学习计划").delete()


# Sessions of these kinds count for a target with the matching method; a target whose method is
# none of these counts every session held for its group, except methods that are not sessions.
KIND_OF_METHOD = {
    StudyMethod.CENTRAL: {SessionKind.CENTRAL_GROUP, SessionKind.BRANCH_STUDY},
    StudyMethod.READING_CLASS: {SessionKind.READING_CLASS},
    StudyMethod.LECTURE: {SessionKind.LECTURE},
    StudyMethod.TRAINING: {SessionKind.TRAINING},
}
NOT_SESSIONS = {StudyMethod.SELF, StudyMethod.ONLINE}


def _covers(session_groups: list[str], group: str) -> bool:
    """A session addresses `group`: it names it, or it is for everyone (no groups or "all")."""
    if not session_groups or TargetGroup.ALL in session_groups:
        return True
    return group in session_groups


@dataclass
class TargetProgress:
    target: PlanTarget
    planned: int
    held: int | None  # None: the method is not counted by sessions (self-study, online)
    scheduled: int | None

    @property
    def pct(self) -> int:
        if not self.planned or self.held is None:
            return 0
        return min(100, round(100 * self.held / self.planned))


def plan_progress(plan: StudyPlan, now: dt.datetime | None = None) -> list[TargetProgress]:
    """Planned against held, per target: computed from the sessions linked to the plan (held =
    started and not cancelled; scheduled = not yet started). One query for the sessions."""
    now = now or timezone.now()
    sessions = list(plan.sessions.filter(cancelled=False).values_list("kind", "groups", "starts_at"))
    out = []
    for t in plan.targets.all():
        if t.method in NOT_SESSIONS:
            out.append(TargetProgress(t, t.sessions, None, None))
            continue
        kinds = KIND_OF_METHOD.get(t.method)
        held = scheduled = 0
        for kind, groups, starts_at in sessions:
            if (kinds is None or kind in kinds) and _covers(groups or [], t.group):
                if starts_at <= now:
                    held += 1
                else:
                    scheduled += 1
        out.append(TargetProgress(t, t.sessions, held, scheduled))
    return out


# ----------------------------------------------------------------------------------- agenda
@dataclass
class AgendaData:
    kind: str
    title: str
    lead_readers: list[Member] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    notes: str = ""
    order: int | None = None  # 1-based position; None: at the end (a new item) or unchanged


def _require_run(user, session: StudySession) -> None:
    if not may_run(user, session):
        _refuse()
    if session.cancelled:
        raise ValidationError({"session": "学习会已取消，不能修改议程"})


def _touch(session: StudySession, user, reason: str) -> None:
    """Record an agenda change in the session's history."""
    stamp(session, user, reason).save(update_fields=["summary"])


def agenda_errors(user, session: StudySession, data: AgendaData, item: AgendaItem | None) -> dict:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "请填写议程内容"
    if data.kind not in AgendaKind.values:
        errors["kind"] = "环节无效"
    if data.lead_readers:
        expected = set(session.attendances.filter(member__in=data.lead_readers).values_list("member_id", flat=True))
        outside = [m.name for m in data.lead_readers if m.pk not in expected]
        if outside:
            errors["lead_readers"] = f"领学人须是本次学习会的参加人员：{'、'.join(outside)}不在参加人员中"
    if data.materials:
        visible = set(restrict(Material.objects.filter(pk__in=[m.pk for m in data.materials]), user).values_list("pk", flat=True))
        hidden = [m for m in data.materials if m.pk not in visible]
        if hidden:
            errors["materials"] = "学习资料不存在或不在查看范围内"
    if data.order is not None and data.order < 1:
        errors["order"] = "顺序应从1开始"
    elif "kind" not in errors:
        others = session.agenda.all() if item is None else session.agenda.exclude(pk=item.pk)
        has_first = others.filter(kind=AgendaKind.FIRST_TOPIC).exists()
        pos = final_position(session, data, item)
        if data.kind == AgendaKind.FIRST_TOPIC:
            if has_first:
                errors["kind"] = "本次学习会已有第一议题"
            elif pos != 1:
                errors["order"] = "第一议题须排在第一项：请把顺序设为1"
        elif pos == 1 and has_first:
            errors["order"] = "第一项是第一议题，其他议程须排在其后"
    return errors


def _ids(session: StudySession) -> list[int]:
    return list(AgendaItem.objects.filter(session=session).order_by("order", "pk").values_list("pk", flat=True))


def final_position(session: StudySession, data: AgendaData, item: AgendaItem | None) -> int:
    """Where the item will stand (1-based): `data.order`, else the end (new) or where it is."""
    ids = _ids(session)
    rest = [pk for pk in ids if item is None or pk != item.pk]
    if data.order is not None:
        return min(data.order, len(rest) + 1)
    if item is None:
        return len(rest) + 1
    return ids.index(item.pk) + 1


def _renumber(session: StudySession, ids: list[int]) -> None:
    items = {i.pk: i for i in session.agenda.all()}
    changed = []
    for n, pk in enumerate(ids, start=1):
        it = items[pk]
        if it.order != n:
            it.order = n
            changed.append(it)
    AgendaItem.objects.bulk_update(changed, ["order"])


def save_agenda_item(user, session: StudySession, data: AgendaData, item: AgendaItem | None = None) -> AgendaItem:
    """Add an item (at the end, or at `data.order`) or change one. A first-topic item must be
    the first; lead readers must be expected attendees; materials must be visible to the user."""
    _require_run(user, session)
    if item is not None and item.session_id != session.pk:
        raise Http404
    errors = agenda_errors(user, session, data, item)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        creating = item is None
        pos = final_position(session, data, item)
        if creating:
            last = session.agenda.aggregate(m=Max("order"))["m"] or 0
            item = AgendaItem(session=session, order=last + 1)
        item.kind, item.title, item.notes = data.kind, data.title.strip()[:200], data.notes.strip()
        item.save()
        item.lead_readers.set(data.lead_readers)
        item.materials.set(data.materials)
        ids = [pk for pk in _ids(session) if pk != item.pk]
        ids.insert(pos - 1, item.pk)
        _renumber(session, ids)
        _touch(session, user, f"{'增加' if creating else '修改'}议程：{item.title}")
    item.refresh_from_db()
    return item


def delete_agenda_item(user, item: AgendaItem) -> None:
    session = item.session
    _require_run(user, session)
    with transaction.atomic():
        title = item.title
        item.delete()
        _renumber(session, _ids(session))
        _touch(session, user, f"删除议程：{title}")


def reorder_agenda(user, session: StudySession, ids: list[int]) -> list[AgendaItem]:
    """Put the session's items in the order of `ids` (every item once). A first-topic item must
    stay first."""
    _require_run(user, session)
    items = {i.pk: i for i in session.agenda.all()}
    if sorted(ids) != sorted(items) or len(set(ids)) != len(ids):
        raise ValidationError({"order": "请按顺序列出本次学习会的全部议程，每项一次"})
    first = [pk for pk, i in items.items() if i.kind == AgendaKind.FIRST_TOPIC]
    if first and ids[0] != first[0]:
        raise ValidationError({"order": "第一议题须排在第一项"})
    with transaction.atomic():
        _renumber(session, ids)
        _touch(session, user, "调整议程顺序")
    return list(session.agenda.all())


def move_agenda_item(user, item: AgendaItem, step: int) -> None:
    """Move an item one place up (step -1) or down (+1)."""
    session = item.session
    ids = _ids(session)
    i = ids.index(item.pk)
    j = i + step
    if not 0 <= j < len(ids):
        _require_run(user, session)
        return
    ids[i], ids[j] = ids[j], ids[i]
    reorder_agenda(user, session, ids)


def save_summary(user, session: StudySession, summary: str) -> StudySession:
    """The session's record (学习情况记录): what was shared, the questions raised."""
    if not may_run(user, session):
        _refuse()
    session.summary = summary.strip()
    stamp(session, user, "填写学习情况记录").save(update_fields=["summary"])
    return session


# Seed 003: plan → lead reading → sharing → questions → attendance.
STRUCTURE = [
    ("plan", "学习计划"),
    ("lead_reading", "领学领读"),
    ("sharing", "交流研讨"),
    ("questions", "提问答疑"),
    ("attendance", "考勤登记"),
]


def structure(session: StudySession, agenda: list[AgendaItem], counts: dict) -> list[dict]:
    """Which steps of the seed-003 structure the session shows, for its detail page."""
    kinds = {i.kind for i in agenda}
    done = {
        "plan": session.plan_id is not None,
        "lead_reading": bool(kinds & {AgendaKind.FIRST_TOPIC, AgendaKind.LEAD_READING}),
        "sharing": AgendaKind.SHARING in kinds,
        "questions": AgendaKind.QUESTIONS in kinds,
        "attendance": counts.get("expected", 0) > 0 and counts.get("waiting", 0) < counts.get("expected", 0),
    }
    return [{"key": k, "label": label, "done": done[k]} for k, label in STRUCTURE]


# ------------------------------------------------------------ a session as a task's evidence
def record_ref(session: StudySession) -> str:
    return f"study.StudySession:{session.pk}"


def record_label(session: StudySession) -> str:
    return f"学习会：{session.title}（{timezone.localtime(session.starts_at):%Y-%m-%d}）"


def evidence_candidates(user, session: StudySession):
    """The host org's unit tasks on which the user may put evidence now and which do not yet
    hold this session."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import OPEN_FOR_WORK, TaskStatus, UnitTask

    if not can(user, Perm.ACT, session.org) or session.cancelled:
        return []
    qs = (UnitTask.objects.filter(org=session.org, active=True, task__status=TaskStatus.PUBLISHED, status__in=OPEN_FOR_WORK)
          .exclude(evidence__record_ref=record_ref(session), evidence__removed=False)
          .select_related("task__campaign", "org").order_by("task__due_on", "pk"))
    if session.campaign_id:
        qs = qs.filter(task__campaign_id=session.campaign_id)
    return [ut for ut in qs if cs.may_work_now(user, ut)]


def attach_as_evidence(user, session: StudySession, unit_task, description: str = ""):
    """Link the session to one of the host org's open unit tasks as evidence (kind record):
    linked, not re-uploaded. Refused when the task is not the host org's, or holds it already."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import EvidenceKind

    if not cs.may_work_now(user, unit_task):
        if not cs.may_act(user, unit_task):
            _refuse("无权办理该单位的任务")
        raise ValidationError({"unit_task": "该任务现在不能添加佐证材料（已提交、已通过或已撤回）"})
    if unit_task.org_id != session.org_id:
        raise ValidationError({"unit_task": "只能作为主办组织自己任务的佐证材料"})
    if session.cancelled:
        raise ValidationError({"session": "学习会已取消，不能作为佐证材料"})
    ref = record_ref(session)
    if cs.current_evidence(unit_task).filter(record_ref=ref).exists():
        raise ValidationError({"unit_task": "该任务已关联本次学习会"})
    return cs.add_evidence(user, unit_task, kind=EvidenceKind.RECORD, record_ref=ref, record_label=record_label(session),
                           description=description)


def evidenced_tasks(user, session: StudySession):
    """The unit tasks (visible to the user) that hold this session as current evidence."""
    from dangjian.campaigns.models import Evidence

    rows = restrict(Evidence.objects.filter(record_ref=record_ref(session), removed=False), user)
    return list(rows.select_related("unit_task__task__campaign", "unit_task__org").order_by("uploaded_at", "pk"))
