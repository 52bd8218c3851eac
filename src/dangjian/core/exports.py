"""The registry behind `dangjian export KIND ...`: each app offers its kinds of export.

core imports no domain app: an app registers its kinds in a module `<app>.exports_cli`, which
`kinds()` imports on first use for every installed app that has one (autodiscovery).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec


@dataclass(frozen=True)
class ExportKind:
    name: str
    handler: Callable  # (command, **options) -> str: the line the command prints
    add_arguments: Callable | None = None  # (parser) -> None: the kind's own arguments
    help: str = ""


_registry: dict[str, ExportKind] = {}
_discovered = False


def register_export(name: str, handler: Callable, add_arguments: Callable | None = None, help: str = "") -> None:
    _registry[name] = ExportKind(name, handler, add_arguments, help)


def autodiscover() -> None:
    global _discovered
    if _discovered:
        return
    from django.apps import apps

    for config in apps.get_app_configs():
        module = f"{config.name}.exports_cli"
        if find_spec(config.name) is not None and find_spec(module) is not None:
            import_module(module)
    _discovered = True


def kinds() -> dict[str, ExportKind]:
    autodiscover()
    return dict(sorted(_registry.items()))
