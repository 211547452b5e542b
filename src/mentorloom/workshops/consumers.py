"""Mesh-mode signalling for a workshop room (/ws/workshops/rooms/<id>/): relays offer/answer/
ICE between the people currently in that room. Used only when no Janus answers; with Janus the
browser talks to the SFU and this socket is not opened.

Authorised on connect and again on every offer through selectors.get_room_for (a participant
reaches only the room they are in now; the facilitator may visit any room of their workshop).
A move closes the moved person's socket in the old room (room.revoke), so they stop receiving
its signalling at once. The connect checks before joining the room's group and again once in
it, so a move, a removal or a ban made in between cannot miss the socket.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from mentorloom.calls.signalling import FrameRefused, SignallingConsumer
from mentorloom.core.realtime.consumer_db import consumer_db

from . import selectors


def room_group(room_id: int) -> str:
    return f"workshop.room.{room_id}"


class RoomConsumer(SignallingConsumer):
    url_kwarg = "room_id"
    not_found_message = "You are not in that room."
    relay_event = "room.relay"
    ice_per_window = 200

    def admit(self, user, room_id: int) -> tuple[str, dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
        self.room_id = room_id
        self.name = self._authorise()
        welcome = {"type": "welcome", "room": room_id, "you": user.pk}
        return room_group(room_id), welcome, {"name": self.name}

    def still_admitted(self) -> None:
        # A move, the facilitator's remove or a ban may have closed the person's sockets in
        # this room between `admit` and the join; in the group now, a later one reaches it.
        selectors.get_room_for(self.user, self.room_id)

    def _authorise(self) -> str:
        selectors.get_room_for(self.user, self.room_id)
        return selectors.display_name(self.user)

    async def receive_signal(self, frame: Any) -> None:
        if not isinstance(frame, dict) or not isinstance(frame.get("to"), int):
            raise FrameRefused("bad_frame", "Frames are objects with a numeric `to`.")
        kind = frame.get("type")
        out: dict[str, Any] = {"type": kind, "from": self.user.pk, "to": frame["to"]}
        if kind in ("offer", "answer"):
            out["sdp"] = self.sdp_of(kind, frame)
            try:
                await consumer_db(self._authorise)()
            except Http404:
                await self.frame_error("moved", "You are no longer in this room.")
                await self.close(code=4403)
                return
            out["name"] = self.name
            if kind == "offer" and frame.get("fresh") is True:
                out["fresh"] = True  # the sender replaced the pair's connection: do the same
        elif kind == "ice":
            out["candidate"] = self.candidate_of(frame)
        else:
            raise FrameRefused("unknown_type", f"Unknown frame type {kind!r}.")
        await self._broadcast(out)

    async def room_relay(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if event.get("sender") == self.channel_name:
            return
        if "to" in frame and frame["to"] != self.user.pk:
            return
        await self.send_json(frame)

    async def room_revoke(self, event: dict[str, Any]) -> None:
        """A move took this person out of the room, or they were taken out of the workshop
        (`reason`: removed by the facilitator, banned from its community): close their socket
        here."""
        if self.group and event.get("user_id") == self.user.pk:
            reason = event.get("reason")
            await self.send_json(
                {"type": "removed", "reason": reason} if reason else {"type": "moved"}
            )
            await self.close(code=4403)
