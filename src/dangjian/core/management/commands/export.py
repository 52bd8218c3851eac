"""`dangjian export KIND ...`: every registered kind of export (core.exports), e.g.
`members|orgs --org CODE FILE.xlsx` and `progress --campaign ID FILE.xlsx`."""
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.exports import kinds


class Command(BaseCommand):
    help = "导出为 Excel。各类导出的参数见 dangjian export 类型 --help。不带 --user 时以命令行操作员身份执行（拥有全部权限，不对应任何账号）。"

    def add_arguments(self, parser):
        # Django's CommandParser passes itself on to the subparsers (errors become CommandError).
        sub = parser.add_subparsers(dest="kind", required=True, metavar="类型")
        for kind in kinds().values():
            p = sub.add_parser(kind.name, help=kind.help, description=kind.help)
            if kind.add_arguments:
                kind.add_arguments(p)

    def handle(self, *args, kind: str, **options):
        registered = kinds().get(kind)
        if registered is None:  # argparse refuses unknown kinds first; this is belt and braces
            raise CommandError(f"未知的导出类型：{kind}")
        try:
            line = registered.handler(self, **options)
        except OSError as exc:
            raise CommandError(f"无法写入文件：{exc}") from exc
        if line:
            self.stdout.write(line)
