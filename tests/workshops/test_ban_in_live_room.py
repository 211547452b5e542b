"""A ban from a community takes the member out of its workshops' live rooms at once: their
room sockets close (mesh signalling on the real ASGI server and channel layer; Janus kicks
their feed and refuses their token), their open pages hear why, and coming back is refused.
The facilitator's "remove" takes someone out the same way."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.http import Http404
from django.utils import timezone
from websockets.exceptions import ConnectionClosed

from mentorloom.calls.janus.controller import controller_for_room
from mentorloom.communities import services as community_services
from mentorloom.messaging import services as messaging
from mentorloom.workshops import errors, selectors, services
from mentorloom.workshops.models import (
    Attendance,
    HandSignal,
    MediaGrant,
    RoomAssignment,
    Workshop,
)
from tests.calls.janus.participant import HTTPParticipant, JanusAPIError
from tests.communities.helpers import community_with
from tests.messaging.sockets import chat_socket, cookie_for, drain, send, socket_at, until

from .conftest import person

TIMEOUT = 5


def _community_workshop(  # type: ignore[no-untyped-def]
    *, starts_in: timedelta = timedelta(minutes=5), name: str = "Design crit", people=()
):
    """(community, facilitator (a moderator), workshop, Ana, Ben): Ana and Ben are members
    and registered (`people`: these two instead of new ones)."""
    community, _owner, moderator, _member, _general = community_with(name=name)
    ana, ben = people or (person(display_name="Ana"), person(display_name="Ben"))
    for p in (ana, ben):
        community_services.join_community(p, community)
    start = timezone.now() + starts_in
    workshop = services.create_workshop(
        moderator,
        title="Crit night",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
        zone="UTC",
        community=community,
    )
    for p in (ana, ben):
        services.register(p, workshop)
    return community, moderator, workshop, ana, ben


def _ban(moderator, community, user, minutes: int | None = 60) -> None:  # type: ignore[no-untyped-def]
    community_services.ban_member(
        moderator, community.memberships.get(user=user), minutes=minutes, reason="Harassment"
    )


async def _next(ws, kind: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if kind is None or frame["type"] == kind:
            return frame


async def _closed_with(ws) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    return closed.value.rcvd.code


@pytest.fixture
def live_community_workshop(transactional_db, settings):  # type: ignore[no-untyped-def]
    community, moderator, workshop, ana, ben = _community_workshop()
    for p in (ana, ben):
        services.join(p, workshop)
    return community, moderator, workshop, ana, ben


async def test_a_ban_closes_the_members_room_socket_at_once_and_a_reconnect_is_refused(
    live_asgi,
    live_community_workshop,
):
    community, moderator, workshop, ana, ben = live_community_workshop
    main = await sync_to_async(selectors.main_room)(workshop)
    path = f"/ws/workshops/rooms/{main.pk}/"
    async with (
        socket_at(live_asgi, "/ws/live/", await sync_to_async(cookie_for)(ana)) as ana_live,
        socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as ana_room,
    ):
        await _next(ana_room, "welcome")
        async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ben)) as ben_room:
            await _next(ben_room, "welcome")
            await _next(ana_room, "peer.joined")
            await asyncio.sleep(0.2)  # the live socket has joined its group

            await sync_to_async(_ban)(moderator, community, ana)

            assert await _next(ana_room) == {"type": "removed", "reason": "banned"}
            assert await _closed_with(ana_room) == 4403
            event = await _next(ana_live, "workshop.removed")
            assert event == {
                "type": "workshop.removed",
                "workshop": workshop.pk,
                "reason": "banned",
            }
            # Ben stays in the room and sees Ana go.
            assert (await _next(ben_room, "peer.left"))["user_id"] == ana.pk
            await ben_room.send(json.dumps({"type": "ice", "to": ana.pk, "candidate": None}))
            await asyncio.sleep(0.1)
            assert ben_room.close_code is None

        # Coming back: the room socket is refused, and so are joining and the room's chat.
        async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as again:
            frame = await _next(again)
            assert (frame["type"], frame["code"]) == ("error", "not_found")
            assert await _closed_with(again) == 4404
    with pytest.raises(errors.NotRegistered):
        await sync_to_async(services.join)(ana, workshop)
    with pytest.raises(Http404):
        await sync_to_async(messaging.send_message)(ana, main.conversation_id, uuid.uuid4(), "hi")
    stays = await sync_to_async(list)(Attendance.objects.filter(workshop=workshop, user=ana))
    assert [s.left_at is not None for s in stays] == [True]
    assert await sync_to_async(selectors.is_registered)(ben, workshop)


async def test_a_ban_reaches_a_breakout_room_and_ends_the_members_place_and_hand_in_it(
    live_asgi,
    live_community_workshop,
):
    community, moderator, workshop, ana, ben = live_community_workshop
    rooms = await sync_to_async(services.create_breakouts)(moderator, workshop, 2)
    for p in (ana, ben):
        await sync_to_async(services.assign_by_hand)(moderator, workshop, p.pk, rooms[0].pk)
    await sync_to_async(services.open_breakouts)(moderator, workshop)
    await sync_to_async(services.raise_signal)(ana, workshop, "help")
    path = f"/ws/workshops/rooms/{rooms[0].pk}/"
    async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as ana_room:
        await _next(ana_room, "welcome")
        await sync_to_async(_ban)(moderator, community, ana)
        assert await _next(ana_room) == {"type": "removed", "reason": "banned"}
        assert await _closed_with(ana_room) == 4403
    async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as again:
        assert (await _next(again))["code"] == "not_found"
    assert not await sync_to_async(
        RoomAssignment.objects.filter(workshop=workshop, user=ana).exists
    )()
    assert not await sync_to_async(
        HandSignal.objects.filter(workshop=workshop, user=ana, lowered_at__isnull=True).exists
    )()
    with pytest.raises(Http404):
        await sync_to_async(messaging.send_message)(
            ana, rooms[0].conversation_id, uuid.uuid4(), "still here?"
        )
    # Ben's breakout room and its chat are untouched.
    await sync_to_async(messaging.send_message)(ben, rooms[0].conversation_id, uuid.uuid4(), "hi")
    fresh = await sync_to_async(Workshop.objects.get)(pk=workshop.pk)
    assert (await sync_to_async(selectors.current_room_for)(ben, fresh)).pk == rooms[0].pk


async def test_the_facilitators_remove_closes_the_room_socket_the_same_way(
    live_asgi,
    live_community_workshop,
):
    _community, moderator, workshop, ana, _ben = live_community_workshop
    main = await sync_to_async(selectors.main_room)(workshop)
    path = f"/ws/workshops/rooms/{main.pk}/"
    async with (
        socket_at(live_asgi, "/ws/live/", await sync_to_async(cookie_for)(ana)) as ana_live,
        socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as ana_room,
    ):
        await _next(ana_room, "welcome")
        await asyncio.sleep(0.2)
        await sync_to_async(services.remove_participant)(moderator, workshop, ana.pk)
        assert await _next(ana_room) == {"type": "removed", "reason": "removed"}
        assert await _closed_with(ana_room) == 4403
        event = await _next(ana_live, "workshop.removed")
        assert event["reason"] == "removed"
    async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as again:
        assert (await _next(again))["code"] == "not_found"


@pytest.mark.django_db
def test_a_ban_before_the_workshop_opens_or_in_another_community_takes_nobody_out(
    django_capture_on_commit_callbacks, monkeypatch
):
    """Only live workshops of the banning community: a later one just loses the place, and a
    live one of another community keeps the member in."""
    from mentorloom.workshops.services import live

    community, moderator, later, ana, ben = _community_workshop(starts_in=timedelta(days=1))
    _c, _m, elsewhere, *_ = _community_workshop(name="Elsewhere", people=(ana, ben))
    services.join(ana, elsewhere)
    published: list = []
    monkeypatch.setattr(live, "publish_all", published.append)
    with django_capture_on_commit_callbacks(execute=True):
        _ban(moderator, community, ana, minutes=None)
    assert published == []
    assert selectors.registration_of(ana, later).status == "cancelled"
    assert selectors.is_registered(ana, elsewhere)
    assert Attendance.objects.get(workshop=elsewhere, user=ana).left_at is None
    assert selectors.get_room_for(ana, selectors.main_room(elsewhere).pk)


@pytest.fixture
def with_janus(settings, janus_server):  # type: ignore[no-untyped-def]
    settings.MENTORLOOM_JANUS_URL = [janus_server.host.api_url]
    settings.MENTORLOOM_JANUS_ADMIN_URL = [janus_server.host.admin_url]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = [janus_server.ws_url]
    settings.MENTORLOOM_JANUS_ADMIN_SECRET = janus_server.config.admin_secret
    return janus_server


@pytest.mark.django_db
def test_a_ban_kicks_the_members_feed_from_janus_and_their_token_no_longer_opens_the_room(
    with_janus, django_capture_on_commit_callbacks
):
    community, moderator, workshop, ana, ben = _community_workshop()
    opened: list[HTTPParticipant] = []

    def participant(token: str) -> HTTPParticipant:
        opened.append(HTTPParticipant(with_janus.host.api_url, token))
        return opened[-1].connect()

    try:
        with time_machine.travel(workshop.starts_at):
            room = services.join(ana, workshop)
            services.join(ben, workshop)
            media = services.media_for(ana, room)["janus"]
            joined = participant(media["token"]).join(media["room"], media["pin"], media["feedId"])
            assert joined["videoroom"] == "joined"
            ben_media = services.media_for(ben, room)["janus"]
            participant(ben_media["token"]).join(
                ben_media["room"], ben_media["pin"], ben_media["feedId"]
            )
            controller = controller_for_room(room.media_room_id)
            assert len(controller.list_participants(room.media_room_id)) == 2

            with django_capture_on_commit_callbacks(execute=True):
                _ban(moderator, community, ana)

            left = controller.list_participants(room.media_room_id)
            assert [p["id"] for p in left] == [ben_media["feedId"]]
            # Janus forgot her token: it opens no session there, let alone the room.
            with pytest.raises(JanusAPIError):
                participant(media["token"])
            assert media["token"] not in controller.list_tokens()
            assert MediaGrant.objects.get(workshop=workshop, user=ana).room_id is None
            with pytest.raises(Http404):
                selectors.get_room_for(ana, room.pk)
    finally:
        for p in opened:
            p.close()


def test_the_ban_hook_takes_people_out_after_cancelling_their_places():
    listeners = community_services.member_banned._listeners
    assert listeners.index(services.cancel_for_community_ban) < listeners.index(
        services.take_out_for_community_ban
    )
    left = community_services.member_left._listeners
    assert left.index(services.cancel_for_community_leave) < left.index(
        services.take_out_for_community_leave
    )


async def test_the_facilitators_remove_stops_the_removed_persons_open_room_chats(
    live_asgi,
    live_community_workshop,
):
    """As after a ban: a chat socket the removed person had subscribed to the main room's and
    their breakout room's chat stops receiving them at once (it did until it reconnected),
    is told why, cannot subscribe again or post, and they cannot register to come back."""
    _community, moderator, workshop, ana, ben = live_community_workshop
    main = await sync_to_async(selectors.main_room)(workshop)
    rooms = await sync_to_async(services.create_breakouts)(moderator, workshop, 2)
    for p in (ana, ben):
        await sync_to_async(services.assign_by_hand)(moderator, workshop, p.pk, rooms[0].pk)
    await sync_to_async(services.open_breakouts)(moderator, workshop)
    chats = sorted([main.conversation_id, rooms[0].conversation_id])
    async with (
        chat_socket(live_asgi, await sync_to_async(cookie_for)(ana)) as ana_chat,
        chat_socket(live_asgi, await sync_to_async(cookie_for)(ben)) as ben_chat,
    ):
        for ws in (ana_chat, ben_chat):
            for convo_id in chats:
                await send(ws, {"type": "subscribe", "conversation_id": convo_id, "after_id": 0})
                await until(ws, "subscribed")

        await sync_to_async(services.remove_participant)(moderator, workshop, ana.pk)

        dropped = [(await until(ana_chat, "unsubscribed"))[0] for _ in chats]
        assert sorted(f["conversation_id"] for f in dropped) == chats
        assert {f["reason"] for f in dropped} == {"removed"}
        for convo_id in chats:
            await send(ben_chat, {**chat_frame(convo_id), "body": "after the removal"})
            await until(ben_chat, "ack")
        assert not [f for f in await drain(ana_chat) if f["type"] == "message"]
        for convo_id in chats:
            await send(ana_chat, {"type": "subscribe", "conversation_id": convo_id})
            assert (await until(ana_chat, "error"))[0]["code"] == "not_found"
            await send(ana_chat, chat_frame(convo_id))
            assert (await until(ana_chat, "error"))[0]["code"] == "not_found"
        assert ana_chat.close_code is None  # the socket stays for Ana's other conversations
    with pytest.raises(errors.NotRegistered):
        await sync_to_async(services.register)(ana, workshop)
    with pytest.raises(errors.NotRegistered):
        await sync_to_async(services.join)(ana, workshop)


def chat_frame(conversation_id: int) -> dict:
    return {
        "type": "send",
        "conversation_id": conversation_id,
        "client_id": str(uuid.uuid4()),
        "body": "hi",
    }


@pytest.mark.parametrize("taken_out_by", ["ban", "remove"])
async def test_a_room_socket_let_in_just_as_the_person_is_taken_out_still_ends(
    live_asgi, live_community_workshop, monkeypatch, taken_out_by
):
    """Check-then-act: the room socket's connect found Ana still allowed in, then the ban (or
    the facilitator's remove) committed and closed the room's sockets of hers before this one
    had joined the room's group. The ban is made exactly there, between the check and the
    join; the socket must still end, and Ben's room must not hear her join."""
    from mentorloom.workshops.consumers import RoomConsumer

    community, moderator, workshop, ana, ben = live_community_workshop
    main = await sync_to_async(selectors.main_room)(workshop)
    path = f"/ws/workshops/rooms/{main.pk}/"
    admit = RoomConsumer.admit
    taken_out: list[int] = []

    def admit_then_take_out(self, user, room_id):  # type: ignore[no-untyped-def]
        admitted = admit(self, user, room_id)  # the check passed ...
        if user.pk == ana.pk and not taken_out:
            taken_out.append(user.pk)  # ... and she is taken out before the join
            if taken_out_by == "ban":
                _ban(moderator, community, ana)
            else:
                services.remove_participant(moderator, workshop, ana.pk)
        return admitted

    monkeypatch.setattr(RoomConsumer, "admit", admit_then_take_out)
    async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ben)) as ben_room:
        await _next(ben_room, "welcome")
        async with socket_at(live_asgi, path, await sync_to_async(cookie_for)(ana)) as ana_room:
            frames = []
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    frames.append(json.loads(await asyncio.wait_for(ana_room.recv(), TIMEOUT)))
            assert closed.value.rcvd.code in (4403, 4404)
            assert "welcome" not in [f["type"] for f in frames]
        assert taken_out == [ana.pk]
        # Ben heard nothing of Ana: no peer.joined (nor a peer.left for a join never made).
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ben_room.recv(), 0.3)


@pytest.mark.django_db
@pytest.mark.parametrize("taken_out_by", ["ban", "remove"])
@pytest.mark.parametrize("moment", ["before_the_grant", "before_admit", "after_admit"])
def test_a_media_token_asked_for_just_as_the_person_is_taken_out_is_not_left_in_janus(
    with_janus, django_capture_on_commit_callbacks, monkeypatch, taken_out_by, moment
):
    """Check-then-act on the media path: the room page's media request found Ana in the room
    (selectors.get_room_for), then the ban (or the facilitator's remove) committed, and its
    eviction ran, at one of three moments: before her grant was recorded, just before Janus
    let her token in, just after. Each way she gets no media (404), her grant names no room
    and Janus does not let her token into the room (nor keeps her feed)."""
    from mentorloom.calls.janus.controller import JanusController

    community, moderator, workshop, ana, ben = _community_workshop()
    opened: list[HTTPParticipant] = []
    taken_out: list[int] = []

    def take_out() -> None:
        taken_out.append(ana.pk)
        with django_capture_on_commit_callbacks(execute=True):
            if taken_out_by == "ban":
                _ban(moderator, community, ana)
            else:
                services.remove_participant(moderator, workshop, ana.pk)

    ensure_room, admit = JanusController.ensure_room, JanusController.admit

    def ensure_room_then_take_out(self, room_id, **options):  # type: ignore[no-untyped-def]
        ensure_room(self, room_id, **options)
        if moment == "before_the_grant" and not taken_out:
            take_out()

    def admit_around_take_out(self, room_id, token):  # type: ignore[no-untyped-def]
        if moment == "before_admit" and not taken_out:
            take_out()
        admit(self, room_id, token)
        if moment == "after_admit" and not taken_out:
            take_out()

    try:
        with time_machine.travel(workshop.starts_at):
            room = services.join(ana, workshop)
            services.join(ben, workshop)
            controller = controller_for_room(room.media_room_id)
            tokens_before = set(controller.list_tokens()) if moment == "before_the_grant" else None
            checked = selectors.get_room_for(ana, room.pk)  # the view's check passes ...
            monkeypatch.setattr(JanusController, "ensure_room", ensure_room_then_take_out)
            monkeypatch.setattr(JanusController, "admit", admit_around_take_out)
            with pytest.raises(Http404):
                services.media_for(ana, checked)  # ... and she is taken out meanwhile
            monkeypatch.undo()
            assert taken_out == [ana.pk]

            grant = MediaGrant.objects.filter(workshop=workshop, user=ana).first()
            if moment == "before_the_grant":
                assert grant is None
                assert set(controller.list_tokens()) == tokens_before
            else:
                assert grant is not None and grant.room_id is None
                # Janus forgot her token: it opens no session there, let alone the room.
                assert grant.token not in controller.list_tokens()
                with pytest.raises(JanusAPIError):
                    HTTPParticipant(with_janus.host.api_url, grant.token).connect()
            assert controller.list_participants(room.media_room_id) == []
            # Ben, still in the room, is let in as before.
            ben_media = services.media_for(ben, room)["janus"]
            ben_janus = HTTPParticipant(with_janus.host.api_url, ben_media["token"])
            opened.append(ben_janus)
            joined = ben_janus.connect().join(
                ben_media["room"], ben_media["pin"], ben_media["feedId"]
            )
            assert joined["videoroom"] == "joined"
            with pytest.raises(Http404):
                services.media_for(ana, room)
    finally:
        for p in opened:
            p.close()
