"""`dangjian demo`: load the demo university once and (re)ensure the demo accounts, then run
every app's registered demo loader (core.demo: the campaign and what comes after it)."""
from __future__ import annotations

import os
import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dangjian.core import accounts
from dangjian.core.audit import stamp
from dangjian.core.demo import DemoContext, loaders
from dangjian.core.models import Role, RoleGrant
from dangjian.core.scoping import subtree_q
from dangjian.orgs import generator
from dangjian.orgs.models import Member, Org, OrgKind

DEFAULT_PASSWORD = "Dangjian2026"
SCALE = "small"
# Secondary units (by position among the root's children) the demo guidance group covers.
GUIDED_UNITS = (1, 9, 19, 29)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up with Chinese (double-width) characters."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "载入示范大学（只载入一次）并确保演示账号存在，打印演示登录信息。"

    def handle(self, *args, **options):
        self._require_migrated()
        password = demo_password()
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("DEMO_PASSWORD 不符合密码规则：" + "；".join(exc.messages)) from exc

        with transaction.atomic():
            root = Org.objects.filter(code=generator.root_code(SCALE)).first()
            if root is None:
                result = generator.load(SCALE)
                root = result.root
                units = Org.objects.get_children(root).count()
                self.stdout.write(
                    f"已生成示范数据：{root.name}，{units} 个二级单位，{result.orgs} 个党组织，{result.members} 名党员，"
                    f"{result.teams} 个领导班子（用时 {result.seconds:.1f} 秒）。"
                )
            else:
                self.stdout.write(f"示范数据已存在（{root.name}），未重复生成。")
            logins = ensure_accounts(root, password)

        context = DemoContext(root=root, password=password, today=timezone.localdate(), logins=logins, write=self.stdout.write)
        for loader in loaders():
            with transaction.atomic():
                loader.fn(context)

        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        self.stdout.write(format_table(["角色", "用户名", "姓名", "管理范围"], context.logins))
        for note in context.notes:
            self.stdout.write(note)
        host = os.environ.get("HOST") or "127.0.0.1"
        port = os.environ.get("PORT") or "8000"
        self.stdout.write("")
        self.stdout.write(f"在浏览器中打开 http://{host}:{port} 登录。")

    def _require_migrated(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("数据库尚未迁移，请先运行 dangjian migrate（make run 会自动完成）。")


def _ensure_user(actor, username: str, password: str, display_name: str, phone: str | None = None):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if phone and User.objects.filter(phone=phone).exclude(username=username).exists():
        phone = None  # someone already logs in with that number; the username still works
    if user is None:
        if actor is None:
            user = User(username=username, display_name=display_name, phone=phone)
            user.set_password(password)
            user.save()
        else:
            user = accounts.create_account(actor, username=username, password=password, display_name=display_name, phone=phone)
        return user
    changed = False
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    if phone and user.phone != phone:
        user.phone = phone
        changed = True
    if changed:
        user.save()
    return user


def _ensure_grant(actor, user, role: str, org: Org | None) -> None:
    if RoleGrant.objects.filter(user=user, role=role, org=org).exists():
        return
    if actor is None:  # the bootstrap system admin has nobody above it to grant the role
        RoleGrant.objects.create(user=user, role=role, org=org)
    else:
        accounts.grant_role(actor, user, role, org)


def ensure_accounts(root: Org, password: str) -> list[list[str]]:
    """Create or repair the demo accounts under `root`; returns the rows of the login table."""
    units = list(Org.objects.get_children(root).order_by("order", "path"))
    if not units:
        raise CommandError(f"{root.name} 下没有二级单位，无法设置演示账号。")
    unit = units[0]
    branch = (
        Org.objects.filter(subtree_q("path", unit.path), kind=OrgKind.BRANCH).order_by("path").first()
    )
    if branch is None:
        raise CommandError(f"{unit.name} 下没有党支部，无法设置演示账号。")
    ordinary = list(Member.objects.filter(org=branch, is_cadre=False).order_by("id")[:2])
    if len(ordinary) < 2:
        ordinary = list(Member.objects.filter(org=branch).order_by("-id")[:2])
    if len(ordinary) < 2:
        raise CommandError(f"{branch.name} 党员不足两名，无法设置演示账号。")
    secretary_member, member = ordinary
    guided = [units[i] for i in GUIDED_UNITS if i < len(units)] or units[:1]

    admin = _ensure_user(None, "admin", password, "系统管理员")
    _ensure_grant(None, admin, Role.SYSTEM_ADMIN, None)
    office = _ensure_user(admin, "office", password, "主题教育办公室")
    _ensure_grant(admin, office, Role.COMMITTEE_ADMIN, root)
    unit_admin = _ensure_user(admin, "unit_admin", password, f"{unit.name}管理员")
    _ensure_grant(admin, unit_admin, Role.UNIT_ADMIN, unit)
    liaison = _ensure_user(admin, "liaison", password, f"{unit.name}联络员")
    _ensure_grant(admin, liaison, Role.LIAISON, unit)
    secretary = _ensure_user(admin, "secretary", password, secretary_member.name)
    _ensure_grant(admin, secretary, Role.BRANCH_SECRETARY, branch)
    guide = _ensure_user(admin, "guide", password, "巡回指导组成员")
    for org in guided:
        _ensure_grant(admin, guide, Role.GUIDANCE_MEMBER, org)
    member_user = _ensure_user(admin, "member", password, member.name, phone=member.phone)
    _ensure_grant(admin, member_user, Role.MEMBER, branch)
    for person, user in ((secretary_member, secretary), (member, member_user)):
        if person.user_id != user.pk:
            for other in Member.objects.filter(user=user).exclude(pk=person.pk):
                other.user = None
                stamp(other, admin, "演示账号改绑").save()
            person.user = user
            stamp(person, admin, "绑定演示账号").save()

    member_login = "member"
    if member_user.phone:
        member_login += f"（或手机号 {member_user.phone}）"
    return [
        [Role.SYSTEM_ADMIN.label, "admin", admin.display_name, "全部"],
        [Role.COMMITTEE_ADMIN.label, "office", office.display_name, root.name],
        [Role.UNIT_ADMIN.label, "unit_admin", unit_admin.display_name, unit.name],
        [Role.LIAISON.label, "liaison", liaison.display_name, unit.name],
        [Role.BRANCH_SECRETARY.label, "secretary", secretary.display_name, branch.name],
        [Role.GUIDANCE_MEMBER.label, "guide", guide.display_name, "、".join(o.name for o in guided)],
        [Role.MEMBER.label, member_login, member_user.display_name, f"本人（{branch.name}）"],
    ]
