"""Workshop media through a real Janus (tests/janus_server.py; skipped only when the binary is
missing): each participant's token opens only the room they are in, and a move evicts them
from the old room server-side."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from mentorloom.calls.errors import MediaServerRefused
from mentorloom.calls.janus.controller import NO_SUCH_FEED, UNAUTHORIZED, controller_for_room
from mentorloom.workshops import services
from mentorloom.workshops.models import MediaGrant
from mentorloom.workshops.services.media import SFU_RETRY_SECONDS
from tests.calls.janus.participant import HTTPParticipant, JanusAPIError

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
        # Janus forgot the token: it opens no session, let alone room A.
        assert config["token"] not in controller.list_tokens()
        with pytest.raises(JanusAPIError):
            participants(config["token"])
        moved = services.media_for(ana, room_b)
        assert moved["janus"]["token"] != config["token"]  # a token per admission
        grant = MediaGrant.objects.get(workshop=workshop, user=ana)
        assert grant.room_id == room_b.pk
        joined_b = participants(moved["janus"]["token"]).join(
            room_b.media_room_id, moved["janus"]["pin"], config["feedId"] + 2
        )
        assert joined_b["videoroom"] == "joined"


def test_janus_down_falls_back_to_mesh_and_loses_nothing(workshop, facilitator, settings):
    settings.MENTORLOOM_JANUS_URL = ["http://127.0.0.1:9/janus"]
    settings.MENTORLOOM_JANUS_ADMIN_URL = ["http://127.0.0.1:9/admin"]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = ["ws://127.0.0.1:9/"]
    settings.MENTORLOOM_JANUS_TIMEOUT = 0.5
    settings.MENTORLOOM_JANUS_EMBEDDED = False  # set explicitly: a Janus should answer
    ana = person()
    services.register(ana, workshop)
    with time_machine.travel(workshop.starts_at + timedelta(minutes=1)):
        room = services.join(ana, workshop)
        media = services.media_for(ana, room)
    assert media["mode"] == "mesh" and media["reason"]
    # Janus is configured, so the page is told to ask again (it may answer in a moment, and
    # the others may be on it).
    assert media["retry_after"] == SFU_RETRY_SECONDS
    assert not MediaGrant.objects.exists()


def test_no_janus_installed_is_mesh_mode_without_asking_again(
    workshop, facilitator, settings, monkeypatch
):
    """The embedded default (`make run` starts Janus when installed) on a machine without the
    `janus` binary: mesh is simply the mode, and pages are not told to keep asking."""
    from mentorloom.calls.janus import process

    settings.MENTORLOOM_JANUS_URL = ["http://127.0.0.1:9/janus"]
    settings.MENTORLOOM_JANUS_ADMIN_URL = ["http://127.0.0.1:9/admin"]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = ["ws://127.0.0.1:9/"]
    settings.MENTORLOOM_JANUS_EMBEDDED = True
    monkeypatch.setattr(process, "janus_binary", lambda: None)
    ana = person()
    services.register(ana, workshop)
    with time_machine.travel(workshop.starts_at + timedelta(minutes=1)):
        media = services.media_for(ana, services.join(ana, workshop))
    assert media["mode"] == "mesh" and media["retry_after"] is None


def test_moderate_mutes_a_published_audio_stream_in_janus(workshop, facilitator, participants):
    """The request "mute all" sends for each publisher's audio, against the real VideoRoom:
    Janus tells the publisher its audio is moderated (muted), and releases it again."""
    ana = person()
    services.register(ana, workshop)
    with time_machine.travel(workshop.starts_at):
        room = services.join(ana, workshop)
        config = services.media_for(ana, room)["janus"]
    publisher = participants(config["token"])
    assert publisher.join(config["room"], config["pin"], config["feedId"])["videoroom"] == "joined"
    configured = publisher.publish()
    audio = next(s for s in configured["streams"] if s["type"] == "audio")
    controller = controller_for_room(config["room"])

    controller.moderate(config["room"], config["feedId"], audio["mid"], mute=True)
    event = publisher.next_plugin_event()
    assert (event["id"], event["mid"], event["moderation"]) == (
        config["feedId"],
        audio["mid"],
        "muted",
    )
    controller.moderate(config["room"], config["feedId"], audio["mid"], mute=False)
    assert publisher.next_plugin_event()["moderation"] == "unmuted"
    with pytest.raises(MediaServerRefused) as refused:
        controller.moderate(config["room"], config["feedId"], "7", mute=True)
    assert refused.value.janus_code == NO_SUCH_FEED


def test_mute_all_with_janus_stores_the_room_and_the_observer_leaves_no_trace(
    workshop, facilitator, participants, django_capture_on_commit_callbacks
):
    """ "Mute all" through the service reaches Janus (its stream listing joins and leaves with a
    token of its own, removed afterwards); publishers that never connected media are skipped."""
    ana = person()
    services.register(ana, workshop)
    with time_machine.travel(workshop.starts_at):
        room = services.join(ana, workshop)
        config = services.media_for(ana, room)["janus"]
        publisher = participants(config["token"])
        publisher.join(config["room"], config["pin"], config["feedId"])
        publisher.publish()
        controller = controller_for_room(config["room"])
        tokens_before = set(controller.list_tokens())
        with django_capture_on_commit_callbacks(execute=True):
            services.mute_all(facilitator, room, True)
        room.refresh_from_db()
        assert room.muted is True
        assert set(controller.list_tokens()) == tokens_before
        assert [p["id"] for p in controller.list_participants(config["room"])] == [config["feedId"]]
