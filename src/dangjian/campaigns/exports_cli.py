"""`dangjian export progress --campaign ID FILE.xlsx`, registered with core.exports."""
from django.core.management.base import CommandError
from django.http import Http404

from dangjian.campaigns.exporting import export_progress
from dangjian.campaigns.progress import STATUS_FILTERS, Filters
from dangjian.campaigns.services import get_campaign
from dangjian.core.exports import register_export
from dangjian.core.management.actor import acting_user


def add_arguments(parser) -> None:
    parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
    parser.add_argument("--campaign", type=int, required=True, help="主题教育的编号（ID）")
    parser.add_argument("--user", help="以该账号的身份和查看范围导出")
    parser.add_argument("--unit", default="", help="二级单位的组织编码：只导出该单位")
    parser.add_argument("--status", default="", choices=["", *STATUS_FILTERS], help="只导出有此状态任务的单位")


def progress(command, *, file: str, campaign: int, user: str | None = None, unit: str = "", status: str = "", **options) -> str:
    actor = acting_user(user)
    try:
        found = get_campaign(actor, campaign)
    except Http404:
        raise CommandError(f"主题教育“{campaign}”不存在或超出查看范围") from None
    n = export_progress(actor, found, file, Filters(unit=unit, status=status))
    return f"已导出工作推进表（{n}个单位）到 {file}"


register_export("progress", progress, add_arguments, "主题教育工作推进表（单位 × 任务），按打印格式排版")
