"""Live events to one person's open pages, over the /ws/live/ socket (core.consumers).

Apps publish small JSON events ("call.incoming", "notification.new") to a user; every page
the user has open receives them. Publishing happens after commit so nobody hears about a
row that was rolled back.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish_to_user(user_id: int, event: dict[str, Any]) -> None:
    """Queue `event` (with a "type") for the user's live pages once the transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": "live.event", "event": event}
            )
        except Exception:  # a dropped live hint must never fail the write that caused it
            logger.exception("live event publish failed", extra={"user_id": user_id})

    transaction.on_commit(send)
