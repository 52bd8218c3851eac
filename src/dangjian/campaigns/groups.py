"""Working groups, guidance groups and their assigned units, and the scope a guidance group's
members get from its assignments."""
from __future__ import annotations

from dangjian.campaigns.models import CampaignStatus, GuidanceAssignment
from dangjian.core.models import Role


def guidance_scope(user) -> list[tuple[str, str]]:
    """(role, org path) for every unit assigned to a guidance group the user sits in, in
    campaigns under way: the group's members see and review those units, nothing else."""
    rows = GuidanceAssignment.objects.filter(
        group__seats__user=user, campaign__status=CampaignStatus.ACTIVE,
    ).values_list("org__path", flat=True).distinct()
    return [(Role.GUIDANCE_MEMBER, path) for path in rows]
