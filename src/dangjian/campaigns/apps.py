from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "dangjian.campaigns"
    label = "campaigns"
    verbose_name = "主题教育"

    def ready(self) -> None:
        from dangjian.campaigns import models as m
        from dangjian.campaigns.groups import guidance_scope
        from dangjian.core import scoping

        scoping.register(m.Campaign, path="org__path")
        scoping.register(m.Task, path="campaign__org__path")
        scoping.register(m.UnitTask, path="org__path")
        scoping.register(m.Submission, path="unit_task__org__path")
        scoping.register(m.Evidence, path="unit_task__org__path")
        scoping.register(m.Transition, path="unit_task__org__path")
        scoping.register(m.GuidanceAssignment, path="org__path")
        scoping.register(m.NoticeReceipt, path="org__path")
        scoping.register_scope_source(guidance_scope)

        # The to-do list's counts on the home page, after the org dashboard (which carries the page heading).
        from dangjian.campaigns.notice_views import todo_panel
        from dangjian.core.views import register_home_panel

        register_home_panel("todo", todo_panel, order=20)
