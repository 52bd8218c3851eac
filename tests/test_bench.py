"""The benchmark command: figures on a throwaway database, printed and written as JSON."""
import io
import json
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.orgs.models import Member, Org

NAMES = ("import_members_tiny", "subtree_count_tiny", "member_list_tiny", "rollup_secondary_tiny")


def bench(tmp_path, *args) -> tuple[dict, str]:
    out = io.StringIO()
    path = tmp_path / "out" / "tiny.json"
    # A database name of its own, so parallel runs on PostgreSQL never share one.
    call_command("bench", "--scale", "tiny", "--json", str(path), "--db-name", f"dangjian_bench_t{os.getpid()}", *args, stdout=out)
    return json.loads(path.read_text(encoding="utf-8")), out.getvalue()


@pytest.mark.django_db
def test_bench_writes_every_figure_with_value_unit_and_ratio(tmp_path):
    data, out = bench(tmp_path)
    assert set(NAMES) <= set(data)
    for name, figure in data.items():
        assert isinstance(figure["value"], int | float) and figure["value"] >= 0, name
        assert figure["unit"] in ("s", "ms"), name
        if "limit" in figure:
            assert figure["limit"] > 0
            assert figure["ratio"] == pytest.approx(figure["value"] / figure["limit"], rel=1e-3)
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert figure["unit"] in line.split()
    for name in NAMES[:3]:
        assert "limit" in data[name] and "ratio" in data[name]
    assert "limit" not in data["rollup_secondary_tiny"]
    assert data["import_members_tiny"]["created"] == 200
    assert data["subtree_count_tiny"]["members"] == 200
    assert data["rollup_secondary_tiny"]["units"] == 3
    listing = data["member_list_tiny"]
    # The page's own queries do not depend on the role; the navigation's to-do count costs a
    # role-dependent one or two (e.g. a unit admin's guidance lookups), and at most one more for
    # each part other apps add to the to-do list (problems to review, feedback to answer).
    from dangjian.campaigns.todo import todo_sources

    assert listing["limit"] == 100 and abs(listing["queries"] - listing["queries_unit"]) <= 2 + len(todo_sources())
    # It ran on a database of its own: the one under test is untouched.
    assert not Member.objects.exists() and not Org.objects.exists()


def test_bench_only_runs_what_is_named(tmp_path):
    data, out = bench(tmp_path, "--only", "subtree_count")
    assert "subtree_count_tiny" in data
    assert "import_members_tiny" not in data and "member_list_tiny" not in data
    # Without the import, the generator supplies the members.
    assert data["generate_members_tiny"]["members"] == 200
    assert "generate_tree_tiny" in out


def test_bench_refuses_to_run_in_the_configured_database(monkeypatch):
    monkeypatch.delenv("DANGJIAN_BENCH_FRESH_DB", raising=False)
    with pytest.raises(CommandError, match="--here"):
        call_command("bench", "--here", "--scale", "tiny")


def test_bench_says_when_the_bench_directory_is_missing(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="bench"):
        call_command("bench", "--scale", "tiny")


PROGRESS = ("progress_table_tiny", "progress_export_tiny", "publish_task_tiny")


def test_bench_progress_figures(tmp_path):
    data, out = bench(tmp_path, "--only", ",".join(PROGRESS))
    assert set(PROGRESS) <= set(data)
    assert data["generate_campaign_tiny"]["unit_tasks"] == 85  # 5 tasks × 17 units
    table = data["progress_table_tiny"]
    assert table["units"] == 17 and table["unit_tasks"] == 85 and table["queries"] == table["queries_unit"]
    assert table["ratio"] == pytest.approx(table["value"] / table["limit"], rel=1e-3)
    assert data["progress_export_tiny"]["limit"] == 10 and data["progress_export_tiny"]["units"] == 17
    # Publishing is rolled back: a task to every unit, measured, then gone.
    assert data["publish_task_tiny"]["limit"] == 2 and data["publish_task_tiny"]["unit_tasks"] == 17
    assert "import_members_tiny" not in data
