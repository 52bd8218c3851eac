from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "dangjian.supervision"
    label = "supervision"
    verbose_name = "督促指导"

    def ready(self) -> None:
        from dangjian.core import scoping
        from dangjian.core.scoping import Inherit
        from dangjian.supervision import models as m

        # Group-owned records: the office through the campaign's org; group members through
        # supervision.access.visible (their seats).
        scoping.register(m.InspectionPlan, path="org__path")
        scoping.register(m.Round, path="plan__org__path")
        scoping.register(m.RoundUnit, path="round__plan__org__path")
        scoping.register(m.Activity, path="group__campaign__org__path")
        scoping.register(m.ActivityPhoto, path="activity__group__campaign__org__path")
        scoping.register(m.GroupNotice, path="group__campaign__org__path")
        # Addressed to a unit: the unit and the levels above it (and the group, whose members
        # see their units through the campaigns' scope source).
        scoping.register(m.Finding, path="org__path")
        scoping.register(m.Exemplar, path="org__path")
        scoping.register(m.Questionnaire, path="org__path", inherit=Inherit.MEMBERS)
        scoping.register(m.QItem, path="questionnaire__org__path", inherit=Inherit.MEMBERS)
        scoping.register(m.Response, path="org__path", owner="user")
        scoping.register(m.Brief, path="org__path")

        from dangjian.supervision.activities import register_todo

        register_todo()
