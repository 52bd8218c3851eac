"""The study exports on the command line: `dangjian export study-records` and `distributions`."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_study_records_export_command(world, tmp_path):
    out = tmp_path / "records.xlsx"
    call_command("export", "study-records", str(out), "--org", "UA01", "--campaign", str(world.campaign.pk), "--user", "a1_secretary")
    ws = load_workbook(out).active
    names = {row[1] for row in ws.iter_rows(min_row=4, values_only=True) if row[1]}
    assert {"张三", "李四"} <= names
    assert "赵六" not in names


def test_study_records_export_refuses_an_org_out_of_scope(world, tmp_path):
    with pytest.raises(CommandError, match="UB01"):
        call_command("export", "study-records", str(tmp_path / "x.xlsx"), "--org", "UB01", "--user", "a1_secretary")
    assert not (tmp_path / "x.xlsx").exists()


def test_distributions_export_command(world, tmp_path):
    out = tmp_path / "dist.xlsx"
    call_command("export", "distributions", str(out), "--org", "UA", "--user", "ua_admin")
    cells = [c for row in load_workbook(out).worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert 50 in cells and 30 not in cells
