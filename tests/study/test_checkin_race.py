"""Two requests check the same member in at the same moment: exactly one check-in and one
history row, on SQLite and on PostgreSQL (real transactions, one connection per thread)."""
import threading

import pytest
from django.db import connection

from dangjian.study import attendance as sa
from dangjian.study.models import A, Attendance
from tests.factories import make_member, make_user, make_world


def _race(n, fn):
    barrier = threading.Barrier(n)
    outcomes, errors = [], []

    def go(i):
        try:
            barrier.wait(timeout=10)
            outcomes.append(fn(i))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [2, 6])
def test_same_member_checks_in_twice_at_once(n):
    w = make_world()
    token = sa.qr_token(w.session_a1)
    history = w.att_a1.history.count()
    user_pk = w.member_user.pk
    User = type(w.member_user)

    results = _race(n, lambda i: sa.check_in_by_code(User.objects.get(pk=user_pk), token))
    assert sorted(r.created for r in results) == [False] * (n - 1) + [True]
    att = Attendance.objects.get(pk=w.att_a1.pk)
    assert att.status == A.PRESENT
    assert Attendance.objects.filter(session=w.session_a1, member=w.m_a1).count() == 1
    assert att.history.count() == history + 1
    # Every answer reports the same check-in time.
    assert {r.attendance.checked_in_at for r in results} == {att.checked_in_at}


@pytest.mark.django_db(transaction=True)
def test_member_without_a_row_checks_in_twice_at_once():
    """The slower path: a member who joined after the session was saved has no row yet; two
    racing requests make exactly one."""
    w = make_world()
    new = make_member(w.a1, "孙八", user=make_user("sun_ba"))
    token = sa.qr_token(w.session_a1)
    User = type(new.user)
    results = _race(2, lambda i: sa.check_in_by_code(User.objects.get(pk=new.user_id), token))
    assert sorted(r.created for r in results) == [False, True]
    rows = Attendance.objects.filter(session=w.session_a1, member=new)
    assert rows.count() == 1 and rows.get().status == A.PRESENT
    assert rows.get().history.count() == 1


@pytest.mark.django_db(transaction=True)
def test_member_and_secretary_at_once():
    w = make_world()
    token = sa.qr_token(w.session_a1)
    User = type(w.member_user)

    def act(i):
        if i == 0:
            return sa.check_in_by_code(User.objects.get(pk=w.member_user.pk), token)
        return sa.check_in_member(User.objects.get(pk=w.a1_secretary.pk), w.session_a1, w.m_a1)

    results = _race(2, act)
    assert sorted(r.created for r in results) == [False, True]
    assert Attendance.objects.get(pk=w.att_a1.pk).history.count() == 1
