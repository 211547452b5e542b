"""Database work from WebSocket consumers, on a connection kept open between calls.

Channels' `database_sync_to_async` closes the thread's connections after every call unless
CONN_MAX_AGE keeps them, and CONN_MAX_AGE stays 0 here because Django runs each HTTP request
under ASGI on a thread of its own, where a kept connection would never be used again. Consumer
calls are different: with no request context, asgiref runs every thread-sensitive call of the
process on one and the same thread, so one connection there can serve every socket. Reopening
it for each call cost 1.5 ms on SQLite (connect plus the PRAGMAs), more than a whole chat
send; with PostgreSQL it is one pooled connection held by that thread.

A connection is still dropped, as Django's own request cycle would, when it is broken (an error
other than a data or integrity error and it no longer answers) or was left outside its
autocommit mode; the next call opens a fresh one. A SQLite connection opened here leaves
write-ahead-log checkpoints to a thread of its own (core.realtime.sqlite_wal), so that no chat
commit pays for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.db import connections
from django.db.backends.signals import connection_created

from . import lifetime
from .sqlite_wal import checkpoint_in_background

R = TypeVar("R")

logger = logging.getLogger(__name__)


# A connection idle this long is checked (one round trip) before it is used again: the server
# may have restarted, or dropped it, meanwhile.
CHECK_AFTER_IDLE_SECONDS = 30.0

_thread = threading.local()


def _before_call() -> set[str]:
    """Check connections idle for long; returns the aliases of connections already inside a
    transaction, which belong to a caller further up this thread (a sync caller that went
    through async_to_sync) and are left alone."""
    now = time.monotonic()
    outer = set()
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            outer.add(conn.alias)
        elif conn.connection is not None:
            used_at = getattr(conn, "_consumer_db_used_at", now)
            if now - used_at > CHECK_AFTER_IDLE_SECONDS and not conn.is_usable():
                conn.close()
            else:
                _configure(conn)  # opened on this thread outside a call (a plain sync_to_async)
    return outer


def _after_call(outer: set[str]) -> None:
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.alias in outer:
            continue
        if conn.in_atomic_block:
            # The call left an atomic block open (a bug). Django will not close a connection
            # inside one, so the wrapper is dropped (closing its connection rolls back) and the
            # next call gets a fresh one.
            with contextlib.suppress(Exception):
                conn.connection.close()
            del connections[conn.alias]
            continue
        if conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close()  # left outside autocommit mode: start afresh
            continue
        if conn.errors_occurred:
            if not conn.is_usable():
                conn.close()
                continue
            conn.errors_occurred = False
        # Kept: Channels' own close_old_connections (run on this thread when a socket connects
        # or disconnects) treats a connection without a closing time as persistent.
        conn.close_at = None
        conn._consumer_db_used_at = now


def _configure(connection: Any) -> None:
    """SQLite: the connection leaves checkpoints to a thread of its own, once per database
    connection (the wrapper's raw connection changes when it is closed and opened again)."""
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    if getattr(connection, "_consumer_db_configured", None) is connection.connection:
        return
    checkpoint_in_background(connection)
    connection._consumer_db_configured = connection.connection


def _configure_new_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if getattr(_thread, "in_call", False):
        _configure(connection)


connection_created.connect(_configure_new_connection, dispatch_uid="mentorloom-consumer-db")


class _KeptConnectionSyncToAsync(SyncToAsync):
    def thread_handler(self, loop, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
        outer = _before_call()
        _thread.in_call = True
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _thread.in_call = False
            _after_call(outer)


def consumer_db(func: Callable[..., R]) -> Callable[..., Any]:
    """Like Channels' `database_sync_to_async` (thread-sensitive), keeping the connection."""
    return _KeptConnectionSyncToAsync(func, thread_sensitive=True)


_UNREAD = object()  # a frame that is not JSON text


class _SourceFailed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


async def dispatch_in_turn(
    sources: list[Callable[[], Awaitable[dict]]], dispatch: Callable[[dict], Awaitable[None]]
) -> None:
    """Dispatch what `sources` deliver, one at a time, in the order it arrives.

    Channels' `await_many_dispatch` does this with a fresh task per message and an
    `asyncio.wait` over all sources after each, so an event reached its handler three turns of
    the event loop after it arrived. Here one task per source moves messages into an inbox
    that the dispatching task reads: two turns, no task per message. In the chat benchmark p99
    fell in eight of nine runs interleaved with the previous code, by 0.3 ms (6%) at the
    median. A source that raises ends the dispatching with its error, as in Channels.

    The inbox has no bound, like channels-redis' own channel queues, so that each source task
    is always waiting on its source: cancelling that wait is how a channel layer learns that
    the channel is gone (channels-redis unsubscribes then). With the in-memory layer a
    consumer's messages therefore wait here rather than count against the layer's capacity.
    """
    inbox: asyncio.Queue[dict | _SourceFailed] = asyncio.Queue()

    async def pump(source: Callable[[], Awaitable[dict]]) -> None:
        try:
            while True:
                inbox.put_nowait(await source())
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            inbox.put_nowait(_SourceFailed(exc))

    pumps = [asyncio.ensure_future(pump(source)) for source in sources]
    try:
        while True:
            message = await inbox.get()
            if isinstance(message, _SourceFailed):
                raise message.exc
            await dispatch(message)
    finally:
        # Cancelling a channel-layer receive is what lets the layer clean the channel up.
        for task in pumps:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def websocket_send(send: Callable[[dict], Awaitable[None]]) -> Callable[[dict], Awaitable[None]]:
    """The `send` a WebSocket consumer is given, without Channels' session middleware.

    That middleware wraps `send` to save the session and set its cookie on an HTTP response
    (`http.response.start`); no WebSocket message is one, yet for every frame it looks up
    whether the session was changed and is empty first. The wrapper hands every message on to
    the `send` it wraps, so a consumer sends there itself.
    """
    wrapper = getattr(send, "__self__", None)
    if isinstance(wrapper, InstanceSessionWrapper) and send == wrapper.send:
        return wrapper.real_send
    return send


class JsonConsumer(AsyncJsonWebsocketConsumer):
    """Base of every Mentorloom consumer: dispatches without a database round trip.

    Channels (4.2 and later) runs `close_old_connections` on the database thread before every
    frame and channel-layer event it dispatches. That is a thread hop per event, queued behind
    every other socket's database work, and it closes the connection `consumer_db` keeps; for
    a chat message it happened three times (the send frame and the event on both sockets).
    Our consumers reach the database only through `consumer_db`, which looks after the
    connection itself, so events are dispatched directly.

    An event of a type the consumer has no handler for is logged and dropped: Channels raises,
    which closes the socket, and during a rolling deploy a newer process may publish events
    that an older one does not know yet.

    Messages from the client and from the channel layer reach `dispatch` through
    `dispatch_in_turn`, one at a time as in Channels.

    Client frames are parsed here, for every consumer, and handed to `receive_json`: a frame
    over `lifetime.MAX_FRAME_BYTES` is refused unread, and a binary or unparseable one
    (invalid JSON, or nesting too deep to parse) is answered with a `bad_frame` error frame;
    either way the socket stays open. A signed-in socket joins its person's socket group and
    ends (4401) when `lifetime.close_sockets_for` says so or its session no longer signs
    the person in (re-checked before a client frame, at most every few seconds; for a frame
    type in FRAMES_CHECKING_SESSION in the handler's own database hop, before it acts).
    """

    socket_user_id: int | None = None
    session_key: str | None = None
    ended_because: str | None = None
    _session_checked_at = 0.0
    # Client frame types whose handler checks a due session re-check in its own database hop
    # (`take_session_check`) instead of one more hop before it: the chat's `send`.
    FRAMES_CHECKING_SESSION: frozenset[str] = frozenset()
    _session_check_owed = False

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # Channels' AsyncConsumer.__call__ (4.3) for an async consumer, with dispatch_in_turn
        # in place of await_many_dispatch.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = websocket_send(send)
        try:
            with contextlib.suppress(StopConsumer):
                await dispatch_in_turn(sources, self.dispatch)
        finally:
            self._stop_session_timer()

    async def dispatch(self, message: dict) -> None:
        if self.ended_because is not None and message["type"] != "websocket.disconnect":
            return  # closing: nothing more is read, sent or subscribed to
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            logger.warning("no handler for %r on %s", message.get("type"), type(self).__name__)
            return
        await handler(message)

    # --- socket lifetime and frames (issue 22) ---------------------------------------------

    async def websocket_connect(self, message: dict) -> None:
        user = self.scope.get("user")
        if user is not None and user.is_authenticated and not user.is_active:
            # Signed in only to cancel a pending deletion (privacy's grace backend): that is an
            # HTTP page; no chat, channel, call or workshop socket for an account on its way out.
            # Accepted, then closed as a signed-out socket is, so the page stops reconnecting.
            await self.accept()
            await self.end_socket("account_inactive")
            return
        if user is not None and user.is_authenticated and self.channel_layer is not None:
            self.socket_user_id = user.pk
            session = self.scope.get("session")
            self.session_key = getattr(session, "session_key", None) if session else None
            self._session_checked_at = time.monotonic()
            await self.channel_layer.group_add(lifetime.socket_group(user.pk), self.channel_name)
            self._session_timer = asyncio.ensure_future(self._recheck_session_periodically())
        await super().websocket_connect(message)

    async def _recheck_session_periodically(self) -> None:
        try:
            while self.ended_because is None:
                await asyncio.sleep(lifetime.SESSION_TIMER_SECONDS * (0.5 + random.random()))  # noqa: S311 (jitter)
                if not await self.session_still_current(force=True):
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is down: the frames' own re-checks carry on
            logger.warning("session re-check failed", exc_info=True)

    def _stop_session_timer(self) -> None:
        timer = getattr(self, "_session_timer", None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    async def websocket_disconnect(self, message: dict) -> None:
        self._stop_session_timer()
        if self.socket_user_id is not None:
            await self.channel_layer.group_discard(
                lifetime.socket_group(self.socket_user_id), self.channel_name
            )
        await super().websocket_disconnect(message)

    async def websocket_receive(self, message: dict) -> None:
        text, data = message.get("text"), message.get("bytes")
        # Sized before anything reads it: len() counts characters, at most 4 bytes each.
        size = len(data) if text is None else len(text)
        if size > lifetime.MAX_FRAME_BYTES or (
            text is not None
            and size * 4 > lifetime.MAX_FRAME_BYTES
            and len(text.encode()) > lifetime.MAX_FRAME_BYTES
        ):
            await self.frame_error(
                "too_large", f"Frames are limited to {lifetime.MAX_FRAME_BYTES // 1024} KB."
            )
            return
        content: Any = _UNREAD
        if text is not None:
            try:
                content = json.loads(text)
            except (ValueError, RecursionError):
                # RecursionError: nesting deeper than the parser's stack (e.g. 100,000 `[`).
                logger.info("unparseable frame on %s", type(self).__name__)
        if self._session_check_due():
            if isinstance(content, dict) and content.get("type") in self.FRAMES_CHECKING_SESSION:
                # The handler's own database hop checks first (take_session_check).
                self._session_check_owed = True
            elif not await self.session_still_current(force=True):
                return
        if content is _UNREAD:
            await self.frame_error("bad_frame", "Frames are JSON text.")
            return
        try:
            await self.receive_json(content)
        finally:
            if self._session_check_owed:
                # The handler stopped before its database hop (a bad field, say): checked now.
                self._session_check_owed = False
                await self.session_still_current(force=True)

    async def frame_error(self, code: str, message: str) -> None:
        """Answer a frame that could not be read; the socket stays open."""
        await self.send_json({"type": "error", "code": code, "message": message})

    def _session_check_due(self) -> bool:
        if self.socket_user_id is None or self.ended_because is not None:
            return False
        if self.session_key is None and "session" not in self.scope:
            return False  # signed in by something other than a session cookie
        return time.monotonic() - self._session_checked_at >= lifetime.SESSION_RECHECK_SECONDS

    async def session_still_current(self, *, force: bool = False) -> bool:
        """Whether the session this socket was opened with still signs its person in; if not,
        the socket ends. Checked at most every SESSION_RECHECK_SECONDS unless `force`."""
        if self.socket_user_id is None or self.ended_because is not None:
            return self.ended_because is None
        if self.session_key is None and "session" not in self.scope:
            return True  # signed in by something other than a session cookie
        if not force and not self._session_check_due():
            return True
        self._session_checked_at = time.monotonic()
        if await consumer_db(lifetime.session_is_current)(self.session_key, self.socket_user_id):
            return True
        await self.end_socket("session_ended")
        return False

    def take_session_check(self) -> tuple[str | None, int] | None:
        """For a handler of a frame in FRAMES_CHECKING_SESSION, just before its database hop:
        what that hop must pass to `lifetime.require_current_session` before acting (None when
        no re-check is owed). The handler ends the socket on `lifetime.SessionEnded`."""
        if not self._session_check_owed:
            return None
        self._session_check_owed = False
        self._session_checked_at = time.monotonic()
        assert self.socket_user_id is not None
        return self.session_key, self.socket_user_id

    async def end_socket(self, reason: str) -> None:
        """Close with 4401 ("sign in again"); nothing is dispatched to the consumer after."""
        if self.ended_because is not None:
            return
        self.ended_because = reason
        await self.close(code=lifetime.CLOSE_SIGNED_OUT, reason=reason)

    async def socket_revoke(self, event: dict) -> None:
        """`lifetime.drop_conversations`: the person lost access to some conversations."""
        await self.conversations_revoked(
            [int(c) for c in event.get("conversations", [])], str(event.get("reason") or "removed")
        )

    async def conversations_revoked(self, conversation_ids: list[int], reason: str) -> None:
        """Consumers that follow conversations stop following these (default: nothing)."""

    async def socket_hidden_changed(self, event: dict) -> None:
        """`lifetime.refresh_hidden_for`: a block involving the person was created or removed.
        Consumers that filter by it reload whom they hide (default: nothing)."""

    async def socket_close(self, event: dict) -> None:
        """`lifetime.close_sockets_for`: for all of the person's sockets, or one session's."""
        session = event.get("session")
        if session is None or session == lifetime.session_tag(self.session_key):
            await self.end_socket(str(event.get("reason") or "signed_out"))
