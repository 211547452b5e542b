"""The community socket (/ws/communities/<id>/): live per-channel unread badges for a member's
open community and channel pages.

On connect (and on a `refresh` frame) it sends the member's counts, read from their read
markers; after that each `community.activity` event (one per post, events.announce_post) is
passed on as an `activity` frame, and the page adds one to that channel's badge. Nothing is
written and nothing is counted per post: the socket only filters (your own posts, people a
block hides, posts the counts already include). A block or unblock involving the member
(`lifetime.refresh_hidden_for`) sends the counts again, read with whom they now hide.

A ban or leaving ends it: they take the member out of the community's channels
(`messaging.remove_participant`), whose `lifetime.drop_conversations` reaches every open
socket of theirs as `socket.revoke`; this one then asks whether its community is still theirs
and, if not, says why and closes (4404). Its person's socket group is joined before connect
checks membership, so a ban committed after that check still reaches it.

Frames to the client: {"type": "unread", "channels": {"<channel id>": n}},
{"type": "activity", "channel_id": id, "message_id": id} and, before the close after a ban or
leaving, {"type": "removed", "reason": "banned" | "left"}. From the client:
{"type": "refresh"} (the page sends it when its person read something, see
static/communities/unread.js).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from django.db import DatabaseError
from django.http import Http404

from mentorloom.core.realtime.consumer_db import JsonConsumer, consumer_db
from mentorloom.safety.selectors import hidden_user_ids

from . import selectors
from .access import get_membership_for, membership_of
from .events import community_group
from .models import Community

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
# A page asks again when its person read something; more often than this is answered once.
REFRESH_EVERY_SECONDS = 1.0


@consumer_db
def _snapshot(user, community_id: int) -> tuple[dict[int, int], dict[int, int], set[int]]:  # type: ignore[no-untyped-def]
    """(unread count by channel id, newest message id by channel id, hidden sender ids) for a
    member in good standing; Http404 for anyone else. Counts and newest ids come from one
    statement, so they agree: a post the counts include has an id at most the newest."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise Http404
    get_membership_for(user, community)
    channels = selectors.channels_for(user, community)
    return (
        {c.pk: c.unread_count for c in channels},
        {c.pk: c.newest_id or 0 for c in channels},
        hidden_user_ids(user.pk),
    )


@consumer_db
def _is_member(user, community_id: int) -> bool:  # type: ignore[no-untyped-def]
    community = Community.objects.filter(pk=community_id).first()
    return community is not None and membership_of(user, community) is not None


class CommunityConsumer(JsonConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.community_id = int(self.scope["url_route"]["kwargs"]["community_id"])
        self.newest: dict[int, int] = {}
        self.hidden: set[int] = set()
        self.joined = False
        self.refreshed_at = 0.0
        self.later: asyncio.Task | None = None
        # Accept, then close: a refusal before accept reaches browsers as an anonymous 1006.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        # Joined before the counts are read: a post committed meanwhile arrives as an event
        # and is dropped if the counts include it already (its id is not above the newest).
        # The person's socket group was joined before this (JsonConsumer.websocket_connect),
        # so a ban or leaving committed after the snapshot's membership check still arrives
        # as `socket.revoke` (conversations_revoked) and ends the socket.
        await self.channel_layer.group_add(community_group(self.community_id), self.channel_name)
        self.joined = True
        await self._send_counts()

    async def disconnect(self, code: int) -> None:
        if self.later is not None:
            self.later.cancel()
            self.later = None
        if self.joined:
            await self.channel_layer.group_discard(
                community_group(self.community_id), self.channel_name
            )
            self.joined = False

    async def _send_counts(self) -> None:
        try:
            counts, newest, hidden = await _snapshot(self.user, self.community_id)
        except Http404:
            # Not a member (or no longer: banned, left): nothing more for this socket.
            await self.disconnect(CLOSE_NOT_FOUND)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # Newer than what the counts include: events already passed on stay counted.
        for channel_id, last in newest.items():
            self.newest[channel_id] = max(self.newest.get(channel_id, 0), last)
        self.hidden = hidden
        self.refreshed_at = time.monotonic()
        await self.send_json(
            {"type": "unread", "channels": {str(k): v for k, v in sorted(counts.items())}}
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.joined:
            return
        if not isinstance(content, dict) or content.get("type") not in ("refresh", "ping"):
            await self.send_json(
                {"type": "error", "code": "bad_frame", "message": "Expected refresh or ping."}
            )
            return
        if content["type"] == "ping":
            await self.send_json({"type": "pong"})
            return
        wait = self.refreshed_at + REFRESH_EVERY_SECONDS - time.monotonic()
        if wait <= 0:
            await self._send_counts()
        elif self.later is None:
            # Asked again too soon: answered once, when the while is up (never dropped, so
            # the page ends up with counts read after its last question).
            self.later = asyncio.ensure_future(self._counts_after(wait))

    async def _counts_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self.later = None
        if self.joined:
            await self._send_counts()

    async def conversations_revoked(self, conversation_ids: list[int], reason: str) -> None:
        """`lifetime.drop_conversations`: the person lost some conversations. A ban or leaving
        takes them out of this community's channels; then the socket tells the page why and
        closes (4404, the page does not reconnect), so no more post notices reach them. Asked
        of the database rather than matched by channel: revocations are rare, and a channel
        made after this socket connected counts too."""
        if not self.joined or await _is_member(self.user, self.community_id):
            return
        await self.disconnect(CLOSE_NOT_FOUND)
        await self.send_json({"type": "removed", "reason": reason})
        await self.close(code=CLOSE_NOT_FOUND)

    async def socket_hidden_changed(self, event: dict) -> None:
        """`lifetime.refresh_hidden_for`: a block between the person and someone was created
        or removed. Whom the socket hides is read again, with the counts (which leave hidden
        people's posts out, so they change too): after a block that person's posts stop
        counting, after an unblock they count again, those made while the block lasted too."""
        if not self.joined:
            return
        try:
            await self._send_counts()
        except DatabaseError:
            # The database is down: the set stays as it was until the next block event, a
            # refresh or a reconnect reads it again.
            logger.exception("reloading whom a community socket hides failed")

    async def community_activity(self, event: dict) -> None:
        if not self.joined:
            return  # queued before a ban or leaving ended the socket
        channel_id, message_id = event["channel_id"], event["message_id"]
        if message_id <= self.newest.get(channel_id, 0):
            return  # counted already (or a new channel's first post raced the snapshot)
        self.newest[channel_id] = message_id
        if event["sender_id"] == self.user.pk or event["sender_id"] in self.hidden:
            return
        await self.send_json(
            {"type": "activity", "channel_id": channel_id, "message_id": message_id}
        )
