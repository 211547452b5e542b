"""/ws/workshops/rooms/<id>/ (mesh signalling) over real sockets to the real ASGI server, and
the live move events on /ws/live/."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from mentorloom.workshops import selectors, services
from mentorloom.workshops.models import Workshop
from tests.asgi_server import session_cookie_for
from tests.factories import workshop_soon
from tests.sockets import socket_at

TIMEOUT = 5


@pytest.fixture
def live_workshop(transactional_db):
    facilitator, people, workshop = workshop_soon("Ana", "Ben", "Cy", "Di")
    for p in people:
        services.join(p, workshop)
    rooms = services.create_breakouts(facilitator, workshop, 2)
    for p, room in zip(people, [rooms[0], rooms[0], rooms[1], rooms[1]], strict=True):
        services.assign_by_hand(facilitator, workshop, p.pk, room.pk)
    return facilitator, people, workshop, rooms


async def _cookie(user) -> str:
    name, value = await sync_to_async(session_cookie_for)(user)
    return f"{name}={value}"


async def _next(ws, kind: str | None = None) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if kind is None or frame["type"] == kind:
            return frame


async def test_signals_reach_only_the_addressed_peer_in_the_same_room(live_asgi, live_workshop):
    facilitator, (ana, ben, _cy, _di), workshop, rooms = live_workshop
    await sync_to_async(services.open_breakouts)(facilitator, workshop)
    path = f"/ws/workshops/rooms/{rooms[0].pk}/"
    async with socket_at(live_asgi, path, await _cookie(ana)) as a:
        await _next(a, "welcome")
        async with socket_at(live_asgi, path, await _cookie(ben)) as b:
            await _next(b, "welcome")
            joined = await _next(a, "peer.joined")
            assert (joined["user_id"], joined["name"]) == (ben.pk, "Ben")
            await a.send(json.dumps({"type": "offer", "to": ben.pk, "sdp": "v=0"}))
            offer = await _next(b, "offer")
            assert (offer["from"], offer["sdp"]) == (ana.pk, "v=0")
            assert "fresh" not in offer
            # A fresh offer (the sender replaced the pair's connection) says so; only `true`
            # passes, nothing else the sender adds does.
            fresh = {"type": "offer", "to": ben.pk, "sdp": "v=1", "fresh": True, "x": "<b>"}
            await a.send(json.dumps(fresh))
            offer = await _next(b, "offer")
            assert offer["fresh"] is True and "x" not in offer
            await a.send(json.dumps({**fresh, "fresh": "yes"}))
            assert "fresh" not in await _next(b, "offer")


async def test_a_participant_cannot_subscribe_to_a_room_they_are_not_in(live_asgi, live_workshop):
    facilitator, (ana, *_), workshop, rooms = live_workshop
    await sync_to_async(services.open_breakouts)(facilitator, workshop)
    async with socket_at(live_asgi, f"/ws/workshops/rooms/{rooms[1].pk}/", await _cookie(ana)) as a:
        assert (await _next(a))["code"] == "not_found"
    # Before rooms open, a breakout room is not theirs yet either.


async def test_a_move_pushes_the_new_room_live_and_closes_the_old_roomsocket_at(
    live_asgi, live_workshop
):
    facilitator, (ana, *_), workshop, rooms = live_workshop
    await sync_to_async(services.open_breakouts)(facilitator, workshop)
    async with (
        socket_at(live_asgi, "/ws/live/", await _cookie(ana)) as live,
        socket_at(live_asgi, f"/ws/workshops/rooms/{rooms[0].pk}/", await _cookie(ana)) as old,
    ):
        await _next(old, "welcome")
        await asyncio.sleep(0.2)  # the live socket has joined its group
        await sync_to_async(services.assign_by_hand)(facilitator, workshop, ana.pk, rooms[1].pk)
        event = await _next(live)
        while event.get("type") != "workshop.room":
            event = await _next(live)
        assert event["room"]["id"] == rooms[1].pk
        assert (await _next(old, "moved"))["type"] == "moved"
        fresh = await sync_to_async(Workshop.objects.get)(pk=workshop.pk)
        room = await sync_to_async(selectors.current_room_for)(ana, fresh)
        assert room.pk == rooms[1].pk


async def test_bring_everyone_back_reaches_every_room(live_asgi, live_workshop):
    facilitator, people, workshop, _rooms = live_workshop
    await sync_to_async(services.open_breakouts)(facilitator, workshop)
    async with (
        socket_at(live_asgi, "/ws/live/", await _cookie(people[0])) as a,
        socket_at(live_asgi, "/ws/live/", await _cookie(people[3])) as d,
    ):
        await asyncio.sleep(0.2)
        await sync_to_async(services.bring_everyone_back)(facilitator, workshop)
        for ws in (a, d):
            event = await _next(ws)
            while event.get("type") != "workshop.recall":
                event = await _next(ws)
            assert event["seconds"] == 60


async def test_room_controls_reach_that_rooms_sockets_and_not_other_rooms(live_asgi, live_workshop):
    facilitator, (ana, ben, cy, _di), workshop, rooms = live_workshop
    await sync_to_async(services.open_breakouts)(facilitator, workshop)
    async with (
        socket_at(live_asgi, "/ws/live/", await _cookie(ana)) as a,
        socket_at(live_asgi, "/ws/live/", await _cookie(cy)) as c,
        socket_at(live_asgi, "/ws/live/", await _cookie(facilitator)) as f,
    ):
        await asyncio.sleep(0.2)
        await sync_to_async(services.mute_all)(facilitator, rooms[0], True)
        await sync_to_async(services.spotlight)(facilitator, rooms[0], ben.pk)
        await sync_to_async(services.set_stage)(facilitator, rooms[0], ana.pk, True)
        for ws in (a, f):
            muted = await _next(ws, "workshop.muted")
            assert (muted["room"], muted["muted"]) == (rooms[0].pk, True)
            spot = await _next(ws, "workshop.spotlight")
            # Spotlit, Ben is on the stage too (so his tile is never black in stage mode).
            assert (spot["room"], spot["user_id"], spot["stage"]) == (rooms[0].pk, ben.pk, [ben.pk])
            stage = await _next(ws, "workshop.stage")
            assert stage["stage"] == [ben.pk, ana.pk]
        # Cy, in Room 2, hears none of it: a control of her own room is the next thing she gets.
        await sync_to_async(services.spotlight)(facilitator, rooms[1], cy.pk)
        event = await _next(c)
        while event.get("type") not in ("workshop.muted", "workshop.spotlight", "workshop.stage"):
            event = await _next(c)
        assert (event["type"], event["room"], event["user_id"]) == (
            "workshop.spotlight",
            rooms[1].pk,
            cy.pk,
        )


async def test_a_raised_hand_reaches_the_facilitator_and_the_raiser_live(live_asgi, live_workshop):
    facilitator, (ana, *_), workshop, _rooms = live_workshop
    async with (
        socket_at(live_asgi, "/ws/live/", await _cookie(ana)) as a,
        socket_at(live_asgi, "/ws/live/", await _cookie(facilitator)) as f,
    ):
        await asyncio.sleep(0.2)
        signal = await sync_to_async(services.raise_signal)(ana, workshop, "hand")
        for ws in (a, f):
            assert (await _next(ws, "workshop.hands"))["workshop"] == workshop.pk
        await sync_to_async(services.lower_signal)(facilitator, workshop, signal.pk)
        for ws in (a, f):
            assert (await _next(ws, "workshop.hands"))["workshop"] == workshop.pk
