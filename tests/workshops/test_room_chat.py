"""A breakout room's chat is one more messaging conversation: the same socket, the same
catch-up after a reconnect, and membership decides who can subscribe."""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async

from mentorloom.messaging import services as messaging
from mentorloom.workshops import services
from tests.messaging.sockets import chat_socket, cookie_for, receive, send, until

from .test_signalling import live_workshop  # noqa: F401  (fixture)


async def _cookie(user) -> str:
    return await sync_to_async(cookie_for)(user)


async def test_room_chat_catches_up_after_reconnect_and_refuses_other_rooms(
    live_asgi,
    live_workshop,  # noqa: F811
):
    facilitator, (ana, ben, cy, _di), workshop, rooms = live_workshop
    await sync_to_async(services.open_breakouts)(facilitator, workshop)
    convo_id = rooms[0].conversation_id
    first, _ = await sync_to_async(messaging.send_message)(ana, convo_id, uuid.uuid4(), "hello")
    await sync_to_async(messaging.send_message)(ana, convo_id, uuid.uuid4(), "missed one")
    async with chat_socket(live_asgi, await _cookie(ben)) as b:
        await send(b, {"type": "subscribe", "conversation_id": convo_id, "after_id": first.pk})
        _, before = await until(b, "subscribed")
        assert [f["message"]["body"] for f in before if f["type"] == "message"] == ["missed one"]
    async with chat_socket(live_asgi, await _cookie(cy)) as c:
        await send(c, {"type": "subscribe", "conversation_id": convo_id, "after_id": 0})
        frame = await receive(c)
        assert frame["type"] == "error" and frame["code"] == "not_found"
