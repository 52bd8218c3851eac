from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = "组织与党员"

    def ready(self) -> None:
        from dangjian.core import scoping
        from dangjian.core.models import RoleGrant
        from dangjian.orgs.models import LeadershipPosition, LeadershipTeam, Member, Org

        scoping.register(Org, path="path")
        scoping.register(Member, path="org__path", owner="user")
        scoping.register(LeadershipTeam, path="org__path")
        scoping.register(LeadershipPosition, path="team__org__path")
        scoping.register(RoleGrant, path="org__path")
        scoping.register_member_paths(
            lambda user_id: Member.objects.filter(user_id=user_id).values_list("org__path", flat=True)
        )

        from dangjian.core.views import register_home_panel
        from dangjian.orgs.views import org_dashboard_panel

        register_home_panel("orgs", org_dashboard_panel, order=10)
