"""`dangjian export problems --org CODE FILE.xlsx|FILE.docx`: the three lists (问题清单、责任清单、
整改清单) of an org as one table, registered with core.exports."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from dangjian.core.exports import register_export
from dangjian.core.management.actor import acting_user
from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org


def problems_arguments(parser) -> None:
    parser.add_argument("file", help="要写入的文件：.xlsx（含汇总表）或 .docx（公文格式）")
    parser.add_argument("--org", required=True, help="党组织编码：导出计入该组织的问题")
    parser.add_argument("--campaign", type=int, help="主题教育的编号（ID）：只导出该主题教育的问题")
    parser.add_argument("--from", dest="starts", default=None, help="发现日期起 YYYY-MM-DD")
    parser.add_argument("--to", dest="ends", default=None, help="发现日期止 YYYY-MM-DD")
    parser.add_argument("--user", help="以该账号的身份和查看范围导出")


def problems(command, *, file: str, org: str, campaign=None, starts=None, ends=None, user=None, **options) -> str:
    from dangjian.rectification.exporting import write
    from dangjian.rectification.lists import parse_filter

    fmt = Path(file).suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "docx"):
        raise CommandError("文件名应以 .xlsx 或 .docx 结尾")
    actor = acting_user(user)
    found = Org.objects.filter(code=org).first()
    if found is None or not can(actor, Perm.VIEW, found):
        raise CommandError(f"组织“{org}”不存在或超出查看范围")
    try:
        flt = parse_filter(actor, campaign_id=campaign, starts=starts, ends=ends)
    except ValidationError as exc:
        raise CommandError("；".join(f"{k}：{'、'.join(v)}" for k, v in exc.message_dict.items())) from None
    try:
        n = write(actor, found, flt, fmt, file)
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    return f"已导出{found.name}问题清单、责任清单、整改清单（{n}个问题）到 {file}"


register_export("problems", problems, problems_arguments, "问题清单、责任清单、整改清单（xlsx 或 docx）")
