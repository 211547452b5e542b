"""Live events to one person's open pages, over the /ws/live/ socket (core.consumers).

Apps publish small JSON events ("call.incoming", "notification.new") to a user; every page
the user has open receives them. Publishing happens after commit so nobody hears about a
row that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .layers import send_all

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish_to_user(user_id: int, event: dict[str, Any]) -> None:
    """Queue `event` (with a "type") for the user's live pages once the transaction commits."""
    _publish_on_commit(user_id, {"type": "live.event", "event": event})


def live_message(user_id: int, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The (group, channel-layer message) that publish_to_user sends, for publish_all."""
    return user_group(user_id), {"type": "live.event", "event": event}


def publish_to_users(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """publish_to_user for many people at once (one trip into the event loop)."""
    publish_all([live_message(uid, event) for uid in user_ids])


def publish_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Queue many (group, message) pairs, in order, once the transaction commits: one callback
    and one trip into the event loop for all of them (a breakout move of 500 people was 1,000
    separate trips, most of its time)."""
    if not messages:
        return

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(send_all)(layer, messages)
        except Exception:  # a dropped live hint must never fail the write that caused it
            logger.exception("live event publish failed", extra={"groups": len(messages)})

    transaction.on_commit(send)


# Events whose content every receiving socket reads for its own person when it arrives, by
# kind: the publisher says only that something changed, so nothing is read for people with no
# page open (the unread badge changes on every chat message, most often for nobody watching).
# The sockets of a process told within a short while are answered by one run for all their
# people (core.consumers), so a refresher takes user ids and returns each one's event.
Refresher = Callable[[list[int]], dict[int, dict[str, Any]]]
_REFRESHERS: dict[str, Refresher] = {}


def register_refresher(kind: str, refresher: Refresher) -> None:
    """`refresher(user_ids)` returns the event (with a "type") to send to each of those
    people; it runs on the consumers' database thread (core.realtime.consumer_db)."""
    _REFRESHERS[kind] = refresher


def refresher_for(kind: str) -> Refresher | None:
    return _REFRESHERS.get(kind)


def refresh_envelope(kind: str) -> dict[str, Any]:
    """The channel-layer message that makes each /ws/live/ socket of a user run a refresher."""
    return {"type": "live.refresh", "kind": kind}


def publish_refresh(user_id: int, kind: str) -> None:
    """Queue a refresh of `kind` for the user's live pages once the transaction commits."""
    _publish_on_commit(user_id, refresh_envelope(kind))


def _publish_on_commit(user_id: int, message: dict[str, Any]) -> None:
    publish_all([(user_group(user_id), message)])
