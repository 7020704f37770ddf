"""Settings come from the environment, refuse bad values, and are production-safe by default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LIMS_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
    )


def printed(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_check_deploy_is_clean_with_debug_off_and_a_real_secret():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 20 + "9Zq!x2@Lr#7vT$pW&e4^Nc*8yB(m)fG",
        DJANGO_ALLOWED_HOSTS="lims.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_debug_a_missing_secret_key_stops_serving_but_not_tooling():
    served = subprocess.run(
        [sys.executable, "-c", "import lims.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LIMS_"))},
    )
    assert served.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in served.stderr
    deploy = manage("check", "--deploy")
    assert deploy.returncode != 0 and "lims.E004" in deploy.stderr
    assert manage("makemigrations", "--check", "--dry-run").returncode == 0


def test_debug_is_off_unless_asked_for():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert printed(result) == "False"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be one of"),
        ("LIMS_ID_PREFIX", "B1", "LIMS_ID_PREFIX must be two capital letters"),
        ("LIMS_LOGIN_FAILURE_LIMIT", "many", "must be a whole number"),
    ],
)
def test_malformed_environment_values_are_refused(name, value, message):
    result = manage("check", **{"DJANGO_DEBUG": "1", name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_id_prefix_is_read_from_the_environment():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.LIMS_ID_PREFIX)",
        DJANGO_DEBUG="1",
        LIMS_ID_PREFIX="QA",
    )
    assert printed(result) == "QA"


def test_database_url_selects_the_database():
    result = manage(
        "shell",
        "-c",
        "from django.db import connection; print(connection.vendor)",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lims",
    )
    assert printed(result) == "postgresql"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions_and_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
