"""The domain operations on problems: every view, API call, import and command calls these.

Permissions (the one scoping policy, core.scoping):
- view: Perm.VIEW on the problem's org;
- enter and edit (录入、修改、整改): Perm.ACT or Perm.REVIEW at the problem's org (the unit's own
  people, or a level above entering what its inspection found);
- review at a level (分级审核): Perm.REVIEW at that level's org;
- verify and close (验收、销号): Perm.REVIEW at the org above the problem's org (at the root for
  the root's own problems), and never by the person who declared the rectification done.

Every change is stamped for the history (Problem.history) and leaves a ProblemStep.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangjian.core import files
from dangjian.core.audit import history_rows, stamp
from dangjian.core.models import Role
from dangjian.core.notify import notify
from dangjian.core.scoping import ROLE_PERMS, Perm, can, get_in_scope, restrict, scope_of, subtree_q
from dangjian.orgs.models import Org
from dangjian.rectification.models import (
    ACCEPTED,
    EDITABLE,
    NOWHERE,
    UNDER_WAY,
    Action,
    Aspect,
    Measure,
    MeasureStatus,
    Problem,
    ProblemEvidence,
    ProblemStatus,
    ProblemStep,
    Source,
    overdue_q,
)

S = ProblemStatus
# Fields a problem's form, import and API may set.
FIELDS = ("source", "aspect", "found_on", "title", "description", "leader", "owner", "owner_user", "due_on", "target",
          "campaign", "unit_task", "activity_ref", "research_ref")
REQUIRED = {"aspect": "问题方面", "found_on": "发现日期", "title": "问题概述", "leader": "责任领导", "owner": "责任人", "due_on": "整改时限"}


def _refuse(message: str = "超出管理范围") -> None:
    raise PermissionDenied(message)


# ------------------------------------------------------------------------------ permissions
def problems_for(user, perm: str = Perm.VIEW) -> QuerySet[Problem]:
    return restrict(Problem.objects.all(), user, perm)


def may_enter(user, org: Org) -> bool:
    return can(user, Perm.ACT, org) or can(user, Perm.REVIEW, org)


def may_edit(user, problem: Problem) -> bool:
    return may_enter(user, problem.org)


def verifying_org(problem: Problem) -> Org:
    """The org whose reviewers verify and close the problem: the one above its org."""
    org = problem.org
    return org if org.depth <= 1 else Org.objects.get(path=org.path[: -Org.steplen])


def may_verify(user, problem: Problem) -> bool:
    return can(user, Perm.REVIEW, verifying_org(problem))


def may_review(user, problem: Problem) -> bool:
    return problem.status == S.REVIEWING and problem.review_org is not None and can(user, Perm.REVIEW, problem.review_org)


def review_chain(org: Org) -> list[Org]:
    """The levels that review a problem entered at `org`, lowest first: its secondary unit
    (when the org lies below one) and the committee at the root (when the org is not the root)."""
    paths = []
    if org.depth > 2:
        paths.append(org.path[: Org.steplen * 2])
    if org.depth > 1:
        paths.append(org.path[: Org.steplen])
    by_path = {o.path: o for o in Org.objects.filter(path__in=paths)}
    return [by_path[p] for p in paths if p in by_path]


# ---------------------------------------------------------------------------------- checks
def _aspect(value):
    if value in (None, ""):
        return None
    if isinstance(value, Aspect):
        return value
    try:
        return Aspect.objects.get(pk=int(value), active=True)
    except (Aspect.DoesNotExist, TypeError, ValueError):
        return Aspect.objects.filter(active=True, short_name=str(value)).first() or Aspect.objects.filter(active=True, name=str(value)).first()


def problem_errors(data: dict, *, partial: bool = False) -> dict[str, str]:
    """Field -> message for what is wrong in `data` (cleaned values: dates are dates)."""
    errors: dict[str, str] = {}
    for name, label in REQUIRED.items():
        if (not partial or name in data) and data.get(name) in (None, ""):
            errors[name] = f"请填写{label}"
    if "aspect" in data and data.get("aspect") not in (None, "") and _aspect(data["aspect"]) is None:
        errors["aspect"] = f"没有名为“{data['aspect']}”的问题方面"
    if "source" in data and data["source"] not in Source.values:
        errors["source"] = f"问题来源应为：{'、'.join(Source.labels)}"
    found, due = data.get("found_on"), data.get("due_on")
    if isinstance(found, dt.date) and found > timezone.localdate():
        errors["found_on"] = "发现日期不能晚于今天"
    if isinstance(found, dt.date) and isinstance(due, dt.date) and due < found:
        errors["due_on"] = "整改时限不能早于发现日期"
    for name, limit in (("title", 200), ("leader", 50), ("owner", 50), ("target", 300)):
        if len(str(data.get(name) or "")) > limit:
            errors[name] = f"不能超过 {limit} 个字"
    return errors


def measure_errors(problem_found_on: dt.date | None, text: str, due_on) -> dict[str, str]:
    errors = {}
    if not (text or "").strip():
        errors["text"] = "请填写整改措施"
    elif len(text) > 500:
        errors["text"] = "不能超过 500 个字"
    if not isinstance(due_on, dt.date):
        errors["due_on"] = "请填写完成时限"
    elif problem_found_on and due_on < problem_found_on:
        errors["due_on"] = "完成时限不能早于发现日期"
    return errors


def _next_number(org: Org, year: int) -> str:
    prefix = f"{org.code}-{year}-"
    n = Problem.objects.filter(org=org, number__startswith=prefix).count() + 1
    while Problem.objects.filter(number=f"{prefix}{n:03d}").exists():
        n += 1
    return f"{prefix}{n:03d}"


def _step(problem: Problem, user, action: str, from_status: str, *, level_org=None, comment: str = "") -> ProblemStep:
    return ProblemStep.objects.create(
        problem=problem, action=action, from_status=from_status, to_status=problem.status, level_org=level_org,
        actor=user if getattr(user, "pk", None) else None, comment=comment,
    )


def _save(problem: Problem, user, reason: str) -> None:
    stamp(problem, user, reason)
    problem.save()


# --------------------------------------------------------------------------- enter and edit
def create_problem(user, org: Org, data: dict, measures: list[dict] | tuple = (), *, submit_now: bool = False) -> Problem:
    """A new problem on `org`'s list (draft), with its measures; submitted at once when asked.

    `data` holds FIELDS (cleaned); `measures` is a list of {"text", "due_on", "owner"}."""
    if not may_enter(user, org):
        _refuse()
    errors = problem_errors(data)
    found = data.get("found_on") if isinstance(data.get("found_on"), dt.date) else None
    for i, m in enumerate(measures, start=1):
        for field, message in measure_errors(found, m.get("text", ""), m.get("due_on")).items():
            errors[f"measures.{i}.{field}"] = f"第{i}条措施：{message}"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        problem = Problem(org=org, created_by=user if getattr(user, "pk", None) else None)
        _apply(problem, data)
        problem.number = _next_number(org, problem.found_on.year)
        _save(problem, user, "录入问题")
        for i, m in enumerate(measures):
            Measure.objects.create(problem=problem, text=m["text"].strip(), due_on=m["due_on"], owner=(m.get("owner") or "").strip(), order=i)
        if submit_now:
            submit(user, problem)
    return problem


def _apply(problem: Problem, data: dict) -> None:
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "aspect":
            value = _aspect(value)
        if isinstance(value, str):
            value = value.strip()
        setattr(problem, name, value if value is not None or name not in ("description", "target", "activity_ref", "research_ref") else "")


def update_problem(user, problem: Problem, data: dict) -> Problem:
    """Change the problem's fields: while it is a draft or returned (what was reviewed does not
    change behind the reviewers' backs); the deadline, owner and leader also while it is being
    rectified."""
    if not may_edit(user, problem):
        _refuse()
    late_fields = {"due_on", "owner", "owner_user", "leader", "target"}
    if problem.status not in EDITABLE:
        if problem.status not in UNDER_WAY or set(data) - late_fields:
            raise ValidationError({"status": f"问题{problem.get_status_display()}，不能修改这些内容"})
    merged = {name: getattr(problem, name) for name in FIELDS}
    merged.update(data)
    errors = problem_errors(merged)
    if errors:
        raise ValidationError({k: v for k, v in errors.items()})
    _apply(problem, data)
    _save(problem, user, "修改问题")
    return problem


# ---------------------------------------------------------------------------- tiered review
def _lift(problem: Problem, user, chain: list[Org], start: int) -> None:
    """Approve every level from chain[start] on that `user` may review; stop at the first
    level they may not (it reviews next) or open the problem when none is left."""
    i = start
    last = None
    while i < len(chain) and can(user, Perm.REVIEW, chain[i]):
        prev = problem.status
        problem.level_depth = chain[i].depth
        problem.status = S.REVIEWING
        last = _step(problem, user, Action.APPROVE, prev, level_org=chain[i], comment="同一审核人逐级审定")
        i += 1
    if i < len(chain):
        problem.status, problem.review_org = S.REVIEWING, chain[i]
    else:
        problem.status, problem.review_org, problem.accepted_at = S.OPEN, None, timezone.now()
        problem.level_depth = min(problem.level_depth, chain[-1].depth if chain else problem.org.depth)
    last_step = last or ProblemStep.objects.filter(problem=problem).order_by("-pk").first()
    if last_step is not None and last_step.to_status != problem.status:
        last_step.to_status = problem.status
        last_step.save(update_fields=["to_status"])


def submit(user, problem: Problem) -> Problem:
    """Send a draft or returned problem up for tiered review. Levels the submitter reviews
    themself (an inspection entering a unit's problem) are approved on the way."""
    if not may_edit(user, problem):
        _refuse()
    with transaction.atomic():
        problem = Problem.objects.select_for_update(of=("self",)).select_related("org").get(pk=problem.pk)
        if problem.status not in EDITABLE:
            raise ValidationError({"status": f"问题{problem.get_status_display()}，不能再次提交"})
        prev = problem.status
        problem.submitted_at = timezone.now()
        problem.level_depth = problem.org.depth
        problem.status = S.REVIEWING
        chain = review_chain(problem.org)
        _step(problem, user, Action.SUBMIT, prev, level_org=chain[0] if chain else None)
        _lift(problem, user, chain, 0)
        _save(problem, user, "提交审核")
    _notify_reviewers(problem)
    return problem


def review(user, problem: Problem, *, approve: bool, comment: str = "", expected_level: int | None = None) -> Problem:
    """The current level approves (the problem climbs to the next level, or opens) or returns
    it with a comment (back to the unit, whose correction climbs from the first level again).
    `expected_level`: the review_org id the reviewer saw; a stale decision is refused."""
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "退回时请填写意见"})
    with transaction.atomic():
        locked = Problem.objects.select_for_update(of=("self",)).select_related("org", "review_org").get(pk=problem.pk)
        if locked.status != S.REVIEWING or locked.review_org is None:
            raise ValidationError({"status": f"问题{locked.get_status_display()}，无需审核"})
        if expected_level is not None and locked.review_org_id != expected_level:
            raise ValidationError({"status": "该问题已由其他人审核，请刷新后再看"})
        if not can(user, Perm.REVIEW, locked.review_org):
            _refuse("无权在该层级审核")
        level = locked.review_org
        prev = locked.status
        if approve:
            chain = review_chain(locked.org)
            idx = next((i for i, o in enumerate(chain) if o.pk == level.pk), len(chain) - 1)
            locked.level_depth = level.depth
            _step(locked, user, Action.APPROVE, prev, level_org=level, comment=comment)
            _lift(locked, user, chain, idx + 1)
            _save(locked, user, f"{level.name}审核通过")
        else:
            locked.status, locked.review_org, locked.level_depth = S.RETURNED, None, NOWHERE
            _step(locked, user, Action.RETURN, prev, level_org=level, comment=comment)
            _save(locked, user, f"{level.name}退回")
    if not approve and locked.created_by_id:
        notify([locked.created_by_id], f"问题被退回：{locked.title}", comment, url=_url(locked), kind="problem", key=f"problem-return-{locked.pk}-{timezone.now():%Y%m%d%H%M%S}")
    elif approve:
        _notify_reviewers(locked)
    return locked


def _url(problem: Problem) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("problem_detail", args=[problem.pk])
    except NoReverseMatch:
        return ""


def _notify_reviewers(problem: Problem) -> None:
    """Tell the reviewers of the level that reviews now (unit admins and committee admins
    holding a role exactly at that org)."""
    if problem.status != S.REVIEWING or problem.review_org_id is None:
        return
    from dangjian.core.models import Role, RoleGrant

    users = RoleGrant.objects.filter(org_id=problem.review_org_id, role__in=[Role.UNIT_ADMIN, Role.COMMITTEE_ADMIN]).values_list("user_id", flat=True)
    notify(list(users), f"待审核问题：{problem.title}", f"{problem.org.name}提交的问题等待审核", url=_url(problem), kind="problem",
           key=f"problem-review-{problem.pk}-{problem.review_org_id}")


# --------------------------------------------------------------------------- rectification
def _may_work(user, problem: Problem, statuses=EDITABLE + UNDER_WAY) -> None:
    if not may_edit(user, problem):
        _refuse()
    if problem.status not in statuses:
        raise ValidationError({"status": f"问题{problem.get_status_display()}，不能修改整改措施和佐证材料"})


def _mark_started(user, problem: Problem) -> None:
    if problem.status == S.OPEN:
        prev = problem.status
        problem.status = S.RECTIFYING
        _save(problem, user, "开始整改")
        _step(problem, user, Action.START, prev)


def add_measure(user, problem: Problem, *, text: str, due_on, owner: str = "") -> Measure:
    _may_work(user, problem)
    errors = measure_errors(problem.found_on, text, due_on)
    if errors:
        raise ValidationError(errors)
    order = problem.measures.count()
    m = Measure(problem=problem, text=text.strip(), due_on=due_on, owner=(owner or "").strip()[:50], order=order)
    stamp(m, user, "添加整改措施")
    m.save()
    return m


def update_measure(user, measure: Measure, *, text: str | None = None, due_on=None, owner: str | None = None,
                   status: str | None = None, progress: str | None = None, done_on: dt.date | None = None) -> Measure:
    """Edit a measure or record its progress; a measure that starts or is done starts the
    problem's rectification."""
    problem = measure.problem
    _may_work(user, problem)
    new_text = measure.text if text is None else text
    new_due = measure.due_on if due_on is None else due_on
    errors = measure_errors(problem.found_on, new_text, new_due)
    if status is not None and status not in MeasureStatus.values:
        errors["status"] = f"进展应为：{'、'.join(MeasureStatus.labels)}"
    if status in (MeasureStatus.DOING, MeasureStatus.DONE) and problem.status in EDITABLE:
        errors["status"] = "问题审定后才能开始整改"
    if done_on is not None and done_on > timezone.localdate():
        errors["done_on"] = "完成日期不能晚于今天"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        measure.text, measure.due_on = new_text.strip(), new_due
        if owner is not None:
            measure.owner = owner.strip()[:50]
        if progress is not None:
            measure.progress = progress.strip()
        if status is not None:
            measure.status = status
            measure.done_on = (done_on or timezone.localdate()) if status == MeasureStatus.DONE else None
        stamp(measure, user, "更新整改措施")
        measure.save()
        if measure.status != MeasureStatus.PENDING:
            _mark_started(user, problem)
    return measure


def remove_measure(user, measure: Measure) -> None:
    problem = measure.problem
    _may_work(user, problem)
    if measure.status == MeasureStatus.DONE:
        raise ValidationError({"measure": "已完成的措施不能删除"})
    stamp(measure, user, "删除整改措施")
    measure.delete()


def add_evidence(user, problem: Problem, *, upload=None, record_ref: str = "", record_label: str = "",
                 measure: Measure | None = None, description: str = "") -> ProblemEvidence:
    """A file (checked by its content) or a linked record as proof of the rectification."""
    _may_work(user, problem, UNDER_WAY)
    if measure is not None and measure.problem_id != problem.pk:
        raise ValidationError({"measure": "该措施不属于这个问题"})
    ev = ProblemEvidence(problem=problem, measure=measure, description=(description or "").strip()[:200],
                         uploaded_by=user if getattr(user, "pk", None) else None)
    if upload is not None:
        ev.content_type = files.check_upload(upload)
        ev.original_name, ev.size = upload.name[:200], upload.size
    elif record_ref.strip() and record_label.strip():
        ev.record_ref, ev.record_label = record_ref.strip()[:100], record_label.strip()[:200]
    else:
        raise ValidationError({"file": "请选择要上传的文件或要关联的记录"})
    with transaction.atomic():
        stamp(ev, user, "上传整改佐证")
        ev.save()
        if upload is not None:
            ev.file.save(upload.name, upload, save=True)
        _mark_started(user, problem)
    return ev


def remove_evidence(user, ev: ProblemEvidence) -> None:
    _may_work(user, ev.problem, UNDER_WAY)
    ev.removed = True
    stamp(ev, user, "移除整改佐证")
    ev.save(update_fields=["removed"])


def current_evidence(problem: Problem) -> QuerySet[ProblemEvidence]:
    return problem.evidence.filter(removed=False)


def declare_rectified(user, problem: Problem, note: str) -> Problem:
    """The unit says the rectification is done: every measure done, evidence present."""
    if not may_edit(user, problem):
        _refuse()
    errors = {}
    if not (note or "").strip():
        errors["note"] = "请填写整改情况"
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        if locked.status not in UNDER_WAY:
            raise ValidationError({"status": f"问题{locked.get_status_display()}，不能申报整改完成"})
        total = locked.measures.count()
        open_ = locked.measures.exclude(status=MeasureStatus.DONE).count()
        if total == 0:
            errors["measures"] = "请先填写整改措施"
        elif open_:
            errors["measures"] = f"还有 {open_} 条整改措施未完成"
        if not current_evidence(locked).exists():
            errors["evidence"] = "请上传整改佐证材料"
        if errors:
            raise ValidationError(errors)
        prev = locked.status
        locked.status, locked.rectified_at = S.RECTIFIED, timezone.now()
        locked.rectified_by = user if getattr(user, "pk", None) else None
        locked.rectification_note = note.strip()
        _save(locked, user, "申报整改完成")
        _step(locked, user, Action.RECTIFIED, prev, comment=note.strip())
    return locked


def verify(user, problem: Problem, *, approve: bool = True, comment: str = "") -> Problem:
    """The level above checks the rectification: verified, or back to rectification."""
    comment = (comment or "").strip()
    if not may_verify(user, problem):
        _refuse("无权验收该问题")
    if not approve and not comment:
        raise ValidationError({"comment": "验收不通过时请填写意见"})
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        if locked.status != S.RECTIFIED:
            raise ValidationError({"status": f"问题{locked.get_status_display()}，不能验收"})
        if getattr(user, "pk", None) and user.pk in (locked.rectified_by_id, locked.owner_user_id):
            raise ValidationError({"status": "不能验收本人申报的整改"})
        prev = locked.status
        if approve:
            locked.status, locked.verified_at = S.VERIFIED, timezone.now()
            locked.verified_by = user if getattr(user, "pk", None) else None
            _save(locked, user, "验收通过")
            _step(locked, user, Action.VERIFY, prev, comment=comment)
        else:
            locked.status, locked.rectified_at, locked.rectified_by = S.RECTIFYING, None, None
            _save(locked, user, "验收不通过")
            _step(locked, user, Action.REFUSE, prev, comment=comment)
    if not approve and locked.created_by_id:
        notify([locked.created_by_id], f"整改验收未通过：{locked.title}", comment, url=_url(locked), kind="problem",
               key=f"problem-refuse-{locked.pk}-{timezone.now():%Y%m%d%H%M%S}")
    return locked


def close(user, problem: Problem, comment: str = "") -> Problem:
    """销号: only a verified problem, by those who verify."""
    if not may_verify(user, problem):
        _refuse("无权对该问题销号")
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        if locked.status != S.VERIFIED:
            raise ValidationError({"status": f"问题{locked.get_status_display()}，验收通过后才能销号"})
        prev = locked.status
        locked.status, locked.closed_at = S.CLOSED, timezone.now()
        locked.closed_by = user if getattr(user, "pk", None) else None
        _save(locked, user, "销号")
        _step(locked, user, Action.CLOSE, prev, comment=(comment or "").strip())
    return locked


def record_ref(problem: Problem) -> str:
    return f"rectification.Problem:{problem.pk}"


# ------------------------------------------------------------------ reading: pages, API, to-do
def get_problem(user, pk: int, perm: str = Perm.VIEW) -> Problem:
    """One problem the user may `perm` (404 otherwise), with what its pages show."""
    qs = Problem.objects.select_related("org", "aspect", "review_org", "campaign", "unit_task__task", "created_by",
                                        "rectified_by", "verified_by", "closed_by", "owner_user")
    return get_in_scope(qs, user, perm, pk=pk)


def get_measure(user, pk: int) -> Measure:
    return get_in_scope(Measure.objects.select_related("problem__org"), user, Perm.VIEW, pk=pk)


def get_evidence(user, pk: int) -> ProblemEvidence:
    return get_in_scope(ProblemEvidence.objects.select_related("problem__org", "measure"), user, Perm.VIEW, pk=pk, removed=False)


def _paths_q(field: str, paths) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q(field, p)
    return q


def reviewable_q(user) -> Q:
    """Problems under review at a level the user may review (whoever may review it)."""
    scope = scope_of(user)
    if Perm.REVIEW in scope.is_global:
        return Q(status=S.REVIEWING, review_org__isnull=False)
    return Q(status=S.REVIEWING) & _paths_q("review_org__path", scope.paths(Perm.REVIEW))


def awaiting_my_review(user) -> QuerySet[Problem]:
    """Problems whose current review level is an org where the user holds a reviewing role
    itself (the unit admin for the unit's level, the office for the committee's level): the
    to-do list's "待我审核的问题". Levels below are other reviewers' work, even when the user
    could step in."""
    scope = scope_of(user)
    if not getattr(user, "is_authenticated", False):
        return Problem.objects.none()
    paths = {p for role, ps in scope.roles.items() if Perm.REVIEW in ROLE_PERMS.get(role, ()) for p in ps if p}
    if Perm.REVIEW in scope.is_global or Role.SYSTEM_ADMIN in scope.roles:
        paths |= set(Org.objects.filter(depth=1).values_list("path", flat=True))
    if not paths:
        return Problem.objects.none()
    return Problem.objects.filter(status=S.REVIEWING, review_org__path__in=sorted(paths))


def due_soon_date(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.DANGJIAN_DUE_SOON_DAYS)


def my_units_problems(user, today: dt.date | None = None) -> QuerySet[Problem]:
    """Problems waiting on the units the user acts for (campaigns.todo.acting_paths): returned
    for correction, or still to be rectified and due within DANGJIAN_DUE_SOON_DAYS or overdue."""
    from dangjian.campaigns.todo import acting_paths

    today = today or timezone.localdate()
    paths = acting_paths(user)
    if not paths:
        return Problem.objects.none()
    waiting = Q(status=S.RETURNED) | Q(status__in=UNDER_WAY, due_on__lte=due_soon_date(today))
    return restrict(Problem.objects.filter(_paths_q("org__path", paths), waiting), user, Perm.ACT)


def filter_problems(user, qs: QuerySet[Problem], *, org: Org | None = None, status: str = "", aspect: int | None = None,
                    source: str = "", overdue: bool = False, q: str = "", campaign: int | None = None,
                    mine: str = "", today: dt.date | None = None) -> QuerySet[Problem]:
    """The list's filters: org subtree, status ("accepted" for every status past review),
    aspect, source, overdue, words in number/title/description/owner, and "mine": review
    (waiting for a level the user reviews) or units (waiting on the user's units)."""
    today = today or timezone.localdate()
    if org is not None:
        qs = qs.filter(subtree_q("org__path", org.path))
    if status == "accepted":
        qs = qs.filter(status__in=ACCEPTED)
    elif status in S.values:
        qs = qs.filter(status=status)
    if aspect:
        qs = qs.filter(aspect_id=aspect)
    if source in Source.values:
        qs = qs.filter(source=source)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(description__icontains=q) | Q(owner__icontains=q)
                       | Q(leader__icontains=q))
    if mine == "review":
        qs = qs.filter(reviewable_q(user))
    elif mine == "units":
        qs = qs.filter(pk__in=my_units_problems(user, today).values("pk"))
    return qs


def with_counts(qs: QuerySet[Problem], today: dt.date | None = None) -> QuerySet[Problem]:
    """Annotate each problem with its measures: total, done and overdue (in the database)."""
    today = today or timezone.localdate()
    return qs.annotate(
        n_measures=Count("measures", distinct=True),
        n_done=Count("measures", filter=Q(measures__status=MeasureStatus.DONE), distinct=True),
        n_late=Count("measures", filter=Q(measures__due_on__lt=today) & ~Q(measures__status=MeasureStatus.DONE), distinct=True),
    )


def trail(problem: Problem) -> list[ProblemStep]:
    """The problem's steps, oldest first, with the level and the actor."""
    return list(problem.steps.select_related("level_org", "actor").order_by("at", "pk"))


def review_levels(problem: Problem) -> list[dict]:
    """The tiered review as the detail page draws it: each level of the chain with its state
    (approved, reviewing now, returned here last, waiting)."""
    chain = review_chain(problem.org)
    last_submit = problem.steps.filter(action=Action.SUBMIT).order_by("-at", "-pk").first()
    steps = problem.steps.filter(action__in=[Action.APPROVE, Action.RETURN])
    if last_submit is not None:
        steps = steps.filter(pk__gt=last_submit.pk)
    decided = {s.level_org_id: s for s in steps.select_related("actor").order_by("pk")}
    last_return = problem.steps.filter(action=Action.RETURN).select_related("level_org", "actor").order_by("-pk").first()
    rows = []
    for org in chain:
        step = decided.get(org.pk)
        if problem.status in (S.DRAFT,) or (problem.status == S.RETURNED and step is None):
            state = "returned" if (problem.status == S.RETURNED and last_return and last_return.level_org_id == org.pk) else "waiting"
            step = last_return if state == "returned" else None
        elif step is not None:
            state = "approved" if step.action == Action.APPROVE else "returned"
        elif problem.status == S.REVIEWING and problem.review_org_id == org.pk:
            state = "current"
        elif problem.status in (S.OPEN, S.RECTIFYING, S.RECTIFIED, S.VERIFIED, S.CLOSED):
            state = "approved"
        else:
            state = "waiting"
        rows.append({"org": org, "state": state, "step": step})
    return rows


def may_declare(user, problem: Problem) -> bool:
    return problem.status in UNDER_WAY and may_edit(user, problem)


def may_close(user, problem: Problem) -> bool:
    return problem.status == S.VERIFIED and may_verify(user, problem)


def may_verify_now(user, problem: Problem) -> bool:
    """May verify now: the right level, the right status, and not the declarer themself."""
    if problem.status != S.RECTIFIED or not may_verify(user, problem):
        return False
    return not (getattr(user, "pk", None) and user.pk in (problem.rectified_by_id, problem.owner_user_id))


# Bookkeeping fields left out of the history shown to users (the steps say the same in words).
HIDDEN_FIELDS = {"计入层级", "更新时间"}


def history(problem: Problem, limit: int = 100, present=None) -> list[dict]:
    """Field history of the problem and of its measures and evidence, newest first.
    `present(model, rows)` makes the rows readable (orgs.views.present_history)."""
    present = present or (lambda model, rows: rows)
    rows = [{**r, "what": "问题", "changes": [c for c in r["changes"] if c["field"] not in HIDDEN_FIELDS]}
            for r in present(Problem, history_rows(problem, limit))]
    measure_ids = list(Measure.history.filter(problem_id=problem.pk).order_by().values_list("id", flat=True).distinct()[:50])
    labels = dict(Measure.history.filter(id__in=measure_ids).order_by("history_date").values_list("id", "text"))
    for m in measure_ids:
        rows += [{**r, "what": f"措施：{labels.get(m, '')[:24]}"} for r in present(Measure, _hist_rows(Measure, m, limit))]
    rows += [{**r, "what": "佐证材料"} for r in _evidence_rows(problem, limit)]
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit]


def _hist_rows(model, pk: int, limit: int) -> list[dict]:
    records = list(model.history.filter(id=pk).select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for i, rec in enumerate(records[:limit]):
        prev = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if prev is not None and rec.history_type == "~":
            for change in rec.diff_against(prev).changes:
                field = model._meta.get_field(change.field)
                changes.append({"field": str(getattr(field, "verbose_name", change.field)), "old": change.old, "new": change.new})
        rows.append({"at": rec.history_date, "user": rec.history_user, "type": {"+": "创建", "~": "修改", "-": "删除"}[rec.history_type],
                     "reason": rec.history_change_reason or "", "changes": changes})
    return rows


def _evidence_rows(problem: Problem, limit: int) -> list[dict]:
    # An upload saves twice (the row, then its file): the creation stands for both.
    recs = (ProblemEvidence.history.filter(problem_id=problem.pk).exclude(history_type="~", history_change_reason="上传整改佐证")
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:limit])
    return [{"at": r.history_date, "user": r.history_user, "type": {"+": "创建", "~": "修改", "-": "删除"}[r.history_type],
             "reason": f"{r.history_change_reason or ''}：{r.original_name or r.record_label}", "changes": []} for r in recs]


# ------------------------------------------------------------------------------- 我的待办
def _todo_reviews(user, limit: int, today: dt.date) -> list[dict]:
    rows = awaiting_my_review(user).select_related("org", "review_org").order_by("submitted_at", "pk")[:limit]
    return [{"title": p.title, "url": _url(p), "org": p.org.name, "when": f"{p.submitted_at:%Y-%m-%d} 提交" if p.submitted_at else "",
             "badge": f"{p.review_org.name}审核", "badge_class": "st-submitted", "note": p.number} for p in rows]


def _todo_units(user, limit: int, today: dt.date) -> list[dict]:
    rows = my_units_problems(user, today).select_related("org").order_by("due_on", "pk")[:limit]
    out = []
    for p in rows:
        if p.status == S.RETURNED:
            badge, css = "被退回，待修改", "st-returned"
        elif p.due_on < today:
            badge, css = f"逾期{(today - p.due_on).days}天", "st-overdue"
        else:
            days = (p.due_on - today).days
            badge, css = ("今天到期" if days == 0 else f"{days}天后到期"), "st-submitted"
        out.append({"title": p.title, "url": _url(p), "org": p.org.name, "when": p.due_on, "badge": badge, "badge_class": css,
                    "note": p.get_status_display()})
    return out


def register_todo() -> None:
    """Add the problems to 我的待办 (called from RectificationConfig.ready)."""
    from dangjian.campaigns.todo import register_todo_source

    register_todo_source("rect_review", title="待我审核的问题", count=lambda u: awaiting_my_review(u).count(), items=_todo_reviews,
                         order=40, columns=("问题", "提交单位", "提交时间", "审核层级"), empty="没有等待审核的问题",
                         more_url="problem_list?mine=review")
    register_todo_source("rect_units", title="本单位待整改的问题", count=lambda u: my_units_problems(u).count(), items=_todo_units,
                         order=41, columns=("问题", "单位", "整改时限", "情况"), empty="没有被退回、即将到期或逾期的问题",
                         more_url="problem_list?mine=units")
