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


def test_the_room_chat_page_and_api_leave_out_whom_a_block_hides(
    client,
    live_workshop,  # noqa: F811
):
    """As the socket does: reloading the room chat, or reading it over the API (chat.js's
    polling and its re-read after an unblock), shows nobody a block hides, either way."""
    from mentorloom.safety.services import block_user, unblock_user

    facilitator, (ana, ben, _cy, _di), workshop, rooms = live_workshop
    services.open_breakouts(facilitator, workshop)
    convo_id = rooms[0].conversation_id
    messaging.send_message(ana, convo_id, uuid.uuid4(), "Ana says hi")
    messaging.send_message(ben, convo_id, uuid.uuid4(), "Ben says hi")
    block_user(ana, ben.pk)

    def seen_by(user) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
        client.force_login(user)
        page = client.get(f"/workshops/rooms/{rooms[0].pk}/chat/").content.decode()
        # The chat page's "Load older messages" fragment leaves them out too.
        older = client.get(
            f"/messages/{convo_id}/?before={10**9}", HTTP_HX_REQUEST="true"
        ).content.decode()
        assert ("Ben says hi" in older) == ("Ben says hi" in page)
        assert ("Ana says hi" in older) == ("Ana says hi" in page)
        api = client.get(f"/api/v1/conversations/{convo_id}/messages").json()
        return page, [m["body"] for m in api["messages"]]

    page, bodies = seen_by(ana)
    assert "Ana says hi" in page and "Ben says hi" not in page and bodies == ["Ana says hi"]
    page, bodies = seen_by(ben)
    assert "Ana says hi" not in page and "Ben says hi" in page and bodies == ["Ben says hi"]
    unblock_user(ana, ben.pk)
    assert seen_by(ana)[1] == ["Ana says hi", "Ben says hi"]
