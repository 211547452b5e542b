"""A minimal authenticated WebSocket consumer: proves the ASGI stack serves sockets."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # 4401 mirrors HTTP 401 in the application-defined close-code range.
            await self.close(code=4401)
            return
        await self.accept()

    async def receive_json(self, content: dict, **kwargs: object) -> None:
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json({"type": "error", "code": "bad_frame", "message": "Expected ping."})
            return
        await self.send_json({"type": "pong", "user_id": self.scope["user"].pk})
