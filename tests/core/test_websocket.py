"""/ws/ping/ over a real socket to the real ASGI server (uvicorn), and through Channels' test
communicator. The channel layer is whatever settings choose (in-memory, or Redis via REDIS_URL)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth import get_user_model
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mentorloom.asgi import application
from tests.asgi_server import session_cookie_for
from tests.sockets import socket_at

TIMEOUT = 5


@pytest.fixture
def user(transactional_db):
    return get_user_model().objects.create_user(email="ws@example.org", password="x" * 12)


@pytest.fixture
def session_cookie(user) -> str:
    name, value = session_cookie_for(user)
    return f"{name}={value}"


def _socket(live_asgi, *, cookie: str | None = None, origin: str | None = None):
    return socket_at(live_asgi, "/ws/ping/", cookie, origin=origin)


async def _receive_json(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def test_signed_in_ping_is_answered_with_pong_and_user_id(live_asgi, user, session_cookie):
    async with _socket(live_asgi, cookie=session_cookie) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert await _receive_json(ws) == {"type": "pong", "user_id": user.pk}


async def test_anonymous_socket_is_closed_with_4401(live_asgi):
    async with _socket(live_asgi) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_socket_from_a_foreign_origin_is_refused(live_asgi, session_cookie):
    with pytest.raises(InvalidStatus) as refused:
        async with _socket(live_asgi, cookie=session_cookie, origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403


async def test_allowed_origins_are_read_at_each_connection(live_asgi, session_cookie, settings):
    """The application is built once per process; the origins it allows follow the settings
    (a test's server on another address, an origin added by configuration) at the next socket."""
    other = "http://workshops.example"
    with pytest.raises(InvalidStatus):
        async with _socket(live_asgi, cookie=session_cookie, origin=other):
            pass
    settings.MENTORLOOM_WS_ALLOWED_ORIGINS = [other]
    async with _socket(live_asgi, cookie=session_cookie, origin=other) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert (await _receive_json(ws))["type"] == "pong"
    settings.MENTORLOOM_WS_ALLOWED_ORIGINS = []
    with pytest.raises(InvalidStatus) as refused:
        async with _socket(live_asgi, cookie=session_cookie, origin=other):
            pass
    assert refused.value.response.status_code == 403


async def test_socket_without_origin_is_refused(live_asgi, session_cookie):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{live_asgi.ws_url}/ws/ping/",
            additional_headers={"Cookie": session_cookie},
            open_timeout=TIMEOUT,
        ):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    "frame",
    ["not json", "[1, 2]", '"ping"', json.dumps({"type": "pong"}), b"\x00\x01binary"],
    ids=["not-json", "json-list", "json-string", "wrong-type", "binary"],
)
async def test_malformed_frame_gets_an_error_frame_and_the_socket_stays_open(
    live_asgi, user, session_cookie, frame
):
    async with _socket(live_asgi, cookie=session_cookie) as ws:
        await ws.send(frame)
        error = await _receive_json(ws)
        assert error["type"] == "error"
        assert error["code"] == "bad_frame"
        # Still usable afterwards: the consumer did not crash.
        await ws.send(json.dumps({"type": "ping"}))
        assert await _receive_json(ws) == {"type": "pong", "user_id": user.pk}


async def test_in_process_ping_with_session_cookie(live_asgi, user, session_cookie):
    # The same stack in-process, without uvicorn. (channels.testing.WebsocketCommunicator would
    # do, but importing channels.testing needs daphne, which we do not install.)
    scope = {
        "type": "websocket",
        "path": "/ws/ping/",
        "raw_path": b"/ws/ping/",
        "query_string": b"",
        "headers": [(b"origin", b"http://127.0.0.1"), (b"cookie", session_cookie.encode())],
        "subprotocols": [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "websocket.connect"})
    assert (await communicator.receive_output(TIMEOUT))["type"] == "websocket.accept"
    await communicator.send_input({"type": "websocket.receive", "text": '{"type": "ping"}'})
    reply = await communicator.receive_output(TIMEOUT)
    assert json.loads(reply["text"]) == {"type": "pong", "user_id": user.pk}
    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await communicator.wait(TIMEOUT)
