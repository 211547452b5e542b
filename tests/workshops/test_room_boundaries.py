"""Who may be in which room: choosing a breakout room reaches only the current round's rooms
while they are open, and giving up a place leaves the room (security review h60)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from mentorloom.messaging import services as messaging
from mentorloom.workshops import errors, selectors, services
from mentorloom.workshops.models import Attendance, RoomAssignment, Workshop
from tests.factories import client_for, workshop_soon


def _choose(user, workshop, room_id):  # type: ignore[no-untyped-def]
    return client_for(user).post(
        f"/api/v1/workshops/{workshop.pk}/breakouts/choose",
        data=json.dumps({"room_id": room_id}),
        content_type="application/json",
    )


def _close_round(facilitator, workshop) -> None:  # type: ignore[no-untyped-def]
    services.bring_everyone_back(facilitator, workshop)
    services.close_due_breakouts(now=timezone.now() + timedelta(minutes=2))


@pytest.mark.django_db
def test_choosing_reaches_only_the_open_rooms_of_the_current_round():
    fay, (ana, ben, cal), workshop = workshop_soon("Ana", "Ben", "Cal")
    for person in (ana, ben, cal):
        services.join(person, workshop)
    # Round 1: Ana and Ben talk privately in room 1; Cal is in room 2.
    first, second = services.create_breakouts(fay, workshop, 2)
    services.assign_by_hand(fay, workshop, ana.pk, first.pk)
    services.assign_by_hand(fay, workshop, ben.pk, first.pk)
    services.assign_by_hand(fay, workshop, cal.pk, second.pk)
    services.open_breakouts(fay, workshop)
    messaging.send_message(ana, first.conversation_id, uuid.uuid4(), "Just between us two")
    _close_round(fay, workshop)

    # Round 2 lets people choose: the round's own rooms only, never round 1's.
    now_rooms = services.create_breakouts(fay, workshop, 2)
    assert [r.pk for r in selectors.breakout_rooms(workshop)] == [r.pk for r in now_rooms]
    services.open_breakouts(fay, workshop, participants_choose=True)
    refused = _choose(cal, workshop, first.pk)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["room"] == ["No such breakout room."]
    assert _choose(cal, workshop, now_rooms[1].pk).status_code == 200

    # Once the round is over nobody chooses any more, and the choice is not offered.
    _close_round(fay, workshop)
    assert not Workshop.objects.get(pk=workshop.pk).participants_choose
    closed = _choose(cal, workshop, now_rooms[0].pk)
    assert closed.status_code == 409
    assert closed.json()["error"]["code"] == "choosing_closed"
    reader = client_for(cal)
    assert reader.get(f"/api/v1/conversations/{first.conversation_id}/messages").status_code == 404
    page = reader.get(f"/workshops/{workshop.pk}/live/")
    assert page.status_code == 200 and b"Choose a room" not in page.content


@pytest.mark.django_db
def test_a_choose_round_left_on_does_not_outlive_the_workshop():
    fay, (ana,), workshop = workshop_soon("Ana")
    services.join(ana, workshop)
    (room,) = services.create_breakouts(fay, workshop, 1)
    services.open_breakouts(fay, workshop, participants_choose=True)
    with (
        time_machine.travel(workshop.ends_at + timedelta(minutes=1)),
        pytest.raises(errors.ChoosingClosed),
    ):
        services.choose_room(ana, workshop.pk, room.pk)
    assert not RoomAssignment.objects.filter(user=ana).exists()


@pytest.mark.django_db
def test_giving_up_a_place_leaves_the_room_and_its_chat():
    _fay, (ana,), workshop = workshop_soon("Ana")
    room = services.join(ana, workshop)
    services.cancel_registration(ana, workshop)
    client = client_for(ana)
    chat = f"/api/v1/conversations/{room.conversation_id}/messages"
    assert client.get(chat).status_code == 404
    sent = client.post(
        chat,
        data=json.dumps({"client_id": str(uuid.uuid4()), "body": "still here"}),
        content_type="application/json",
    )
    assert sent.status_code == 404
    assert not Attendance.objects.filter(user=ana, left_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_place_in_a_workshop_that_is_over_cannot_be_given_up_and_its_chat_stays():
    _fay, (ana,), workshop = workshop_soon("Ana")
    room = services.join(ana, workshop)
    with (
        time_machine.travel(workshop.ends_at + timedelta(minutes=1)),
        pytest.raises(errors.WorkshopOver),
    ):
        services.cancel_registration(ana, workshop)
    chat = f"/api/v1/conversations/{room.conversation_id}/messages"
    assert client_for(ana).get(chat).status_code == 200
