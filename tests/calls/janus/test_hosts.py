"""Spreading rooms over several Janus hosts, and participant tokens (pure)."""

from __future__ import annotations

from collections import Counter

import pytest

from mentorloom.calls.errors import MediaServerUnavailable
from mentorloom.calls.janus.controller import (
    JanusHost,
    configured_hosts,
    host_for_room,
    mint_token,
    token_expiry,
)

HOSTS = [JanusHost(f"http://m{i}:8088/janus", f"http://m{i}:7088/admin") for i in range(4)]


def test_a_room_always_lands_on_the_same_host():
    assert {host_for_room(42, HOSTS) for _ in range(5)} == {host_for_room(42, list(HOSTS))}
    assert host_for_room(42, HOSTS) == host_for_room(42, list(reversed(HOSTS)))


def test_rooms_spread_over_hosts_and_a_new_host_moves_only_its_share():
    before = {room: host_for_room(room, HOSTS) for room in range(2000)}
    counts = Counter(before.values())
    assert len(counts) == 4
    assert min(counts.values()) > 400
    grown = [*HOSTS, JanusHost("http://m9:8088/janus", "http://m9:7088/admin")]
    moved = [room for room in before if host_for_room(room, grown) != before[room]]
    assert 250 < len(moved) < 550  # about a fifth, all of them to the new host
    assert {host_for_room(room, grown) for room in moved} == {grown[-1]}


def test_no_configured_host_is_a_clear_error():
    with pytest.raises(MediaServerUnavailable):
        host_for_room(1, [])


def test_configured_hosts_pair_api_admin_and_public_urls_in_order(settings):
    settings.MENTORLOOM_JANUS_URL = ["http://a/janus", "http://b/janus"]
    settings.MENTORLOOM_JANUS_ADMIN_URL = ["http://a/admin", "http://b/admin"]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = ["wss://s/janus-ws/a", "wss://s/janus-ws/b"]
    assert configured_hosts() == [
        JanusHost("http://a/janus", "http://a/admin", "wss://s/janus-ws/a"),
        JanusHost("http://b/janus", "http://b/admin", "wss://s/janus-ws/b"),
    ]
    settings.MENTORLOOM_JANUS_ADMIN_URL = ["http://a/admin"]
    with pytest.raises(MediaServerUnavailable):
        configured_hosts()


def test_tokens_are_unique_and_carry_their_expiry():
    assert mint_token(60, now=1000) != mint_token(60, now=1000)
    assert token_expiry(mint_token(60, now=1000)) == 1060
    assert token_expiry("not-a-token") is None
    assert token_expiry("123") is None


def test_browser_config_names_the_rooms_host_its_pin_and_our_ice_servers(settings):
    from mentorloom.calls.janus.controller import browser_config, controller_for_room

    settings.MENTORLOOM_JANUS_URL = [h.api_url for h in HOSTS]
    settings.MENTORLOOM_JANUS_ADMIN_URL = [h.admin_url for h in HOSTS]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = [f"wss://site/janus-ws/{i}" for i in range(4)]
    settings.MENTORLOOM_ICE_SERVERS = '[{"urls": "stun:stun.example.org"}]'
    settings.MENTORLOOM_TURN_SECRET = ""
    index = HOSTS.index(host_for_room(77, HOSTS))

    config = browser_config(77, "tok", 5, user_id=1)

    assert config == {
        "server": f"wss://site/janus-ws/{index}",
        "token": "tok",
        "room": 77,
        "pin": controller_for_room(77).room_pin(77),
        "feedId": 5,
        "iceServers": [{"urls": "stun:stun.example.org"}],
    }
    assert config["pin"] != controller_for_room(78).room_pin(78)
