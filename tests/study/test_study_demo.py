"""The study part of the demo: loaded after the campaign, consistent, and loaded once."""
import io

import pytest
from django.core.management import call_command

from dangjian.core import demo as core_demo
from dangjian.core.scoping import system_actor
from dangjian.orgs.models import Member, Org
from dangjian.study import rates as r
from dangjian.study.models import (
    A,
    Attendance,
    CampaignMaterial,
    Distribution,
    Question,
    Questioning,
    Quiz,
    QuizAttempt,
    ReadingProgress,
    StudyPlan,
    StudySession,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _counts():
    return {m.__name__: m.objects.count() for m in (StudySession, Attendance, ReadingProgress, QuizAttempt, Question, Quiz, StudyPlan, Questioning)}


def test_study_demo(monkeypatch):
    core_demo.discover()
    keep = {k: v for k, v in core_demo._loaders.items() if k in ("campaigns", "study")}
    monkeypatch.setattr(core_demo, "_loaders", keep)
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "已生成理论学习示范数据" in out.getvalue()
    first = _counts()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "理论学习示范数据已存在" in out.getvalue() and _counts() == first

    kinds = set(StudySession.objects.values_list("kind", flat=True))
    assert kinds == {"central_group", "reading_class", "lecture", "branch_study"}
    reading_class = StudySession.objects.get(kind="reading_class")
    assert (reading_class.ends_at - reading_class.starts_at).days >= 2
    assert StudySession.objects.filter(kind="central_group", attendees="leaders").count() >= 10
    statuses = set(Attendance.objects.values_list("status", flat=True))
    assert {A.PRESENT, A.LEAVE, A.ABSENT, A.MAKEUP, A.EXPECTED} <= statuses
    assert Attendance.objects.filter(late=True).exists()
    assert 3 <= CampaignMaterial.objects.filter(required=True).count() <= 4
    assert 25_000 <= sum(Distribution.objects.values_list("quantity", flat=True)) <= 35_000
    assert 35 <= Question.objects.count() <= 45 and Quiz.objects.count() == 2
    assert StudyPlan.objects.filter(targets__method="home_delivery", targets__group="retired").exists()
    # Attempts are consistent: the stored flag follows the score and the line.
    for a in QuizAttempt.objects.select_related("quiz")[:500]:
        assert a.excellent == (a.score >= a.quiz.excellent_score)
    assert QuizAttempt.objects.filter(excellent=True).exists() and QuizAttempt.objects.filter(excellent=False).exists()
    # Every attendance row is of a member of an org the session covers.
    assert not Attendance.objects.exclude(org_id__in=Member.objects.values("org_id")).exists()
    # The demo member has a session under way, one upcoming, and a record.
    me = Member.objects.get(user__username="member")
    mine = StudySession.objects.filter(attendances__member=me)
    from django.utils import timezone
    now = timezone.now()
    assert mine.filter(starts_at__lte=now, ends_at__gte=now).exists() and mine.filter(starts_at__gt=now).exists()
    # The three rates of the root are real figures between 0 and 100 %.
    root = Org.objects.get(code="DJ")
    rates = r.rates_for_tree(system_actor(), root, r.default_period(system_actor()))[root.pk]
    for value in (rates.participation, rates.completion, rates.excellence):
        assert value is not None and 0 < value < 1
