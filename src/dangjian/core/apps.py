from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "系统"

    def ready(self) -> None:
        from dangjian.core import (
            notify,  # noqa: F401 - registers the built-in channels
            scoping,
        )
        from dangjian.core.models import Notification

        # A notification belongs to its user; it names no org.
        scoping.register(Notification, path=None, owner="user")
