"""The chat's SQL needs SQLite 3.35 (INSERT ... ON CONFLICT ... RETURNING); older ones are named."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command

from mentorloom.messaging import checks

ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def test_this_sqlite_passes_and_the_project_check_is_clean():
    assert checks.sqlite_is_new_enough() == []
    call_command("check")  # raises SystemCheckError on any error


def test_an_older_sqlite_is_an_error_naming_the_version_needed(monkeypatch):
    # The SQLite library's version is the outside world here.
    monkeypatch.setattr(checks.sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(checks.sqlite3, "sqlite_version", "3.31.1")
    errors = checks.sqlite_is_new_enough()
    if ON_SQLITE:
        assert [e.id for e in errors] == ["messaging.E001"]
        assert "3.31.1" in errors[0].msg and "3.35" in errors[0].msg
    else:
        assert errors == []  # PostgreSQL: the SQLite library does not matter
