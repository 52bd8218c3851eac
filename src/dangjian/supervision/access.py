"""Who may see and do what in supervision, on top of the one scoping policy (core.scoping).

- The campaign office: MANAGE_CAMPAIGN at the campaign's org (plans, rounds, every group's
  activities, briefs).
- A guidance group's members: the users seated in the group (campaigns.Seat.user). A group sees
  and records only its own activities, at the units assigned to it (GuidanceAssignment of the
  campaign, or RoundUnit of the round) and the orgs below them.
- A unit: its feedback (Finding, scoped by org path like any record), which it answers with ACT.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from dangjian.core.scoping import Perm, can, restrict


def my_group_ids(user) -> list[int]:
    """The guidance groups the user sits in (cached on the user object)."""
    if user is None or not getattr(user, "pk", None):
        return []
    cached = getattr(user, "_dangjian_groups", None)
    if cached is None:
        from dangjian.campaigns.models import Seat

        cached = list(Seat.objects.filter(user_id=user.pk, guidance_group__isnull=False).values_list("guidance_group_id", flat=True).distinct())
        user._dangjian_groups = cached
    return cached


def may_manage(user, campaign) -> bool:
    """The campaign office (or a system admin)."""
    return can(user, Perm.MANAGE_CAMPAIGN, campaign.org)


def in_group(user, group) -> bool:
    return group.pk in my_group_ids(user)


def group_covers(group, org, round=None) -> bool:
    """Is `org` one of the group's units (or under one), for the round when given?"""
    from dangjian.campaigns.models import GuidanceAssignment
    from dangjian.orgs.models import Org

    if round is not None:
        from dangjian.supervision.models import RoundUnit

        paths = RoundUnit.objects.filter(round=round, group=group).values_list("org__path", flat=True)
    else:
        paths = GuidanceAssignment.objects.filter(group=group).values_list("org__path", flat=True)
    prefixes = [org.path[:i] for i in range(Org.steplen, len(org.path) + 1, Org.steplen)]
    return any(p in prefixes for p in paths)


def may_record(user, group, org, round=None) -> bool:
    """May `user` record an activity of `group` at `org`? The office for any group; a member
    of the group at the group's units only."""
    if may_manage(user, group.campaign):
        return True
    return in_group(user, group) and group_covers(group, org, round)


def group_q(user, group_field: str = "group") -> Q:
    """Rows of the user's own groups."""
    return Q(**{f"{group_field}_id__in": my_group_ids(user)})


def visible(qs: QuerySet, user, group_field: str = "group") -> QuerySet:
    """Rows of a group-owned model (registered with the campaign's org path) the user may see:
    the office's (scoping policy) and those of the user's own groups."""
    mine = my_group_ids(user)
    scoped = restrict(qs, user)
    if not mine:
        return scoped
    return qs.filter(Q(pk__in=scoped.values("pk")) | Q(**{f"{group_field}_id__in": mine}))
