"""`dangjian export redblack --org CODE --month YYYY-MM FILE.xlsx`: the monthly red/black list
of the responsible units under an org, registered with core.exports."""
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from dangjian.core.exports import register_export
from dangjian.core.management.actor import acting_user
from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org


def redblack_arguments(parser) -> None:
    parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
    parser.add_argument("--org", required=True, help="党组织编码：统计其下全部诉求责任单位")
    parser.add_argument("--month", default="", help="月份 YYYY-MM；默认上个月")
    parser.add_argument("--user", help="以该账号的身份和查看范围导出")


def redblack(command, *, file: str, org: str, month: str = "", user=None, **options) -> str:
    from dangjian.services import redblack as rb
    from dangjian.services.exporting import write_redblack
    from dangjian.services.requests import parse_month

    actor = acting_user(user)
    found = Org.objects.filter(code=org).first()
    if found is None or not can(actor, Perm.VIEW, found):
        raise CommandError(f"组织“{org}”不存在或超出查看范围")
    try:
        when = parse_month(month) or rb.default_month()
    except ValidationError as exc:
        raise CommandError("；".join(f"{k}：{'、'.join(v)}" for k, v in exc.message_dict.items())) from None
    result = rb.compute(actor, found, when)
    n = write_redblack(result, file)
    return f"已导出{found.name}{when:%Y年%m月}红黑榜（{n}个单位，红榜{len(result.red)}个，黑榜{len(result.black)}个）到 {file}"


register_export("redblack", redblack, redblack_arguments, "群众诉求办理红黑榜（月度），含各单位三项指标、上榜规则和上月对比")
