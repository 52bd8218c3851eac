from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "dangjian.rectification"
    label = "rectification"
    verbose_name = "检视整改"

    def ready(self) -> None:
        from dangjian.core import scoping
        from dangjian.core.records import register_record_page

        register_record_page("rectification.Problem", "problem_detail")
        from dangjian.rectification import models as m

        scoping.register(m.Problem, path="org__path")
        scoping.register(m.Measure, path="problem__org__path")
        scoping.register(m.ProblemStep, path="problem__org__path")
        scoping.register(m.ProblemEvidence, path="problem__org__path")
        scoping.register(m.Outcome, path="org__path")

        from dangjian.rectification.problems import register_todo
        from dangjian.rectification.views_lists import register_panel

        register_todo()
        register_panel()
