from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "dangjian.study"
    label = "study"
    verbose_name = "理论学习"

    def ready(self) -> None:
        from dangjian.core import scoping
        from dangjian.core.records import register_record_page

        register_record_page("study.StudySession", "study_session_detail")
        from dangjian.core.scoping import Inherit
        from dangjian.study import models as m

        scoping.register(m.StudyPlan, path="org__path")
        scoping.register(m.StudySession, path="org__path")
        scoping.register(m.Attendance, path="org__path", owner="member__user")
        scoping.register(m.Material, path="org__path", inherit=Inherit.MEMBERS)
        scoping.register(m.CampaignMaterial, path="campaign__org__path", inherit=Inherit.MEMBERS)
        scoping.register(m.Distribution, path="org__path")
        scoping.register(m.ReadingProgress, path="org__path", owner="member__user")
        scoping.register(m.Question, path="org__path", inherit=Inherit.ROLES)
        scoping.register(m.Quiz, path="org__path", inherit=Inherit.MEMBERS)
        scoping.register(m.QuizAttempt, path="org__path", owner="member__user")
        scoping.register(m.Questioning, path="org__path", owner="member__user")
