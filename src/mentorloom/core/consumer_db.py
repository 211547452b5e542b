"""Database work from WebSocket consumers, on a connection kept open between calls.

Channels' `database_sync_to_async` closes the thread's connections after every call unless
CONN_MAX_AGE keeps them, and CONN_MAX_AGE stays 0 here because Django runs each HTTP request
under ASGI on a thread of its own, where a kept connection would never be used again. Consumer
calls are different: with no request context, asgiref runs every thread-sensitive call of the
process on one and the same thread, so one connection there can serve every socket. Reopening
it for each call cost 1.5 ms on SQLite (connect plus the PRAGMAs), more than a whole chat
send; with PostgreSQL it is one pooled connection held by that thread.

A connection is still dropped, as Django's own request cycle would, when it is broken (an
error other than a data or integrity error and it no longer answers) or was left outside its
autocommit mode; the next call opens a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connections

R = TypeVar("R")


def _drop_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        if conn.in_atomic_block or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close()
        elif conn.errors_occurred:
            if conn.is_usable():
                conn.errors_occurred = False
            else:
                conn.close()


class _KeptConnectionSyncToAsync(SyncToAsync):
    def thread_handler(self, loop, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
        _drop_broken_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _drop_broken_connections()


def consumer_db(func: Callable[..., R]) -> Callable[..., Any]:
    """Like Channels' `database_sync_to_async` (thread-sensitive), keeping the connection."""
    return _KeptConnectionSyncToAsync(func, thread_sensitive=True)


class JsonConsumer(AsyncJsonWebsocketConsumer):
    """Base of every Mentorloom consumer: dispatches without a database round trip.

    Channels (4.2 and later) runs `close_old_connections` on the database thread before every
    frame and channel-layer event it dispatches. That is a thread hop per event, queued behind
    every other socket's database work, and it closes the connection `consumer_db` keeps; for
    a chat message it happened three times (the send frame and the event on both sockets).
    Our consumers reach the database only through `consumer_db`, which looks after the
    connection itself, so events are dispatched directly.
    """

    async def dispatch(self, message: dict) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
