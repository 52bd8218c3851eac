"""`dangjian import` and `dangjian export`: summaries, errors on stderr, exit codes, scope."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from dangjian.core.models import AccessLog
from dangjian.orgs.importing import MEMBER_COLUMNS, ORG_COLUMNS
from dangjian.orgs.models import Member, Org
from tests.orgs.test_importing import fixed_id, member_row, org_row, xlsx

pytestmark = pytest.mark.django_db


def save(tmp_path: Path, name: str, buf: io.BytesIO) -> str:
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return str(path)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_members_prints_a_summary_and_records_the_command(world, tmp_path):
    idn = fixed_id(801)
    path = save(tmp_path, "m.xlsx", xlsx([member_row("孙八", id_number=idn), member_row("周九")]))
    out, err = run("import", "members", path)
    assert "新增2条" in out and err == ""
    record = Member.objects.get(id_number=idn).history.get()
    assert record.history_user is None and record.history_change_reason == "命令行导入"


def test_import_errors_go_to_stderr_and_fail(world, tmp_path):
    before = Member.objects.count()
    path = save(tmp_path, "m.xlsx", xlsx([member_row("甲"), member_row("乙", org="NOPE"), member_row("丙", 身份证号="110101198501010010")]))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "members", path, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == ["第3行 [所在组织编码] 组织编码“NOPE”不存在", "第4行 [身份证号] 身份证号校验位错误"]
    assert "2处错误" in str(exc.value) and "未导入" in str(exc.value)
    assert Member.objects.count() == before


def test_dry_run_writes_nothing(world, tmp_path):
    path = save(tmp_path, "o.xlsx", xlsx([org_row("N1", "新支部", "党支部", "UA")], header=ORG_COLUMNS))
    out, _ = run("import", "orgs", path, "--dry-run")
    assert "预检通过" in out and "新增1条" in out
    assert not Org.objects.filter(code="N1").exists()
    out, _ = run("import", "orgs", path)
    assert "导入完成" in out and Org.objects.filter(code="N1").exists()


def test_user_option_applies_that_users_scope(world, tmp_path):
    path = save(tmp_path, "o.xlsx", xlsx([org_row("N1", "新支部", "党支部", "UB")], header=ORG_COLUMNS))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "orgs", path, "--user", "ua_admin", stderr=err)
    assert "第2行 [上级组织编码] 超出管理范围" in err.getvalue()
    run("import", "orgs", path, "--user", "ub_admin")
    record = Org.objects.get(code="N1").history.get()
    assert record.history_user == world.ub_admin and record.history_change_reason == "命令行导入"


def test_unknown_user_and_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match="不存在或已停用"):
        run("import", "orgs", str(tmp_path / "x.xlsx"), "--user", "ghost")
    with pytest.raises(CommandError, match="找不到文件"):
        run("import", "orgs", str(tmp_path / "x.xlsx"))


def test_export_members_masked_and_unmasked(world, tmp_path):
    path = tmp_path / "out.xlsx"
    out, _ = run("export", "members", "--org", "UA", str(path))
    assert "已导出党员3条" in out
    rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == MEMBER_COLUMNS and all("*" in r[2] for r in rows[1:])
    assert not AccessLog.objects.exists()

    out, _ = run("export", "members", "--org", "UA", str(path), "--unmasked")
    rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert {r[2] for r in rows[1:]} == {world.m_a1.id_number, world.m_a1b.id_number, world.m_a2.id_number}
    log = AccessLog.objects.get()
    assert log.user is None and "命令行导出" in log.detail


def test_export_orgs_and_scope(world, tmp_path):
    path = tmp_path / "orgs.xlsx"
    out, _ = run("export", "orgs", "--org", "UB", str(path))
    assert "已导出党组织2条" in out
    with pytest.raises(CommandError, match="超出管理范围"):
        run("export", "orgs", "--org", "UB", str(path), "--user", "ua_admin")
    with pytest.raises(CommandError, match="只用于导出党员"):
        run("export", "orgs", str(path), "--unmasked")


def test_the_installed_command_exits_non_zero_with_the_errors(tmp_path):
    """The real console script: a file with a missing column fails before touching the database."""
    header = [c for c in MEMBER_COLUMNS if c != "身份证号"]
    path = save(tmp_path, "bad.xlsx", xlsx([["x"] * len(header)], header=header))
    script = Path(sys.executable).with_name("dangjian")
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(tmp_path)}
    done = subprocess.run([str(script), "import", "members", path], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "第1行 [身份证号] 缺少此列" in done.stderr
    assert done.stdout == ""
