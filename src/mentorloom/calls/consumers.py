"""Signalling for 1:1 calls: relays offer/answer/ICE between the two participants only.

No media passes through here; this consumer only forwards small JSON frames to the other
participant's socket(s) in the call's group. Protocol: docs/websocket.md (/ws/calls/<id>/).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from mentorloom.core.realtime.consumer_db import consumer_db

from . import services
from .access import get_call_for
from .errors import CallEnded
from .models import Call
from .services import call_group
from .signalling import FrameRefused, SignallingConsumer


class CallConsumer(SignallingConsumer):
    url_kwarg = "call_id"
    not_found_message = "There is no such call."
    relay_event = "signal.relay"
    refusals = {CallEnded: 4410}
    ice_per_window = 100  # candidates per window; a real browser sends a few dozen at most
    call: Call

    def admit(self, user, call_id: int) -> tuple[str, dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
        self.call = services.join_call(user, get_call_for(user, call_id))
        services.call_connected(user, self.call, self.channel_name)
        self.ended = False
        welcome = {
            "type": "welcome",
            "call_id": call_id,
            "you": user.pk,
            # Perfect negotiation: the person called yields when both offer at once.
            "polite": user.pk != self.call.started_by_id,
            "status": self.call.status,
        }
        return call_group(call_id), welcome, {}

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if self.group:
            # The last one out starts the clock after which the sweep ends the call.
            await consumer_db(services.call_disconnected)(self.call.pk, self.channel_name)

    async def receive_signal(self, frame: Any) -> None:
        if not isinstance(frame, dict):
            raise FrameRefused("bad_frame", "Frames are JSON objects.")
        if self.ended:
            raise FrameRefused("call_ended", "This call has ended.")
        kind = frame.get("type")
        if kind in ("offer", "answer"):
            relayed: dict[str, Any] = {"type": kind, "sdp": self.sdp_of(kind, frame)}
            if kind == "offer" and frame.get("fresh") is True:
                relayed["fresh"] = True  # the sender replaced its connection (call.js)
            await self._broadcast(relayed)
        elif kind == "ice":
            await self._broadcast({"type": "ice", "candidate": self.candidate_of(frame)})
        elif kind == "media":
            state = {k: bool(frame.get(k)) for k in ("audio", "video", "screen")}
            await self._broadcast({"type": "media", **state})
        elif kind == "hangup":
            # Every socket of the call, this one too, hears `ended` from services._finish.
            await consumer_db(self._hang_up)()
        else:
            raise FrameRefused("unknown_type", f"Unknown frame type {kind!r}.")

    def still_admitted(self) -> None:
        call = Call.objects.select_related("mentorship").get(pk=self.call.pk)
        if not services.call_may_go_on(call):
            raise CallEnded()

    def _hang_up(self) -> Call:
        user = get_user_model().objects.get(pk=self.user.pk)
        return services.end_call(user, self.call)

    async def signal_relay(self, event: dict[str, Any]) -> None:
        if event.get("sender") == self.channel_name:
            return
        frame = event["frame"]
        if frame.get("type") == "ended":
            self.ended = True
        await self.send_json(frame)
