"""Live per-channel unread badges: one "channel activity" event per post, to the community.

A post to a channel of a thousand members must not write a thousand counters nor send a
thousand events. Counts are computed from each member's read marker when a page (or its
socket) asks (`selectors.channels_for`), and a post publishes one event to the community's
group, in the same batch as the post itself (messaging's `group_message_created` hook): every
open community page's socket (`consumers.CommunityConsumer`) hears it and its page adds one to
that channel's badge. docs/communities.md explains the choice.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from mentorloom.messaging.models import Message

from .models import Channel

ACTIVITY = "community.activity"


def community_group(community_id: int) -> str:
    return f"community.{community_id}"


@lru_cache(maxsize=4096)
def channel_of(conversation_id: int) -> tuple[int, int] | None:
    """(channel id, community id) of a channel's conversation, or None for any other
    conversation. A conversation never changes channel, so this is read once per process."""
    row = (
        Channel.objects.filter(conversation_id=conversation_id)
        .values_list("pk", "community_id")
        .first()
    )
    return (row[0], row[1]) if row is not None else None


def announce_post(message: Message, emit: Callable[[str, dict], None]) -> None:
    """Messaging's `group_message_created`: a committed post or reply in a channel becomes one
    activity event for the channel's community."""
    found = channel_of(message.conversation_id)
    if found is None:
        return  # a workshop room's chat
    channel_id, community_id = found
    emit(
        community_group(community_id),
        {
            "type": ACTIVITY,
            "channel_id": channel_id,
            "message_id": message.pk,
            "sender_id": message.sender_id,
        },
    )
