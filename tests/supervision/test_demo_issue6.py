"""The demo data of issue 6 (supervision): last month's round covered by the ten guidance groups
(全覆盖) and this month's under way, activities of every kind recorded by the groups' own
accounts at their own units, random questioning through study linked to its activity, findings
turned into open inspection problems with feedback (some answered by the unit), exemplars,
group notices, questionnaires with answers. Loaded once."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from dangjian.campaigns.models import GuidanceAssignment, GuidanceGroup
from dangjian.core import demo as core_demo
from dangjian.core.scoping import Perm, can
from dangjian.rectification.models import Problem
from dangjian.study.models import Questioning
from dangjian.supervision import access
from dangjian.supervision import demo as sup_demo
from dangjian.supervision.demo import respondent_key
from dangjian.supervision.models import (
    Activity,
    ActivityKind,
    ActivityPhoto,
    Brief,
    Exemplar,
    FeedbackStatus,
    Finding,
    GroupNotice,
    InspectionPlan,
    Questionnaire,
    Response,
    Round,
    RoundStatus,
    RoundUnit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _counts():
    return {m.__name__: m.objects.count() for m in (InspectionPlan, Round, RoundUnit, Activity, Finding, Exemplar, GroupNotice,
                                                      Questionnaire, Response, Questioning, Problem)}


def _covered(rnd: Round) -> tuple[int, int]:
    """(units of the round with at least one activity of their group at them or below, units)."""
    acts = list(Activity.objects.filter(round=rnd).values_list("group_id", "org__path"))
    done = 0
    rus = list(RoundUnit.objects.filter(round=rnd).values_list("group_id", "org__path"))
    for group_id, path in rus:
        done += any(g == group_id and p.startswith(path) for g, p in acts)
    return done, len(rus)


@pytest.mark.parametrize("through", ["domain", "orm"])
def test_issue6_demo(monkeypatch, through):
    """Through the supervision domain modules (plans, activities, workspace, questionnaires,
    briefs), and with the ORM alone as the loader falls back when one is missing."""
    if through == "orm":
        monkeypatch.setattr(sup_demo, "_domain", lambda name: None)
    core_demo.discover()
    keep = {k: v for k, v in core_demo._loaders.items() if k in ("campaigns", "study", "supervision")}
    assert "supervision" in keep
    monkeypatch.setattr(core_demo, "_loaders", keep)
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "已生成督导检查示范数据" in out.getvalue()
    first = _counts()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "督导检查示范数据已存在" in out.getvalue()
    assert _counts() == first

    today = timezone.localdate()
    User = get_user_model()
    groups = list(GuidanceGroup.objects.order_by("order"))
    assert len(groups) == 10

    # ----------------------------------------------------------------- plan and rounds
    plan = InspectionPlan.objects.get()
    assert plan.target_units == GuidanceAssignment.objects.count() and plan.target_branches == 100 and plan.target_members == 1000
    last, now = Round.objects.order_by("starts_on")
    assert last.status == RoundStatus.CLOSED and now.status == RoundStatus.ACTIVE
    assert last.ends_on < now.starts_on <= today <= now.ends_on
    for rnd in (last, now):
        per_group = dict(RoundUnit.objects.filter(round=rnd).values_list("group").annotate(n=Count("pk")).order_by())
        assert per_group == dict(GuidanceAssignment.objects.values_list("group").annotate(n=Count("pk")).order_by())
    done, total = _covered(last)
    assert done == total >= 39  # 全覆盖 last month
    done, total = _covered(now)
    assert total // 2 <= done < total  # under way: some left
    guide = User.objects.get(username="guide")
    guide_group = GuidanceGroup.objects.get(seats__user=guide)
    left = [p for g, p in RoundUnit.objects.filter(round=now, group=guide_group).values_list("group_id", "org__path")
            if not Activity.objects.filter(round=now, group=guide_group, org__path__startswith=p).exists()]
    assert left  # the guide has a unit still to visit this month

    # ----------------------------------------------------------------- activities
    acts = Activity.objects.select_related("group__campaign", "round", "org", "created_by")
    assert set(acts.values_list("kind", flat=True)) == set(ActivityKind.values)
    assert acts.count() >= 100
    for a in acts:
        assert a.round.starts_on <= a.held_on <= min(a.round.ends_on, today)
        assert a.created_by is not None and access.may_record(a.created_by, a.group, a.org, a.round), a
        assert access.in_group(a.created_by, a.group), a  # recorded by the group's own accounts
        assert a.subject and a.history.exists()
    assert not Activity.objects.annotate(n=Count("members_present")).filter(n=0).exists()
    # History dated when the activity was recorded (on its day), not when the demo ran.
    first_rows = {}
    for row in Activity.history.order_by("history_date").values("id", "history_date"):
        first_rows.setdefault(row["id"], row["history_date"])
    assert all(timezone.localtime(first_rows[a.pk]).date() == a.held_on for a in acts)
    # Photos: real images, on some visits and meetings.
    photos = ActivityPhoto.objects.select_related("activity")
    assert photos.count() >= 10 and {p.activity.kind for p in photos} <= {ActivityKind.VISIT, ActivityKind.SIT_IN}
    with photos.first().file.open("rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert Activity.objects.filter(created_by=guide).exists()
    interviews = acts.filter(kind=ActivityKind.INTERVIEW)
    assert interviews.exists() and not interviews.filter(interviewed_count=0).exists() and not interviews.filter(interviewees="").exists()
    assert not acts.filter(kind=ActivityKind.SPOT_CHECK, records_checked="").exists()
    assert acts.filter(kind=ActivityKind.SIT_IN, unit_task__isnull=False).exists()
    assert acts.filter(kind=ActivityKind.DOC_REVIEW, unit_task__isnull=False).exists()
    for a in acts.filter(unit_task__isnull=False).select_related("unit_task"):
        assert a.unit_task.org_id == a.org_id

    # Random questioning through study, linked to its activity, marked.
    q_acts = list(acts.filter(kind=ActivityKind.QUESTIONING).values_list("pk", flat=True))
    refs = {f"supervision.Activity:{pk}" for pk in q_acts}
    linked = Questioning.objects.filter(activity_ref__in=refs)
    assert linked.count() == len(q_acts) >= 10
    assert not linked.filter(score__isnull=True).exists()
    assert all(len(q.items) == 3 for q in linked)

    # ----------------------------------------------------------------- findings and feedback
    findings = Finding.objects.select_related("problem", "activity", "answered_by")
    assert findings.count() >= 10
    for f in findings:
        p = f.problem
        assert p is not None and p.source == "inspection" and p.activity_ref == f"supervision.Activity:{f.activity_id}"
        assert p.org_id == f.org_id == f.activity.org_id and p.status == "open"
        assert p.created_by_id == f.activity.created_by_id
        if f.status == FeedbackStatus.ANSWERED:
            assert f.answer and f.answered_at and can(f.answered_by, Perm.ACT, f.org)
    unit_admin = User.objects.get(username="unit_admin")
    mine = [f for f in findings if can(unit_admin, Perm.ACT, f.org)]
    assert {f.status for f in mine} == {FeedbackStatus.SENT, FeedbackStatus.ANSWERED}  # the demo unit has one to answer
    statuses = set(findings.values_list("status", flat=True))
    assert statuses == {FeedbackStatus.SENT, FeedbackStatus.ANSWERED}
    assert Exemplar.objects.count() >= 5
    assert not Exemplar.objects.filter(description="").exists()
    assert set(GroupNotice.objects.values_list("group", flat=True)) == {g.pk for g in groups}

    # ----------------------------------------------------------------- questionnaires
    members_q = Questionnaire.objects.get(audience="members")
    assert members_q.anonymous and members_q.status == "published" and members_q.deadline > timezone.now()
    assert {"single", "multiple", "scale", "text"} <= set(members_q.items.values_list("kind", flat=True))
    responses = Response.objects.filter(questionnaire=members_q)
    assert responses.count() >= 300 and not responses.filter(user__isnull=False).exists()
    assert responses.values("respondent_key").distinct().count() == responses.count()
    required = members_q.items.filter(required=True).count()
    short = responses.annotate(n=Count("answers__item", distinct=True)).filter(n__lt=required)
    assert not short.exists()  # every required question answered
    member = User.objects.get(username="member")
    mine = [respondent_key(members_q.pk, "member", member.member.pk), respondent_key(members_q.pk, "user", member.pk)]
    assert not responses.filter(respondent_key__in=mine).exists()  # left for the demo member
    units_q = Questionnaire.objects.get(audience="units")
    unit_answers = Response.objects.filter(questionnaire=units_q)
    assert 20 <= unit_answers.count() < 39 and not unit_answers.filter(user__isnull=True).exists()
    for r in unit_answers.select_related("user", "org"):
        assert can(r.user, Perm.ACT, r.org)

    # ----------------------------------------------------------------- the issued brief
    if sup_demo._domain("briefs") is None:
        assert not Brief.objects.exists()
        return
    brief = Brief.objects.get()
    assert brief.status == "issued" and brief.round == last and brief.kind == "round" and brief.number
    assert last.ends_on <= brief.issued_on <= today
    assert brief.figures["units_covered"] == brief.figures["units_assigned"] == RoundUnit.objects.filter(round=last).count()
    assert brief.figures["activities"] == Activity.objects.filter(round=last).count()
    assert brief.figures["problems"] == Finding.objects.filter(activity__round=last).count()
    from docx import Document
    from pypdf import PdfReader

    with brief.docx.open("rb") as fh:
        text = "\n".join(p.text for p in Document(fh).paragraphs)
    assert brief.number in text
    with brief.pdf.open("rb") as fh:
        assert "".join(page.extract_text() for page in PdfReader(fh).pages).strip()
