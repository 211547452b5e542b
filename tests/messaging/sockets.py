"""Socket helpers for chat tests: open /ws/chat/ with a session cookie, send frames, and read
frames with a timeout and a ping barrier (so "nothing else arrived" can be asserted)."""

from __future__ import annotations

import asyncio
import json
import uuid

from tests.sockets import TIMEOUT, cookie_for, socket_at

# cookie_for and socket_at live in tests.sockets (every live-socket test uses them); chat
# tests have long imported them from here.
__all__ = [
    "TIMEOUT",
    "chat",
    "chat_socket",
    "collect",
    "cookie_for",
    "drain",
    "receive",
    "send",
    "socket_at",
    "subscribe",
    "until",
]


def chat_socket(server, cookie: str | None = None):  # type: ignore[no-untyped-def]
    """`server` has .url and .ws_url (LiveASGIServer or a server process)."""
    return socket_at(server, "/ws/chat/", cookie)


async def receive(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def send(ws, frame: dict) -> None:
    await ws.send(json.dumps(frame))


async def until(ws, frame_type: str) -> tuple[dict, list[dict]]:
    """The first frame of `frame_type` and every frame before it."""
    before: list[dict] = []
    while True:
        frame = await receive(ws)
        if frame["type"] == frame_type:
            return frame, before
        before.append(frame)


async def drain(ws) -> list[dict]:
    """Every frame the server sent before answering a ping (a barrier: nothing else pending)."""
    await send(ws, {"type": "ping"})
    _, before = await until(ws, "pong")
    return before


async def collect(ws, *, messages: int, acks: int = 0) -> tuple[list[dict], list[dict]]:
    """(message frames, ack frames) until the counts are reached, plus anything that follows
    before a ping barrier, so an extra (duplicate) message would show up in the result."""
    got: dict[str, list[dict]] = {"message": [], "ack": []}
    while len(got["message"]) < messages or len(got["ack"]) < acks:
        frame = await receive(ws)
        got.setdefault(frame["type"], []).append(frame)
    for frame in await drain(ws):
        got.setdefault(frame["type"], []).append(frame)
    return got["message"], got["ack"]


async def subscribe(ws, convo, after_id: int | None = 0) -> list[dict]:
    frame: dict = {"type": "subscribe", "conversation_id": convo.pk}
    if after_id is not None:
        frame["after_id"] = after_id
    await send(ws, frame)
    subscribed, before = await until(ws, "subscribed")
    assert subscribed["conversation_id"] == convo.pk
    return before


def chat(convo, client_id: str | None = None, body: str = "hi") -> dict:
    return {
        "type": "send",
        "conversation_id": convo.pk,
        "client_id": client_id or str(uuid.uuid4()),
        "body": body,
    }
