"""System checks for what the chat's SQL needs from the database."""

from __future__ import annotations

import sqlite3
from typing import Any

from django.conf import settings
from django.core import checks

# `INSERT ... ON CONFLICT ... RETURNING` (messaging/send_sql.py) arrived in SQLite 3.35.
MIN_SQLITE = (3, 35)


@checks.register(checks.Tags.database, deploy=False)
def sqlite_is_new_enough(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    uses_sqlite = any(db["ENGINE"].endswith("sqlite3") for db in settings.DATABASES.values())
    if uses_sqlite and sqlite3.sqlite_version_info < MIN_SQLITE:
        return [
            checks.Error(
                f"SQLite {sqlite3.sqlite_version} is too old for the chat; it needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer (or use PostgreSQL via DATABASE_URL).",
                id="messaging.E001",
            )
        ]
    return []
