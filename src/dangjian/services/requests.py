"""Service requests from the public (群众诉求): entry, correction, listing with filters.

Who: VIEW at the unit's org to see a request, ACT there to record or change one. Times are
checked together: a response or a resolution before the request was received is refused.
"""
from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, F, Func, Q
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.scoping import Perm, can, can_on, get_in_scope, restrict, subtree_q
from dangjian.services.models import Channel, Satisfaction, ServiceRequest, ServiceUnit

FIELDS = ("unit", "number", "channel", "category", "content", "received_at", "responded_at", "resolved_at", "satisfaction")
STATUS_CHOICES = [("", "全部"), ("unanswered", "未响应"), ("late", "响应超时"), ("unresolved", "未办结"), ("unrated", "未评价")]


def limit_hours() -> int:
    """The response-time limit (响应时限): DANGJIAN_RESPONSE_LIMIT_HOURS, 24 h by default."""
    return int(getattr(settings, "DANGJIAN_RESPONSE_LIMIT_HOURS", 24))


class RespondedWithin(Func):
    """True when the request was answered within `hours` of being received. Vendor SQL so
    that SQLite needs no Python function per row (Django's datetime + duration would)."""

    output_field = BooleanField()

    def __init__(self, hours: float, responded: str = "responded_at", received: str = "received_at"):
        super().__init__(F(responded), F(received))
        self.hours = hours

    def as_sql(self, compiler, connection, **extra):
        r_sql, r_params = compiler.compile(self.source_expressions[0])
        x_sql, x_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "sqlite":
            # julianday() is exact to well under a millisecond at these dates.
            return f"(julianday({r_sql}) - julianday({x_sql}) <= %s)", (*r_params, *x_params, self.hours / 24 + 1e-9)
        return f"({r_sql} <= {x_sql} + %s * INTERVAL '1 hour')", (*r_params, *x_params, self.hours)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first instant and the next month's, in the local time zone."""
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time.min, tzinfo=tz), dt.datetime.combine(nxt, dt.time.min, tzinfo=tz)


def parse_month(value: str | None, *, field: str = "month") -> dt.date | None:
    """'YYYY-MM' → the month's first day; None when blank. Bad: ValidationError naming `field`."""
    if not value:
        return None
    try:
        year, mon = str(value).strip().split("-")[:2]
        return dt.date(int(year), int(mon), 1)
    except (TypeError, ValueError):
        raise ValidationError({field: "月份格式应为 YYYY-MM，如 2026-05"}) from None


def requests(user, *, org=None, unit: ServiceUnit | None = None, month: dt.date | None = None,
             status: str = "", q: str = "", perm: str = Perm.VIEW, now: dt.datetime | None = None):
    """The requests `user` may `perm`, filtered; newest first."""
    qs = ServiceRequest.objects.select_related("unit", "org")
    if org is not None:
        qs = qs.filter(subtree_q("org__path", org.path))
    qs = restrict(qs, user, perm)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if month is not None:
        start, end = month_bounds(month)
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    now = now or timezone.now()
    hours = limit_hours()
    if status == "unanswered":
        qs = qs.filter(responded_at__isnull=True)
    elif status == "late":
        qs = qs.filter(Q(responded_at__isnull=False) & ~Q(RespondedWithin(hours))
                       | Q(responded_at__isnull=True, received_at__lt=now - dt.timedelta(hours=hours)))
    elif status == "unresolved":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "unrated":
        qs = qs.filter(satisfaction="")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(content__icontains=q) | Q(category__icontains=q))
    return qs.order_by("-received_at", "-pk")


def get_request(user, pk: int, perm: str = Perm.VIEW) -> ServiceRequest:
    return get_in_scope(ServiceRequest.objects.select_related("unit", "org", "created_by"), user, perm, pk=pk)


def time_errors(received, responded, resolved) -> dict[str, str]:
    """The refusals about times, by field."""
    errors = {}
    if received is None:
        errors["received_at"] = "请填写受理时间"
        return errors
    if responded is not None and responded < received:
        errors["responded_at"] = "响应时间不能早于受理时间"
    if resolved is not None and resolved < received:
        errors["resolved_at"] = "办结时间不能早于受理时间"
    elif resolved is not None and responded is None:
        errors["responded_at"] = "已办结的诉求须填写响应时间"
    elif resolved is not None and responded is not None and resolved < responded:
        errors["resolved_at"] = "办结时间不能早于响应时间"
    now = timezone.now() + dt.timedelta(minutes=5)
    for name, value in (("received_at", received), ("responded_at", responded), ("resolved_at", resolved)):
        if value is not None and value > now and name not in errors:
            errors[name] = "时间不能晚于当前时间"
    return errors


def _aware(value):
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _clean(user, data: dict, req: ServiceRequest | None) -> dict:
    errors: dict[str, str] = {}
    out: dict = {}
    if "unit" in data or req is None:
        unit = data.get("unit")
        if isinstance(unit, str):
            code = unit.strip()
            unit = ServiceUnit.objects.select_related("org").filter(code=code).first()
            if unit is None:
                errors["unit"] = f"没有编码为“{code}”的责任单位"
        if unit is None and "unit" not in errors:
            errors["unit"] = "请选择责任单位"
        elif unit is not None and not can(user, Perm.ACT, unit.org):
            errors["unit"] = f"责任单位“{unit.code}”不在您的管理范围内"
        elif unit is not None:
            out["unit"] = unit
    if "number" in data or req is None:
        number = (data.get("number") or "").strip()
        if not number and req is None:
            number = f"SR{timezone.localtime():%Y%m%d%H%M%S}{secrets.token_hex(2).upper()}"
        if not number:
            errors["number"] = "诉求编号不能为空"
        elif len(number) > 40:
            errors["number"] = "诉求编号不能超过40个字符"
        elif ServiceRequest.objects.filter(number=number).exclude(pk=req.pk if req else None).exists():
            errors["number"] = f"诉求编号“{number}”已存在"
        else:
            out["number"] = number
    if "channel" in data:
        channel = data.get("channel") or Channel.HOTLINE
        if channel not in Channel.values:
            errors["channel"] = "渠道无效，可选：" + "、".join(f"{v}（{label}）" for v, label in Channel.choices)
        out["channel"] = channel
    if "satisfaction" in data:
        sat = data.get("satisfaction") or ""
        if sat and sat not in Satisfaction.values:
            errors["satisfaction"] = "满意度评价无效，可选：" + "、".join(f"{v}（{label}）" for v, label in Satisfaction.choices)
        out["satisfaction"] = sat
    for name, size in (("category", 50), ("content", 4000)):
        if name in data:
            text = (data.get(name) or "").strip()
            if len(text) > size:
                errors[name] = f"不能超过{size}个字符"
            out[name] = text
    times = {}
    for name in ("received_at", "responded_at", "resolved_at"):
        value = _aware(data[name]) if name in data else (getattr(req, name) if req else None)
        times[name] = value
        if name in data:
            out[name] = value
    for name, msg in time_errors(times["received_at"], times["responded_at"], times["resolved_at"]).items():
        errors.setdefault(name, msg)
    if out.get("satisfaction") and (times["resolved_at"] is None) and "satisfaction" not in errors:
        errors["satisfaction"] = "诉求办结后才能评价满意度"
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_request(user, data: dict) -> ServiceRequest:
    """Record a request (ACT at its unit's org). `data` by field name; `unit` a ServiceUnit or
    its code; times aware datetimes; a blank number is generated."""
    if not can(user, Perm.ACT):
        raise PermissionDenied("无权登记群众诉求")
    values = _clean(user, {k: v for k, v in data.items() if k in FIELDS}, None)
    req = ServiceRequest(**values, org=values["unit"].org, created_by=user if getattr(user, "pk", None) else None)
    stamp(req, user, "登记群众诉求")
    req.save()
    return req


@transaction.atomic
def update_request(user, req: ServiceRequest, data: dict) -> ServiceRequest:
    """Record the response, the resolution, the rating, or correct the request (ACT at the
    unit's org, and at the new unit's when it changes)."""
    if not can_on(user, Perm.ACT, req):
        raise PermissionDenied("无权修改该诉求")
    values = _clean(user, {k: v for k, v in data.items() if k in FIELDS}, req)
    for k, v in values.items():
        setattr(req, k, v)
    req.org_id = req.unit.org_id
    stamp(req, user, "更新群众诉求")
    req.save()
    return req


def flags(req: ServiceRequest, now: dt.datetime | None = None) -> dict:
    """How a request stands: answered in time, late, unresolved (for the pages)."""
    now = now or timezone.now()
    limit = dt.timedelta(hours=limit_hours())
    if req.responded_at is not None:
        timely = req.responded_at - req.received_at <= limit
        late = not timely
    else:
        timely = False
        late = now - req.received_at > limit
    return {"timely": timely, "late": late, "unanswered": req.responded_at is None, "unresolved": req.resolved_at is None,
            "satisfied": req.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASIC)}
