"""Pages of orgs: the dashboard panel, the org tree, org and member pages, accounts for members."""
from __future__ import annotations

from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dangjian.core import accounts
from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.personal import log_access, mask_id_number, mask_phone, may_unmask
from dangjian.core.scoping import (
    Perm,
    can,
    can_on,
    get_in_scope,
    restrict,
    restrict_subtree,
    scope_of,
    subtree_q,
)
from dangjian.orgs import services
from dangjian.orgs.forms import (
    USUAL_CHILD_KIND,
    AccountCreateForm,
    LeadershipPositionForm,
    LeadershipTeamForm,
    MemberFilterForm,
    MemberForm,
    OrgCreateForm,
    OrgEditForm,
    OrgMoveForm,
)
from dangjian.orgs.models import (
    Category,
    LeadershipPosition,
    LeadershipTeam,
    Member,
    MemberStatus,
    Org,
    OrgKind,
)
from dangjian.orgs.rollups import (
    member_counts_by_category,
    org_counts_by_kind,
    secondary_unit_rollup,
)

MEMBERS_PER_PAGE = 20
SEARCH_LIMIT = 50
CHART_ROW = 34  # px per bar of the dashboard chart
CHART_ONE_COLUMN_MAX = 12
DATALIST_LIMIT = 500  # suggestions in a code field; any code in scope may still be typed
# Tree paths are internal; history shows the move's reason instead of path changes.
HIDDEN_HISTORY_FIELDS = {"path", "depth", "numchild"}
PERSONAL_FIELDS = {"id_number": mask_id_number, "phone": mask_phone}


def login_required_htmx(view):
    """login_required, but an htmx fragment request sends the whole page to the login form
    instead of swapping the login page into the fragment."""
    protected = login_required(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated and getattr(request, "htmx", False):
            return HttpResponseClientRedirect(reverse("login"))
        return protected(request, *args, **kwargs)

    return wrapped


# ----------------------------------------------------------------------------- shared lookups

def visible_roots(user):
    """The tops of the subtrees `user` may see, in (order, code) order."""
    scope = scope_of(user)
    qs = Org.objects.filter(depth=1) if Perm.VIEW in scope.is_global else Org.objects.filter(path__in=scope.paths(Perm.VIEW))
    return restrict(qs, user).order_by("order", "code")


def subtree_member_counts(user, orgs, within: Org | None = None) -> dict[int, int]:
    """Members in each org's subtree, by org id: one grouped query per path length."""
    by_width: dict[int, list[Org]] = defaultdict(list)
    for org in orgs:
        by_width[len(org.path)].append(org)
    counts = {org.pk: 0 for org in orgs}
    for width, group in by_width.items():
        if within is not None:
            q = subtree_q("org__path", within.path)
        else:
            q = Q(pk__in=[])
            for org in group:
                q |= subtree_q("org__path", org.path)
        rows = (restrict(Member.objects.filter(q), user).annotate(prefix=Substr("org__path", 1, width))
                .values("prefix").annotate(n=Count("id")).order_by())
        by_path = {row["prefix"]: row["n"] for row in rows}
        for org in group:
            counts[org.pk] = by_path.get(org.path, 0)
    return counts


def ancestor_paths(org: Org) -> list[str]:
    return [org.path[:i] for i in range(Org.steplen, len(org.path), Org.steplen)]


def visible_ancestors(user, orgs) -> dict[str, Org]:
    """The visible ancestors of all `orgs`, by path, in one query."""
    paths = {p for org in orgs for p in ancestor_paths(org)}
    if not paths:
        return {}
    return {o.path: o for o in restrict(Org.objects.filter(path__in=paths), user)}


def member_totals(user, org: Org | None = None) -> dict[str, int]:
    qs = restrict(Member.objects.all(), user)
    if org is not None:
        qs = qs.filter(subtree_q("org__path", org.path))
    return qs.aggregate(
        total=Count("id"),
        full=Count("id", filter=Q(status=MemberStatus.FULL)),
        probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
        cadres=Count("id", filter=Q(is_cadre=True)),
    )


def org_for_view(user, code: str) -> Org:
    return get_in_scope(Org.objects.all(), user, Perm.VIEW, code=code)


def org_for_change(user, code: str) -> Org:
    """The org if visible (404 otherwise) and changeable by `user` (403 otherwise)."""
    org = org_for_view(user, code)
    if not can(user, Perm.CHANGE_ORG, org):
        raise PermissionDenied("无权修改该组织")
    return org


def code_suggestions(user, perm: str, qs=None):
    qs = Org.objects.all() if qs is None else qs
    return restrict(qs, user, perm).order_by("path").values("code", "name")[:DATALIST_LIMIT]


def present_history(user, model, rows: list[dict]) -> list[dict]:
    """history_rows made readable: labels for choices and links, masked personal numbers."""
    fields = {str(f.verbose_name): f for f in model._meta.fields}
    org_ids, user_ids = set(), set()
    for row in rows:
        for change in row["changes"]:
            field = fields.get(change["field"])
            if field is not None and field.is_relation:
                target = org_ids if field.related_model is Org else user_ids
                target.update(v for v in (change["old"], change["new"]) if v is not None)
    org_names = {o.pk: f"{o.name}（{o.code}）" for o in restrict(Org.objects.filter(pk__in=org_ids), user)} if org_ids else {}
    user_names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}

    def show(field, value):
        if value is None or value == "":
            return "（空）"
        if field is None:
            return value
        if field.name in PERSONAL_FIELDS:
            return PERSONAL_FIELDS[field.name](value)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if field.is_relation:
            names = org_names if field.related_model is Org else user_names
            return names.get(value, "（范围外组织）" if field.related_model is Org else f"#{value}")
        if isinstance(value, bool):
            return "是" if value else "否"
        return value

    out = []
    for row in rows:
        changes = []
        for change in row["changes"]:
            field = fields.get(change["field"])
            if field is not None and field.name in HIDDEN_HISTORY_FIELDS:
                continue
            changes.append({"field": change["field"], "old": show(field, change["old"]), "new": show(field, change["new"])})
        out.append({**row, "changes": changes})
    return out


# ----------------------------------------------------------------------------- home panel

def bar_chart(rows: list[dict]) -> list[list[dict]]:
    """Bars for inline SVG charts, as percentages of the largest unit's member count; ranked,
    and in two columns when there are many units, so that 39 units fit on one screen."""
    largest = max((r["members"] for r in rows), default=0) or 1
    ranked = sorted(rows, key=lambda r: -r["members"])  # stable: ties keep the units' order
    bars = [{"org": r["org"], "members": r["members"], "pct": f"{100 * r['members'] / largest:.1f}"} for r in ranked]
    per_column = len(bars) if len(bars) <= CHART_ONE_COLUMN_MAX else -(-len(bars) // 2)
    columns = [bars[i:i + per_column] for i in range(0, len(bars), per_column)] if bars else []
    return [[{**bar, "y": CHART_ROW * i} for i, bar in enumerate(column)] for column in columns]


def org_dashboard_panel(request):
    user = request.user
    if not can(user, Perm.VIEW):
        member = restrict(Member.objects.select_related("org"), user).filter(user=user).first()
        if member is None:
            return None
        return "orgs/my_record_panel.html", {
            "member": member,
            "phone": mask_phone(member.phone) if member.phone else "",
            "id_number": mask_id_number(member.id_number),
        }
    return "orgs/home_panel.html", {
        "org_total": restrict(Org.objects.all(), user).count(),
        "kinds": [(OrgKind(k).label, n) for k, n in org_counts_by_kind(user).items()],
        "categories": [(Category(c).label, n) for c, n in member_counts_by_category(user).items()],
        "totals": member_totals(user),
        "tables": rollup_tables(user, list(visible_roots(user))),
    }


def rollup_tables(user, roots: list[Org]) -> list[dict]:
    """The roll-up by secondary unit: the children of the user's one subtree top; with several
    tops, one row per top, grouped under their common parent."""
    def table(title, rows):
        columns = bar_chart(rows)
        return {"title": title, "rows": rows, "chart": columns, "chart_height": CHART_ROW * max(map(len, columns), default=0)}

    if len(roots) == 1:
        return [table(f"{roots[0].name} · 下属单位", secondary_unit_rollup(user, roots[0]))]
    groups: dict[str, list[Org]] = defaultdict(list)
    for root in roots:
        groups[root.path[: -Org.steplen]].append(root)
    tables = []
    for parent_path, group in groups.items():
        if not parent_path:  # root committees have no common parent: one table each
            tables.extend(table(f"{root.name} · 下属单位", secondary_unit_rollup(user, root)) for root in group)
        else:
            # Only the parent's path and depth are used, so nothing about it is read or shown.
            parent = Org(path=parent_path, depth=group[0].depth - 1)
            tables.append(table("我负责的单位", secondary_unit_rollup(user, parent)))
    return tables




# ----------------------------------------------------------------------------- org tree

def _tree_nodes(user, orgs, within: Org | None = None) -> list[dict]:
    counts = subtree_member_counts(user, orgs, within)
    return [{"org": o, "members": counts[o.pk], "children": None} for o in orgs]


def _children(user, org: Org):
    return restrict(Org.objects.filter(subtree_q("path", org.path), depth=org.depth + 1), user).order_by("order", "code")


@login_required
def org_tree(request):
    user = request.user
    q = request.GET.get("q", "").strip()
    ctx: dict = {"q": q}
    if q:
        found = list(restrict(Org.objects.filter(Q(name__icontains=q) | Q(code__icontains=q)), user).order_by("path")[: SEARCH_LIMIT + 1])
        ctx["truncated"] = len(found) > SEARCH_LIMIT
        found = found[:SEARCH_LIMIT]
        ancestors = visible_ancestors(user, found)
        counts = subtree_member_counts(user, found)
        ctx["results"] = [
            {"org": o, "members": counts[o.pk], "ancestors": [ancestors[p] for p in ancestor_paths(o) if p in ancestors]}
            for o in found
        ]
    else:
        roots = list(visible_roots(user))
        nodes = _tree_nodes(user, roots)
        if len(nodes) == 1 and roots[0].numchild:
            # One subtree: open it, so the first level is visible without a click.
            nodes[0]["children"] = _tree_nodes(user, list(_children(user, roots[0])), within=roots[0])
        ctx["nodes"] = nodes
    ctx["can_create"] = Perm.CHANGE_ORG in scope_of(user).is_global
    return render(request, "orgs/tree.html", ctx)


@login_required_htmx
def org_children(request, code: str):
    org = org_for_view(request.user, code)
    nodes = _tree_nodes(request.user, list(_children(request.user, org)), within=org)
    return render(request, "orgs/_tree_children.html", {"nodes": nodes, "parent": org})


# ----------------------------------------------------------------------------- org pages

@login_required
def org_detail(request, code: str):
    user = request.user
    org = org_for_view(user, code)
    children = list(_children(user, org))
    team = restrict(LeadershipTeam.objects.filter(org=org), user).first()
    positions = []
    if team is not None:
        positions = list(restrict(team.positions.select_related("member", "member__org"), user).order_by("order", "id"))
    can_change = can(user, Perm.CHANGE_ORG, org)
    parent_path = org.path[: -Org.steplen]
    can_move = can_change and org.depth > 1 and scope_of(user).covers(Perm.CHANGE_ORG, parent_path)
    return render(request, "orgs/org_detail.html", {
        "org": org,
        "ancestors": [a for p, a in sorted(visible_ancestors(user, [org]).items())],
        "children": _tree_nodes(user, children, within=org),
        "org_total": restrict(Org.objects.filter(subtree_q("path", org.path)), user).count(),
        "kinds": [(OrgKind(k).label, n) for k, n in org_counts_by_kind(user, org).items()],
        "categories": member_counts_by_category(user, org),
        "totals": member_totals(user, org),
        "team": team,
        "positions": positions,
        "can_change": can_change,
        "can_move": can_move,
        "can_add_member": can(user, Perm.CHANGE_MEMBER, org) and org.kind in services.MEMBER_ORG_KINDS,
    })


@login_required
def org_create(request):
    user = request.user
    if not can(user, Perm.CHANGE_ORG):
        raise PermissionDenied("无权新建组织")
    parent_code = request.GET.get("parent", "").strip()
    initial = {"order": 0}
    if parent_code:
        parent = org_for_change(user, parent_code)
        initial.update(parent=parent.code, kind=USUAL_CHILD_KIND.get(parent.kind, OrgKind.BRANCH))
    form = OrgCreateForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = services.create_org(user, code=d["code"], name=d["name"], kind=d["kind"], parent=d["parent"], order=d["order"] or 0)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已建立党组织“{org.name}”")
            return redirect("org_detail", code=org.code)
    return render(request, "orgs/org_form.html", {
        "form": form, "title": "新建党组织", "orgs": code_suggestions(user, Perm.CHANGE_ORG, Org.objects.exclude(kind=OrgKind.GROUP)),
    })


@login_required
def org_edit(request, code: str):
    user = request.user
    org = org_for_change(user, code)
    form = OrgEditForm(request.POST or None, initial={"name": org.name, "kind": org.kind, "order": org.order})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = services.update_org(user, org, name=d["name"], kind=d["kind"], order=d["order"] if d["order"] is not None else org.order)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存“{org.name}”的修改")
            return redirect("org_detail", code=org.code)
    return render(request, "orgs/org_form.html", {"form": form, "org": org, "title": f"修改 {org.name}"})


@login_required
def org_move(request, code: str):
    user = request.user
    org = org_for_change(user, code)
    if org.depth > 1 and not scope_of(user).covers(Perm.CHANGE_ORG, org.path[: -Org.steplen]):
        raise PermissionDenied("不能移动您管理范围的最上级组织")
    form = OrgMoveForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["parent"]
        try:
            org = services.move_org(user, org, new_parent)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已将“{org.name}”及其下级组织移到“{new_parent.name}”之下")
            return redirect("org_detail", code=org.code)
    allowed_parent_kinds = [k for k in OrgKind.values if k in services.ALLOWED_PARENT_KINDS[OrgKind(org.kind)]]
    candidates = code_suggestions(
        user, Perm.CHANGE_ORG,
        Org.objects.filter(kind__in=allowed_parent_kinds).exclude(subtree_q("path", org.path)).exclude(path=org.path[: -Org.steplen]),
    )
    current_parent = visible_ancestors(user, [org]).get(org.path[: -Org.steplen])
    return render(request, "orgs/org_move.html", {"form": form, "org": org, "candidates": candidates, "current_parent": current_parent})


@login_required
def org_history(request, code: str):
    org = org_for_view(request.user, code)
    rows = present_history(request.user, Org, history_rows(org))
    return render(request, "orgs/history.html", {
        "object": org, "rows": rows, "title": f"{org.name} · 变更记录", "back": reverse("org_detail", args=[org.code]),
    })


# ----------------------------------------------------------------------------- members

@login_required
def member_list(request):
    user = request.user
    form = MemberFilterForm(request.GET or None, user=user)
    members = Member.objects.select_related("org")
    may_search_numbers = can(user, Perm.UNMASK)
    org = None
    if form.is_bound and not form.is_valid():
        members = members.none()
    else:
        org = form.cleaned_data["org"] if form.is_bound else None
        members = restrict_subtree(members, user, org)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["category"]:
            members = members.filter(category=d["category"])
        if d["status"]:
            members = members.filter(status=d["status"])
        if d["is_cadre"]:
            members = members.filter(is_cadre=d["is_cadre"] == "1")
        if q := d["q"].strip():
            match = Q(name__icontains=q)
            if may_search_numbers and q.isalnum() and len(q) in (11, 18):
                # A full number finds only records whose numbers the user may see anyway.
                numbers = restrict(Member.objects.filter(Q(phone=q) | Q(id_number=q.upper())), user, Perm.UNMASK)
                match |= Q(pk__in=numbers.values("pk"))
                log_access(user, "search", object_type="orgs.member", detail="按完整手机号或身份证号查询党员")
            members = members.filter(match)
    page = Paginator(members.order_by("name", "id"), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"member": m, "phone": mask_phone(m.phone) if m.phone else ""} for m in page]
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(request, "orgs/member_list.html", {
        "form": form, "page": page, "rows": rows, "org": org, "filters": filters.urlencode(),
        "may_search_numbers": may_search_numbers,
        "can_add": can(user, Perm.CHANGE_MEMBER),
        "orgs": code_suggestions(user, Perm.VIEW),
    })


def _member_for_view(user, pk: int) -> Member:
    return get_in_scope(Member.objects.select_related("org", "user"), user, Perm.VIEW, pk=pk)


def _member_page(request, member: Member, unmasked: bool):
    user = request.user
    positions = restrict(LeadershipPosition.objects.filter(member=member).select_related("team", "team__org"), user).order_by("order", "id")
    return render(request, "orgs/member_detail.html", {
        "member": member,
        "unmasked": unmasked,
        "id_number": member.id_number if unmasked else mask_id_number(member.id_number),
        "phone": (member.phone if unmasked else mask_phone(member.phone)) if member.phone else "",
        "may_unmask": may_unmask(user, member),
        "can_change": can_on(user, Perm.CHANGE_MEMBER, member),
        "can_see_org": can(user, Perm.VIEW, member.org),
        "positions": positions,
    })


@login_required
def member_detail(request, pk: int):
    return _member_page(request, _member_for_view(request.user, pk), unmasked=False)


@never_cache
@login_required
@require_POST
def member_unmask(request, pk: int):
    member = _member_for_view(request.user, pk)
    if not may_unmask(request.user, member):
        raise PermissionDenied("无权查看完整信息")
    log_access(request.user, "view", member, detail="查看完整身份证号和手机号")
    return _member_page(request, member, unmasked=True)


@login_required
def member_create(request):
    user = request.user
    if not can(user, Perm.CHANGE_MEMBER):
        raise PermissionDenied("无权登记党员")
    initial = {}
    if code := request.GET.get("org", "").strip():
        org = org_for_view(user, code)
        if not can(user, Perm.CHANGE_MEMBER, org):
            raise PermissionDenied("无权在该组织登记党员")
        initial["org"] = org.code
    form = MemberForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.create_member(user, form.member_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记党员{member.name}")
            return redirect("member_detail", pk=member.pk)
    return render(request, "orgs/member_form.html", {"form": form, "title": "登记党员", "orgs": _member_org_suggestions(user)})


def _member_org_suggestions(user):
    return code_suggestions(user, Perm.CHANGE_MEMBER, Org.objects.filter(kind__in=services.MEMBER_ORG_KINDS))


@login_required
def member_edit(request, pk: int):
    user = request.user
    member = _member_for_view(user, pk)
    if not can_on(user, Perm.CHANGE_MEMBER, member):
        raise PermissionDenied("无权修改该党员信息")
    form = MemberForm(request.POST or None, user=user, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.update_member(user, member, form.member_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存党员{member.name}的修改")
            return redirect("member_detail", pk=member.pk)
    return render(request, "orgs/member_form.html", {
        "form": form, "member": member, "title": f"修改党员信息 · {member.name}", "orgs": _member_org_suggestions(user),
    })


@login_required
def member_history(request, pk: int):
    member = _member_for_view(request.user, pk)
    rows = present_history(request.user, Member, history_rows(member))
    return render(request, "orgs/history.html", {
        "object": member, "rows": rows, "title": f"{member.name} · 变更记录", "back": reverse("member_detail", args=[member.pk]),
    })


# ----------------------------------------------------------------------------- accounts

@login_required
def account_create(request):
    """A new account, optionally linked to a member in scope so that they can log in."""
    user = request.user
    if not can(user, Perm.GRANT):
        raise PermissionDenied("无权创建账号")
    form = AccountCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = d["id_number"]
        try:
            with transaction.atomic():
                account = accounts.create_account(user, username=d["username"].strip(), password=d["password1"],
                                                  display_name=d["display_name"].strip(), phone=d["phone"] or None)
                if member is not None:
                    services.link_account(user, member, account)
        except ValidationError as exc:
            apply_errors(form, exc, {"password": "password1"})
        else:
            linked = f"，已绑定党员{member.name}" if member is not None else ""
            messages.success(request, f"已创建账号 {account.username}{linked}。请为其授予角色。")
            return redirect(f"{reverse('role_grant')}?{urlencode({'account': account.username})}")
    return render(request, "orgs/account_form.html", {"form": form})



@login_required
def leadership_edit(request, code: str):
    """The org's leadership team: its name and term, and who holds which seat."""
    user = request.user
    org = org_for_change(user, code)
    team = LeadershipTeam.objects.filter(org=org).first()
    action = request.POST.get("action") if request.method == "POST" else None
    initial = {"name": team.name, "term_start": team.term_start, "term_end": team.term_end} if team else {"name": f"{org.name}领导班子"}
    team_form = LeadershipTeamForm(request.POST if action == "team" else None, initial=initial)
    position_form = LeadershipPositionForm(request.POST if action == "position" else None, org=org, user=user)
    if action == "team" and team_form.is_valid():
        d = team_form.cleaned_data
        try:
            services.save_leadership_team(user, org, name=d["name"], term_start=d["term_start"], term_end=d["term_end"])
        except ValidationError as exc:
            apply_errors(team_form, exc)
        else:
            messages.success(request, "已保存领导班子信息")
            return redirect("leadership_edit", code=org.code)
    elif action == "position" and position_form.is_valid():
        d = position_form.cleaned_data
        try:
            if team is None:
                raise ValidationError({"member": "请先保存班子名称"})
            services.add_leadership_position(user, team, member=d["member"], title=d["title"], order=d["order"] or 0)
        except ValidationError as exc:
            apply_errors(position_form, exc)
        else:
            messages.success(request, f"已将{d['member'].name}列入班子")
            return redirect("leadership_edit", code=org.code)
    positions = list(team.positions.select_related("member", "member__org")) if team else []
    candidates = restrict_subtree(Member.objects.filter(is_cadre=True), user, org).order_by("name").values("name", "position")[:DATALIST_LIMIT]
    return render(request, "orgs/leadership_form.html", {
        "org": org, "team": team, "team_form": team_form, "position_form": position_form,
        "positions": positions, "candidates": candidates,
    })


@login_required
@require_POST
def leadership_position_remove(request, pk: int):
    position = get_in_scope(LeadershipPosition.objects.select_related("team__org", "member"), request.user, Perm.VIEW, pk=pk)
    services.remove_leadership_position(request.user, position)
    messages.success(request, f"已将{position.member.name}移出班子")
    return redirect("leadership_edit", code=position.team.org.code)
