"""The demo data of issue 5 (rectification and services): problems from self-inspection and
inspection in every status with real review trails, measures, evidence and overdue ones;
institutional outcomes; 70 practical matters in every status; a dozen responsible units with a
year of requests whose red/black list of last month has units on both lists. Loaded once."""
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, OuterRef
from django.utils import timezone

from dangjian.campaigns.models import Evidence
from dangjian.core import demo as core_demo
from dangjian.orgs.models import Org
from dangjian.rectification.models import (
    Action,
    Measure,
    MeasureStatus,
    Outcome,
    Problem,
    ProblemEvidence,
    ProblemStatus,
    ProblemStep,
    overdue_q,
)
from dangjian.services import matters as sm
from dangjian.services import redblack
from dangjian.services.models import MatterStatus, PracticalMatter, ServiceRequest, ServiceUnit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _counts():
    return {m.__name__: m.objects.count() for m in (Problem, Measure, ProblemStep, Outcome, PracticalMatter, ServiceUnit, ServiceRequest)}


def test_issue5_demo(monkeypatch):
    core_demo.discover()
    keep = {k: v for k, v in core_demo._loaders.items() if k in ("campaigns", "study", "rectification", "services")}
    assert {"rectification", "services"} <= set(keep)
    monkeypatch.setattr(core_demo, "_loaders", keep)
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "已生成检视整改示范数据" in text and "已生成为民服务示范数据" in text
    first = _counts()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "检视整改示范数据已存在" in out.getvalue() and "为民服务示范数据已存在" in out.getvalue()
    assert _counts() == first

    today = timezone.localdate()
    User = get_user_model()
    office, unit_admin, secretary = (User.objects.get(username=n) for n in ("office", "unit_admin", "secretary"))

    # ----------------------------------------------------------------------- problems
    statuses = dict(Problem.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert set(statuses) == set(ProblemStatus.values), statuses
    assert Problem.objects.filter(source="inspection").count() == 38  # seed 003
    assert Problem.objects.filter(source="self").count() >= 20
    assert {"research", "public"} <= set(Problem.objects.values_list("source", flat=True))
    assert Problem.objects.filter(overdue_q(today)).count() >= 5
    # Review waits at both levels: a secondary unit (the demo unit admin's) and the committee.
    waiting = list(Problem.objects.filter(status="reviewing").values_list("review_org__depth", flat=True))
    assert {1, 2} <= set(waiting)
    assert Problem.objects.filter(status="reviewing", created_by=secretary, review_org__in=Org.objects.filter(depth=2)).exists()
    # Real review trails: the secretary's problem returned by the unit admin with a comment;
    # one approved by the unit admin then by the office.
    ret = ProblemStep.objects.filter(action=Action.RETURN, actor=unit_admin, problem__created_by=secretary).first()
    assert ret is not None and ret.comment
    climbed = Problem.objects.filter(created_by=secretary, steps__action=Action.APPROVE, steps__actor=unit_admin) \
        .filter(steps__action=Action.APPROVE, steps__actor=office).distinct()
    assert climbed.exists()
    assert ProblemStep.objects.filter(action=Action.RETURN, actor=office).exists()
    # Closed ones went through rectified → verified → closed by someone else than the declarer.
    for p in Problem.objects.filter(status="closed"):
        actions = list(p.steps.order_by("pk").values_list("action", flat=True))
        assert actions[-3:] == [Action.RECTIFIED, Action.VERIFY, Action.CLOSE], actions
        assert p.verified_by_id != p.rectified_by_id and p.verified_by_id is not None
        assert not p.measures.exclude(status=MeasureStatus.DONE).exists()
        assert p.evidence.filter(removed=False).exists()
        assert p.history.count() >= 4
    # Measures: every problem has some; a mix of states; evidence files and linked records.
    assert not Problem.objects.annotate(n=Count("measures")).filter(n=0).exists()
    assert set(Measure.objects.values_list("status", flat=True)) == set(MeasureStatus.values)
    assert ProblemEvidence.objects.exclude(file="").exists()
    assert ProblemEvidence.objects.filter(record_ref__startswith="study.StudySession:").exists()
    assert ProblemEvidence.objects.filter(record_ref__startswith="services.PracticalMatter:").exists()
    # Dates are consistent: found on or before today; measures not due before the problem was found.
    agg = Problem.objects.aggregate(last=Max("found_on"))
    assert agg["last"] <= today
    assert not Measure.objects.filter(due_on__lt=Problem.objects.filter(pk=OuterRef("problem")).values("found_on")[:1]).exists()
    # Problems count at the committee's level once accepted.
    assert not Problem.objects.filter(status__in=["open", "rectifying", "rectified", "verified", "closed"], level_depth__gt=1).exists()

    # ----------------------------------------------------------------------- outcomes
    assert 12 <= Outcome.objects.count() <= 15
    for o in Outcome.objects.prefetch_related("problems"):
        linked = list(o.problems.all())
        assert linked and all(p.org.path.startswith(o.org.path) for p in linked)

    # ----------------------------------------------------------------------- practical matters
    assert PracticalMatter.objects.count() == 70
    m_statuses = dict(PracticalMatter.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert set(m_statuses) == set(MatterStatus.values)
    counts = sm.counts(PracticalMatter.objects.all(), today)
    assert counts["overdue"] >= 3 and counts["beneficiaries"] > 0
    done = PracticalMatter.objects.filter(status="done")
    assert not done.filter(outcome="").exists() and not done.filter(done_on__isnull=True).exists()
    assert not done.filter(done_on__gt=today).exists()
    assert PracticalMatter.objects.filter(title__contains="核磁共振").exists() and PracticalMatter.objects.filter(title__contains="CT").exists()
    assert len(set(PracticalMatter.objects.values_list("category", flat=True))) >= 8
    assert PracticalMatter.objects.filter(problem__isnull=False).exists()
    assert Evidence.objects.filter(record_ref__startswith="services.PracticalMatter:", removed=False).count() >= 3
    assert PracticalMatter.objects.values("org").distinct().count() >= 20

    # ----------------------------------------------------------------------- service requests
    assert 10 <= ServiceUnit.objects.count() <= 14
    assert {"company", "org"} == set(ServiceUnit.objects.values_list("kind", flat=True))
    span = ServiceRequest.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    assert (span["last"] - span["first"]).days >= 330
    assert ServiceRequest.objects.count() >= 10_000
    assert not ServiceRequest.objects.filter(responded_at__lt=F("received_at")).exists()
    assert not ServiceRequest.objects.filter(resolved_at__lt=F("received_at")).exists()
    months = {timezone.localtime(d).strftime("%Y-%m") for d in ServiceRequest.objects.values_list("received_at", flat=True)[:20000]}
    assert len(months) >= 12
    root = Org.objects.get(depth=1)
    month = redblack.default_month(today)
    assert month == (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    result = redblack.compute(office, root, month)
    kinds = {row.unit.code: row.list_kind for row in result.rows}
    assert len(kinds) == ServiceUnit.objects.count()
    assert "red" in kinds.values() and "black" in kinds.values() and "" in kinds.values(), kinds
    # Every black entry names the rule that put it there; each rate is below its threshold.
    for row in result.rows:
        if row.list_kind:
            assert row.hits and all(h.rule.list_kind == row.list_kind for h in row.hits)
    black_rules = {h.rule.name for row in result.rows if row.list_kind == "black" for h in row.hits}
    assert len(black_rules) == 3, black_rules  # response, resolution and satisfaction each place someone
    # The month before has figures too (month-over-month comparison).
    assert all(row.previous.received > 0 for row in result.rows)
