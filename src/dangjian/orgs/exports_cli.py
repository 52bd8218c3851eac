"""`dangjian export members|orgs --org CODE FILE.xlsx`, registered with core.exports."""
from django.core.management.base import CommandError
from django.http import Http404

from dangjian.core.exports import register_export
from dangjian.core.management.actor import acting_user
from dangjian.core.scoping import Perm, get_in_scope
from dangjian.orgs.exporting import export_members, export_orgs
from dangjian.orgs.models import Org


def add_arguments(parser) -> None:
    parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
    parser.add_argument("--org", help="组织编码：只导出该组织及其下级（默认：全部）")
    parser.add_argument("--user", help="以该账号的身份和管理范围导出")
    parser.add_argument("--unmasked", action="store_true", help="导出完整身份证号和手机号（仅党员）")


def _node(actor, code: str | None):
    if not code:
        return None
    try:
        return get_in_scope(Org.objects.all(), actor, Perm.VIEW, code=code)
    except Http404:
        raise CommandError(f"组织编码“{code}”不存在或超出管理范围") from None


def members(command, *, file: str, org: str | None = None, user: str | None = None, unmasked: bool = False, **options) -> str:
    actor = acting_user(user)
    n = export_members(actor, _node(actor, org), file, unmasked=unmasked)
    return f"已导出党员{n}条到 {file}" + ("（含完整身份证号、手机号）" if unmasked else "")


def orgs(command, *, file: str, org: str | None = None, user: str | None = None, unmasked: bool = False, **options) -> str:
    actor = acting_user(user)
    if unmasked:
        raise CommandError("--unmasked 只用于导出党员")
    n = export_orgs(actor, _node(actor, org), file)
    return f"已导出党组织{n}条到 {file}"


register_export("members", members, add_arguments, "党员名册，列名与导入模板相同，可直接再导入；身份证号和手机号默认打码")
register_export("orgs", orgs, add_arguments, "党组织，列名与导入模板相同，可直接再导入")
