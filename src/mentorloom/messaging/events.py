"""What goes over the channel layer: message payloads and the events published after commit.

Every event is published from `transaction.on_commit`, so nobody hears about a row that was
rolled back (persist, then deliver). Consumers turn events into the frames in docs/websocket.md.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse

from mentorloom.core.hooks import Hook
from mentorloom.core.markdown import render_markdown
from mentorloom.core.realtime.layers import send_all
from mentorloom.core.realtime.live import publish_refresh, refresh_envelope, user_group

from .models import REACTIONS, Attachment, Message
from .selectors import unread_totals_for

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# Attributes under which send_message keeps the payload it built (and its JSON text), so the
# ack, the fan-out and the HTTP answer reuse one rendering and one encoding.
_PAYLOAD_ATTR = "_chat_payload"
_JSON_ATTR = "_chat_payload_json"


def remember_payload(message: Message, *, html: str, attachments: list[Attachment]) -> dict:
    """Build the payload of a message just created (no reactions yet) and keep it on the
    instance; `html` is the body already rendered by render_markdown."""
    payload = _build_payload(message, html=html, attachments=attachments, reactions=[])
    setattr(message, _PAYLOAD_ATTR, payload)
    return payload


def forget_payload(message: Message) -> None:
    """Drop a kept payload (call before changing the message)."""
    message.__dict__.pop(_PAYLOAD_ATTR, None)
    message.__dict__.pop(_JSON_ATTR, None)


def message_payload(message: Message) -> dict:
    """The one JSON shape of a message (socket frames and the HTTP API alike)."""
    cached = message.__dict__.get(_PAYLOAD_ATTR)
    return cached if cached is not None else _build_payload(message)


def message_json(message: Message) -> str:
    """The payload as JSON text, encoded once per message: a chat message goes out as an ack
    and as a frame to every subscribed socket, and all of them embed this text."""
    cached = message.__dict__.get(_JSON_ATTR)
    if cached is None:
        cached = json.dumps(message_payload(message))
        setattr(message, _JSON_ATTR, cached)
    return cached


def _build_payload(
    message: Message,
    *,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
    reactions: list[dict] | None = None,
) -> dict:
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "client_id": str(message.client_id),
        "parent_id": message.parent_id,
        "body": "" if deleted else message.body,
        # Sanitised by nh3 (core.markdown): safe to insert as HTML on the client.
        "html": "" if deleted else (render_markdown(message.body) if html is None else html),
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "deleted": deleted,
        # Until when the sender may still edit or delete it (clients hide the buttons after).
        "editable_until": _iso(message.editable_until),
        "attachments": (
            []
            if deleted
            else [
                attachment_payload(a)
                for a in (message.attachment_rows() if attachments is None else attachments)
            ]
        ),
        "reactions": (
            [] if deleted else (reactions_payload(message) if reactions is None else reactions)
        ),
    }


def reactions_payload(message: Message) -> list[dict]:
    """Reactions in the fixed order, with who reacted (clients mark their own as pressed)."""
    who: dict[str, list[int]] = {}
    for reaction in message.reaction_rows():
        who.setdefault(reaction.key, []).append(reaction.user_id)
    return [
        {"key": key, "emoji": emoji, "name": name, "count": len(who[key]), "user_ids": who[key]}
        for key, (emoji, name) in REACTIONS.items()
        if key in who
    ]


def attachment_payload(attachment: Attachment) -> dict:
    args = [attachment.message.conversation_id, attachment.pk]
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "name": attachment.name,
        "size": attachment.size,
        # Served by a view that checks the viewer takes part in the conversation.
        "url": reverse("messaging:attachment", args=args),
        "thumbnail_url": (
            reverse("messaging:attachment_thumbnail", args=args) if attachment.thumbnail else None
        ),
        "thumb_width": attachment.thumb_width,
        "thumb_height": attachment.thumb_height,
    }


def publish(group: str, event: dict) -> None:
    """Send one event to a channel-layer group from synchronous code.

    A layer outage must not undo a committed message: it is logged, and every client still
    gets the message through catch-up (next event's gap check, reconnect, or HTTP polling).
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.exception("channel layer publish failed", extra={"group": group})


# Events collected for the caller to publish itself, as (group, event) pairs. The chat socket
# passes one to send_message and publishes from its own event loop once the service returns
# (committed), instead of the database thread blocking on async_to_sync for every event: on
# Channels that thread is shared by every socket of the process.
Outbox = list[tuple[str, dict]]


def _emit(outbox: Outbox | None, group: str, event: dict) -> None:
    if outbox is None:
        publish(group, event)
    else:
        outbox.append((group, event))


async def publish_outbox(layer, outbox: Outbox) -> None:  # type: ignore[no-untyped-def]
    """Publish collected events in order (async side), together where the layer can
    (core.realtime.layers: one Redis round trip). Like publish(), a layer outage is logged and never
    undoes the committed write; clients catch up from the database."""
    try:
        await send_all(layer, outbox)
    except Exception:
        logger.exception("channel layer publish failed", extra={"groups": [g for g, _ in outbox]})


def message_created(message: Message, prev_id: int, outbox: Outbox | None = None) -> None:
    # prev_id (the conversation's newest id before this one, read under the row lock) lets each
    # socket see whether it missed something and fill the gap from the database. The `message`
    # frame travels ready-made (as text), so sockets neither copy nor encode the payload.
    _emit(
        outbox,
        conversation_group(message.conversation_id),
        {
            "type": "chat.message",
            "conversation_id": message.conversation_id,
            "id": message.pk,
            "prev_id": prev_id,
            # Lets a socket drop a post by someone a block hides from its reader.
            "sender_id": message.sender_id,
            "frame": '{"type": "message", "message": ' + message_json(message) + "}",
        },
    )


# Called as (message, emit) once a message of a conversation without badge recipients (a
# community channel, a workshop room) is committed; `emit(group, event)` publishes one more
# event with the message's own (in the socket's outbox: the same Redis round trip). The app
# owning the conversation connects to it; communities sends one "channel activity" event to a
# community-wide group, however many members the channel has (docs/communities.md).
group_message_created = Hook("messaging.group_message_created")


def group_message_announced(message: Message, outbox: Outbox | None = None) -> None:
    group_message_created(message, partial(_emit, outbox))


def message_changed(message: Message) -> None:
    publish(
        conversation_group(message.conversation_id),
        {"type": "chat.changed", "message": message_payload(message)},
    )


def read_moved(conversation_id: int, user_id: int, up_to_id: int, read_at: datetime) -> None:
    publish(
        conversation_group(conversation_id),
        {
            "type": "chat.read",
            "conversation_id": conversation_id,
            "user_id": user_id,
            "up_to_id": up_to_id,
            "read_at": _iso(read_at),
        },
    )


UNREAD_REFRESH = "unread.changed"


def unread_events(user_ids: list[int]) -> dict[int, dict]:
    """The `unread.changed` event of each person, read now: their /ws/live/ sockets run this
    when told the count changed (core.realtime.live refreshers)."""
    return {
        user_id: {"type": "unread.changed", "total": total}
        for user_id, total in unread_totals_for(user_ids).items()
    }


def unread_changed(user_ids: list[int], outbox: Outbox | None = None) -> None:
    """Tell each person's open pages that their unread total changed (the nav badge, via
    /ws/live/). Only the fact is published; each open page's socket reads the total, so a
    message to someone with no page open costs no count."""
    for user_id in user_ids:
        if outbox is None:
            publish_refresh(user_id, UNREAD_REFRESH)
        else:
            outbox.append((user_group(user_id), refresh_envelope(UNREAD_REFRESH)))
