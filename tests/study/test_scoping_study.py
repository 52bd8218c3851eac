import pytest

from dangjian.core.scoping import Perm, can_on, restrict
from dangjian.study import attendance as sa
from dangjian.study import sessions as ss
from dangjian.study.models import Material, Question


@pytest.mark.django_db
def test_world(world):
    w = world
    assert w.session_a1.attendances.count() == 2
    assert set(restrict(Material.objects.all(), w.member_user).values_list("title", flat=True)) == {w.material.title, w.material_a.title}
    assert set(restrict(Material.objects.all(), w.guide).values_list("pk", flat=True)) == {w.material.pk}
    assert set(restrict(Material.objects.all(), w.nobody).values_list("pk", flat=True)) == set()
    assert set(restrict(Question.objects.all(), w.member_user).values_list("pk", flat=True)) == set()
    assert set(restrict(Question.objects.all(), w.a1_secretary).values_list("pk", flat=True)) == {w.q_single.pk, w.q_multi.pk, w.q_judge.pk, w.q_fill.pk, w.q_a.pk}
    assert can_on(w.member_user, Perm.VIEW, w.att_a1) and not can_on(w.member_user, Perm.VIEW, w.att_b1)
    assert can_on(w.member_user, Perm.VIEW, w.material_a) and not can_on(w.guide, Perm.VIEW, w.material_a)
    r = sa.check_in_by_code(w.member_user, sa.qr_token(w.session_a1))
    assert r.created and r.late is not None
    r2 = sa.check_in_by_code(w.member_user, sa.qr_token(w.session_a1))
    assert not r2.created
    assert w.att_a1.history.count() >= 1
    assert set(ss.sessions_for(w.member_user)) == {w.session_a1, w.session_a1_next}
    with pytest.raises(sa.CheckinRefused):
        sa.check_in_by_code(w.member_user, sa.qr_token(w.session_b1))
