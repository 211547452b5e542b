"""A minimal authenticated WebSocket consumer: proves the ASGI stack serves sockets."""

from __future__ import annotations

import json

from .consumer_db import JsonConsumer, consumer_db
from .live import refresher_for, user_group


@consumer_db
def _refresh(refresher, user_id: int) -> dict:  # type: ignore[no-untyped-def]
    return refresher(user_id)


BAD_FRAME = {"type": "error", "code": "bad_frame", "message": "Expected ping."}


class PingConsumer(JsonConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        # Accept first, then close: a close before accept becomes a bare HTTP 403 that browsers
        # report as 1006, so the client could not tell "sign in again" from a network failure.
        await self.accept()
        if user is None or not user.is_authenticated:
            # 4401 mirrors HTTP 401 in the application-defined close-code range.
            await self.close(code=4401)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: object
    ) -> None:
        # The base class raises on binary frames and invalid JSON, which kills the connection.
        if text_data is None:
            await self.send_json(BAD_FRAME)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json(BAD_FRAME)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: dict, **kwargs: object) -> None:
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json(BAD_FRAME)
            return
        await self.send_json({"type": "pong", "user_id": self.scope["user"].pk})


class LiveConsumer(JsonConsumer):
    """Per-person event stream for every open page (incoming calls, notification counts)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The stream is server-to-client; anything sent is answered, never acted on.
        await self.send_json(
            {"type": "error", "code": "read_only", "message": "Nothing to send here."}
        )

    async def live_event(self, message: dict) -> None:
        await self.send_json(message["event"])

    async def live_refresh(self, message: dict) -> None:
        refresher = refresher_for(message["kind"])
        if refresher is None:  # published by a newer or older release: nothing to say
            return
        await self.send_json(await _refresh(refresher, self.scope["user"].pk))
