"""`dangjian import orgs|members FILE.xlsx`: the Excel import as an operator command."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.management.actor import acting_user
from dangjian.orgs.importing import import_members, import_orgs

REASON = "命令行导入"


class Command(BaseCommand):
    help = (
        "从 Excel 导入党组织（orgs）或党员（members），列名与下载的模板相同。"
        "先检查全部数据：有任何错误就不导入任何数据，并逐条列出“第N行 [列名] 问题”，退出码非零。"
        "不带 --user 时以命令行操作员身份执行：拥有全部权限，不对应任何账号，"
        "历史记录的操作人为空、变更原因为“命令行导入”；带 --user 时只能导入该账号管理范围内的数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["orgs", "members"], help="orgs：党组织；members：党员")
        parser.add_argument("file", help="Excel 文件（.xlsx）")
        parser.add_argument("--user", help="以该账号的身份和管理范围导入")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, kind: str, file: str, user: str | None = None, dry_run: bool = False, **options):
        actor = acting_user(user)
        if not Path(file).is_file():
            raise CommandError(f"找不到文件：{file}")
        run = import_orgs if kind == "orgs" else import_members
        result = run(actor, file, dry_run=dry_run, reason=REASON)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
