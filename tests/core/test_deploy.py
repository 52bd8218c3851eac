"""The packaging promises: the `dangjian` command, production checks, the health check."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run_dangjian(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SETTINGS")}
    env.update({"DANGJIAN_DATA_DIR": str(tmp_path), **env_extra})
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in the same worker
    exe = shutil.which("dangjian", path=str(Path(sys.executable).parent))
    assert exe, "the package must install a `dangjian` console command"
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_dangjian(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"DANGJIAN_ENV": "production", "SECRET_KEY": "k" * 20 + "Zx9!q" * 10, "ALLOWED_HOSTS": "dj.example.edu.cn"},
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    result = run_dangjian(["check"], {"DANGJIAN_ENV": "production", "SECRET_KEY": ""}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_migrate_and_createsuperuser_noinput(tmp_path):
    assert run_dangjian(["migrate", "--noinput"], {}, tmp_path).returncode == 0
    result = run_dangjian(
        ["createsuperuser", "--noinput"],
        {"DJANGO_SUPERUSER_USERNAME": "root", "DJANGO_SUPERUSER_PASSWORD": "Xk2-long-pass", "DJANGO_SUPERUSER_EMAIL": "r@example.cn"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dangjian.sqlite3").exists()


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
