"""A minimal authenticated WebSocket consumer: proves the ASGI stack serves sockets."""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncJsonWebsocketConsumer

BAD_FRAME = {"type": "error", "code": "bad_frame", "message": "Expected ping."}


class PingConsumer(AsyncJsonWebsocketConsumer):
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
