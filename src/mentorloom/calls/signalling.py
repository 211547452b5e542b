"""What every WebRTC signalling socket shares: the 1:1 call's (calls.consumers, /ws/calls/<id>/)
and a workshop room's mesh (workshops.consumers, /ws/workshops/rooms/<id>/).

A socket is accepted first and then turned away with a reason the client can read: 4401 when
signed out, 4404 for an outsider or a missing id (the same answer), or a refusal of the
consumer's own. An admitted socket joins one channel-layer group per call or room, is welcomed,
and the others hear `peer.joined` (and `peer.left` when it goes). Offer/answer frames need an
SDP string and ICE candidates are objects (or null), rate-limited per socket. No media passes
through here; only small JSON frames are relayed.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, ClassVar

from django.http import Http404

from mentorloom.core.errors import DomainError
from mentorloom.core.realtime.consumer_db import JsonConsumer, consumer_db


class FrameRefused(Exception):
    """A client frame that is not relayed; the sender gets an error frame, the socket stays."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SignallingConsumer(JsonConsumer):
    url_kwarg: ClassVar[str]  # the route's id: "call_id", "room_id"
    not_found_message: ClassVar[str]
    relay_event: ClassVar[str]  # the channel-layer event type the group's sockets relay
    refusals: ClassVar[dict[type[DomainError], int]] = {}  # domain error → close code
    ice_per_window: ClassVar[int] = 100
    ice_window_seconds: ClassVar[float] = 10.0
    group = ""

    def admit(self, user, object_id: int) -> tuple[str, dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
        """On the database thread: authorise `user` (Http404 for an outsider, or a domain error
        listed in `refusals`) and return the group to join, the welcome frame and what
        `peer.joined` tells the others besides the user id."""
        raise NotImplementedError

    def still_admitted(self) -> None:
        """On the database thread, once the socket has joined the group `admit` named: raise
        what `admit` raises if the person may no longer be here. Default: nothing to re-check
        (an admission nobody takes back while the socket connects)."""

    async def _refuse(self, exc: Exception) -> None:
        """Turn the socket away: 4404 for an outsider, else the refusal's own close code."""
        if isinstance(exc, DomainError):
            await self.frame_error(exc.code, exc.message)
            await self.close(code=self.refusals[type(exc)])
        else:
            await self.frame_error("not_found", self.not_found_message)
            await self.close(code=4404)

    async def receive_signal(self, frame: Any) -> None:
        """A parsed client frame of an admitted socket; raise FrameRefused to answer an error."""
        raise NotImplementedError

    async def connect(self) -> None:
        await self.accept()  # accept first so the client can read why it is turned away
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        object_id = int(self.scope["url_route"]["kwargs"][self.url_kwarg])
        try:
            group, welcome, joined = await consumer_db(self.admit)(user, object_id)
        except (Http404, *self.refusals) as exc:
            await self._refuse(exc)
            return
        self.ice_times: deque[float] = deque()
        await self.channel_layer.group_add(group, self.channel_name)
        # Check again now that the socket is in the group (check, join, check): a removal
        # that committed after `admit` looked closed the group's sockets before this one was
        # among them; one that commits from here on reaches it through the group.
        try:
            await consumer_db(self.still_admitted)()
        except (Http404, *self.refusals) as exc:
            await self.channel_layer.group_discard(group, self.channel_name)
            await self._refuse(exc)
            return
        self.group = group
        await self.send_json(welcome)
        await self._broadcast({"type": "peer.joined", "user_id": user.pk, **joined})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self._broadcast({"type": "peer.left", "user_id": self.user.pk})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, frame: Any, **kwargs: Any) -> None:
        # Sized and parsed by JsonConsumer (at most lifetime.MAX_FRAME_BYTES, 64 KB).
        if not self.group:
            return
        try:
            await self.receive_signal(frame)
        except FrameRefused as exc:
            await self.frame_error(exc.code, exc.message)

    @staticmethod
    def sdp_of(kind: str, frame: dict[str, Any]) -> str:
        sdp = frame.get("sdp")
        if not isinstance(sdp, str) or not sdp:
            raise FrameRefused("bad_frame", f"An {kind} needs an sdp string.")
        return sdp

    def candidate_of(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        """The ICE candidate to relay (null ends the candidates), within the socket's rate."""
        candidate = frame.get("candidate")
        if candidate is not None and not isinstance(candidate, dict):
            raise FrameRefused("bad_frame", "candidate must be an object or null.")
        if not self._ice_allowed():
            raise FrameRefused("rate_limited", "Too many ICE candidates.")
        return candidate

    def _ice_allowed(self) -> bool:
        now = time.monotonic()
        while self.ice_times and now - self.ice_times[0] > self.ice_window_seconds:
            self.ice_times.popleft()
        if len(self.ice_times) >= self.ice_per_window:
            return False
        self.ice_times.append(now)
        return True

    async def _broadcast(self, frame: dict[str, Any], include_self: bool = False) -> None:
        await self.channel_layer.group_send(
            self.group,
            {
                "type": self.relay_event,
                "frame": frame,
                "sender": None if include_self else self.channel_name,
            },
        )
