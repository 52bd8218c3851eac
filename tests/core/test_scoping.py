import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core import accounts
from dangjian.core.models import Role
from dangjian.core.scoping import Perm, can, can_on, prefix_upper, restrict, subtree_q
from dangjian.orgs.models import Member, Org

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(qs.values_list("code", flat=True))


def test_prefix_upper_carries_past_the_last_letter():
    assert prefix_upper("0001") == "0002"
    assert prefix_upper("000Z") == "001"
    assert prefix_upper("ZZZZ") is None


def test_subtree_range_matches_prefix(world):
    got = names(Org.objects.filter(subtree_q("path", world.unit_a.path)))
    assert got == ["UA", "UA01", "UA01G1", "UA02"]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("sysadmin", ["ROOT", "UA", "UA01", "UA01G1", "UA02", "UB", "UB01"]),
        ("office", ["ROOT", "UA", "UA01", "UA01G1", "UA02", "UB", "UB01"]),
        ("ua_admin", ["UA", "UA01", "UA01G1", "UA02"]),
        ("ub_admin", ["UB", "UB01"]),
        ("ua_liaison", ["UA", "UA01", "UA01G1", "UA02"]),
        ("a1_secretary", ["UA01", "UA01G1"]),
        ("guide", ["UB", "UB01"]),
        ("member_user", []),
        ("nobody", []),
    ],
)
def test_org_visibility_by_role(world, who, expected):
    assert names(restrict(Org.objects.all(), getattr(world, who))) == expected


def test_member_sees_only_self(world):
    assert list(restrict(Member.objects.all(), world.member_user)) == [world.m_a1]
    assert can_on(world.member_user, Perm.VIEW, world.m_a1)
    assert not can_on(world.member_user, Perm.VIEW, world.m_a1b)
    assert not can_on(world.member_user, Perm.CHANGE_MEMBER, world.m_a1)


def test_write_perms_follow_roles(world):
    assert can(world.ua_admin, Perm.CHANGE_ORG, world.a1)
    assert not can(world.ua_admin, Perm.CHANGE_ORG, world.b1)
    assert not can(world.ua_liaison, Perm.CHANGE_MEMBER, world.a1)
    assert can(world.a1_secretary, Perm.CHANGE_MEMBER, world.a1)
    assert not can(world.a1_secretary, Perm.CHANGE_ORG, world.a1)


def test_grant_only_inside_own_subtree(world):
    with pytest.raises(PermissionDenied):
        accounts.grant_role(world.ua_admin, world.nobody, Role.LIAISON, world.b1)
    with pytest.raises(PermissionDenied):
        accounts.grant_role(world.ua_admin, world.nobody, Role.COMMITTEE_ADMIN, world.a1)
    grant = accounts.grant_role(world.ua_admin, world.nobody, Role.LIAISON, world.a1)
    assert names(restrict(Org.objects.all(), world.nobody)) == ["UA01", "UA01G1"]
    assert grant.history.count() == 1
    with pytest.raises(ValidationError):
        accounts.grant_role(world.ua_admin, world.nobody, Role.LIAISON, world.a1)
    accounts.revoke_role(world.ua_admin, grant)
    assert names(restrict(Org.objects.all(), world.nobody)) == []


def test_restrict_subtree_keeps_scope_when_subtree_is_partly_visible(world):
    from dangjian.core.scoping import restrict_subtree

    # The office sees the whole root: the subtree filter alone applies.
    assert restrict_subtree(Member.objects.all(), world.office, world.unit_a).count() == 3
    # The member sees only their own record even when asking for their whole unit.
    assert list(restrict_subtree(Member.objects.all(), world.member_user, world.unit_a)) == [world.m_a1]
    # A unit admin asking for the root gets only its own unit.
    assert restrict_subtree(Member.objects.all(), world.ua_admin, world.root).count() == 3


def test_nobody_revokes_their_own_grant(world):
    from dangjian.core.models import RoleGrant

    with pytest.raises(PermissionDenied):
        accounts.revoke_role(world.ua_admin, RoleGrant.objects.get(user=world.ua_admin))
    accounts.revoke_role(world.office, RoleGrant.objects.get(user=world.ua_admin))
    assert not RoleGrant.objects.filter(user=world.ua_admin).exists()
