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

from mentorloom.messaging.models import Message

from .models import Channel

ACTIVITY = "community.activity"


def community_group(community_id: int) -> str:
    return f"community.{community_id}"


# conversation id -> (channel id, community id), or None for a conversation of another kind.
# `check_channel_post` writes the entry of every post's channel under the send lock, just
# before the post is announced, so the announcement reads no row (and never an entry left
# from a rolled-back test database that handed the id out again).
_CHANNELS: dict[int, tuple[int, int] | None] = {}
_CHANNELS_MAX = 10_000


def remember_channel(conversation_id: int, channel_id: int, community_id: int) -> None:
    if len(_CHANNELS) >= _CHANNELS_MAX:
        _CHANNELS.clear()
    _CHANNELS[conversation_id] = (channel_id, community_id)


def channel_of(conversation_id: int) -> tuple[int, int] | None:
    """(channel id, community id) of a channel's conversation, or None for any other
    conversation (a workshop room's)."""
    if conversation_id not in _CHANNELS:
        row = (
            Channel.objects.filter(conversation_id=conversation_id)
            .values_list("pk", "community_id")
            .first()
        )
        if len(_CHANNELS) >= _CHANNELS_MAX:
            _CHANNELS.clear()
        _CHANNELS[conversation_id] = (row[0], row[1]) if row is not None else None
    return _CHANNELS[conversation_id]


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
