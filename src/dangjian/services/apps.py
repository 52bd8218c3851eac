from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "dangjian.services"
    label = "services"
    verbose_name = "为民服务"

    def ready(self) -> None:
        from dangjian.core import scoping
        from dangjian.core.records import register_record_page

        register_record_page("services.PracticalMatter", "matter_detail")
        from dangjian.services import models as m

        scoping.register(m.PracticalMatter, path="org__path")
        scoping.register(m.ServiceUnit, path="org__path")
        scoping.register(m.ServiceRequest, path="org__path")
