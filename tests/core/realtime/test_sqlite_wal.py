"""The consumers' SQLite connection leaves write-ahead-log checkpoints to a thread of its own."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from mentorloom.core.realtime import sqlite_wal
from mentorloom.core.realtime.consumer_db import consumer_db
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log only"),
]


@consumer_db
def _autocheckpoint_and_path() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = cursor.fetchone()[0]
    return pages, str(connection.settings_dict["NAME"])


async def test_the_consumer_connection_does_not_checkpoint_on_commit_and_a_thread_does():
    pages, path = await _autocheckpoint_and_path()
    assert pages == 0
    assert path in sqlite_wal.checkpointed_paths()
    assert "sqlite-wal-checkpoint" in {t.name for t in threading.enumerate()}


def test_other_connections_keep_sqlite_s_default():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 1000


def test_a_checkpoint_copies_the_log_into_the_database_file():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    try:
        UserFactory.create_batch(20)
        db = sqlite_wal.open_for_checkpoints(str(connection.settings_dict["NAME"]))
        # Busy while another checkpoint runs (this process's checkpoint thread, say), and short
        # while another connection still reads an older snapshot: try again for a while.
        for _ in range(100):
            busy, log_frames, copied = sqlite_wal.checkpoint(db)
            if not busy and copied == log_frames:
                break
            time.sleep(0.05)
        db.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=1000")
    assert busy == 0 and log_frames > 0 and copied == log_frames


async def test_a_connection_opened_on_the_consumer_thread_outside_a_call_is_configured_too():
    """Tests (and anything else) calling plain `sync_to_async` run on the same thread: a
    connection it opens there is the consumers' next one, and must not checkpoint on commit."""
    from asgiref.sync import sync_to_async

    def reopen_and_read() -> int:
        connection.close()
        with connection.cursor() as cursor:  # opened outside a consumer_db call
            cursor.execute("PRAGMA wal_autocheckpoint")
            return cursor.fetchone()[0]

    assert await sync_to_async(reopen_and_read)() == 1000
    pages, _path = await _autocheckpoint_and_path()
    assert pages == 0
