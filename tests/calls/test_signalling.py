"""/ws/calls/<id>/ over real sockets to the real ASGI server."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mentorloom.calls import services
from mentorloom.calls.models import Call, CallStatus
from mentorloom.mentorships.models import Mentorship
from tests.asgi_server import session_cookie_for
from tests.factories import ProfileFactory, UserFactory
from tests.sockets import socket_at

TIMEOUT = 5


@pytest.fixture
def call_setup(transactional_db):
    mentor = ProfileFactory(display_name="Aiko").user
    mentee = ProfileFactory(display_name="Lucas").user
    mentorship = Mentorship.objects.create(mentor=mentor, mentee=mentee)
    call, _ = services.start_call(mentor, mentorship.pk)
    return mentor, mentee, call


async def _cookie(user) -> str:
    name, value = await sync_to_async(session_cookie_for)(user)
    return f"{name}={value}"


def _socket(live_asgi, call_id: int, cookie: str):
    return socket_at(live_asgi, f"/ws/calls/{call_id}/", cookie)


async def _next(ws, kind: str | None = None) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if kind is None or frame["type"] == kind:
            return frame


async def test_offer_answer_and_ice_reach_only_the_other_participant(live_asgi, call_setup):
    mentor, mentee, call = call_setup
    async with _socket(live_asgi, call.pk, await _cookie(mentor)) as caller:
        welcome = await _next(caller, "welcome")
        assert welcome["polite"] is False
        async with _socket(live_asgi, call.pk, await _cookie(mentee)) as callee:
            assert (await _next(callee, "welcome"))["polite"] is True
            assert (await _next(caller, "peer.joined"))["user_id"] == mentee.pk
            await caller.send(json.dumps({"type": "offer", "sdp": "v=0 offer"}))
            assert await _next(callee, "offer") == {"type": "offer", "sdp": "v=0 offer"}
            # A fresh start's offer says so (only `true`; nothing else of the frame is relayed).
            fresh = {"type": "offer", "sdp": "v=0 fresh", "fresh": True, "to": 1, "x": "<b>"}
            await caller.send(json.dumps(fresh))
            assert await _next(callee, "offer") == {
                "type": "offer",
                "sdp": "v=0 fresh",
                "fresh": True,
            }
            await caller.send(json.dumps({"type": "offer", "sdp": "v=0 again", "fresh": "yes"}))
            assert await _next(callee, "offer") == {"type": "offer", "sdp": "v=0 again"}
            await callee.send(json.dumps({"type": "answer", "sdp": "v=0 answer"}))
            assert (await _next(caller, "answer"))["sdp"] == "v=0 answer"
            candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0"}
            await callee.send(json.dumps({"type": "ice", "candidate": candidate}))
            assert (await _next(caller, "ice"))["candidate"] == candidate
    answered = await sync_to_async(Call.objects.get)(pk=call.pk)
    assert answered.status == CallStatus.ACTIVE and answered.answered_at is not None


async def test_a_third_person_gets_an_error_and_sees_nothing(live_asgi, call_setup):
    _, _, call = call_setup
    outsider = await sync_to_async(UserFactory)()
    async with _socket(live_asgi, call.pk, await _cookie(outsider)) as ws:
        frame = await _next(ws)
        assert frame["type"] == "error" and frame["code"] == "not_found"
        with pytest.raises(ConnectionClosed) as closed:
            await _next(ws)
    assert closed.value.rcvd.code == 4404


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_frame"),
        (json.dumps([1, 2]), "bad_frame"),
        (json.dumps({"type": "offer"}), "bad_frame"),
        (json.dumps({"type": "ice", "candidate": "x"}), "bad_frame"),
        (json.dumps({"type": "teleport"}), "unknown_type"),
        (json.dumps({"type": "offer", "sdp": "x" * (70 * 1024)}), "too_large"),
    ],
)
async def test_malformed_frames_get_error_frames_and_the_socket_stays_usable(
    live_asgi, call_setup, raw, code
):
    mentor, _, call = call_setup
    async with _socket(live_asgi, call.pk, await _cookie(mentor)) as ws:
        await _next(ws, "welcome")
        await ws.send(raw)
        assert (await _next(ws, "error"))["code"] == code
        await ws.send(json.dumps({"type": "media", "audio": False}))
        await ws.send(json.dumps({"type": "nope"}))
        assert (await _next(ws, "error"))["code"] == "unknown_type"  # still answering


async def test_flooding_ice_candidates_is_rate_limited_without_dropping_the_call(
    live_asgi, call_setup
):
    mentor, mentee, call = call_setup
    async with (
        _socket(live_asgi, call.pk, await _cookie(mentor)) as caller,
        _socket(live_asgi, call.pk, await _cookie(mentee)) as callee,
    ):
        await _next(caller, "welcome")
        await _next(callee, "welcome")
        for _ in range(130):
            await caller.send(json.dumps({"type": "ice", "candidate": {"candidate": "c"}}))
        assert (await _next(caller, "error"))["code"] == "rate_limited"
        await caller.send(json.dumps({"type": "offer", "sdp": "still here"}))
        assert (await _next(callee, "offer"))["sdp"] == "still here"


async def test_hang_up_ends_the_call_for_both_and_writes_the_record(live_asgi, call_setup):
    mentor, mentee, call = call_setup
    async with (
        _socket(live_asgi, call.pk, await _cookie(mentor)) as caller,
        _socket(live_asgi, call.pk, await _cookie(mentee)) as callee,
    ):
        await _next(caller, "welcome")
        await _next(callee, "welcome")
        await callee.send(json.dumps({"type": "hangup"}))
        assert (await _next(caller, "ended"))["by"] == mentee.pk
        assert (await _next(callee, "ended"))["by"] == mentee.pk
        await caller.send(json.dumps({"type": "offer", "sdp": "too late"}))
        assert (await _next(caller, "error"))["code"] == "call_ended"
    ended = await sync_to_async(Call.objects.get)(pk=call.pk)
    assert ended.status == CallStatus.ENDED and ended.ended_by_id == mentee.pk


async def test_joining_an_ended_call_is_refused(live_asgi, call_setup):
    mentor, _, call = call_setup
    await sync_to_async(services.end_call)(mentor, call)
    async with _socket(live_asgi, call.pk, await _cookie(mentor)) as ws:
        assert (await _next(ws))["code"] == "call_ended"
        with pytest.raises(ConnectionClosed) as closed:
            await _next(ws)
    assert closed.value.rcvd.code == 4410


async def test_the_person_called_hears_the_ring_on_their_live_socket(live_asgi, transactional_db):
    mentor = await sync_to_async(lambda: ProfileFactory(display_name="Aiko").user)()
    mentee = await sync_to_async(lambda: ProfileFactory(display_name="Lucas").user)()
    mentorship = await sync_to_async(Mentorship.objects.create)(mentor=mentor, mentee=mentee)
    async with connect(
        f"{live_asgi.ws_url}/ws/live/",
        origin=live_asgi.url,
        additional_headers={"Cookie": await _cookie(mentee)},
        open_timeout=TIMEOUT,
    ) as live:
        await asyncio.sleep(0.2)  # let the socket join its group before the ring
        call, _ = await sync_to_async(services.start_call)(mentor, mentorship.pk)
        event = await _next(live, "call.incoming")
    assert event == {
        "type": "call.incoming",
        "call_id": call.pk,
        "from": "Aiko",
        "url": f"/calls/{call.pk}/",
    }


async def test_a_closed_socket_leaves_the_call_so_the_next_start_rings_afresh(
    live_asgi, call_setup
):
    mentor, _mentee, call = call_setup
    async with _socket(live_asgi, call.pk, await _cookie(mentor)) as caller:
        await _next(caller, "welcome")
        assert await sync_to_async(call.connections.count)() == 1
    # No hangup frame: the tab just went away.
    for _ in range(50):
        await asyncio.sleep(0.1)
        if not await sync_to_async(call.connections.exists)():
            break
    assert not await sync_to_async(call.connections.exists)()
    again, created = await sync_to_async(services.start_call)(mentor, call.mentorship_id)
    assert created and again.pk != call.pk
