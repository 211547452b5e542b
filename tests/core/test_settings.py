"""Settings: the production deploy check, the generated SECRET_KEY, SQLite's tuning."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction

from mentorloom import settings as mentorloom_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        MENTORLOOM_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        MENTORLOOM_DATA_DIR=str(tmp_path / "data"),
    )
    return env


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_production_env(tmp_path),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_still_catches_an_insecure_production_setting(tmp_path):
    # Guards the test above against passing because checks were silenced wholesale.
    env = _production_env(tmp_path) | {"SECURE_SSL_REDIRECT": "0"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_secret_key_is_generated_once_and_then_reread(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(mentorloom_settings, "DATA_DIR", tmp_path)

    first = mentorloom_settings._secret_key()
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert mentorloom_settings._secret_key() == first


def test_secret_key_from_the_environment_wins_and_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setattr(mentorloom_settings, "DATA_DIR", tmp_path)
    assert mentorloom_settings._secret_key() == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_a_restarted_process_reuses_the_generated_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["MENTORLOOM_DATA_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    keys = {
        _manage("shell", "-c", code, env=env, tmp_path=tmp_path).stdout.strip().splitlines()[-1]
        for _ in range(2)
    }
    assert keys == {(tmp_path / "secret_key").read_text().strip()}


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite tuning; PostgreSQL needs none of it"
)


@sqlite_only
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_foreign_keys():
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20000


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_transactions_take_the_write_lock_when_they_begin():
    # BEGIN IMMEDIATE: a second writer waits at BEGIN instead of failing later on "database is
    # locked" when it upgrades a read lock.
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.1, isolation_level=None)
    try:
        with transaction.atomic(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once the transaction ends
        other.execute("ROLLBACK")
    finally:
        other.close()
