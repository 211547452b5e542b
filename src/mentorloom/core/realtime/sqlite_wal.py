"""SQLite write-ahead-log checkpoints, taken off the consumers' commits.

In WAL mode SQLite copies the log back into the database file (a checkpoint) on the commit that
takes the log past 1,000 pages. That commit then lasts 3-5 ms instead of about 0.05 ms, and in
a web process every chat message queued behind it on the consumers' database thread waits as
long. So the consumers' connection does not checkpoint on commit; a daemon thread of the
process checkpoints that database once a second instead. PASSIVE checkpoints never block
readers or writers. Every other connection (HTTP requests, the task worker) keeps SQLite's
default, so the log stays bounded even if this thread stopped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)

CHECKPOINT_EVERY_SECONDS = 1.0

_lock = threading.Lock()
_running: set[str] = set()  # database files checkpointed by a thread of this process


def open_for_checkpoints(path: str) -> sqlite3.Connection:
    # mode=rw: never create a database file that is not there.
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=20, isolation_level=None)


def checkpoint(db: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, frames in the log, frames copied into the database)."""
    return db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def _checkpoint_forever(path: str) -> None:
    try:
        db = open_for_checkpoints(path)
    except sqlite3.Error:
        logger.exception("cannot open %s for WAL checkpoints", path)
    else:
        with contextlib.closing(db):
            while True:
                time.sleep(CHECKPOINT_EVERY_SECONDS)
                try:
                    checkpoint(db)
                except sqlite3.Error:
                    if not os.path.exists(path):  # the database was deleted (a test run ending)
                        break
                    logger.exception("WAL checkpoint of %s failed", path)
    with _lock:
        _running.discard(path)


def checkpoint_in_background(connection: Any) -> None:
    """Stop `connection` (a Django SQLite connection, just opened) from checkpointing on commit
    and make sure a thread of this process checkpoints its database file."""
    path = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    with _lock:
        if path in _running:
            return
        _running.add(path)
    threading.Thread(
        target=_checkpoint_forever, args=(path,), name="sqlite-wal-checkpoint", daemon=True
    ).start()


def checkpointed_paths() -> set[str]:
    with _lock:
        return set(_running)
