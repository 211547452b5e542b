"""Workshop media through a real Janus (tests/janus_server.py; skipped only when the binary is
missing): each participant's token opens only the room they are in, and a move evicts them
from the old room server-side."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from mentorloom.calls.janus.controller import UNAUTHORIZED, controller_for_room
from mentorloom.workshops import services
from mentorloom.workshops.models import MediaGrant
from tests.calls.janus.participant import HTTPParticipant

from .conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_janus(settings, janus_server):
    settings.MENTORLOOM_JANUS_URL = [janus_server.host.api_url]
    settings.MENTORLOOM_JANUS_ADMIN_URL = [janus_server.host.admin_url]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = [janus_server.ws_url]
    settings.MENTORLOOM_JANUS_ADMIN_SECRET = janus_server.config.admin_secret
    return janus_server


@pytest.fixture
def participants(with_janus):
    opened: list[HTTPParticipant] = []

    def connect(token: str) -> HTTPParticipant:
        participant = HTTPParticipant(with_janus.host.api_url, token)
        opened.append(participant)
        return participant.connect()

    yield connect
    for participant in opened:
        participant.close()


def test_token_opens_only_the_assigned_room_and_a_move_evicts(
    workshop, facilitator, participants, django_capture_on_commit_callbacks
):
    ana, cy = person(), person()
    for p in (ana, cy):
        services.register(p, workshop)
    with time_machine.travel(workshop.starts_at):
        for p in (ana, cy):
            services.join(p, workshop)
        room_a, room_b = services.create_breakouts(facilitator, workshop, 2)
        services.assign_by_hand(facilitator, workshop, ana.pk, room_a.pk)
        services.assign_by_hand(facilitator, workshop, cy.pk, room_b.pk)
        services.open_breakouts(facilitator, workshop)

        media = services.media_for(ana, room_a)
        assert media["mode"] == "sfu"
        config = media["janus"]
        assert config["room"] == room_a.media_room_id
        first = participants(config["token"])
        assert first.join(config["room"], config["pin"], config["feedId"])["videoroom"] == "joined"

        # The same token in room B (even with B's pin) is refused by Janus itself.
        pin_b = controller_for_room(room_b.media_room_id).room_pin(room_b.media_room_id)
        services.media_for(cy, room_b)  # B exists on Janus
        refused = participants(config["token"]).join(room_b.media_room_id, pin_b, feed_id=77)
        assert refused["error_code"] == UNAUTHORIZED

        # Moving Ana to B evicts her from A server-side (kicked, no re-join) and B admits her.
        with django_capture_on_commit_callbacks(execute=True):
            services.assign_by_hand(facilitator, workshop, ana.pk, room_b.pk)
        controller = controller_for_room(room_a.media_room_id)
        assert controller.list_participants(room_a.media_room_id) == []
        again = participants(config["token"]).join(
            room_a.media_room_id, config["pin"], config["feedId"] + 1
        )
        assert again["error_code"] == UNAUTHORIZED
        moved = services.media_for(ana, room_b)
        assert moved["janus"]["token"] == config["token"]
        grant = MediaGrant.objects.get(workshop=workshop, user=ana)
        assert grant.room_id == room_b.pk
        joined_b = participants(config["token"]).join(
            room_b.media_room_id, moved["janus"]["pin"], config["feedId"] + 2
        )
        assert joined_b["videoroom"] == "joined"


def test_janus_down_falls_back_to_mesh_and_loses_nothing(workshop, facilitator, settings):
    settings.MENTORLOOM_JANUS_URL = ["http://127.0.0.1:9/janus"]
    settings.MENTORLOOM_JANUS_ADMIN_URL = ["http://127.0.0.1:9/admin"]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = ["ws://127.0.0.1:9/"]
    settings.MENTORLOOM_JANUS_TIMEOUT = 0.5
    ana = person()
    services.register(ana, workshop)
    with time_machine.travel(workshop.starts_at + timedelta(minutes=1)):
        room = services.join(ana, workshop)
        media = services.media_for(ana, room)
    assert media["mode"] == "mesh" and media["reason"]
    assert not MediaGrant.objects.exists()
