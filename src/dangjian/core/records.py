"""Linked records ("study.StudySession:42"): evidence and links name a record of another app by
its label and id. Apps register the page that shows each kind (core imports no domain app)."""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse

_pages: dict[str, str] = {}


def register_record_page(label: str, url_name: str) -> None:
    """`label` is "app.Model"; `url_name` a page taking the record's pk."""
    _pages[label] = url_name


def record_url(ref: str) -> str:
    """The page of a linked record, or "" when the kind has no page (or the ref is malformed).
    The page itself checks scope: a link never shows what the reader may not see."""
    label, _, pk = (ref or "").partition(":")
    name = _pages.get(label)
    if not name or not pk.isdigit():
        return ""
    try:
        return reverse(name, args=[int(pk)])
    except NoReverseMatch:
        return ""
