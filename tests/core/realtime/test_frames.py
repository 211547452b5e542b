"""Frames every consumer refuses without harm (issue 22, defect 4): nesting too deep to parse,
frames over 64 KB (unread), and at the server frames beyond its own limit. Real sockets to the
real ASGI server."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from websockets.exceptions import ConnectionClosed

from mentorloom.calls import services as call_services
from mentorloom.core.realtime import consumer_db
from mentorloom.core.realtime.lifetime import MAX_FRAME_BYTES, SERVER_MAX_FRAME_BYTES
from tests.asgi_server import session_cookie_for
from tests.messaging.helpers import mentorship_conversation
from tests.sockets import socket_at

TIMEOUT = 5
# The frame (over the 64 KB cap, so refused unread), and one under the cap that is
# parsed and nests far deeper than the parser's recursion limit.
DEEP_FRAMES = [("[" * 100_000, "too_large"), ("[" * 60_000, "bad_frame")]

# (path, a frame each consumer answers, and the answer's type or error code)
ALIVE = {
    "chat": ({"type": "ping"}, "pong"),
    "ping": ({"type": "ping"}, "pong"),
    "live": ({"type": "anything"}, "read_only"),
    "call": ({"type": "no-such-frame"}, "unknown_type"),
}


@pytest.fixture
def sockets(transactional_db):
    """Path and cookie of each consumer, for a person in a mentorship with a call ringing."""
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    call, _ = call_services.start_call(mentor, convo.mentorship_id)
    name, value = session_cookie_for(mentee)
    paths = {
        "chat": "/ws/chat/",
        "ping": "/ws/ping/",
        "live": "/ws/live/",
        "call": f"/ws/calls/{call.pk}/",
    }
    return paths, f"{name}={value}"


async def _answer(ws) -> dict:  # type: ignore[no-untyped-def]
    """The next frame that is an answer (a call socket also hears welcome and peer events)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if frame["type"] not in ("welcome", "peer.joined"):
            return frame


async def _still_works(ws, kind: str) -> None:  # type: ignore[no-untyped-def]
    frame, expected = ALIVE[kind]
    await ws.send(json.dumps(frame))
    answer = await _answer(ws)
    assert expected in (answer["type"], answer.get("code")), answer


@pytest.mark.parametrize("kind", sorted(ALIVE))
async def test_a_frame_nested_too_deep_gets_an_error_frame_and_the_socket_still_works(
    live_asgi, sockets, kind, caplog
):
    paths, cookie = sockets
    caplog.set_level(logging.INFO)
    async with socket_at(live_asgi, paths[kind], cookie) as ws:
        for frame, code in DEEP_FRAMES:
            await ws.send(frame)
            answer = await _answer(ws)
            assert (answer["type"], answer["code"]) == ("error", code)
            await _still_works(ws, kind)
    # Refused quietly: no traceback, nothing at ERROR.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("kind", sorted(ALIVE))
async def test_a_65_kb_frame_is_refused_before_parsing_and_the_socket_still_works(
    live_asgi, sockets, kind, monkeypatch
):
    paths, cookie = sockets
    parsed: list[int] = []
    real_loads = json.loads
    monkeypatch.setattr(
        consumer_db.json, "loads", lambda text, **kw: parsed.append(len(text)) or real_loads(text)
    )
    big = json.dumps({"type": "ping", "pad": "x" * (65 * 1024)})
    assert MAX_FRAME_BYTES < len(big) < SERVER_MAX_FRAME_BYTES
    async with socket_at(live_asgi, paths[kind], cookie) as ws:
        await ws.send(big)
        answer = await _answer(ws)
        assert (answer["type"], answer["code"]) == ("error", "too_large")
        await _still_works(ws, kind)
    assert all(size < MAX_FRAME_BYTES for size in parsed), "the big frame was parsed"


async def test_a_64_kb_frame_of_multibyte_text_is_sized_in_bytes(live_asgi, sockets):
    paths, cookie = sockets
    # 30,000 characters, 90,000 bytes in UTF-8.
    frame = json.dumps({"type": "ping", "pad": "€" * 30_000}, ensure_ascii=False)
    async with socket_at(live_asgi, paths["ping"], cookie) as ws:
        await ws.send(frame)
        assert (await _answer(ws))["code"] == "too_large"


async def test_frames_beyond_the_servers_limit_close_thesocket_at(live_asgi, sockets):
    paths, cookie = sockets
    async with socket_at(live_asgi, paths["chat"], cookie) as ws:
        await ws.send("x" * (SERVER_MAX_FRAME_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_binary_frames_get_an_error_frame_on_every_consumer(live_asgi, sockets):
    paths, cookie = sockets
    for kind in sorted(ALIVE):
        async with socket_at(live_asgi, paths[kind], cookie) as ws:
            await ws.send(b"\x00\x01")
            assert (await _answer(ws))["code"] == "bad_frame", kind
            await _still_works(ws, kind)


def test_the_cap_is_64_kb():
    assert MAX_FRAME_BYTES == 64 * 1024
