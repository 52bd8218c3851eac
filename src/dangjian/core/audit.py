"""The audit trail: who changed what, kept by django-simple-history on every record that matters."""
from django.db import models


def stamp(instance: models.Model, user, reason: str = "") -> models.Model:
    """Mark who makes the next save of `instance` (for saves outside a web request)."""
    # The command-line operator (scoping.system_actor) is an unsaved user: recorded as no one.
    instance._history_user = user if user is not None and user.is_authenticated and user.pk else None
    if reason:
        instance._change_reason = reason
    return instance


def history_rows(instance: models.Model, limit: int = 200) -> list[dict]:
    """The record's history, newest first, each with the fields that changed."""
    records = list(instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for i, rec in enumerate(records[:limit]):
        prev = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if prev is not None and rec.history_type == "~":
            delta = rec.diff_against(prev)
            for change in delta.changes:
                field = rec.instance._meta.get_field(change.field)
                changes.append({"field": str(getattr(field, "verbose_name", change.field)), "old": change.old, "new": change.new})
        rows.append({
            "at": rec.history_date,
            "user": rec.history_user,
            "type": {"+": "创建", "~": "修改", "-": "删除"}[rec.history_type],
            "reason": rec.history_change_reason or "",
            "changes": changes,
        })
    return rows
