"""Briefs (督查专报) of a round and the monthly supervision summary (月度督导工作汇总).

Every figure is computed from the records, in the database (a fixed handful of aggregate
queries whatever the size of the tree): units covered against units assigned, branches visited,
activities by kind and by group, people interviewed, random questioning asked during the
activities and answered well, problems found (source 督查, linked to the activities) by aspect
and by status, feedback answered, exemplars. Section texts are generated from the figures and
may be edited while the brief is a draft. Issuing gives it a number (督查专报〔YYYY〕第N期),
freezes figures and text and writes the docx and the pdf; an issued brief never changes.

Who: the office — MANAGE_CAMPAIGN at the brief's campaign's org, or CHANGE_ORG at the brief's
org — creates, edits and issues; VIEW at the brief's org reads.
"""
from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat, Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Org, OrgKind
from dangjian.supervision.models import (
    Activity,
    ActivityKind,
    Brief,
    BriefKind,
    BriefStatus,
    Exemplar,
    FeedbackStatus,
    Finding,
    Round,
    RoundUnit,
)

ISSUED_MESSAGE = "已印发的专报不能修改"
GOOD_SCORE = 80  # 回答良好: score (100 × right / asked) of at least 80, i.e. 80% right or all right
GOOD_NOTE = "“回答良好”指随机提问得分不低于80分（答对题数占所提题数的80%及以上，含全部答对）。"
NUMBER_PREFIX = {BriefKind.ROUND: "督查专报", BriefKind.MONTHLY: "督导汇总"}
MAX_SECTION = 20000
REF_PREFIX = "supervision.Activity:"


# ---------------------------------------------------------------------------------- access
def may_manage_brief(user, org: Org, campaign=None) -> bool:
    if can(user, Perm.CHANGE_ORG, org):
        return True
    return campaign is not None and can(user, Perm.MANAGE_CAMPAIGN, campaign.org)


def visible_briefs(user) -> QuerySet[Brief]:
    return restrict(Brief.objects.all(), user)


def get_brief(user, pk: int) -> Brief:
    brief = visible_briefs(user).select_related("org", "round", "campaign", "issued_by", "created_by").filter(pk=pk).first()
    if brief is None:
        raise Http404("专报不存在或超出查看范围")
    return brief


def _require_manage(user, brief: Brief) -> None:
    if not may_manage_brief(user, brief.org, brief.campaign):
        raise PermissionDenied("只有党委办公室（主题教育办）可以编辑、印发专报")


# --------------------------------------------------------------------------------- figures
def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """'YYYY-MM' → first and last day; ValidationError naming the field otherwise."""
    try:
        year, mon = (int(x) for x in (month or "").strip().split("-"))
        first = dt.date(year, mon, 1)
    except (ValueError, TypeError):
        raise ValidationError({"month": "月份格式应为 YYYY-MM，例如 2026-11"}) from None
    return first, first.replace(day=calendar.monthrange(year, mon)[1])


def _activities(org: Org, start: dt.date, end: dt.date, round: Round | None) -> QuerySet[Activity]:
    if round is not None:
        return Activity.objects.filter(round=round)
    return Activity.objects.filter(held_on__gte=start, held_on__lte=end, org__path__startswith=org.path)


def _round_units(org: Org, start: dt.date, end: dt.date, round: Round | None) -> QuerySet[RoundUnit]:
    if round is not None:
        return RoundUnit.objects.filter(round=round)
    return RoundUnit.objects.filter(round__starts_on__lte=end, round__ends_on__gte=start, org__path__startswith=org.path)


def _refs(acts: QuerySet[Activity]):
    """The activity_ref values of the activities, as a subquery (never a Python list)."""
    return acts.annotate(ref=Concat(Value(REF_PREFIX), Cast("pk", CharField()), output_field=CharField())).values("ref")


def _covered(units: QuerySet[RoundUnit], acts: QuerySet[Activity]) -> int:
    """Units with an activity at them or below: for each depth the units sit at (a handful),
    the units whose path is the activities' path prefix of that length (a hashed IN, not a
    LIKE per unit)."""
    covered = 0
    for depth in sorted(set(units.order_by().values_list("org__depth", flat=True).distinct())):
        prefixes = acts.order_by().annotate(prefix=Substr("org__path", 1, depth * Org.steplen)).values("prefix")
        covered += units.filter(org__depth=depth, org__path__in=prefixes).values("org").distinct().count()
    return covered


def compute_figures(org: Org, start: dt.date, end: dt.date, round: Round | None = None) -> dict:
    """All the figures of a brief, computed in the database."""
    from dangjian.rectification.models import Problem, ProblemStatus
    from dangjian.study.models import Questioning

    acts = _activities(org, start, end, round)
    units = _round_units(org, start, end, round)
    unit_counts = {"assigned": units.values("org").distinct().count(), "covered": _covered(units, acts)}
    act_totals = acts.aggregate(
        activities=Count("pk"), interviewed=Sum("interviewed_count"),
        units_visited=Count("org", distinct=True),
        branches_visited=Count("org", distinct=True, filter=Q(org__kind=OrgKind.BRANCH)),
    )
    by_kind = dict(acts.order_by().values_list("kind").annotate(n=Count("pk")))
    by_group = list(acts.order_by().values("group__name", "group__order").annotate(
        n=Count("pk"), units=Count("org", distinct=True), people=Sum("interviewed_count")).order_by("group__order", "group__name"))
    refs = _refs(acts)
    q = Questioning.objects.filter(activity_ref__in=refs, score__isnull=False).aggregate(
        asked=Count("pk"), good=Count("pk", filter=Q(score__gte=GOOD_SCORE)))
    problems = Problem.objects.filter(source="inspection", activity_ref__in=_refs(_activities(org, start, end, round)))
    by_aspect = list(problems.order_by().values("aspect__short_name", "aspect__order").annotate(n=Count("pk")).order_by("aspect__order", "aspect__short_name"))
    by_status = dict(problems.order_by().values_list("status").annotate(n=Count("pk")))
    findings = Finding.objects.filter(activity__in=_activities(org, start, end, round).values("pk")).aggregate(
        total=Count("pk"), answered=Count("pk", filter=Q(status=FeedbackStatus.ANSWERED)))
    exemplars = Exemplar.objects.filter(activity__in=_activities(org, start, end, round).values("pk"))
    ex_total = exemplars.count()
    ex_list = list(exemplars.order_by("-created_at", "-pk").values_list("title", "org__name")[:10])
    problems_total = sum(by_status.values())
    return {
        "units_assigned": unit_counts["assigned"] or 0,
        "units_covered": unit_counts["covered"] or 0,
        "units_visited": act_totals["units_visited"] or 0,
        "branches_visited": act_totals["branches_visited"] or 0,
        "activities": act_totals["activities"] or 0,
        "interviewed": act_totals["interviewed"] or 0,
        "by_kind": [{"kind": k, "label": label, "count": by_kind.get(k, 0)} for k, label in ActivityKind.choices],
        "by_group": [{"group": r["group__name"], "count": r["n"], "units": r["units"], "people": r["people"] or 0} for r in by_group],
        "questioned": q["asked"] or 0,
        "questioned_good": q["good"] or 0,
        "problems": problems_total,
        "by_aspect": [{"aspect": r["aspect__short_name"], "count": r["n"]} for r in by_aspect],
        "by_status": [{"status": k, "label": label, "count": by_status[k]} for k, label in ProblemStatus.choices if by_status.get(k)],
        "problems_closed": sum(by_status.get(s, 0) for s in ("verified", "closed")),
        "feedback": findings["total"] or 0,
        "feedback_answered": findings["answered"] or 0,
        "exemplars": ex_total,
        "exemplar_list": [{"title": t, "org": o} for t, o in ex_list],
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "computed_at": timezone.now().isoformat(timespec="seconds"),
    }


def _pct(part: int, whole: int) -> str:
    return f"{(100 * part / whole):.1f}%" if whole else "—"


def default_sections(brief: Brief, f: dict) -> list[dict]:
    """The section texts written from the figures (edited afterwards while a draft)."""
    scope = brief.round.name if brief.round_id else f"{brief.period_start:%Y年%m月}"
    kinds = "、".join(f"{k['label']}{k['count']}次" for k in f["by_kind"] if k["count"]) or "无"
    summary = (
        f"{scope}，各巡回指导组共开展督查活动{f['activities']}次（{kinds}），"
        f"应督查单位{f['units_assigned']}个，已覆盖{f['units_covered']}个（覆盖率{_pct(f['units_covered'], f['units_assigned'])}），"
        f"走访党支部{f['branches_visited']}个，座谈访谈{f['interviewed']}人次，随机提问党员{f['questioned']}人次，"
        f"其中回答良好{f['questioned_good']}人次（{_pct(f['questioned_good'], f['questioned'])}）。"
    )
    aspects = "；".join(f"{a['aspect']}方面{a['count']}个" for a in f["by_aspect"]) or "暂未发现问题"
    problems = f"督查中共发现问题{f['problems']}个，已全部列入相关单位问题清单：{aspects}。"
    statuses = "、".join(f"{s['label']}{s['count']}个" for s in f["by_status"]) or "无"
    feedback = (f"向被督查单位反馈意见{f['feedback']}条，已回复{f['feedback_answered']}条"
                f"（{_pct(f['feedback_answered'], f['feedback'])}）。问题整改情况：{statuses}。")
    if f["exemplar_list"]:
        exemplars = f"发现典型经验{f['exemplars']}个，主要有：" + "；".join(f"{e['org']}“{e['title'].strip('“”')}”" for e in f["exemplar_list"]) + "。"
    else:
        exemplars = "本期暂未报送典型经验。"
    if f["units_assigned"] > f["units_covered"]:
        nxt = f"尚有{f['units_assigned'] - f['units_covered']}个单位未覆盖，请相关指导组抓紧安排，确保全覆盖；督促被督查单位及时回复反馈意见、按时完成整改。"
    else:
        nxt = "继续坚持“一月一督查”，督促被督查单位及时回复反馈意见、按时完成整改，做好典型经验总结推广。"
    return [
        {"key": "summary", "title": "一、总体情况", "text": summary},
        {"key": "problems", "title": "二、发现的主要问题", "text": problems},
        {"key": "feedback", "title": "三、反馈和整改情况", "text": feedback},
        {"key": "exemplars", "title": "四、典型经验", "text": exemplars},
        {"key": "next", "title": "五、下步工作", "text": nxt},
    ]


def live_figures(brief: Brief) -> dict:
    """An issued brief's frozen figures; a draft's computed now."""
    if brief.status == BriefStatus.ISSUED:
        return brief.figures or {}
    return compute_figures(brief.org, brief.period_start, brief.period_end, brief.round)


# ---------------------------------------------------------------------------------- writes
def create_brief(user, *, kind: str, org: Org | None = None, round: Round | None = None, month: str | None = None,
                 title: str = "") -> Brief:
    """A draft brief with its figures and default sections. Round briefs are issued by the
    round's plan org; monthly summaries by any org (the root: the whole city)."""
    errors: dict[str, str] = {}
    campaign = None
    if kind not in BriefKind.values:
        raise ValidationError({"kind": "请选择专报类型（督查专报或月度督导工作汇总）"})
    if kind == BriefKind.ROUND:
        if round is None:
            raise ValidationError({"round": "请选择督查轮次"})
        org = round.plan.org
        campaign = round.plan.campaign
        start, end = round.starts_on, round.ends_on
        default_title = f"{round.name}情况专报"
    else:
        if org is None:
            errors["org"] = "请选择印发单位"
        if errors:
            raise ValidationError(errors)
        start, end = month_bounds(month or "")
        from dangjian.campaigns.models import Campaign

        campaign = (Campaign.objects.filter(org__path__in=[org.path[:i] for i in range(Org.steplen, len(org.path) + 1, Org.steplen)],
                                            starts_on__lte=end, ends_on__gte=start).order_by("-starts_on", "-pk").first())
        default_title = f"{start:%Y年%m月}督导工作汇总"
    if not can(user, Perm.VIEW, org):
        raise Http404
    if not may_manage_brief(user, org, campaign):
        raise PermissionDenied("只有党委办公室（主题教育办）可以生成专报")
    title = (title or "").strip()[:200] or default_title
    with transaction.atomic():
        brief = Brief(kind=kind, org=org, campaign=campaign, round=round if kind == BriefKind.ROUND else None,
                      period_start=start, period_end=end, title=title, created_by=user if getattr(user, "pk", None) else None)
        brief.figures = compute_figures(org, start, end, brief.round)
        brief.sections = default_sections(brief, brief.figures)
        stamp(brief, user, "生成专报")
        brief.save()
    return brief


def update_brief(user, brief: Brief, *, title: str | None = None, sections: dict[str, str] | None = None) -> Brief:
    """Edit the title and section texts of a draft; refused once issued."""
    _require_manage(user, brief)
    with transaction.atomic():
        brief = Brief.objects.select_for_update().get(pk=brief.pk)
        if brief.status == BriefStatus.ISSUED:
            raise ValidationError({"__all__": ISSUED_MESSAGE})
        errors = {}
        if title is not None:
            title = title.strip()
            if not title:
                errors["title"] = "标题不能为空"
            elif len(title) > 200:
                errors["title"] = "标题不能超过200字"
        known = {s["key"] for s in brief.sections}
        for key, text in (sections or {}).items():
            if key not in known:
                errors[f"section_{key}"] = f"没有这一节：{key}"
            elif len(text or "") > MAX_SECTION:
                errors[f"section_{key}"] = f"正文不能超过{MAX_SECTION}字"
        if errors:
            raise ValidationError(errors)
        if title is not None:
            brief.title = title
        if sections:
            brief.sections = [{**s, "text": (sections[s["key"]] if s["key"] in sections else s["text"]).strip()} for s in brief.sections]
        brief.figures = compute_figures(brief.org, brief.period_start, brief.period_end, brief.round)
        stamp(brief, user, "修改专报正文")
        brief.save()
    return brief


def refresh_sections(user, brief: Brief) -> Brief:
    """Rewrite the section texts from the current figures (a draft only)."""
    _require_manage(user, brief)
    with transaction.atomic():
        brief = Brief.objects.select_for_update().get(pk=brief.pk)
        if brief.status == BriefStatus.ISSUED:
            raise ValidationError({"__all__": ISSUED_MESSAGE})
        brief.figures = compute_figures(brief.org, brief.period_start, brief.period_end, brief.round)
        brief.sections = default_sections(brief, brief.figures)
        stamp(brief, user, "按最新数据重写正文")
        brief.save()
    return brief


def _next_number(brief: Brief, year: int) -> str:
    prefix = NUMBER_PREFIX[brief.kind]
    taken = Brief.objects.filter(org=brief.org, kind=brief.kind, status=BriefStatus.ISSUED, issued_on__year=year).count()
    n = taken + 1
    while Brief.objects.filter(org=brief.org, number=f"{prefix}〔{year}〕第{n}期").exclude(pk=brief.pk).exists():
        n += 1
    return f"{prefix}〔{year}〕第{n}期"


def issue_brief(user, brief: Brief, *, issued_on: dt.date | None = None) -> Brief:
    """Number, date, freeze figures and text, write and store the docx and the pdf."""
    from dangjian.supervision import docgen

    _require_manage(user, brief)
    with transaction.atomic():
        # One issue at a time per org: the numbers follow each other.
        Org.objects.select_for_update().filter(pk=brief.org_id).first()
        brief = Brief.objects.select_for_update(of=("self",)).select_related("org", "round", "campaign").get(pk=brief.pk)
        if brief.status == BriefStatus.ISSUED:
            raise ValidationError({"__all__": ISSUED_MESSAGE})
        issued_on = issued_on or timezone.localdate()
        brief.issued_on = issued_on
        brief.number = _next_number(brief, issued_on.year)
        brief.figures = compute_figures(brief.org, brief.period_start, brief.period_end, brief.round)
        brief.status = BriefStatus.ISSUED
        brief.issued_by = user if getattr(user, "pk", None) else None
        brief.issued_at = timezone.now()
        stem = f"brief-{brief.pk}-{issued_on:%Y%m%d}"
        brief.docx.save(f"{stem}.docx", ContentFile(docgen.brief_docx(brief, brief.figures, brief.sections)), save=False)
        brief.pdf.save(f"{stem}.pdf", ContentFile(docgen.brief_pdf(brief, brief.figures, brief.sections)), save=False)
        stamp(brief, user, "印发")
        brief.save()
    return brief


def brief_document(brief: Brief, fmt: str) -> bytes:
    """The docx / pdf: the stored file of an issued brief; a draft's generated now (preview)."""
    from dangjian.supervision import docgen

    field = brief.docx if fmt == "docx" else brief.pdf
    if brief.status == BriefStatus.ISSUED and field:
        with field.open("rb") as fh:
            return fh.read()
    figures = live_figures(brief)
    return docgen.brief_docx(brief, figures, brief.sections) if fmt == "docx" else docgen.brief_pdf(brief, figures, brief.sections)


def file_name(brief: Brief, fmt: str) -> str:
    label = brief.number or "草稿"
    return f"{brief.title}（{label}）.{fmt}"
