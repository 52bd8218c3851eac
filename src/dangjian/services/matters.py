"""Domain operations of practical matters for the people (我为群众办实事): enter and change a
matter, record its progress and outcome, count matters by status, and link a matter as the
evidence of a campaign task of its org.

Each function takes the acting user first, checks scope (ACT on the matter's org for writes,
VIEW to see), validates with errors keyed by field, writes atomically and leaves an audit record
(PracticalMatter.history).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, restrict, subtree_q
from dangjian.orgs.models import Org
from dangjian.services.models import MatterCategory, MatterStatus, PracticalMatter

M = MatterStatus
# Statuses in which the matter is still to be done (overdue applies).
UNDER_WAY = (M.PLANNED, M.DOING)


def _refuse(message: str = "超出管理范围") -> None:
    raise PermissionDenied(message)


def _who(user):
    return user if getattr(user, "pk", None) else None


# ------------------------------------------------------------------------------ permissions
def matters_for(user, perm: str = Perm.VIEW) -> QuerySet[PracticalMatter]:
    return restrict(PracticalMatter.objects.all(), user, perm)


def get_matter(user, pk: int) -> PracticalMatter:
    matter = matters_for(user).select_related("org", "campaign", "problem", "created_by").filter(pk=pk).first()
    if matter is None:
        raise Http404
    return matter


def may_edit(user, matter: PracticalMatter) -> bool:
    return can(user, Perm.ACT, matter.org)


def overdue_q(today: dt.date) -> Q:
    """Matters not yet done (nor suspended) past their due date."""
    return Q(status__in=UNDER_WAY, due_on__lt=today)


def is_overdue(matter: PracticalMatter, today: dt.date | None = None) -> bool:
    return matter.status in UNDER_WAY and matter.due_on < (today or timezone.localdate())


def search(user, *, org: str = "", status: str = "", category: str = "", campaign: int | None = None, overdue: bool = False,
           q: str = "", today: dt.date | None = None) -> tuple[QuerySet[PracticalMatter], QuerySet[PracticalMatter]]:
    """The matters the user sees under the list's filters: (without the status filter, with it).
    The first feeds the counts by status, so the status figures add up whatever status is chosen."""
    today = today or timezone.localdate()
    qs = matters_for(user)
    if org:
        found = restrict(Org.objects.filter(code=org), user).first()
        qs = qs.filter(subtree_q("org__path", found.path)) if found else qs.none()
    if category:
        qs = qs.filter(category=category)
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(owner__icontains=q) | Q(leader__icontains=q) | Q(description__icontains=q))
    if overdue:
        qs = qs.filter(overdue_q(today))
    return qs, (qs.filter(status=status) if status else qs)


def counts(qs: QuerySet[PracticalMatter], today: dt.date | None = None) -> dict:
    """Matters of `qs` by status, overdue, beneficiaries of the done ones: one query."""
    today = today or timezone.localdate()
    from django.db.models import Sum

    agg = qs.order_by().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue_q(today)),
        beneficiaries=Sum("beneficiaries", filter=Q(status=M.DONE)),
        **{s: Count("pk", filter=Q(status=s)) for s in M.values},
    )
    agg["beneficiaries"] = agg["beneficiaries"] or 0
    agg["by_status"] = [{"status": s, "label": label, "n": agg[s]} for s, label in M.choices]
    return agg


# ---------------------------------------------------------------------------- enter and edit
@dataclass
class MatterData:
    org: Org
    title: str
    owner: str
    starts_on: dt.date
    due_on: dt.date
    category: str = MatterCategory.OTHER
    description: str = ""
    leader: str = ""
    campaign: object | None = None
    problem: object | None = None


def matter_errors(user, data: MatterData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (data.title or "").strip():
        errors["title"] = "请填写实事名称"
    elif len(data.title.strip()) > 200:
        errors["title"] = "不能超过 200 个字"
    if not (data.owner or "").strip():
        errors["owner"] = "请填写责任人"
    elif len(data.owner.strip()) > 50:
        errors["owner"] = "不能超过 50 个字"
    if len((data.leader or "").strip()) > 50:
        errors["leader"] = "不能超过 50 个字"
    if data.category not in MatterCategory.values:
        errors["category"] = f"类别应为：{'、'.join(MatterCategory.labels)}"
    if not isinstance(data.starts_on, dt.date):
        errors["starts_on"] = "请填写开始日期"
    if not isinstance(data.due_on, dt.date):
        errors["due_on"] = "请填写计划完成日期"
    elif isinstance(data.starts_on, dt.date) and data.due_on < data.starts_on:
        errors["due_on"] = "计划完成日期不能早于开始日期"
    if data.campaign is not None:
        from dangjian.campaigns.services import visible_campaigns

        if not visible_campaigns(user).filter(pk=data.campaign.pk).exists():
            errors["campaign"] = "主题教育不存在或不在查看范围内"
    if data.problem is not None:
        from dangjian.rectification.models import Problem

        if not restrict(Problem.objects.filter(pk=data.problem.pk), user).exists():
            errors["problem"] = "对应问题不存在或不在查看范围内"
    return errors


def save_matter(user, data: MatterData, matter: PracticalMatter | None = None) -> PracticalMatter:
    """Create a matter (未启动) or change its description; progress goes through record_progress."""
    if not can(user, Perm.ACT, data.org) or (matter is not None and not may_edit(user, matter)):
        _refuse("无权为该单位登记办实事项目")
    errors = matter_errors(user, data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        creating = matter is None
        matter = matter or PracticalMatter(created_by=_who(user))
        matter.org, matter.campaign, matter.problem = data.org, data.campaign, data.problem
        matter.title, matter.category = data.title.strip(), data.category
        matter.description, matter.leader, matter.owner = data.description.strip(), data.leader.strip(), data.owner.strip()
        matter.starts_on, matter.due_on = data.starts_on, data.due_on
        stamp(matter, user, "登记办实事项目" if creating else "修改办实事项目").save()
    return matter


# ---------------------------------------------------------------------------------- progress
@dataclass
class ProgressData:
    status: str
    progress: str = ""
    outcome: str = ""
    done_on: dt.date | None = None
    beneficiaries: int | None = None
    satisfaction: Decimal | float | None = None


def progress_errors(matter: PracticalMatter, data: ProgressData, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.status not in M.values:
        errors["status"] = f"状态应为：{'、'.join(M.labels)}"
        return errors
    if data.status == M.DONE:
        if not (data.outcome or "").strip():
            errors["outcome"] = "办结时请填写办理成效"
        done = data.done_on or today
        if done > today:
            errors["done_on"] = "办结日期不能晚于今天"
        elif done < matter.starts_on:
            errors["done_on"] = "办结日期不能早于开始日期"
    elif data.done_on is not None:
        errors["done_on"] = "只有已办结的项目填写办结日期"
    if data.beneficiaries is not None and (not isinstance(data.beneficiaries, int) or data.beneficiaries < 0):
        errors["beneficiaries"] = "受益人数应为不小于0的整数"
    if data.satisfaction is not None:
        try:
            value = Decimal(str(data.satisfaction))
        except ArithmeticError:
            value = None
        if value is None or not (0 <= value <= 100):
            errors["satisfaction"] = "满意度应为0至100之间的百分数"
    return errors


def record_progress(user, matter: PracticalMatter, data: ProgressData) -> PracticalMatter:
    """Record where the matter stands: its status, progress, and when done the outcome, the date,
    the people who benefit and their satisfaction (0–100, e.g. from a questionnaire)."""
    if not may_edit(user, matter):
        _refuse("无权更新该办实事项目")
    today = timezone.localdate()
    errors = progress_errors(matter, data, today)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = PracticalMatter.objects.select_for_update().get(pk=matter.pk)
        before = locked.status
        locked.status = data.status
        locked.progress = (data.progress or "").strip()
        locked.outcome = (data.outcome or "").strip()
        locked.done_on = (data.done_on or today) if data.status == M.DONE else None
        locked.beneficiaries = data.beneficiaries
        locked.satisfaction = None if data.satisfaction is None else Decimal(str(data.satisfaction)).quantize(Decimal("0.1"))
        if before == data.status:
            reason = "更新进展"
        elif data.status == M.DONE:
            reason = "办结"
        else:
            reason = f"更新进展（{M(data.status).label}）"
        stamp(locked, user, reason).save()
    return locked


# ----------------------------------------------------------- a matter as a task's evidence
def record_ref(matter: PracticalMatter) -> str:
    return f"services.PracticalMatter:{matter.pk}"


def record_label(matter: PracticalMatter) -> str:
    return f"办实事：{matter.title}（{matter.get_status_display()}）"


def evidence_candidates(user, matter: PracticalMatter) -> list:
    """The matter's org's open unit tasks on which the user may put evidence now and which do
    not yet hold this matter."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import OPEN_FOR_WORK, TaskStatus, UnitTask

    if not can(user, Perm.ACT, matter.org):
        return []
    qs = (UnitTask.objects.filter(org=matter.org, active=True, task__status=TaskStatus.PUBLISHED, status__in=OPEN_FOR_WORK)
          .exclude(evidence__record_ref=record_ref(matter), evidence__removed=False)
          .select_related("task__campaign", "org").order_by("task__due_on", "pk"))
    if matter.campaign_id:
        qs = qs.filter(task__campaign_id=matter.campaign_id)
    return [ut for ut in qs if cs.may_work_now(user, ut)]


def attach_as_evidence(user, matter: PracticalMatter, unit_task, description: str = ""):
    """Link the matter to one of its org's open unit tasks as evidence (kind record): linked,
    not re-uploaded. Refused when the task is another org's, or holds the matter already."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import EvidenceKind

    if not cs.may_work_now(user, unit_task):
        if not cs.may_act(user, unit_task):
            _refuse("无权办理该单位的任务")
        raise ValidationError({"unit_task": "该任务现在不能添加佐证材料（已提交、已通过或已撤回）"})
    if not can(user, Perm.VIEW, matter.org):
        _refuse()
    if unit_task.org_id != matter.org_id:
        raise ValidationError({"unit_task": "只能作为本项目责任单位自己任务的佐证材料"})
    ref = record_ref(matter)
    if cs.current_evidence(unit_task).filter(record_ref=ref).exists():
        raise ValidationError({"unit_task": "该任务已关联本办实事项目"})
    with transaction.atomic():
        ev = cs.add_evidence(user, unit_task, kind=EvidenceKind.RECORD, record_ref=ref, record_label=record_label(matter)[:200],
                             description=description)
    return ev


def evidenced_tasks(user, matter: PracticalMatter) -> list:
    """The unit tasks (visible to the user) that hold this matter as current evidence."""
    from dangjian.campaigns.models import Evidence

    rows = restrict(Evidence.objects.filter(record_ref=record_ref(matter), removed=False), user)
    return list(rows.select_related("unit_task__task__campaign", "unit_task__org").order_by("uploaded_at", "pk"))
