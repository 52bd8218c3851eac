"""`dangjian export members|orgs --org CODE FILE.xlsx`: the Excel export as an operator command."""
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from dangjian.core.management.actor import acting_user
from dangjian.core.scoping import Perm, get_in_scope
from dangjian.orgs.exporting import export_members, export_orgs
from dangjian.orgs.models import Org


class Command(BaseCommand):
    help = (
        "把党员（members）或党组织（orgs）导出为 Excel，列名与导入模板相同，可直接再导入。"
        "身份证号和手机号默认打码；--unmasked 导出完整号码并记入个人信息查看记录。"
        "不带 --user 时以命令行操作员身份执行（拥有全部权限，不对应任何账号）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["members", "orgs"], help="members：党员；orgs：党组织")
        parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
        parser.add_argument("--org", help="组织编码：只导出该组织及其下级（默认：全部）")
        parser.add_argument("--user", help="以该账号的身份和管理范围导出")
        parser.add_argument("--unmasked", action="store_true", help="导出完整身份证号和手机号（仅党员）")

    def handle(self, *args, kind: str, file: str, org: str | None = None, user: str | None = None,
               unmasked: bool = False, **options):
        actor = acting_user(user)
        if unmasked and kind != "members":
            raise CommandError("--unmasked 只用于导出党员")
        node = None
        if org:
            try:
                node = get_in_scope(Org.objects.all(), actor, Perm.VIEW, code=org)
            except Http404:
                raise CommandError(f"组织编码“{org}”不存在或超出管理范围") from None
        try:
            if kind == "members":
                n = export_members(actor, node, file, unmasked=unmasked)
            else:
                n = export_orgs(actor, node, file)
        except OSError as exc:
            raise CommandError(f"无法写入文件：{exc}") from exc
        what = "党员" if kind == "members" else "党组织"
        self.stdout.write(f"已导出{what}{n}条到 {file}" + ("（含完整身份证号、手机号）" if unmasked else ""))
