"""The problem's whole way through the domain functions: tiered review with a return, measures
and evidence, declaration, verification and closing; and the refusals the issue names."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.rectification import problems as P
from dangjian.rectification.models import ProblemStatus as S
from dangjian.rectification.models import ProblemStep

pytestmark = pytest.mark.django_db


def _new(w, user=None, **kw):
    data = {"source": "self", "aspect": w.aspect.pk, "found_on": dt.date(2026, 5, 1), "title": "学习研讨不够深入",
            "description": "研讨发言照本宣科", "leader": "院党委书记", "owner": "支部书记", "due_on": dt.date(2026, 12, 31)}
    data.update(kw)
    return P.create_problem(user or w.a1_secretary, w.a1, data, [{"text": "每月一次专题研讨", "due_on": dt.date(2026, 9, 30)}])


def test_branch_problem_climbs_two_levels_with_a_return(world):
    w = world
    p = _new(w)
    assert p.status == S.DRAFT and p.number.startswith("UA01-2026-") and p.level_depth == 99
    p = P.submit(w.a1_secretary, p)
    assert p.status == S.REVIEWING and p.review_org == w.unit_a and p.level_depth == w.a1.depth
    with pytest.raises(PermissionDenied):
        P.review(w.ub_admin, p, approve=True)
    with pytest.raises(ValidationError) as e:
        P.review(w.ua_admin, p, approve=False, comment="")
    assert "comment" in e.value.message_dict
    p = P.review(w.ua_admin, p, approve=False, comment="问题表述不具体")
    assert p.status == S.RETURNED and p.review_org is None and p.level_depth == 99
    p = P.update_problem(w.a1_secretary, p, {"description": "研讨发言照本宣科，联系实际不够"})
    p = P.submit(w.a1_secretary, p)
    p = P.review(w.ua_admin, p, approve=True)
    assert p.status == S.REVIEWING and p.review_org == w.root and p.level_depth == w.unit_a.depth
    with pytest.raises(ValidationError):  # stale: the reviewer saw the unit level
        P.review(w.office, p, approve=True, expected_level=w.unit_a.pk)
    p = P.review(w.office, p, approve=True, expected_level=w.root.pk)
    assert p.status == S.OPEN and p.level_depth == 1 and p.accepted_at
    actions = list(ProblemStep.objects.filter(problem=p).values_list("action", "to_status"))
    assert actions == [("submit", "reviewing"), ("return", "returned"), ("submit", "reviewing"), ("approve", "reviewing"), ("approve", "open")]


def test_rectify_verify_close(world, media):
    w = world
    p = P.submit(w.office, _new(w, user=w.office))
    assert p.status == S.OPEN  # the committee entering a branch's problem approves every level on the way
    m = p.measures.get()
    with pytest.raises(ValidationError) as e:
        P.declare_rectified(w.a1_secretary, p, "已整改")
    assert set(e.value.message_dict) == {"measures", "evidence"}
    P.update_measure(w.a1_secretary, m, status="done", progress="已开展3次")
    p.refresh_from_db()
    assert p.status == S.RECTIFYING
    P.add_evidence(w.a1_secretary, p, record_ref="study.StudySession:1", record_label="学习会", measure=m)
    with pytest.raises(ValidationError) as e:
        P.close(w.ua_admin, p)
    assert "status" in e.value.message_dict
    p = P.declare_rectified(w.ua_admin, p, "三项措施全部完成")
    with pytest.raises(ValidationError):  # verifying one's own rectification
        P.verify(w.ua_admin, p)
    with pytest.raises(PermissionDenied):  # the branch cannot verify itself
        P.verify(w.a1_secretary, p)
    p = P.verify(w.office, p)
    assert p.status == S.VERIFIED
    p = P.close(w.office, p)
    assert p.status == S.CLOSED and p.closed_by == w.office
    assert p.history.count() >= 5


def test_bad_dates_refused_and_nothing_written(world):
    w = world
    from dangjian.rectification.models import Problem

    before = Problem.objects.count()
    with pytest.raises(ValidationError) as e:
        _new(w, due_on=dt.date(2026, 4, 1))
    assert "due_on" in e.value.message_dict
    assert Problem.objects.count() == before
    with pytest.raises(PermissionDenied):
        _new(w, user=w.ub_admin)


def test_closed_problem_is_frozen(world):
    """Once verified or closed, what was checked stays as it was: no edits, no measures, no
    evidence changes, no second declaration."""
    from tests.authz.engine import fingerprint

    w = world
    p = w.prob_verified_a
    before = fingerprint()
    with pytest.raises(ValidationError):
        P.update_problem(w.a1_secretary, p, {"owner": "换人"})
    with pytest.raises(ValidationError):
        P.add_measure(w.a1_secretary, p, text="补一条", due_on=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError):
        P.add_evidence(w.a1_secretary, p, record_ref="x:1", record_label="补充材料")
    with pytest.raises(ValidationError):
        P.declare_rectified(w.a1_secretary, p, "再申报")
    with pytest.raises(ValidationError):
        P.submit(w.a1_secretary, p)
    assert fingerprint() == before
    p = P.close(w.ua_admin, p)
    with pytest.raises(ValidationError):
        P.close(w.ua_admin, p)
    with pytest.raises(ValidationError):
        P.verify(w.ua_admin, p)
