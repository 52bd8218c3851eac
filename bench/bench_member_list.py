"""member_list_<scale>: the first page of the member list for the root's admin, server side."""
from __future__ import annotations

import logging

from runner import SMALLER, Context, Figure, Skip, median_seconds

NAME = "member_list"
LIMIT_MS = 100
BACKEND = "dangjian.core.auth.UsernameOrPhoneBackend"


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend=BACKEND)
    return client


def _get(client, url: str) -> int:
    try:
        response = client.get(url, secure=True)
    except Exception as exc:  # noqa: BLE001 - a page still being written must not stop the run
        raise Skip(f"GET {url} failed: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise Skip(f"GET {url} answered {response.status_code}, not 200")
    return response.status_code


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    return len(captured)


def run(ctx: Context) -> list[Figure]:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("member_list")
    except NoReverseMatch as exc:
        raise Skip("the member list page (URL name member_list) is not there yet") from exc
    ctx.ensure_members()
    # A failing page is reported as a skip in one line, not as a logged traceback.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return _measure(ctx, url)
    finally:
        logger.setLevel(level)


def _measure(ctx: Context, url: str) -> list[Figure]:
    client = _client(ctx.users["root_admin"])
    ms = median_seconds(lambda: _get(client, url), repeat=5, warmup=1) * 1000
    extra = {"queries": _queries(client, url)}
    extra["queries_unit"] = _queries(_client(ctx.users["unit_admin"]), url)
    if ctx.scale == "small":
        extra["queries_small"] = extra["queries"]
    elif ctx.ensure_smaller() is not None:
        extra[f"queries_{SMALLER[ctx.scale]}"] = _queries(_client(ctx.smaller_users["root_admin"]), url)
    return [Figure(ctx.name(NAME), ms, "ms", limit=LIMIT_MS, extra=extra)]
