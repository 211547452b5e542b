"""The statements of a chat send, written out in SQL.

Every chat message runs these on Channels' one database thread per process, so their cost
bounds the messages per second a process can take. Composed by the ORM, the four statements
cost about 2.5 ms to compile against 0.3 ms to run; here they are built once per process.
Table names come from the models and values are prepared by the models' own fields, so
SQLite and PostgreSQL get what the ORM would send them. `services.send_message` runs them
inside its transaction; the check alone also serves reactions (`check_can_post`), and the
block rule the unread total (`blocked_sql`).

On SQLite, outside any transaction (a socket's send on Channels' database thread, an HTTP send
without ATOMIC_REQUESTS), `write_unwrapped` runs the same statements in a transaction of its
own on the DB-API connection itself. The statements take about 70 µs; Django's cursor
wrappers, `atomic` and the on-commit queue around them took as long again, and that time is
taken from the event loop, which shares the GIL with the database thread.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import cache

from django.db import connection
from django.http import Http404

from mentorloom.core.hooks import Hook
from mentorloom.mentorships.models import (
    OPEN_REQUEST_STATUSES,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
)
from mentorloom.safety.models import Block

from .errors import BlockedConversation, ConversationClosed, RequestClosed
from .models import GROUP_KINDS, Conversation, ConversationKind, Message, Participant

# Called as (conversation_id, user_id, parent_sender_id, body, client_id=...) once the lock is
# held, for a post (body: its text; client_id: the send's) or a reaction (body and client_id:
# None) in a conversation of kind "channel"; the app owning channels (communities) connects a
# function that raises a DomainError to refuse (muted, banned, slow mode, a block with the
# author replied to, a mention of an outsider) and may
# schedule on-commit work (mention notifications) that a rolled-back send never runs. Channels
# skip the participant-wide block rule: one block between two of hundreds of members must not
# silence the channel.
channel_post_check = Hook("messaging.channel_post_check")

# The conversation's row lock (PostgreSQL). It serialises inserts per conversation, so ids are
# handed out in commit order: a socket that has seen id N has seen every earlier message of the
# thread. On SQLite there is no row lock: the transaction begins IMMEDIATE, which takes the
# database's write lock, a stronger one.
_LOCK_SQL = "SELECT 1 FROM {conversation} WHERE id = %s FOR UPDATE"


def blocked_sql(conversation_column: str, user: str = "%(user)s") -> str:
    """SQL that is true when someone the user blocked, or who blocked the user, takes part in
    the conversation whose id is `conversation_column`: messaging's one block rule, used by the
    send check and the unread total. `user` is the user id's SQL: the `%(user)s` parameter, or
    a column. (Nobody can block themselves: safety's `no_self_block` constraint.) Table names
    are filled by `with_tables`."""
    # Both arguments are SQL written in this package, never input.
    return (
        "EXISTS (SELECT 1 FROM {participant} other JOIN {block} b"  # noqa: S608  # nosec B608
        f" ON (b.blocker_id = {user} AND b.blocked_id = other.user_id)"
        f" OR (b.blocked_id = {user} AND b.blocker_id = other.user_id)"
        f" WHERE other.conversation_id = {conversation_column})"
    )


# Membership, the mentorship's state and any block between the sender and another participant.
# When sending it is read once the lock is held, as a statement of its own on PostgreSQL: a
# statement that waits for a row lock keeps the snapshot it started with, and would miss a
# block committed meanwhile.
# Joined, not concatenated: every piece is SQL of this package (bandit B608 reads a "+" of
# SQL strings as possible injection); values are parameters, table names come from the models.
# A request's conversation also reads the request's status (closed once it is answered); the
# CASE evaluates that lookup only for kind "request", so other sends pay nothing for it.
_CHECK_SQL = "".join(
    (
        "SELECT c.last_message_id, ms.status, c.kind, ",
        blocked_sql("c.id"),
        """,
CASE WHEN c.kind = 'request'
  THEN COALESCE((SELECT rq.status FROM {request} rq WHERE rq.id = c.request_id), '') END
FROM {conversation} c
JOIN {participant} me ON me.conversation_id = c.id AND me.user_id = %(user)s
LEFT JOIN {mentorship} ms ON ms.id = c.mentorship_id
WHERE c.id = %(conversation)s
""",
    )
)

# A retry finds its client id stored (the unique constraint) and inserts nothing.
_INSERT_SQL = """
INSERT INTO {message} (conversation_id, sender_id, client_id, body, created_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (conversation_id, sender_id, client_id) DO NOTHING
RETURNING id
"""

_NEWEST_SQL = "UPDATE {conversation} SET last_message_id = %s, last_message_at = %s WHERE id = %s"

_READ_OWN_SQL = (
    "UPDATE {participant} SET last_read_message_id = %s, last_read_at = %s"
    " WHERE conversation_id = %s AND user_id = %s"
)


@cache
def with_tables(template: str) -> str:
    """`template` with `{conversation}`, `{participant}`, `{message}`, `{mentorship}`,
    `{request}` and `{block}` replaced by the quoted table names."""

    def table(model: type) -> str:
        return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]

    return template.format(
        conversation=table(Conversation),
        participant=table(Participant),
        message=table(Message),
        mentorship=table(Mentorship),
        request=table(MentorshipRequest),
        block=table(Block),
    )


def _db_value(model: type, field: str, value: object) -> object:
    return model._meta.get_field(field).get_db_prep_save(value, connection)  # type: ignore[attr-defined]


def lock_for_send(
    conversation_id: int,
    user_id: int,
    parent_sender_id: int | None = None,
    body: str | None = None,
    client_id: uuid.UUID | None = None,
) -> int:
    """Lock the conversation for an insert and return its newest message id (0 if none),
    after `check_can_post` as committed when the lock was granted. Call inside a transaction.
    """
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(with_tables(_LOCK_SQL), [conversation_id])
    return check_can_post(conversation_id, user_id, parent_sender_id, body, client_id)


def check_can_post(
    conversation_id: int,
    user_id: int,
    parent_sender_id: int | None = None,
    body: str | None = None,
    client_id: uuid.UUID | None = None,
) -> int:
    """The conversation's newest message id (0 if none), if `user_id` may post there (send or
    react). Raises Http404 unless they take part, ConversationClosed when its mentorship has
    ended, RequestClosed when its request was answered without acceptance (declined,
    withdrawn, expired), BlockedConversation when they and another participant blocked each
    other; in a channel, whatever `channel_post_check` raises instead of the block rule
    (told the send's `client_id`, so a retry of a stored post spends no allowance again)."""
    with connection.cursor() as cursor:
        cursor.execute(with_tables(_CHECK_SQL), {"conversation": conversation_id, "user": user_id})
        row = cursor.fetchone()
    refusal = _refusal(row)
    if refusal is not None:
        raise refusal
    if row[2] == ConversationKind.CHANNEL:
        channel_post_check(conversation_id, user_id, parent_sender_id, body, client_id=client_id)
    return row[0] or 0


def _refusal(row: tuple | None) -> Exception | None:
    """Why `_CHECK_SQL`'s row (None when the user takes no part) refuses a post, or None when
    the user may post: the one rule of `check_can_post` and `write_unwrapped`."""
    if row is None:
        return Http404()
    _last_id, mentorship_status, kind, blocked, request_status = row
    if mentorship_status == MentorshipStatus.ENDED:
        return ConversationClosed()
    if request_status is not None and request_status not in OPEN_REQUEST_STATUSES:
        return RequestClosed.for_status(request_status)
    if blocked and kind not in GROUP_KINDS:
        return BlockedConversation()
    return None


def insert_message(
    conversation_id: int, sender_id: int, client_id: uuid.UUID, body: str, now: datetime
) -> Message | None:
    """Insert the row and return it as a saved Message, or None when this sender already
    stored `client_id` in the conversation (a retry)."""
    with connection.cursor() as cursor:
        cursor.execute(
            with_tables(_INSERT_SQL),
            [
                conversation_id,
                sender_id,
                _db_value(Message, "client_id", client_id),
                body,
                _db_value(Message, "created_at", now),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return _stored_message(row[0], conversation_id, sender_id, client_id, body, now)


def _stored_message(
    message_id: int,
    conversation_id: int,
    sender_id: int,
    client_id: uuid.UUID,
    body: str,
    now: datetime,
) -> Message:
    """The Message just inserted as `message_id`, as the ORM would hand back a saved one."""
    message = Message(
        id=message_id,
        conversation_id=conversation_id,
        sender_id=sender_id,
        client_id=client_id,
        body=body,
        created_at=now,
    )
    message._state.adding = False
    message._state.db = connection.alias
    return message


def mark_newest(message: Message) -> None:
    """Make `message` its conversation's newest, and read by its sender."""
    created_at = _db_value(Message, "created_at", message.created_at)
    with connection.cursor() as cursor:
        cursor.execute(with_tables(_NEWEST_SQL), [message.pk, created_at, message.conversation_id])
        cursor.execute(
            with_tables(_READ_OWN_SQL),
            [message.pk, created_at, message.conversation_id, message.sender_id],
        )


@cache
def _qmark(template: str) -> str:
    """`template` for the sqlite3 module's own placeholders, as Django's SQLite backend
    converts it on every call: `%s` becomes `?`, `%(name)s` becomes `:name`."""
    return re.sub(r"%\((\w+)\)s", r":\1", with_tables(template)).replace("%s", "?")


def can_write_unwrapped() -> bool:
    """True when `write_unwrapped` may run: SQLite, in autocommit, outside any atomic block."""
    return (
        connection.vendor == "sqlite"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


def write_unwrapped(
    conversation_id: int, sender_id: int, client_id: uuid.UUID, body: str, now: datetime
) -> tuple[Message, int] | None:
    """A send's check, insert and updates in one IMMEDIATE transaction on the DB-API
    connection (only when `can_write_unwrapped`). Returns the committed message and the
    conversation's newest id before it, or None when nothing was stored: the sender may not
    post there, or already stored `client_id` (a retry). The caller then takes the `atomic`
    path, which raises the reason or reads the stored message back. Database errors are
    Django's, as from a cursor."""
    client = _db_value(Message, "client_id", client_id)
    created_at = _db_value(Message, "created_at", now)
    connection.ensure_connection()
    db = connection.connection
    with connection.wrap_database_errors:
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                _qmark(_CHECK_SQL), {"conversation": conversation_id, "user": sender_id}
            ).fetchone()
            inserted = None
            # A channel's own rules (`channel_post_check`) run on the `atomic` path; group
            # conversations take that path too.
            if _refusal(row) is None and row[2] not in GROUP_KINDS:
                inserted = db.execute(
                    _qmark(_INSERT_SQL), (conversation_id, sender_id, client, body, created_at)
                ).fetchone()
            if inserted is None:
                db.execute("ROLLBACK")
                return None
            message_id = inserted[0]
            db.execute(_qmark(_NEWEST_SQL), (message_id, created_at, conversation_id))
            db.execute(_qmark(_READ_OWN_SQL), (message_id, created_at, conversation_id, sender_id))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    message = _stored_message(message_id, conversation_id, sender_id, client_id, body, now)
    return message, row[0] or 0
