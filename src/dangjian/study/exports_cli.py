"""`dangjian export study-records --org CODE FILE.xlsx` (members' study records for the quarterly
and annual assessment) and `dangjian export distributions FILE.xlsx` (copies of materials handed
out), registered with core.exports."""
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from dangjian.core.exports import register_export
from dangjian.core.management.actor import acting_user
from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org


def _org(actor, code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None or not can(actor, Perm.VIEW, org):
        raise CommandError(f"组织“{code}”不存在或超出查看范围")
    return org


def records_arguments(parser) -> None:
    parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
    parser.add_argument("--org", required=True, help="党组织编码：导出其下全体党员")
    parser.add_argument("--campaign", type=int, help="主题教育的编号（ID）；默认当前进行中的主题教育")
    parser.add_argument("--from", dest="starts", default=None, help="开始日期 YYYY-MM-DD（与 --to 一起代替 --campaign）")
    parser.add_argument("--to", dest="ends", default=None, help="结束日期 YYYY-MM-DD")
    parser.add_argument("--user", help="以该账号的身份和查看范围导出")


def study_records(command, *, file: str, org: str, campaign=None, starts=None, ends=None, user=None, **options) -> str:
    from dangjian.study.exporting import write_records
    from dangjian.study.rates import parse_period

    actor = acting_user(user)
    found = _org(actor, org)
    try:
        period = parse_period(actor, campaign_id=campaign, starts=starts, ends=ends)
    except ValidationError as exc:
        raise CommandError("；".join(f"{k}：{'、'.join(v)}" for k, v in exc.message_dict.items())) from None
    n = write_records(actor, found, period, file)
    return f"已导出{found.name}党员学习档案（{n}人）到 {file}"


def distributions_arguments(parser) -> None:
    parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
    parser.add_argument("--org", default="", help="党组织编码：只导出发放到该组织及其下级的记录")
    parser.add_argument("--material", type=int, help="学习资料编号（ID）")
    parser.add_argument("--user", help="以该账号的身份和查看范围导出")


def distributions(command, *, file: str, org: str = "", material=None, user=None, **options) -> str:
    from dangjian.study.views_materials import export_distributions

    actor = acting_user(user)
    base = _org(actor, org) if org else None
    with open(file, "wb") as out:
        n = export_distributions(actor, out, base=base, material_id=material)
    return f"已导出学习资料发放记录（{n}条）到 {file}"


register_export("study-records", study_records, records_arguments, "党员学习档案（学习会、考勤、阅读、测试），用于季度和年度考核")
register_export("distributions", distributions, distributions_arguments, "学习资料发放记录及按单位汇总")
