"""Signalling for 1:1 calls: relays offer/answer/ICE between the two participants only.

No media passes through here; this consumer only forwards small JSON frames to the other
participant's socket(s) in the call's group. Protocol: docs/websocket.md (/ws/calls/<id>/).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from django.http import Http404

from mentorloom.core.realtime.consumer_db import JsonConsumer, consumer_db

from . import services
from .access import get_call_for
from .errors import CallEnded
from .models import Call

ICE_PER_WINDOW = 100  # candidates per window; a real browser sends a few dozen at most
ICE_WINDOW_SECONDS = 10.0


def call_group(call_id: int) -> str:
    return f"call.{call_id}"


def _error(code: str, message: str) -> dict[str, str]:
    return {"type": "error", "code": code, "message": message}


class CallConsumer(JsonConsumer):
    call: Call
    group = ""

    async def connect(self) -> None:
        await self.accept()  # accept first so the client can read why it is turned away
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        call_id = int(self.scope["url_route"]["kwargs"]["call_id"])
        try:
            self.call = await consumer_db(self._join)(user, call_id, self.channel_name)
        except Http404:
            await self.send_json(_error("not_found", "There is no such call."))
            await self.close(code=4404)
            return
        except CallEnded as exc:
            await self.send_json(_error(exc.code, exc.message))
            await self.close(code=4410)
            return
        self.user_id = user.pk
        self.ended = False
        self.ice_times: deque[float] = deque()
        self.group = call_group(call_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json(
            {
                "type": "welcome",
                "call_id": call_id,
                "you": user.pk,
                # Perfect negotiation: the person called yields when both offer at once.
                "polite": user.pk != self.call.started_by_id,
                "status": self.call.status,
            }
        )
        await self._broadcast({"type": "peer.joined", "user_id": user.pk})

    @staticmethod
    def _join(user, call_id: int, channel_name: str) -> Call:  # type: ignore[no-untyped-def]
        call = services.join_call(user, get_call_for(user, call_id))
        services.call_connected(user, call, channel_name)
        return call

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self._broadcast({"type": "peer.left", "user_id": self.user_id})
            await self.channel_layer.group_discard(self.group, self.channel_name)
            # The last one out starts the clock after which the sweep ends the call.
            await consumer_db(services.call_disconnected)(self.call.pk, self.channel_name)

    async def receive_json(self, frame: Any, **kwargs: Any) -> None:
        # Sized and parsed by JsonConsumer (at most lifetime.MAX_FRAME_BYTES, 64 KB).
        if not self.group:
            return
        if not isinstance(frame, dict):
            await self.send_json(_error("bad_frame", "Frames are JSON objects."))
            return
        if self.ended:
            await self.send_json(_error("call_ended", "This call has ended."))
            return
        await self._handle(frame)

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind in ("offer", "answer"):
            sdp = frame.get("sdp")
            if not isinstance(sdp, str) or not sdp:
                await self.send_json(_error("bad_frame", f"An {kind} needs an sdp string."))
                return
            await self._relay({"type": kind, "sdp": sdp})
        elif kind == "ice":
            candidate = frame.get("candidate")
            if candidate is not None and not isinstance(candidate, dict):
                await self.send_json(_error("bad_frame", "candidate must be an object or null."))
                return
            if not self._ice_allowed():
                await self.send_json(_error("rate_limited", "Too many ICE candidates."))
                return
            await self._relay({"type": "ice", "candidate": candidate})
        elif kind == "media":
            state = {k: bool(frame.get(k)) for k in ("audio", "video", "screen")}
            await self._relay({"type": "media", **state})
        elif kind == "hangup":
            call = await consumer_db(self._hang_up)()
            await self._broadcast(
                {"type": "ended", "by": self.user_id, "duration": call.duration_seconds},
                include_self=True,
            )
        else:
            await self.send_json(_error("unknown_type", f"Unknown frame type {kind!r}."))

    def _hang_up(self) -> Call:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=self.user_id)
        return services.end_call(user, self.call)

    def _ice_allowed(self) -> bool:
        now = time.monotonic()
        while self.ice_times and now - self.ice_times[0] > ICE_WINDOW_SECONDS:
            self.ice_times.popleft()
        if len(self.ice_times) >= ICE_PER_WINDOW:
            return False
        self.ice_times.append(now)
        return True

    async def _relay(self, frame: dict[str, Any]) -> None:
        await self._broadcast(frame)

    async def _broadcast(self, frame: dict[str, Any], include_self: bool = False) -> None:
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "signal.relay",
                "frame": frame,
                "sender": None if include_self else self.channel_name,
            },
        )

    async def signal_relay(self, event: dict[str, Any]) -> None:
        if event.get("sender") == self.channel_name:
            return
        frame = event["frame"]
        if frame.get("type") == "ended":
            self.ended = True
        await self.send_json(frame)
