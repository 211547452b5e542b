"""The chat socket (/ws/chat/): one per browser tab, many conversations over it.

Authenticates on connect, authorises every frame through access helpers, delegates writes to
services. The frames are documented in docs/websocket.md.

Exactly-once, in-order delivery per socket: `self.last_sent[conversation_id]` is the newest
message id this socket has sent. Channels dispatches one event at a time per consumer, so a
catch-up query and the live events queued behind it never interleave; a live event is sent only
if it directly follows `last_sent` (its `prev_id` matches), an older one is dropped as already
sent, and a gap (an event lost or published out of order by another process) is filled from the
database, where the message is already committed.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.http import Http404
from redis.exceptions import RedisError

from mentorloom.core import ratelimit
from mentorloom.core.errors import DomainError
from mentorloom.core.realtime import lifetime
from mentorloom.core.realtime.consumer_db import JsonConsumer, consumer_db
from mentorloom.safety.selectors import hidden_user_ids

from . import events, selectors, services
from .access import get_conversation_for
from .models import GROUP_KINDS, Conversation, ConversationKind

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 100
TYPING_EVERY_SECONDS = 2.0
CATCH_UP_BATCH = 200


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def _int_field(content: dict, name: str, *, required: bool = True) -> int | None:
    value = content.get(name)
    if value is None and not required:
        return None
    # bool is an int in Python; a JSON true is not an id.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("bad_frame", f"`{name}` must be a non-negative integer.")
    return value


@consumer_db
def _conversation(user, conversation_id: int) -> Conversation:  # type: ignore[no-untyped-def]
    return get_conversation_for(user, conversation_id)


@consumer_db
def _hidden_user_ids(user_id: int) -> set[int]:
    return hidden_user_ids(user_id)


@consumer_db
def _subscribe_state(
    conversation: Conversation, hidden_for: int | None = None
) -> tuple[int, list[dict], set[int] | None]:
    """(newest message id, read states, whom `hidden_for` hides when asked: one hop)."""
    hidden = None if hidden_for is None else hidden_user_ids(hidden_for)
    newest = (
        Conversation.objects.filter(pk=conversation.pk)
        .values_list("last_message_id", flat=True)
        .get()
    ) or 0
    if conversation.kind == ConversationKind.CHANNEL:
        # No read receipts in a channel: its subscribe would list every member (a thousand
        # rows per subscribe, a thousand entries in the frame) for nobody to show.
        return newest, [], hidden
    reads = [
        {
            "user_id": r.user_id,
            "up_to_id": r.last_read_message_id,
            "read_at": r.last_read_at.isoformat() if r.last_read_at else None,
        }
        for r in selectors.read_states(conversation)
    ]
    return newest, reads, hidden


@consumer_db
def _messages_after(conversation_id: int, after_id: int, hidden: frozenset[int]) -> list[dict]:
    return [
        events.message_payload(m)
        for m in selectors.messages_after(conversation_id, after_id, CATCH_UP_BATCH, hidden)
    ]


@dataclass(frozen=True)
class Sent:
    """What a `send` frame's database work hands back to the socket."""

    message_id: int
    client_id: str
    payload_json: str  # the message payload as JSON text (embedded in the ack as it is)
    created: bool
    others: list[int]  # the other participants' ids, for the socket to keep
    outbox: events.Outbox  # events to publish, now that the message is committed


def send_frame(
    user,  # type: ignore[no-untyped-def]
    conversation_id: int,
    client_id: object,
    body: object,
    others: list[int] | None,
    allowed: bool | None = None,
    parent_id: int | None = None,
    *,
    session: tuple[str | None, int] | None = None,
) -> Sent:
    """A `send` frame's database work in one thread hop (Channels runs all database work of a
    process on one thread, so hops and queries per send bound the messages per second).

    The service authorises afresh once it holds the conversation's lock (a mentorship may have
    ended, someone may have blocked) and stores; `others` is what the socket kept from an
    earlier call, if any; `allowed` is the rate limit's answer, counted by the socket;
    `session` is the socket's due session re-check (JsonConsumer.take_session_check), made
    here first, in the same hop: raises lifetime.SessionEnded before anything is stored.
    """
    lifetime.require_current_session(session)
    if others is None:
        others = selectors.other_participant_ids(conversation_id, user.pk)
    outbox: events.Outbox = []
    message, created = services.send_message(
        user,
        conversation_id,
        client_id,
        body,
        others=others,
        outbox=outbox,
        allowed=allowed,
        parent_id=parent_id,
    )
    return Sent(
        message.pk, str(message.client_id), events.message_json(message), created, others, outbox
    )


_send = consumer_db(send_frame)


@consumer_db
def _mark_read(user, conversation: Conversation, up_to_id: int) -> None:  # type: ignore[no-untyped-def]
    services.mark_read(user, conversation, up_to_id)


class ChatConsumer(JsonConsumer):
    # A send that falls due for the session re-check makes it in its own database hop.
    FRAMES_CHECKING_SESSION = frozenset({"send"})

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.last_sent: dict[int, int] = {}
        self.typing_sent_at: dict[int, float] = {}
        # Other participants per conversation (memberships never change); blocks are still
        # checked on every send, against these ids, in one query.
        self.others: dict[int, list[int]] = {}
        # Channels and workshop rooms this socket follows, and the people a block hides from
        # its user there (safety.selectors.hidden_user_ids): their posts are neither caught up
        # nor delivered live. Loaded with the first such subscribe and reloaded whenever a
        # block between the user and someone is created or removed (socket_hidden_changed).
        # One-to-one conversations need no filter: a block hides the whole conversation.
        self.group_conversations: set[int] = set()
        self.hidden: frozenset[int] | None = None
        # Accept, then close: a refusal before accept reaches browsers as an anonymous 1006.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)

    async def disconnect(self, code: int) -> None:
        for conversation_id in list(self.last_sent):
            await self.channel_layer.group_discard(
                events.conversation_group(conversation_id), self.channel_name
            )
        self.last_sent.clear()
        self.group_conversations.clear()

    # --- incoming frames ---------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Sized and parsed by JsonConsumer: binary, oversized and unparseable frames are
        # answered there.
        if self.user is None or not self.user.is_authenticated:
            return
        if not isinstance(content, dict):
            await self._error("bad_frame", "Frames are JSON objects with a `type`.")
            return
        handler = self.HANDLERS.get(content.get("type"))  # type: ignore[arg-type]
        if handler is None:
            await self._error("unknown_type", "Unknown frame type.", content)
            return
        try:
            await handler(self, content)
        except FrameError as exc:
            await self._error(exc.code, exc.message, content)
        except lifetime.SessionEnded:
            await self.end_socket("session_ended")
        except Http404:
            # Outsiders and missing conversations look the same.
            await self._error("not_found", "Conversation not found.", content)
        except DomainError as exc:
            await self._error(exc.code, exc.message, content)
        except (DatabaseError, RedisError):
            # The database, or Redis (the rate limit's counts), is down or restarting: the
            # socket stays open, the client resends (its client id makes that safe) and
            # nothing half-written was committed.
            logger.exception("chat frame failed on the database or Redis")
            await self._error(
                "unavailable", "The server could not do that just now; try again.", content
            )

    async def _error(self, code: str, message: str, content: dict | None = None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if content is not None:
            # Echo what lets the client match the error to its request.
            for key in ("type", "conversation_id", "client_id"):
                value = content.get(key)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    frame["frame" if key == "type" else key] = value
        await self.send_json(frame)

    async def on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})

    async def on_subscribe(self, content: dict) -> None:
        conversation_id = _int_field(content, "conversation_id")
        # A new subscription is a new look at someone's messages: the session is checked now.
        if not await self.session_still_current(force=True):
            return
        after_id = _int_field(content, "after_id", required=False)
        conversation = await _conversation(self.user, conversation_id)
        if conversation.pk not in self.last_sent and len(self.last_sent) >= MAX_SUBSCRIPTIONS:
            raise FrameError("too_many_subscriptions", "Unsubscribe from a conversation first.")
        is_group = conversation.kind in GROUP_KINDS
        newest, reads, hidden = await _subscribe_state(
            conversation, self.user.pk if is_group and self.hidden is None else None
        )
        if hidden is not None:
            self.hidden = frozenset(hidden)
        # The read states name every participant, so the first send needs no lookup. In a
        # channel or workshop room nobody's nav badge counts its messages: a post there must not
        # refresh the badges of every member (selectors.other_participant_ids is empty too).
        self.others[conversation.pk] = (
            [] if is_group else [r["user_id"] for r in reads if r["user_id"] != self.user.pk]
        )
        if is_group:
            self.group_conversations.add(conversation.pk)
        else:
            self.group_conversations.discard(conversation.pk)
        # Join before reading: anything committed from here on arrives as a queued event, and
        # the catch-up below covers everything before it (duplicates are dropped by id).
        await self.channel_layer.group_add(
            events.conversation_group(conversation.pk), self.channel_name
        )
        self.last_sent[conversation.pk] = newest if after_id is None else min(after_id, newest)
        await self._catch_up(conversation.pk)
        await self.send_json(
            {
                "type": "subscribed",
                "conversation_id": conversation.pk,
                "last_id": self.last_sent[conversation.pk],
                "reads": reads,
            }
        )

    async def conversations_revoked(self, conversation_ids: list[int], reason: str) -> None:
        """Access to these conversations went (a ban, leaving a community): nothing more of
        them reaches this socket, and the page is told why."""
        for conversation_id in conversation_ids:
            if self.last_sent.pop(conversation_id, None) is None:
                continue
            self.others.pop(conversation_id, None)
            self.group_conversations.discard(conversation_id)
            await self.channel_layer.group_discard(
                events.conversation_group(conversation_id), self.channel_name
            )
            await self.send_json(
                {"type": "unsubscribed", "conversation_id": conversation_id, "reason": reason}
            )

    async def on_unsubscribe(self, content: dict) -> None:
        conversation_id = _int_field(content, "conversation_id")
        self.group_conversations.discard(conversation_id)
        if self.last_sent.pop(conversation_id, None) is not None:
            await self.channel_layer.group_discard(
                events.conversation_group(conversation_id), self.channel_name
            )
        await self.send_json({"type": "unsubscribed", "conversation_id": conversation_id})

    async def on_send(self, content: dict) -> None:
        conversation_id = _int_field(content, "conversation_id")
        if not isinstance(content.get("client_id"), str):
            raise FrameError("bad_frame", "`client_id` must be a UUID string.")
        # Counted here, on the event loop: with Redis that is a round trip the database
        # thread (shared by every socket of the process) does not wait for.
        allowed = await ratelimit.aallow(
            "chat.send",
            str(self.user.pk),
            limit=services.SEND_LIMIT,
            window_seconds=services.SEND_WINDOW_SECONDS,
        )
        sent = await _send(
            self.user,
            conversation_id,
            content["client_id"],
            content.get("body"),
            self.others.get(conversation_id),
            allowed,
            # A thread reply in a community channel names its root post.
            _int_field(content, "parent_id", required=False),
            session=self.take_session_check(),
        )
        self.others[conversation_id] = sent.others
        # Committed: fan out to every subscribed socket (this one included), then ack.
        await events.publish_outbox(self.channel_layer, sent.outbox)
        ack = json.dumps(
            {
                "type": "ack",
                "conversation_id": conversation_id,
                "client_id": sent.client_id,
                "id": sent.message_id,
                "duplicate": not sent.created,
            }
        )
        await self.send(text_data=ack[:-1] + ', "message": ' + sent.payload_json + "}")

    async def on_typing(self, content: dict) -> None:
        conversation_id = _int_field(content, "conversation_id")
        if conversation_id not in self.last_sent:
            raise FrameError("not_subscribed", "Subscribe to the conversation first.")
        # Typing is a hint: throttled quietly rather than answered with errors.
        now = time.monotonic()
        if now - self.typing_sent_at.get(conversation_id, 0.0) < TYPING_EVERY_SECONDS:
            return
        self.typing_sent_at[conversation_id] = now
        await self.channel_layer.group_send(
            events.conversation_group(conversation_id),
            {"type": "chat.typing", "conversation_id": conversation_id, "user_id": self.user.pk},
        )

    async def on_read(self, content: dict) -> None:
        conversation_id = _int_field(content, "conversation_id")
        up_to_id = _int_field(content, "up_to_id")
        conversation = await _conversation(self.user, conversation_id)
        await _mark_read(self.user, conversation, up_to_id)

    HANDLERS = {
        "ping": on_ping,
        "subscribe": on_subscribe,
        "unsubscribe": on_unsubscribe,
        "send": on_send,
        "typing": on_typing,
        "read": on_read,
    }

    # --- channel-layer events ------------------------------------------------------------------

    def _hides(self, conversation_id: int, sender_id: object) -> bool:
        """Whether `sender_id`'s posts in this conversation are hidden from this socket."""
        return (
            bool(self.hidden)
            and conversation_id in self.group_conversations
            and sender_id in self.hidden  # type: ignore[operator]
        )

    async def _catch_up(self, conversation_id: int) -> None:
        while conversation_id in self.last_sent:
            hidden = (
                self.hidden or frozenset()
                if conversation_id in self.group_conversations
                else frozenset()
            )
            batch = await _messages_after(conversation_id, self.last_sent[conversation_id], hidden)
            for payload in batch:
                await self.send_json({"type": "message", "message": payload})
                self.last_sent[conversation_id] = payload["id"]
            if len(batch) < CATCH_UP_BATCH:
                return

    async def chat_message(self, event: dict) -> None:
        conversation_id = event["conversation_id"]
        last = self.last_sent.get(conversation_id)
        if last is None or event["id"] <= last:
            return  # not subscribed, or already sent by a catch-up
        if event["prev_id"] <= last:
            # In order: a post by someone hidden from this reader is passed over, not sent.
            if not self._hides(conversation_id, event.get("sender_id")):
                await self.send(text_data=event["frame"])  # the `message` frame, ready-made
            self.last_sent[conversation_id] = event["id"]
        else:
            await self._catch_up(conversation_id)

    async def chat_changed(self, event: dict) -> None:
        payload = event["message"]
        last = self.last_sent.get(payload["conversation_id"])
        # Newer messages than `last` arrive (already changed) through catch-up.
        if (
            last is not None
            and payload["id"] <= last
            and not self._hides(payload["conversation_id"], payload.get("sender_id"))
        ):
            await self.send_json({"type": "message_changed", "message": payload})

    async def chat_read(self, event: dict) -> None:
        if event["conversation_id"] in self.last_sent:
            await self.send_json(
                {
                    "type": "read",
                    "conversation_id": event["conversation_id"],
                    "user_id": event["user_id"],
                    "up_to_id": event["up_to_id"],
                    "read_at": event["read_at"],
                }
            )

    async def chat_typing(self, event: dict) -> None:
        if (
            event["conversation_id"] in self.last_sent
            and event["user_id"] != self.user.pk
            and not self._hides(event["conversation_id"], event["user_id"])
        ):
            await self.send_json(
                {
                    "type": "typing",
                    "conversation_id": event["conversation_id"],
                    "user_id": event["user_id"],
                }
            )

    async def socket_hidden_changed(self, event: dict) -> None:
        """`lifetime.refresh_hidden_for`: a block between this user and someone was created
        or removed. Reloaded now if a channel or room is followed, else at the next one's
        subscribe. Posts passed over while someone was hidden are not sent afterwards: each
        followed channel or room gets a `hidden_changed` frame naming whom it newly hides
        and no longer hides, so the page drops the first's posts and re-reads its posts for
        the second's (their older posts were never on it)."""
        if not self.group_conversations:
            self.hidden = None
            return
        try:
            hidden = frozenset(await _hidden_user_ids(self.user.pk))
        except DatabaseError:
            # The database is down: the set stays as it was until the next block event or
            # reconnect reloads it.
            logger.exception("reloading whom a chat socket hides failed")
            return
        before, self.hidden = self.hidden or frozenset(), hidden
        added, removed = sorted(hidden - before), sorted(before - hidden)
        if not added and not removed:
            return
        for conversation_id in sorted(self.group_conversations):
            await self.send_json(
                {
                    "type": "hidden_changed",
                    "conversation_id": conversation_id,
                    "hidden": added,
                    "unhidden": removed,
                }
            )
