"""brief_city: generating the monthly supervision summary (月度督导工作汇总) of the root as a
docx — every figure computed from the records (supervision.briefs.compute_figures: units
covered / assigned, activities by kind and by group, people interviewed, random questioning,
problems by aspect and status, feedback, exemplars), the default sections written from them,
and the document in the official layout (supervision.docgen.brief_docx). Goal: under 5 s at
city scale. The data, made here in bulk (no history rows): ten guidance groups of the
rectification benchmark's campaign, this month's round covering every grassroots org
(~5,000 at city scale), 20,000 activities in the month, random questioning of members (when the
tree has them), and the inspection problems of rectification.generator (city: 50,000 problems,
a quarter from inspections) linked to the activities, each with its feedback."""
from __future__ import annotations

import calendar
import datetime as dt
import random
import time

from runner import BenchError, Context, Figure, median_seconds

NAME = "brief"
SEED = 2006
PLAN_TITLE = "督查专报基准数据"
ACTIVITIES = {"tiny": 500, "small": 4_000, "city": 20_000}
KINDS = (("visit", 0.3), ("sit_in", 0.15), ("interview", 0.2), ("spot_check", 0.15), ("questioning", 0.1), ("doc_review", 0.1))
GOAL_SECONDS = 5.0


def _pick(rng, mix):
    r, acc = rng.random(), 0.0
    for value, share in mix:
        acc += share
        if r < acc:
            return value
    return mix[-1][0]


def load(scale: str, root) -> dict:
    """The supervision data of `scale` under `root`; reused if present."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.campaigns.models import GuidanceGroup
    from dangjian.core.scoping import subtree_q
    from dangjian.orgs.models import Member, Org
    from dangjian.rectification import generator
    from dangjian.rectification.generator import _bulk
    from dangjian.rectification.models import Problem
    from dangjian.study.models import Questioning
    from dangjian.supervision.models import (
        Activity,
        Exemplar,
        Finding,
        InspectionPlan,
        Round,
        RoundUnit,
    )

    started = time.perf_counter()
    problems = generator.load_problems(scale, root)
    campaign = problems.campaign
    plan = InspectionPlan.objects.filter(campaign=campaign, title=PLAN_TITLE).first()
    today = timezone.localdate()
    first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if plan is not None:
        return {"round": plan.rounds.first(), "seconds": time.perf_counter() - started, "created": False, "month": first}
    rng = random.Random(SEED)
    now = timezone.now()
    with transaction.atomic():
        plan = InspectionPlan.objects.create(campaign=campaign, org=root, title=PLAN_TITLE, starts_on=first.replace(month=1),
                                             ends_on=first.replace(month=12, day=31), target_units=5000)
        rnd = Round.objects.create(plan=plan, name=f"{first:%Y年%m月}督查", starts_on=first, ends_on=last, status="active")
        groups = [GuidanceGroup.objects.create(campaign=campaign, name=f"第{i + 1}巡回指导组", order=i) for i in range(10)]
        units = list(Org.objects.filter(subtree_q("path", root.path), depth__gte=3).exclude(kind="group").values_list("pk", flat=True))
        unit_group = {pk: groups[i % len(groups)].pk for i, pk in enumerate(units)}
        _bulk(RoundUnit, ["round_id", "group_id", "org_id"], ((rnd.pk, g, o) for o, g in unit_group.items()))
        visited = rng.sample(units, int(len(units) * 0.9))
        n = ACTIVITIES[scale]
        days = (min(today, last) - first).days + 1

        def activity_rows():
            for i in range(n):
                org = visited[i % len(visited)] if i < len(visited) else rng.choice(visited)
                kind = _pick(rng, KINDS)
                yield (unit_group[org], rnd.pk, org, kind, first + dt.timedelta(days=rng.randrange(days)), "党员活动室", f"督查活动{i}", "",
                       rng.randint(3, 12) if kind == "interview" else 0, "", "", "", now)

        _bulk(Activity, ["group_id", "round_id", "org_id", "kind", "held_on", "place", "subject", "notes", "interviewed_count",
                         "interviewees", "records_checked", "meeting_ref", "created_at"], activity_rows())
        acts = list(Activity.objects.filter(round=rnd).values_list("pk", "org_id", "kind"))
        by_org: dict[int, int] = {}
        for pk, org, _ in acts:
            by_org.setdefault(org, pk)
        # Inspection problems: linked to an activity at their org (or any), each with its feedback.
        insp = list(Problem.objects.filter(campaign=campaign, source="inspection").values_list("pk", "org_id"))
        links = [(pk, org, by_org.get(org) or rng.choice(acts)[0]) for pk, org in insp]
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE rectification_problem SET activity_ref = %s WHERE id = %s",
                               [(f"supervision.Activity:{a}", p) for p, _, a in links])
        _bulk(Finding, ["activity_id", "org_id", "problem_id", "feedback", "status", "answer", "created_at"],
              ((a, o, p, "请对照问题抓紧整改", "answered" if rng.random() < 0.6 else "sent", "", now) for p, o, a in links))
        _bulk(Exemplar, ["activity_id", "org_id", "title", "description", "created_at"],
              ((a, o, f"典型经验{i}", "经验做法", now) for i, (a, o, _) in enumerate(rng.sample(acts, min(500, len(acts))))))
        members = list(Member.objects.filter(org__path__startswith=root.path).values_list("pk", "org_id")[:5000])
        questioning = [a for a in acts if a[2] == "questioning"]
        if members and questioning:
            _bulk(Questioning, ["member_id", "org_id", "asked_at", "items", "score", "note", "activity_ref"],
                  ((m, o, now, "[]", rng.choice((40, 60, 80, 100)), "", f"supervision.Activity:{rng.choice(questioning)[0]}")
                   for m, o in members))
    return {"round": rnd, "seconds": time.perf_counter() - started, "created": True, "month": first}


def run(ctx: Context) -> list[Figure]:
    from django.db import connection

    from dangjian.supervision import briefs, docgen
    from dangjian.supervision.models import Brief

    data = load(ctx.scale, ctx.root)
    if data["created"]:
        ctx.analyze()
    figures = [Figure(ctx.name("generate_supervision"), data["seconds"], "s")]
    root = ctx.root
    start, end = briefs.month_bounds(data["month"].strftime("%Y-%m"))
    brief = Brief(kind="monthly", org=root, period_start=start, period_end=end, title=f"{start:%Y年%m月}督导工作汇总")

    def generate():
        f = briefs.compute_figures(root, start, end)
        return f, docgen.brief_docx(brief, f, briefs.default_sections(brief, f))

    f, docx = generate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM supervision_activity a JOIN orgs_org o ON o.id = a.org_id "
                       "WHERE a.held_on >= %s AND a.held_on <= %s AND o.path LIKE %s", [start, end, root.path + "%"])
        acts = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM rectification_problem WHERE source = 'inspection' AND activity_ref LIKE 'supervision.Activity:%%'")
        probs = cursor.fetchone()[0]
    if (f["activities"], f["problems"]) != (acts, probs) or not acts:
        raise BenchError(f"figures {(f['activities'], f['problems'])} disagree with the raw counts {(acts, probs)}")
    seconds = median_seconds(lambda: generate(), repeat=3)
    figures.append(Figure(ctx.name(NAME), seconds, "s", limit=GOAL_SECONDS, extra={
        "activities": f["activities"], "units_assigned": f["units_assigned"], "units_covered": f["units_covered"],
        "problems": f["problems"], "feedback": f["feedback"], "questioned": f["questioned"], "docx_bytes": len(docx)}))
    return figures
