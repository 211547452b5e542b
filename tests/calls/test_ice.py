import base64
import hashlib
import hmac
import json

from mentorloom.calls.ice import ice_servers_for, turn_credentials


def test_turn_credentials_follow_the_coturn_rest_scheme():
    creds = turn_credentials("s3cret", 42, ttl=600, now=1_700_000_000)
    assert creds["username"] == "1700000600:42"
    expected = hmac.new(b"s3cret", b"1700000600:42", hashlib.sha1).digest()
    assert base64.b64decode(creds["credential"]) == expected


def test_ice_servers_combine_configured_stun_and_minted_turn(settings):
    settings.MENTORLOOM_ICE_SERVERS = json.dumps([{"urls": "stun:stun.example.org:3478"}])
    settings.MENTORLOOM_TURN_SECRET = "s3cret"
    settings.MENTORLOOM_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    servers = ice_servers_for(7)
    assert servers[0] == {"urls": "stun:stun.example.org:3478"}
    assert servers[1]["urls"] == ["turn:turn.example.org:3478?transport=udp"]
    assert servers[1]["username"].endswith(":7")


def test_no_ice_servers_configured_means_host_candidates_only(settings):
    settings.MENTORLOOM_ICE_SERVERS = ""
    settings.MENTORLOOM_TURN_SECRET = ""
    assert ice_servers_for(1) == []
