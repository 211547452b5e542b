"""How long a WebSocket lives, and how big a frame may be (issue 22, defects 3 and 4).

A socket lives no longer than the signed-in session it was opened with. Every consumer
(`consumer_db.JsonConsumer`) joins its person's socket group, and `close_sockets_for` closes
that group's sockets after commit: on sign-out, a password change or reset, deactivation, a
ban. As a backstop for what nobody announces (a session expired or deleted elsewhere, a
password changed in the admin) a socket re-checks its session before acting on a client
frame, at most once every SESSION_RECHECK_SECONDS, on every chat subscribe, and on a timer
(about once a minute) for sockets that never send.

The re-check runs on the consumers' database thread. Through `auth.get_user` (two ORM
queries) it took ~1.1 ms on SQLite and ~1.8 ms on PostgreSQL (2026-12-06, this shared 2-CPU
machine, 2,000 checks), 85% of it composing the queries; as one statement built once (as
messaging/send_sql.py does) ~160 µs and ~240 µs. Once per socket per 10 s, the chat
benchmark's 400 sending sockets make at most 40 checks a second: ~6-10 ms of that thread a
second, under 1%; the timer adds ~13 a second for 800 sockets. Checking on every frame
would have added a thread hop to every send.

Twelfth session: the one statement had stopped applying once a second authentication backend
(privacy's PendingDeletionBackend) was configured, so every re-check went through
`auth.get_user` again; it now applies to any backends that read users as ModelBackend does.
And a chat `send` that falls due for a re-check no longer makes it a hop of its own ahead of
the send: the check runs first in the send's own hop (`require_current_session`).
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache, partial
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

from mentorloom.core.hooks import Hook

logger = logging.getLogger(__name__)

# Largest client frame a consumer parses. Chat bodies are at most a few KB and call
# signalling (SDP) about 10 KB; a bigger frame is answered with a `too_large` error frame.
MAX_FRAME_BYTES = 64 * 1024
# The server's own limit (uvicorn's ws_max_size; runstack and the tests' server): anything
# bigger is never buffered whole, the connection is closed with 1009 (message too big).
SERVER_MAX_FRAME_BYTES = 2 * MAX_FRAME_BYTES

SESSION_RECHECK_SECONDS = 10.0
# Sockets that never send (the live stream) re-check on a timer: every minute on average,
# spread out so sockets opened together do not check together.
SESSION_TIMER_SECONDS = 60.0

# Application close code "sign in again" (mirrors HTTP 401); the pages' scripts stop
# reconnecting on it.
CLOSE_SIGNED_OUT = 4401


def socket_group(user_id: int) -> str:
    """The channel-layer group every open socket of `user_id` belongs to."""
    return f"sockets.{user_id}"


def session_tag(session_key: str | None) -> str | None:
    """A session's name in close events: never the key itself (it signs the person in)."""
    if not session_key:
        return None
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


# Called inside the caller's transaction with (user_id, reason, session_key) whenever
# `close_sockets_for` is: what else a sign-out, password change, deactivation or ban must end
# (a workshop's media grant, a calendar feed link) connects here. `session_key` is set when
# only one signed-in session ended (a sign-out); listeners schedule their own on_commit work.
access_ended = Hook("access_ended")


def close_sockets_for(user_id: int, reason: str, *, session_key: str | None = None) -> None:
    """Close every open WebSocket of `user_id` (chat, live, calls, ping), or only those opened
    with `session_key`, once the current transaction commits (at once outside one).

    `reason` is a short code (`signed_out`, `password_changed`, `deactivated`, `banned`, ...)
    sent as the close reason with close code 4401. A channel-layer failure is logged and never
    undoes the caller's work; the sockets' session re-check still ends them.
    """
    event = {"type": "socket.close", "reason": reason[:100], "session": session_tag(session_key)}
    transaction.on_commit(partial(_send_to_sockets, user_id, event))
    access_ended(user_id, reason, session_key)


def drop_conversations(user_id: int, conversation_ids: list[int], reason: str) -> None:
    """After the current transaction commits, every open socket of `user_id` stops following
    `conversation_ids` (their access went: a ban, leaving a community, removal from a room):
    a chat socket unsubscribes and says so; other sockets ignore it. Without this a socket
    subscribed before would go on receiving those conversations until it reconnected."""
    if not conversation_ids:
        return
    event = {
        "type": "socket.revoke",
        "conversations": [int(c) for c in conversation_ids],
        "reason": reason[:100],
    }
    transaction.on_commit(partial(_send_to_sockets, user_id, event))


def refresh_hidden_for(user_ids: list[int]) -> None:
    """After the current transaction commits, every open socket of each of `user_ids` reloads
    whom it hides (a block was created or removed between them): a chat socket following a
    community channel or a workshop room stops, or starts again, delivering those people's
    posts; other sockets ignore it."""
    event = {"type": "socket.hidden_changed"}
    for user_id in dict.fromkeys(int(u) for u in user_ids):
        transaction.on_commit(partial(_send_to_sockets, user_id, event))


def _send_to_sockets(user_id: int, event: dict[str, Any]) -> None:
    """`event` to every open socket of `user_id` (a close, a revocation)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(socket_group(user_id), event)
    except Exception:
        logger.exception("telling the sockets of user %s (%s) failed", user_id, event.get("type"))


class SessionEnded(Exception):
    """Raised in a database hop by `require_current_session`: the socket's session no longer
    signs its person in, so the frame is not acted on and the socket ends."""


def require_current_session(check: tuple[str | None, int] | None) -> None:
    """A frame's database work calls this first with what `JsonConsumer.take_session_check`
    handed it: when a re-check is owed, the session is checked in the same hop as the work
    (one hop, not two, for the frame that falls due). Raises SessionEnded."""
    if check is not None and not session_is_current(*check):
        raise SessionEnded()


class _SessionOnly:
    """What `django.contrib.auth.get_user` reads from a request."""

    def __init__(self, session: Any) -> None:
        self.session = session


_DB_SESSIONS = "django.contrib.sessions.backends.db"


@cache
def _backends_read_by_pk(paths: tuple[str, ...]) -> bool:
    """Whether every backend reads its user as ModelBackend does: by primary key, then asks
    its own `user_can_authenticate` (ModelBackend and its subclasses that keep `get_user`,
    such as privacy's PendingDeletionBackend)."""
    for path in paths:
        backend = import_string(path)
        if not (issubclass(backend, ModelBackend) and backend.get_user is ModelBackend.get_user):
            return False
    return True


@cache
def _backend(path: str) -> ModelBackend:
    return auth.load_backend(path)  # type: ignore[return-value]


def session_is_current(session_key: str | None, user_id: int) -> bool:
    """Whether `session_key` still signs `user_id` in, as an HTTP request would find it: the
    session exists and is not expired, names this person, who is active and whom the session's
    backend still lets in, and its password hash matches (a password change ends other
    sessions). An account pending deletion may still sign in over HTTP to cancel it, but its
    sockets are not current. Runs on a database thread.

    With database sessions and backends that read users as ModelBackend does (our settings)
    this is one statement built once; anything else goes through
    `django.contrib.auth.get_user` (two ORM queries)."""
    if not session_key:
        return False
    if settings.SESSION_ENGINE == _DB_SESSIONS and _backends_read_by_pk(
        tuple(settings.AUTHENTICATION_BACKENDS)
    ):
        return _session_is_current_sql(session_key, user_id)
    return _session_is_current_through_auth(session_key, user_id)


def _session_is_current_through_auth(session_key: str, user_id: int) -> bool:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(_SessionOnly(store))  # type: ignore[arg-type]
    return bool(user.is_authenticated and user.is_active and user.pk == user_id)


@cache
def _session_sql() -> str:
    from django.contrib.sessions.models import Session

    user_model = auth.get_user_model()
    quote = connection.ops.quote_name
    session, user = quote(Session._meta.db_table), quote(user_model._meta.db_table)
    pk = quote(user_model._meta.pk.column)
    # Table and column names come from the models; values are parameters.
    return (
        f"SELECT s.session_data, u.password, u.is_active FROM {session} s "  # noqa: S608  # nosec B608
        f"JOIN {user} u ON u.{pk} = %s WHERE s.session_key = %s AND s.expire_date > %s"
    )


def _now_for_sessions() -> object:
    # What the session's expire_date field prepares an aware datetime as (get_db_prep_value).
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _session_is_current_sql(session_key: str, user_id: int) -> bool:
    """What `auth.get_user` checks, read in one statement (see the module's docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(_session_sql(), [user_id, session_key, _now_for_sessions()])
        row = cursor.fetchone()
    if row is None:  # no such session, or expired
        return False
    if not row[2]:
        # An inactive person: deactivated, banned, or signed in only to cancel a pending
        # deletion (privacy's grace backend lets them in over HTTP). No socket serves them.
        return False
    data = import_module(_DB_SESSIONS).SessionStore().decode(row[0])
    if str(data.get(auth.SESSION_KEY)) != str(user_id):
        return False
    if data.get(auth.BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    session_hash = data.get(auth.HASH_SESSION_KEY)
    if not session_hash:
        return False
    user = auth.get_user_model()(pk=user_id, password=row[1], is_active=True)
    if not _backend(data[auth.BACKEND_SESSION_KEY]).user_can_authenticate(user):
        return False
    return constant_time_compare(session_hash, user.get_session_auth_hash()) or any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )
