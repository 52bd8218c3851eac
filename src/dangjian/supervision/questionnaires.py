"""Questionnaires (问卷 / 调查表): design, publish, fill on a phone, remind, results, export.

- Design: sections, questions of four kinds (单选, 多选, 量表, 文字), required or not, options,
  scale 1..N. Designed, published and reminded by whoever may change the publishing org
  (CHANGE_ORG at `org`: the committee office for the root's); while a draft only.
- Audience: members → members (with an account) of the org's subtree, narrowed by categories;
  units → orgs of the subtree narrowed by kinds, answered by someone with ACT there.
- One answer per respondent: `respondent_key` is an HMAC (settings.SECRET_KEY) of the user, or
  of the unit for unit questionnaires; the unique constraint makes it hold under a race.
  Anonymous questionnaires keep no user on the response.
- After the deadline or once closed: refused. Required questions must be answered.
- Results: one GROUP BY (item, option, value) over the answers, in the database.
- Results are read by the publishing org's people (VIEW at `org`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.jobs import periodic
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Category, Member, Org, OrgKind
from dangjian.supervision.models import (
    Answer,
    Audience,
    QItem,
    QuestionKind,
    Questionnaire,
    QuestionnaireStatus,
    Response,
)

MAX_OPTIONS = 20
MAX_ITEMS = 200
MAX_TEXT = 2000


# --------------------------------------------------------------------------- permissions
def may_design(user, org) -> bool:
    return can(user, Perm.CHANGE_ORG, org)


def may_view(user, q: Questionnaire) -> bool:
    """The publishing org's people: results, raw answers, the design."""
    return can(user, Perm.VIEW, q.org)


def designed_for(user) -> QuerySet:
    """Questionnaires of orgs the user sees (the designers' list)."""
    # Questionnaire is registered with MEMBERS inheritance (read from below); the designers'
    # list wants those of the orgs the user sees itself.
    return Questionnaire.objects.filter(org__in=restrict(Org.objects.all(), user, Perm.VIEW))


def respondent_orgs(user, q: Questionnaire) -> QuerySet:
    """Units the user may answer a unit questionnaire for (ACT there, in the subtree, of the
    kinds asked)."""
    qs = restrict(Org.objects.filter(path__startswith=q.org.path), user, Perm.ACT)
    if q.target_kinds:
        qs = qs.filter(kind__in=q.target_kinds)
    return qs.order_by("path")


def own_member(user) -> Member | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return Member.objects.filter(user_id=user.pk).select_related("org").first()


def member_is_target(q: Questionnaire, member: Member | None) -> bool:
    if member is None or not member.org.path.startswith(q.org.path):
        return False
    return not q.target_categories or member.category in q.target_categories


def waiting_for(user) -> list[Questionnaire]:
    """Published questionnaires sent to the user (as a member, or for a unit) that are still
    open (at most 200, newest first)."""
    now = timezone.now()
    open_ = Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED, deadline__gte=now)
    cond = Q(pk__in=[])
    member = own_member(user)
    if member is not None:
        prefixes = _prefixes(member.org.path)
        cond |= Q(audience=Audience.MEMBERS, org__path__in=prefixes)
    act_paths = list(restrict(Org.objects.all(), user, Perm.ACT).values_list("path", flat=True)[:500])
    if act_paths:
        prefixes: set[str] = set()
        for p in act_paths:
            prefixes.update(_prefixes(p))
        cond |= Q(audience=Audience.UNITS, org__path__in=sorted(prefixes))
    rows = list(open_.filter(cond).select_related("org").order_by("deadline", "pk")[:200])
    # Categories are narrowed here (JSON containment differs between databases).
    return [q for q in rows if q.audience == Audience.UNITS or not q.target_categories or member.category in q.target_categories]


def _prefixes(path: str) -> list[str]:
    step = Org.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def is_respondent(user, q: Questionnaire) -> bool:
    if q.audience == Audience.MEMBERS:
        return member_is_target(q, own_member(user))
    return respondent_orgs(user, q).exists()


# --------------------------------------------------------------------------- design
def _clean_items(items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise ValidationError({"items": "问卷至少要有一道题目"})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"题目最多 {MAX_ITEMS} 道"})
    out = []
    kinds = set(QuestionKind.values)
    for n, raw in enumerate(items, start=1):
        kind = (raw.get("kind") or "").strip()
        text = (raw.get("text") or "").strip()
        where = f"第{n}题"
        if kind not in kinds:
            raise ValidationError({"items": f"{where}：题型应为单选、多选、量表或文字"})
        if not text:
            raise ValidationError({"items": f"{where}：请填写题目"})
        if len(text) > 500:
            raise ValidationError({"items": f"{where}：题目不能超过500字"})
        options = [str(o).strip() for o in (raw.get("options") or []) if str(o).strip()]
        scale_max = raw.get("scale_max") or 5
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if len(options) < 2:
                raise ValidationError({"items": f"{where}（{text[:20]}）：选择题至少要有两个选项"})
            if len(options) > MAX_OPTIONS:
                raise ValidationError({"items": f"{where}：选项最多 {MAX_OPTIONS} 个"})
            if len(set(options)) != len(options):
                raise ValidationError({"items": f"{where}：选项不能重复"})
        else:
            options = []
        if kind == QuestionKind.SCALE:
            try:
                scale_max = int(scale_max)
            except (TypeError, ValueError):
                raise ValidationError({"items": f"{where}：量表分值应为 2 到 10 的整数"}) from None
            if not 2 <= scale_max <= 10:
                raise ValidationError({"items": f"{where}：量表分值应为 2 到 10 的整数"})
        else:
            scale_max = 5
        out.append({"section": (raw.get("section") or "").strip()[:100], "kind": kind, "text": text, "options": options,
                    "scale_max": scale_max, "required": bool(raw.get("required", True)), "order": n})
    return out


def _clean_head(data: dict, q: Questionnaire) -> None:
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": "请填写问卷标题"})
    audience = data.get("audience") or Audience.MEMBERS
    if audience not in Audience.values:
        raise ValidationError({"audience": "填写对象应为“党员填写”或“单位填报”"})
    kinds = list(data.get("target_kinds") or [])
    cats = list(data.get("target_categories") or [])
    bad = [k for k in kinds if k not in OrgKind.values]
    if bad:
        raise ValidationError({"target_kinds": f"没有这种单位类型：{'、'.join(bad)}"})
    bad = [c for c in cats if c not in Category.values]
    if bad:
        raise ValidationError({"target_categories": f"没有这种人员类别：{'、'.join(bad)}"})
    deadline = data.get("deadline")
    if deadline is None:
        raise ValidationError({"deadline": "请填写截止时间"})
    if isinstance(deadline, dt.datetime) and timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    q.title = title[:200]
    q.intro = (data.get("intro") or "").strip()
    q.audience = audience
    q.target_kinds = kinds if audience == Audience.UNITS else []
    q.target_categories = cats if audience == Audience.MEMBERS else []
    q.anonymous = bool(data.get("anonymous", True))
    q.deadline = deadline
    if "campaign" in data:
        q.campaign = data["campaign"]


def _write_items(q: Questionnaire, items: list[dict]) -> None:
    q.items.all().delete()
    QItem.objects.bulk_create([QItem(questionnaire=q, **i) for i in items])


@transaction.atomic
def create_questionnaire(user, org: Org, data: dict) -> Questionnaire:
    if org is None or not may_design(user, org):
        raise PermissionDenied("无权为该组织设计问卷")
    q = Questionnaire(org=org, created_by=user)
    _clean_head(data, q)
    items = _clean_items(data.get("items"))
    stamp(q, user, "设计问卷")
    q.save()
    _write_items(q, items)
    return q


@transaction.atomic
def update_questionnaire(user, q: Questionnaire, data: dict) -> Questionnaire:
    if not may_design(user, q.org):
        raise PermissionDenied("无权修改该问卷")
    q = Questionnaire.objects.select_for_update().get(pk=q.pk)
    if q.status != QuestionnaireStatus.DRAFT:
        if set(data) - {"deadline"}:
            raise ValidationError({"status": "问卷已发布，只能延长截止时间，不能修改题目"})
        deadline = data["deadline"]
        if deadline <= timezone.now():
            raise ValidationError({"deadline": "截止时间应晚于现在"})
        q.deadline = deadline
        stamp(q, user, "延长截止时间")
        q.save()
        return q
    merged = {"title": q.title, "intro": q.intro, "audience": q.audience, "target_kinds": q.target_kinds,
              "target_categories": q.target_categories, "anonymous": q.anonymous, "deadline": q.deadline}
    merged.update({k: v for k, v in data.items() if k != "items"})
    _clean_head(merged, q)
    if data.get("items") is not None:
        _write_items(q, _clean_items(data["items"]))
    stamp(q, user, "修改问卷")
    q.save()
    return q


@transaction.atomic
def publish(user, q: Questionnaire) -> int:
    """Publish a draft; the respondents are notified. Returns how many were notified."""
    if not may_design(user, q.org):
        raise PermissionDenied("无权发布该问卷")
    Questionnaire.objects.select_for_update().filter(pk=q.pk).exists()  # lock, then read fresh
    q.refresh_from_db()
    if q.status != QuestionnaireStatus.DRAFT:
        raise ValidationError({"status": "问卷已发布，不能重复发布"})
    if not q.items.exists():
        raise ValidationError({"items": "问卷还没有题目，不能发布"})
    if q.deadline <= timezone.now():
        raise ValidationError({"deadline": "截止时间已过，请先修改截止时间"})
    q.status = QuestionnaireStatus.PUBLISHED
    q.published_at = timezone.now()
    stamp(q, user, "发布问卷")
    q.save()
    return _notify(q, pending_user_ids(q), f"请填写问卷：{q.title}", key=f"questionnaire:{q.pk}:published")


@transaction.atomic
def close(user, q: Questionnaire) -> Questionnaire:
    if not may_design(user, q.org):
        raise PermissionDenied("无权结束该问卷")
    if q.status != QuestionnaireStatus.PUBLISHED:
        raise ValidationError({"status": "只有已发布的问卷可以结束"})
    q.status = QuestionnaireStatus.CLOSED
    stamp(q, user, "结束问卷")
    q.save()
    return q


# --------------------------------------------------------------------------- answering
def respondent_key(q: Questionnaire, *, user=None, org=None) -> str:
    subject = f"q{q.pk}:org{org.pk}" if org is not None else f"q{q.pk}:user{user.pk}"
    return hmac.new(settings.SECRET_KEY.encode(), subject.encode(), hashlib.sha256).hexdigest()


def has_answered(user, q: Questionnaire, org=None) -> bool:
    key = respondent_key(q, org=org) if q.audience == Audience.UNITS and org is not None else respondent_key(q, user=user)
    return Response.objects.filter(questionnaire=q, respondent_key=key).exists()


def _clean_answers(q: Questionnaire, items: list[QItem], answers: dict) -> list[Answer]:
    rows: list[Answer] = []
    errors: dict[str, str] = {}
    for n, item in enumerate(items, start=1):
        field = f"q{item.pk}"
        raw = answers.get(str(item.pk), answers.get(item.pk))
        if isinstance(raw, str):
            raw = raw.strip()
        empty = raw is None or raw == "" or raw == []
        if empty:
            if item.required:
                errors[field] = f"第{n}题“{item.text[:30]}”为必答题，请作答"
            continue
        try:
            if item.kind == QuestionKind.SINGLE:
                opt = int(raw[0] if isinstance(raw, list) else raw)
                if not 0 <= opt < len(item.options):
                    raise ValueError
                rows.append(Answer(item=item, option=opt))
            elif item.kind == QuestionKind.MULTIPLE:
                values = raw if isinstance(raw, list) else [raw]
                opts = sorted({int(v) for v in values})
                if any(not 0 <= o < len(item.options) for o in opts):
                    raise ValueError
                rows.extend(Answer(item=item, option=o) for o in opts)
            elif item.kind == QuestionKind.SCALE:
                value = int(raw[0] if isinstance(raw, list) else raw)
                if not 1 <= value <= item.scale_max:
                    raise ValueError
                rows.append(Answer(item=item, value=value))
            else:
                text = str(raw)
                if len(text) > MAX_TEXT:
                    errors[field] = f"第{n}题：回答不能超过{MAX_TEXT}字"
                    continue
                rows.append(Answer(item=item, text=text))
        except (TypeError, ValueError):
            if item.kind == QuestionKind.SCALE:
                errors[field] = f"第{n}题：请选择 1 到 {item.scale_max} 之间的分值"
            else:
                errors[field] = f"第{n}题：所选选项不存在"
    if errors:
        raise ValidationError(errors)
    return rows


def _already(q: Questionnaire, key: str) -> bool:
    """A friendly early refusal; the unique constraint decides under a race."""
    return Response.objects.filter(questionnaire=q, respondent_key=key).exists()


def submit(user, q: Questionnaire, answers: dict, org: Org | None = None, now=None) -> Response:
    """Record one respondent's answers. `answers` maps an item's id to an option index (single),
    a list of indexes (multiple), a value (scale) or a text. Unit questionnaires name the unit
    (`org`) answered for."""
    now = now or timezone.now()
    if q.status != QuestionnaireStatus.PUBLISHED:
        raise ValidationError({"status": "问卷未发布或已结束，不能填写"})
    if now > q.deadline:
        raise ValidationError({"deadline": f"问卷已于 {timezone.localtime(q.deadline):%Y-%m-%d %H:%M} 截止，不能再填写"})
    if q.audience == Audience.UNITS:
        if org is None:
            orgs = list(respondent_orgs(user, q)[:2])
            if len(orgs) != 1:
                if not orgs:
                    raise PermissionDenied("该问卷不是发给您所在单位的")
                raise ValidationError({"org": "请选择代表哪个单位填报"})
            org = orgs[0]
        elif not respondent_orgs(user, q).filter(pk=org.pk).exists():
            raise PermissionDenied("您不能代表该单位填报此问卷")
        key = respondent_key(q, org=org)
        resp_org = org
    else:
        member = own_member(user)
        if not member_is_target(q, member):
            raise PermissionDenied("该问卷不是发给您的")
        key = respondent_key(q, user=user)
        resp_org = member.org
    items = list(q.items.all())
    rows = _clean_answers(q, items, answers)
    duplicate = ValidationError({"questionnaire": "已经填写过该问卷，每人（每个单位）只能填写一次"})
    if _already(q, key):
        raise duplicate
    try:
        with transaction.atomic():
            resp = Response.objects.create(questionnaire=q, respondent_key=key, org=resp_org, submitted_at=now,
                                           user=None if q.anonymous else user)
            for a in rows:
                a.response = resp
            Answer.objects.bulk_create(rows)
    except IntegrityError:
        raise duplicate from None
    return resp


# --------------------------------------------------------------------------- reminders
def recipient_user_ids(q: Questionnaire) -> list[int]:
    """Users the questionnaire is sent to: member accounts of the subtree (of the categories),
    or, for units, the users holding a role with ACT at a target unit itself."""
    if q.audience == Audience.MEMBERS:
        qs = Member.objects.filter(org__path__startswith=q.org.path, user__isnull=False)
        if q.target_categories:
            qs = qs.filter(category__in=q.target_categories)
        return list(qs.values_list("user_id", flat=True))
    from dangjian.core.models import RoleGrant
    from dangjian.core.scoping import ROLE_PERMS

    roles = [r for r, perms in ROLE_PERMS.items() if Perm.ACT in perms]
    qs = RoleGrant.objects.filter(org__path__startswith=q.org.path, role__in=roles)
    if q.target_kinds:
        qs = qs.filter(org__kind__in=q.target_kinds)
    return list(qs.values_list("user_id", flat=True).distinct())


def pending_user_ids(q: Questionnaire) -> list[int]:
    """Recipients who have not answered yet (for units: whose unit has not)."""
    done = set(Response.objects.filter(questionnaire=q).values_list("respondent_key", flat=True))
    if q.audience == Audience.MEMBERS:
        return [uid for uid in recipient_user_ids(q) if _user_key(q, uid) not in done]
    from dangjian.core.models import RoleGrant

    grants = RoleGrant.objects.filter(user_id__in=recipient_user_ids(q), org__path__startswith=q.org.path)
    if q.target_kinds:
        grants = grants.filter(org__kind__in=q.target_kinds)
    out = []
    for uid, org_id in grants.values_list("user_id", "org_id"):
        if _org_key(q, org_id) not in done and uid not in out:
            out.append(uid)
    return out


def _user_key(q, uid):
    return hmac.new(settings.SECRET_KEY.encode(), f"q{q.pk}:user{uid}".encode(), hashlib.sha256).hexdigest()


def _org_key(q, org_id):
    return hmac.new(settings.SECRET_KEY.encode(), f"q{q.pk}:org{org_id}".encode(), hashlib.sha256).hexdigest()


def _notify(q: Questionnaire, user_ids: list[int], title: str, key: str) -> int:
    from dangjian.core.notify import Message, notify_many

    url = reverse("questionnaire_fill", args=[q.pk])
    body = f"截止时间：{timezone.localtime(q.deadline):%Y-%m-%d %H:%M}"
    return notify_many(Message(uid, title, body, url, "questionnaire", key) for uid in user_ids)


def remind(user, q: Questionnaire, now=None) -> int:
    """Remind those who have not answered (once a day at most: the key carries the date).
    Returns how many reminders were new."""
    if user is not None and not may_design(user, q.org):
        raise PermissionDenied("无权发送提醒")
    now = now or timezone.now()
    if q.status != QuestionnaireStatus.PUBLISHED or q.deadline < now:
        raise ValidationError({"status": "问卷未在填写期内，不能提醒"})
    day = timezone.localdate(now).isoformat()
    return _notify(q, pending_user_ids(q), f"提醒：请在截止前填写问卷《{q.title}》", key=f"questionnaire:{q.pk}:remind:{day}")


def remind_now(user, q: Questionnaire) -> int:
    """The "提醒未填写" button: remind, and keep who reminded when in the questionnaire's history."""
    with transaction.atomic():
        n = remind(user, q)
        stamp(q, user, f"提醒未填写（{n}人）")
        q.save()
    return n


@periodic("supervision.questionnaire_reminders", at=dt.time(9, 0))
def remind_due() -> int:
    """Every morning: remind the pending respondents of questionnaires closing within 3 days."""
    return remind_closing()


def remind_closing(now=None) -> int:
    now = now or timezone.now()
    total = 0
    for q in Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED, deadline__gte=now,
                                          deadline__lte=now + dt.timedelta(days=3)).select_related("org"):
        total += remind(None, q, now=now)
    return total


# --------------------------------------------------------------------------- results
def expected(q: Questionnaire) -> int:
    """How many should answer: member accounts of the subtree (of the categories), or units of
    the subtree (of the kinds). One count."""
    if q.audience == Audience.MEMBERS:
        qs = Member.objects.filter(org__path__startswith=q.org.path, user__isnull=False)
        if q.target_categories:
            qs = qs.filter(category__in=q.target_categories)
        return qs.count()
    qs = Org.objects.filter(path__startswith=q.org.path)
    if q.target_kinds:
        qs = qs.filter(kind__in=q.target_kinds)
    return qs.count()


def results(q: Questionnaire, items: list[QItem] | None = None, org: Org | None = None) -> dict:
    """Counts, percentages and scale averages per question, from one GROUP BY in the database
    (plus one count of responses). Percentages of single-choice and scale answers are of those
    who answered the question; of multiple-choice options, of all responses. With `org`: only
    the responses from its subtree."""
    items = list(q.items.all()) if items is None else items
    responses = Response.objects.filter(questionnaire=q)
    answers = Answer.objects.filter(item_id__in=[i.pk for i in items])
    if org is not None and org.path != q.org.path:
        responses = responses.filter(org__path__startswith=org.path)
        answers = answers.filter(response__org__path__startswith=org.path)
    total = responses.count()
    rows = answers.order_by().values_list("item_id", "option", "value").annotate(n=Count("*"))
    groups: dict[int, list[tuple]] = {i.pk: [] for i in items}
    for item_id, option, value, n in rows:
        groups[item_id].append((option, value, n))
    out = []
    for i in items:
        g = groups[i.pk]
        entry = {"item": i, "id": i.pk, "section": i.section, "order": i.order, "kind": i.kind, "text": i.text,
                 "required": i.required, "answered": 0, "options": [], "average": None}
        if i.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts = [0] * len(i.options)
            for option, _value, n in g:
                if option is not None and 0 <= option < len(counts):
                    counts[option] += n
            base = sum(counts) if i.kind == QuestionKind.SINGLE else total
            entry["answered"] = sum(counts) if i.kind == QuestionKind.SINGLE else None
            entry["options"] = [{"label": label, "count": c, "percent": round(100 * c / base, 1) if base else 0.0}
                                for label, c in zip(i.options, counts, strict=True)]
        elif i.kind == QuestionKind.SCALE:
            counts = [0] * i.scale_max
            for _option, value, n in g:
                if value is not None and 1 <= value <= i.scale_max:
                    counts[value - 1] += n
            answered = sum(counts)
            entry["answered"] = answered
            entry["average"] = round(sum((v + 1) * c for v, c in enumerate(counts)) / answered, 2) if answered else None
            entry["options"] = [{"label": f"{v + 1}分", "count": c, "percent": round(100 * c / answered, 1) if answered else 0.0}
                                for v, c in enumerate(counts)]
        else:
            entry["answered"] = sum(n for _o, _v, n in g)
        out.append(entry)
    return {"total": total, "items": out}


def text_answers(q: Questionnaire, item: QItem, limit: int = 50, org: Org | None = None) -> list[str]:
    qs = Answer.objects.filter(item=item).exclude(text="")
    if org is not None and org.path != q.org.path:
        qs = qs.filter(response__org__path__startswith=org.path)
    return list(qs.order_by("-pk").values_list("text", flat=True)[:limit])


def results_org(user, q: Questionnaire, code: str | None) -> Org | None:
    """The org of `code` to narrow results to: in the questionnaire's subtree and seen by the
    user; None for all."""
    code = (code or "").strip()
    if not code:
        return None
    org = restrict(Org.objects.filter(code=code, path__startswith=q.org.path), user, Perm.VIEW).first()
    if org is None:
        raise ValidationError({"org": f"找不到编码为“{code}”的下级组织，或该组织不在您的查看范围内"})
    return org


# --------------------------------------------------------------------------- export
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_xlsx(q: Questionnaire) -> bytes:
    """Raw answers, one row per response, one column per question (write-only workbook; two
    streamed queries whatever the size)."""
    from openpyxl import Workbook

    items = list(q.items.all())
    col = {i.pk: n for n, i in enumerate(items)}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("原始答卷")
    head = ["序号", "提交时间", "所在组织"] + ([] if q.anonymous else ["填写人"])
    ws.append(head + [f"{n}. {i.text}" for n, i in enumerate(items, start=1)])
    responses = (Response.objects.filter(questionnaire=q).order_by("pk")
                 .values_list("pk", "submitted_at", "org__name", "user__display_name"))
    answers = (Answer.objects.filter(response__questionnaire=q).order_by("response_id", "pk")
               .values_list("response_id", "item_id", "option", "value", "text"))
    ans_iter = iter(answers.iterator(chunk_size=5000))
    pending = next(ans_iter, None)
    for n, (rid, at, org_name, uname) in enumerate(responses.iterator(chunk_size=2000), start=1):
        cells: list[list[str]] = [[] for _ in items]
        while pending is not None and pending[0] == rid:
            _r, item_id, option, value, text = pending
            k = col.get(item_id)
            if k is not None:
                item = items[k]
                if option is not None:
                    cells[k].append(item.options[option] if option < len(item.options) else str(option))
                elif value is not None:
                    cells[k].append(str(value))
                else:
                    cells[k].append(text)
            pending = next(ans_iter, None)
        while pending is not None and pending[0] < rid:  # answers of a response not listed
            pending = next(ans_iter, None)
        row = [n, timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), org_name] + ([] if q.anonymous else [uname or ""])
        ws.append(row + ["；".join(c) for c in cells])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
