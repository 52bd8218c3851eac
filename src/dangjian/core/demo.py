"""Demo data beyond the organisation tree: apps register loaders here, `dangjian demo` runs them.

An app adds a module `<app>/demo.py` that calls `register_demo_loader(name, fn, order)` at
import; `discover()` imports those modules of the installed dangjian apps, so no app's
`apps.py` needs to know about the demo. The orgs part (tree, members, demo accounts) runs
first; then every loader in `order`, each in its own transaction, each idempotent (a second
run adds nothing). Core imports no domain app: the context carries the root org as it is.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    """What a loader gets: the demo root org, the demo password, today's date, the login table
    (rows of [角色, 用户名, 姓名, 管理范围]; loaders may add rows or amend a row's scope), notes
    printed after the table, and `write` for progress lines."""

    root: Any
    password: str
    today: dt.date
    logins: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    write: Callable[[str], None] = print

    def login_row(self, username: str) -> list[str] | None:
        for row in self.logins:
            if row[1] == username or row[1].startswith(username + "（"):
                return row
        return None


@dataclass(frozen=True)
class DemoLoader:
    name: str
    fn: Callable[[DemoContext], None]
    order: int


_loaders: dict[str, DemoLoader] = {}


def register_demo_loader(name: str, fn: Callable[[DemoContext], None], order: int = 100) -> None:
    """Register (or replace, by name) a demo loader; lower `order` runs first."""
    _loaders[name] = DemoLoader(name, fn, order)


def discover() -> None:
    """Import `<app>.demo` of every installed dangjian app (those register their loaders)."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("dangjian."):
            continue
        module = f"{config.name}.demo"
        if find_spec(module) is not None:
            import_module(module)


def loaders() -> list[DemoLoader]:
    discover()
    return sorted(_loaders.values(), key=lambda loader: (loader.order, loader.name))
