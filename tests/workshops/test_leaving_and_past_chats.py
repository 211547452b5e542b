"""Leaving a community ends the member's part in its workshops (places, live rooms, room
chats), and a ban closes the room chats of its past workshops too: the community's rules,
not an old registration or chat membership, decide who is in its workshops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from mentorloom.communities import services as community_services
from mentorloom.messaging.models import Participant
from mentorloom.workshops import errors, selectors, services
from mentorloom.workshops.models import Attendance, Registration, RegistrationStatus, Workshop
from tests.messaging.sockets import chat_socket, cookie_for, drain, send, until

from .test_ban_in_live_room import _ban, _community_workshop, chat_frame


def _room_chats(workshop: Workshop) -> list[int]:
    return sorted(workshop.rooms.values_list("conversation_id", flat=True))


def _chats_of(user, workshop: Workshop) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(
        Participant.objects.filter(
            user=user, conversation_id__in=_room_chats(workshop)
        ).values_list("conversation_id", flat=True)
    )


def _into_the_past(workshop: Workshop) -> None:
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )


@pytest.mark.django_db
def test_leaving_cancels_the_places_in_the_communitys_upcoming_workshops():
    community, _moderator, upcoming, ana, ben = _community_workshop(starts_in=timedelta(days=3))
    community_services.leave_community(ana, community)
    assert selectors.registration_of(ana, upcoming).status == RegistrationStatus.CANCELLED
    assert selectors.is_registered(ben, upcoming)
    with pytest.raises(errors.NotRegistered):
        services.register(ana, upcoming)


@pytest.mark.django_db
def test_an_ex_member_with_a_place_left_over_cannot_join_or_raise_a_hand():
    """A registration kept from before leaving (or left by any other path) does not open the
    rooms: join and a raised hand need the community to let them in now."""
    community, _moderator, workshop, ana, _ben = _community_workshop()
    community_services.leave_community(ana, community)
    Registration.objects.filter(workshop=workshop, user=ana).update(
        status=RegistrationStatus.REGISTERED
    )
    with pytest.raises(errors.NotRegistered):
        services.join(ana, workshop)
    with pytest.raises(errors.NotRegistered):
        services.raise_signal(ana, workshop, "hand")
    assert _chats_of(ana, workshop) == []
    assert not Attendance.objects.filter(workshop=workshop, user=ana).exists()


@pytest.mark.django_db
def test_leaving_during_a_live_workshop_takes_the_member_out_of_its_room_and_chats():
    community, moderator, workshop, ana, ben = _community_workshop()
    for p in (ana, ben):
        services.join(p, workshop)
    assert _chats_of(ana, workshop)
    community_services.leave_community(ana, community)
    assert _chats_of(ana, workshop) == []
    assert Attendance.objects.get(workshop=workshop, user=ana).left_at is not None
    assert selectors.registration_of(ana, workshop).status == RegistrationStatus.CANCELLED
    # Ben and the facilitator stay.
    assert _chats_of(ben, workshop)
    assert _chats_of(moderator, workshop)


@pytest.mark.django_db
def test_a_ban_or_leaving_closes_the_room_chats_of_the_communitys_past_workshops():
    community, moderator, past, ana, ben = _community_workshop()
    _c, _m, elsewhere, *_ = _community_workshop(name="Elsewhere", people=(ana, ben))
    for w in (past, elsewhere):
        services.join(ana, w)
        services.join(ben, w)
    rooms = services.create_breakouts(moderator, past, 2)
    services.assign_by_hand(moderator, past, ana.pk, rooms[0].pk)
    services.assign_by_hand(moderator, past, ben.pk, rooms[0].pk)
    _into_the_past(past)
    assert len(_chats_of(ana, past)) == 2

    _ban(moderator, community, ana)
    assert _chats_of(ana, past) == []
    assert len(_chats_of(ben, past)) == 2
    assert _chats_of(moderator, past)
    assert _chats_of(ana, elsewhere)  # another community's workshop is not touched

    community_services.leave_community(ben, community)
    assert _chats_of(ben, past) == []


async def test_a_ban_unsubscribes_the_members_chat_socket_on_a_past_workshops_room_chat(
    live_asgi, transactional_db
):
    community, moderator, past, ana, ben = await sync_to_async(_community_workshop)()
    for p in (ana, ben):
        await sync_to_async(services.join)(p, past)
    await sync_to_async(_into_the_past)(past)
    main = await sync_to_async(selectors.main_room)(past)
    async with (
        chat_socket(live_asgi, await sync_to_async(cookie_for)(ana)) as ana_chat,
        chat_socket(live_asgi, await sync_to_async(cookie_for)(ben)) as ben_chat,
    ):
        for ws in (ana_chat, ben_chat):
            await send(ws, {"type": "subscribe", "conversation_id": main.conversation_id})
            await until(ws, "subscribed")

        await sync_to_async(_ban)(moderator, community, ana)

        frame, _ = await until(ana_chat, "unsubscribed")
        assert frame == {
            "type": "unsubscribed",
            "conversation_id": main.conversation_id,
            "reason": "banned",
        }
        await send(ben_chat, chat_frame(main.conversation_id))
        await until(ben_chat, "ack")
        assert not [f for f in await drain(ana_chat) if f["type"] == "message"]
        await send(ana_chat, chat_frame(main.conversation_id))
        assert (await until(ana_chat, "error"))[0]["code"] == "not_found"


@pytest.mark.django_db
def test_breakouts_leave_out_a_left_over_place_of_an_ex_member():
    """Neither automatic nor by-hand assignment puts someone the community no longer lets in
    into a breakout room (and its chat)."""
    community, moderator, workshop, ana, ben = _community_workshop()
    services.join(ben, workshop)
    community_services.leave_community(ana, community)
    Registration.objects.filter(workshop=workshop, user=ana).update(
        status=RegistrationStatus.REGISTERED
    )
    services.create_breakouts(moderator, workshop, 2)
    plan = services.assign_automatically(moderator, workshop)
    assert sorted(uid for members in plan.values() for uid in members) == [ben.pk]
    room = selectors.breakout_rooms(workshop)[0]
    with pytest.raises(errors.NotRegistered):
        services.assign_by_hand(moderator, workshop, ana.pk, room.pk)
    assert _chats_of(ana, workshop) == []
