"""A call is between two people who may talk: a block ends it at once, a call of an ended
mentorship cannot be joined, and TURN credentials are handed out only while it is on
(security reviews h60/h62)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from websockets.exceptions import ConnectionClosed

from mentorloom.calls import services
from mentorloom.calls.models import Call, CallStatus
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.safety.services import block_user
from tests.factories import client_for

from .test_signalling import _cookie, _next, _socket, call_setup  # noqa: F401 (fixture)


async def test_a_block_ends_the_live_call_and_its_sockets_relay_nothing_more(
    live_asgi,
    call_setup,  # noqa: F811
):
    mentor, mentee, call = call_setup
    async with (
        _socket(live_asgi, call.pk, await _cookie(mentor)) as caller,
        _socket(live_asgi, call.pk, await _cookie(mentee)) as callee,
    ):
        await _next(caller, "welcome")
        await _next(callee, "welcome")
        await sync_to_async(block_user)(mentor, mentee.pk)
        assert (await _next(caller, "ended"))["by"] is None
        assert (await _next(callee, "ended"))["by"] is None
        await callee.send(json.dumps({"type": "offer", "sdp": "v=0 after the block"}))
        assert (await _next(callee, "error"))["code"] == "call_ended"
        with pytest.raises(asyncio.TimeoutError):  # nothing reaches the person who blocked
            await asyncio.wait_for(caller.recv(), 0.5)
    ended = await sync_to_async(Call.objects.get)(pk=call.pk)
    assert ended.status == CallStatus.ENDED and ended.ended_at is not None


async def test_a_call_of_an_ended_mentorship_cannot_be_joined(live_asgi, call_setup):  # noqa: F811
    _mentor, mentee, call = call_setup
    await sync_to_async(Mentorship.objects.filter(pk=call.mentorship_id).update)(
        status=MentorshipStatus.ENDED, ended_at=timezone.now()
    )
    async with _socket(live_asgi, call.pk, await _cookie(mentee)) as ws:
        assert (await _next(ws))["code"] == "call_ended"
        with pytest.raises(ConnectionClosed) as closed:
            await _next(ws)
    assert closed.value.rcvd.code == 4410
    assert (await sync_to_async(Call.objects.get)(pk=call.pk)).status == CallStatus.MISSED


@pytest.mark.django_db
def test_turn_credentials_only_while_the_call_is_on_between_people_who_may_talk():
    from tests.factories import call_pair

    mentor, mentee, mentorship = call_pair()
    call, _ = services.start_call(mentor, mentorship.pk)
    client = client_for(mentee)
    url = f"/api/v1/calls/{call.pk}/ice-servers"
    assert client.get(url).status_code == 200
    block_user(mentor, mentee.pk)
    refused = client.get(url)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "call_ended"
    page = client.get(f"/calls/{call.pk}/")
    assert page.status_code == 200
    assert page.context["config"]["iceServers"] == []


async def test_ending_the_mentorship_ends_its_live_call(live_asgi, call_setup):  # noqa: F811
    from mentorloom.mentorships.services import end_mentorship

    mentor, mentee, call = call_setup
    async with (
        _socket(live_asgi, call.pk, await _cookie(mentor)) as caller,
        _socket(live_asgi, call.pk, await _cookie(mentee)) as callee,
    ):
        await _next(caller, "welcome")
        await _next(callee, "welcome")
        mentorship = await sync_to_async(Mentorship.objects.get)(pk=call.mentorship_id)
        await sync_to_async(end_mentorship)(mentee, mentorship)
        assert (await _next(caller, "ended"))["by"] == mentee.pk
        assert (await _next(callee, "ended"))["by"] == mentee.pk
        await caller.send(json.dumps({"type": "offer", "sdp": "v=0 after the end"}))
        assert (await _next(caller, "error"))["code"] == "call_ended"
    ended = await sync_to_async(Call.objects.get)(pk=call.pk)
    assert ended.status == CallStatus.ENDED and ended.ended_by_id == mentee.pk
