"""`dangjian token create|list|revoke`: API bearer tokens for scripts."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.core.models import ApiToken


class Command(BaseCommand):
    help = "管理 API 令牌：create 新建（明文只显示一次），list 列出，revoke 撤销"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="为账号新建令牌，明文只显示这一次")
        create.add_argument("username")
        create.add_argument("--name", default="", help="令牌用途说明，例如“数据同步脚本”")
        listing = actions.add_parser("list", help="列出账号的令牌（只显示前缀）")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="按前缀（或完整令牌）撤销令牌")
        revoke.add_argument("prefix", help="list 显示的8位前缀，或完整令牌")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号“{username}”不存在")
        return user

    def _create(self, username: str, name: str, **_):
        user = self._user(username)
        if not user.is_active:
            raise CommandError(f"账号“{username}”已停用")
        token, raw = ApiToken.issue(user, name=name)
        self.stderr.write(f"已为 {user.username} 新建令牌 {token.prefix}…；明文只显示这一次，请妥善保存：")
        # The raw token alone on stdout, so a script can capture it.
        self.stdout.write(raw)

    def _list(self, username: str, **_):
        user = self._user(username)
        tokens = list(user.api_tokens.order_by("created_at", "pk"))
        if not tokens:
            self.stdout.write(f"{user.username} 没有令牌")
            return
        for t in tokens:
            used = timezone.localtime(t.last_used_at).strftime("%Y-%m-%d %H:%M") if t.last_used_at else "从未使用"
            created = timezone.localtime(t.created_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{t.prefix}\t{t.name or '-'}\t创建 {created}\t最近使用 {used}")

    def _revoke(self, prefix: str, **_):
        # The full token names exactly one row, should two prefixes ever collide.
        full = len(prefix) > ApiToken._meta.get_field("prefix").max_length
        lookup = {"digest": ApiToken.hash(prefix)} if full else {"prefix": prefix}
        tokens = list(ApiToken.objects.filter(**lookup).select_related("user"))
        if not tokens:
            raise CommandError("没有这个令牌" if full else f"没有前缀为“{prefix}”的令牌")
        if len(tokens) > 1:
            owners = "、".join(sorted({t.user.username for t in tokens}))
            raise CommandError(f"前缀“{prefix}”对应多个令牌（{owners}），未撤销；请改用完整令牌撤销")
        token = tokens[0]
        token.delete()
        self.stdout.write(f"已撤销 {token.user.username} 的令牌 {token.prefix}")
