"""The controller against a real Janus (tests/janus_server.py): rooms, tokens, kicks, and what a
browser holding a token can do through the plain HTTP API."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable
from mentorloom.calls.janus.controller import (
    NO_SUCH_ROOM,
    ROOM_EXISTS,
    UNAUTHORIZED,
    JanusController,
    JanusHost,
    mint_token,
)
from tests.janus_server import free_port

from .participant import HTTPParticipant, JanusAPIError

_rooms = itertools.count(1000)


@pytest.fixture
def controller(janus_server):
    return janus_server.controller()


@pytest.fixture
def room(controller):
    room = next(_rooms)
    controller.create_room(room, description="test room")
    yield room
    controller.destroy_room(room)


@pytest.fixture
def participants(janus_server):
    opened: list[HTTPParticipant] = []

    def connect(token: str | None) -> HTTPParticipant:
        participant = HTTPParticipant(janus_server.host.api_url, token)
        opened.append(participant)
        return participant.connect()

    yield connect
    for participant in opened:
        participant.close()


def test_created_room_exists_until_destroyed(controller):
    room = next(_rooms)
    controller.create_room(room)
    assert controller.room_exists(room)
    controller.destroy_room(room)
    assert not controller.room_exists(room)
    controller.destroy_room(room)  # already gone: not an error


def test_creating_an_existing_room_is_refused_but_ensure_room_is_idempotent(controller, room):
    with pytest.raises(MediaServerRefused) as refused:
        controller.create_room(room)
    assert refused.value.janus_code == ROOM_EXISTS
    controller.ensure_room(room)
    assert controller.room_exists(room)


def test_admitted_token_joins_its_room(controller, room, participants):
    token = mint_token(60)
    controller.admit(room, token)
    joined = participants(token).join(room, controller.room_pin(room), feed_id=7)
    assert joined["videoroom"] == "joined"
    assert [p["id"] for p in controller.list_participants(room)] == [7]


def test_token_for_room_a_is_refused_in_room_b(controller, room, participants):
    room_b = next(_rooms)
    controller.create_room(room_b)
    try:
        token = mint_token(60)
        controller.admit(room, token)
        refused = participants(token).join(room_b, controller.room_pin(room_b), feed_id=8)
        assert refused["error_code"] == UNAUTHORIZED
        assert controller.list_participants(room_b) == []
    finally:
        controller.destroy_room(room_b)


def test_the_pin_is_needed_besides_the_token(controller, room, participants):
    token = mint_token(60)
    controller.admit(room, token)
    refused = participants(token).join(room, "not-the-pin", feed_id=9)
    assert refused["error_code"] == UNAUTHORIZED
    assert controller.list_participants(room) == []


def test_without_a_token_janus_refuses_the_session(janus_server, room):
    with pytest.raises(JanusAPIError) as refused:
        HTTPParticipant(janus_server.host.api_url, None).connect()
    assert refused.value.code == 403
    with pytest.raises(JanusAPIError) as refused:
        HTTPParticipant(janus_server.host.api_url, mint_token(60)).connect()  # never added
    assert refused.value.code == 403


def test_tokens_are_limited_to_the_videoroom_plugin(controller):
    token = mint_token(60)
    controller.add_token(token)
    reply = controller._admin("list_tokens")
    grants = {t["token"]: t["allowed_plugins"] for t in reply["data"]["tokens"]}
    assert grants[token] == ["janus.plugin.videoroom"]
    controller.remove_token(token)


def test_a_token_cannot_create_rooms(controller, participants):
    """The plugin's admin_key keeps room creation with the controller."""
    token = mint_token(60)
    controller.add_token(token)
    participant = participants(token)
    room = next(_rooms)
    for guess in ({}, {"admin_key": "guess"}):
        reply = participant._post(
            f"/{participant.session}/{participant.handle}",
            {"janus": "message", "body": {"request": "create", "room": room, **guess}},
        )
        assert "error_code" in reply["plugindata"]["data"]
    assert reply["plugindata"]["data"]["error_code"] == UNAUTHORIZED
    assert not controller.room_exists(room)


def test_evict_kicks_the_feed_and_refuses_a_rejoin(controller, room, participants):
    token = mint_token(60)
    controller.admit(room, token)
    pin = controller.room_pin(room)
    first = participants(token)
    assert first.join(room, pin, feed_id=11)["videoroom"] == "joined"

    controller.evict(room, token, participant_id=11)

    assert controller.list_participants(room) == []
    kicked = first.next_event()
    assert kicked["plugindata"]["data"].get("reason") == "kicked"
    again = participants(token).join(room, pin, feed_id=12)
    assert again["error_code"] == UNAUTHORIZED


def test_kicking_someone_already_gone_is_not_an_error(controller, room):
    controller.kick(room, 999)


def test_acting_on_a_missing_room_is_refused_with_its_code(controller):
    with pytest.raises(MediaServerRefused) as refused:
        controller.list_participants(next(_rooms))
    assert refused.value.janus_code == NO_SUCH_ROOM


def test_removed_token_no_longer_opens_a_session(janus_server, controller, room):
    token = mint_token(60)
    controller.admit(room, token)
    controller.remove_token(token)
    with pytest.raises(JanusAPIError) as refused:
        HTTPParticipant(janus_server.host.api_url, token).connect()
    assert refused.value.code == 403


def test_prune_tokens_removes_only_expired_ones(controller):
    now = time.time()
    expired, fresh = mint_token(10, now=now - 60), mint_token(600, now=now)
    controller.add_token(expired)
    controller.add_token(fresh)
    assert controller.prune_tokens(now=now) >= 1
    remaining = controller.list_tokens()
    assert fresh in remaining
    assert expired not in remaining
    controller.remove_token(fresh)


def test_wrong_admin_secret_is_a_refusal(janus_server):
    impostor = JanusController(janus_server.host, admin_secret="wrong")
    with pytest.raises(MediaServerRefused) as refused:
        impostor.ping()
    assert refused.value.janus_code == 403


def test_janus_down_is_a_clear_domain_error():
    port = free_port()  # nothing listens there
    down = JanusController(
        JanusHost(f"http://127.0.0.1:{port}/janus", f"http://127.0.0.1:{port}/admin"),
        admin_secret="x",
        timeout=0.5,
    )
    started = time.monotonic()
    with pytest.raises(MediaServerUnavailable) as unavailable:
        down.create_room(1)
    assert time.monotonic() - started < 2
    assert unavailable.value.code == "media_unavailable"
    assert unavailable.value.status == 503


def test_a_port_answering_something_else_is_unavailable_not_a_crash():
    class NotJanus(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>hello</html>")

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotJanus)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with pytest.raises(MediaServerUnavailable):
            JanusController(JanusHost(f"{url}/janus", f"{url}/admin"), admin_secret="x").ping()
    finally:
        thread.join(timeout=5)
        server.server_close()


def _listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses with a socket listening on `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_every_janus_api_listens_on_loopback_only(janus_server):
    config = janus_server.config
    for port in (config.http_port, config.admin_port, config.ws_port):
        assert _listening_addresses(port) == {"127.0.0.1"}, port


def test_periodic_prune_covers_every_host_and_skips_one_that_is_down(janus_server, settings):
    from mentorloom.calls.tasks import prune_janus_tokens

    down = free_port()
    settings.MENTORLOOM_JANUS_URL = [janus_server.host.api_url, f"http://127.0.0.1:{down}/janus"]
    settings.MENTORLOOM_JANUS_ADMIN_URL = [
        janus_server.host.admin_url,
        f"http://127.0.0.1:{down}/admin",
    ]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = ["ws://a/", "ws://b/"]
    settings.MENTORLOOM_JANUS_ADMIN_SECRET = janus_server.config.admin_secret
    settings.MENTORLOOM_JANUS_TIMEOUT = 0.5
    controller = janus_server.controller()
    expired = mint_token(10, now=time.time() - 60)
    controller.add_token(expired)

    prune_janus_tokens.call()

    assert expired not in controller.list_tokens()


def test_participant_tokens_live_the_configured_ttl(settings):
    from mentorloom.calls.janus.controller import participant_token, token_expiry

    settings.MENTORLOOM_JANUS_TOKEN_TTL = 900
    assert token_expiry(participant_token(now=1000)) == 1900
