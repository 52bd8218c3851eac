import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.orgs import services
from dangjian.orgs.models import Member, Org
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def test_move_moves_the_subtree_and_is_audited(world):
    services.move_org(world.office, world.a1, world.unit_b)
    a1g = Org.objects.get(code="UA01G1")
    a1 = Org.objects.get(code="UA01")
    assert Org.objects.get_parent(a1).code == "UB"
    assert a1g.path.startswith(a1.path) and a1.path.startswith(world.unit_b.path)
    last = a1.history.order_by("-history_id").first()
    assert last.history_user == world.office and "后勤处党总支" in last.history_change_reason


def test_move_into_own_subtree_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.move_org(world.office, world.unit_a, world.a1)
    assert "parent" in exc.value.message_dict


def test_move_out_of_scope_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.move_org(world.ua_admin, world.a1, world.unit_b)


def test_create_member_validates_fields(world):
    data = services.MemberData(
        name="", gender="x", id_number="110101198501010010", phone="123", org=world.a1,
        category="staff", status="full", joined_on=dt.date(2030, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.create_member(world.ua_admin, data)
    assert set(exc.value.message_dict) == {"name", "gender", "id_number", "phone", "joined_on"}
    assert not Member.objects.filter(name="").exists()


def test_create_member_records_who(world):
    data = services.MemberData(
        name="孙八", gender="female", id_number=make_id_number(900), phone="13800000000",
        org=world.a2, category="student", status="probationary", joined_on=dt.date(2024, 6, 1),
    )
    m = services.create_member(world.ua_admin, data)
    assert m.history.first().history_user == world.ua_admin


def test_secretary_cannot_add_to_other_branch(world):
    data = services.MemberData(
        name="孙八", gender="female", id_number=make_id_number(901), phone="", org=world.a2,
        category="student", status="full", joined_on=dt.date(2024, 6, 1),
    )
    with pytest.raises(PermissionDenied):
        services.create_member(world.a1_secretary, data)
