"""What goes over the channel layer: message payloads and the events published after commit.

Every event is published from `transaction.on_commit`, so nobody hears about a row that was
rolled back (persist, then deliver). Consumers turn events into the frames in docs/websocket.md.
"""

from __future__ import annotations

import logging
from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from mentorloom.core.markdown import render_markdown

from .models import Message

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def message_payload(message: Message) -> dict:
    """The one JSON shape of a message (socket frames and the HTTP API alike)."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "client_id": str(message.client_id),
        "body": "" if deleted else message.body,
        # Sanitised by nh3 (core.markdown): safe to insert as HTML on the client.
        "html": "" if deleted else render_markdown(message.body),
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "deleted": deleted,
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


def message_created(message: Message, prev_id: int) -> None:
    # prev_id (the conversation's newest id before this one, read under the row lock) lets each
    # socket see whether it missed something and fill the gap from the database.
    publish(
        conversation_group(message.conversation_id),
        {"type": "chat.message", "message": message_payload(message), "prev_id": prev_id},
    )


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
