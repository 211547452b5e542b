"""Mesh-mode signalling for a workshop room (/ws/workshops/rooms/<id>/): relays offer/answer/
ICE between the people currently in that room. Used only when no Janus answers; with Janus the
browser talks to the SFU and this socket is not opened.

Authorised on connect and again on every offer through selectors.get_room_for (a participant
reaches only the room they are in now; the facilitator may visit any room of their workshop).
A move closes the moved person's socket in the old room (room.revoke), so they stop receiving
its signalling at once.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from django.http import Http404

from mentorloom.core.realtime.consumer_db import JsonConsumer, consumer_db

from . import selectors

ICE_PER_WINDOW = 200
ICE_WINDOW_SECONDS = 10.0


def room_group(room_id: int) -> str:
    return f"workshop.room.{room_id}"


def _error(code: str, message: str) -> dict[str, str]:
    return {"type": "error", "code": code, "message": message}


class RoomConsumer(JsonConsumer):
    group = ""

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.user = user
        try:
            self.name = await consumer_db(self._authorise)()
        except Http404:
            await self.send_json(_error("not_found", "You are not in that room."))
            await self.close(code=4404)
            return
        self.ice_times: deque[float] = deque()
        self.group = room_group(self.room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "welcome", "room": self.room_id, "you": user.pk})
        await self._broadcast({"type": "peer.joined", "user_id": user.pk, "name": self.name})

    def _authorise(self) -> str:
        selectors.get_room_for(self.user, self.room_id)
        return selectors.display_name(self.user)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self._broadcast({"type": "peer.left", "user_id": self.user.pk})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, frame: Any, **kwargs: Any) -> None:
        if not self.group:
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("to"), int):
            await self.send_json(_error("bad_frame", "Frames are objects with a numeric `to`."))
            return
        kind = frame.get("type")
        out: dict[str, Any] = {"type": kind, "from": self.user.pk, "to": frame["to"]}
        if kind in ("offer", "answer"):
            sdp = frame.get("sdp")
            if not isinstance(sdp, str) or not sdp:
                await self.send_json(_error("bad_frame", f"An {kind} needs an sdp string."))
                return
            try:
                await consumer_db(self._authorise)()
            except Http404:
                await self.send_json(_error("moved", "You are no longer in this room."))
                await self.close(code=4403)
                return
            out["sdp"] = sdp
            out["name"] = self.name
        elif kind == "ice":
            candidate = frame.get("candidate")
            if candidate is not None and not isinstance(candidate, dict):
                await self.send_json(_error("bad_frame", "candidate must be an object or null."))
                return
            if not self._ice_allowed():
                await self.send_json(_error("rate_limited", "Too many ICE candidates."))
                return
            out["candidate"] = candidate
        else:
            await self.send_json(_error("unknown_type", f"Unknown frame type {kind!r}."))
            return
        await self._broadcast(out)

    def _ice_allowed(self) -> bool:
        now = time.monotonic()
        while self.ice_times and now - self.ice_times[0] > ICE_WINDOW_SECONDS:
            self.ice_times.popleft()
        if len(self.ice_times) >= ICE_PER_WINDOW:
            return False
        self.ice_times.append(now)
        return True

    async def _broadcast(self, frame: dict[str, Any]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "room.relay", "frame": frame, "sender": self.channel_name}
        )

    async def room_relay(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if event.get("sender") == self.channel_name:
            return
        if "to" in frame and frame["to"] != self.user.pk:
            return
        await self.send_json(frame)

    async def room_revoke(self, event: dict[str, Any]) -> None:
        """A move took this person out of the room: close their socket here."""
        if event.get("user_id") == self.user.pk:
            await self.send_json({"type": "moved"})
            await self.close(code=4403)
