"""A participant's side of Janus's plain HTTP API (what janus.js does), for asserting what a
browser holding a token can and cannot do. No media: `join` is decided before any SDP."""

from __future__ import annotations

import contextlib
import secrets

import httpx


def offer_sdp() -> str:
    """A minimal WebRTC offer: Opus audio on mid 0 (with the audio-level extension the
    VideoRoom reads for talking events), VP8 video on mid 1, both send-only."""
    fingerprint = ":".join(f"{b:02X}" for b in secrets.token_bytes(32))
    common = [
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:mlwk",
        f"a=ice-pwd:{secrets.token_hex(12)}",
        "a=ice-options:trickle",
        f"a=fingerprint:sha-256 {fingerprint}",
        "a=setup:actpass",
    ]
    lines = [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=msid-semantic: WMS s",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        *common,
        "a=mid:0",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=sendonly",
        "a=msid:s a",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=ssrc:1111 cname:test",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        *common,
        "a=mid:1",
        "a=sendonly",
        "a=msid:s v",
        "a=rtcp-mux",
        "a=rtpmap:96 VP8/90000",
        "a=ssrc:2222 cname:test",
    ]
    return "\r\n".join(lines) + "\r\n"


class JanusAPIError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code


class HTTPParticipant:
    def __init__(self, api_url: str, token: str | None) -> None:
        self.api_url = api_url
        self.token = token
        self.session: int | None = None
        self.handle: int | None = None
        self.client = httpx.Client(timeout=5)

    def _post(self, path: str, body: dict) -> dict:
        body = {"transaction": secrets.token_hex(6), **body}
        if self.token is not None:
            body["token"] = self.token
        reply = self.client.post(f"{self.api_url}{path}", json=body).json()
        if reply.get("janus") == "error":
            raise JanusAPIError(reply["error"]["code"], reply["error"]["reason"])
        return reply

    def connect(self) -> HTTPParticipant:
        self.session = self._post("", {"janus": "create"})["data"]["id"]
        self.handle = self._post(
            f"/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"}
        )["data"]["id"]
        return self

    def next_event(self) -> dict:
        """Long-poll one event for this session (what janus.js does between requests)."""
        params = {"maxev": 1, "rid": secrets.randbelow(10**9)}
        if self.token is not None:
            params["token"] = self.token
        reply = self.client.get(f"{self.api_url}/{self.session}", params=params, timeout=10).json()
        if isinstance(reply, list):
            reply = reply[0]
        return reply

    def join(self, room: int, pin: str, feed_id: int, *, room_token: str | None = None) -> dict:
        """Join as a publisher; returns the plugin's event data (`joined` or an error)."""
        body = {
            "request": "join",
            "ptype": "publisher",
            "room": room,
            "pin": pin,
            "id": feed_id,
            "display": f"feed {feed_id}",
            "token": room_token if room_token is not None else self.token,
        }
        self._post(f"/{self.session}/{self.handle}", {"janus": "message", "body": body})
        while True:
            event = self.next_event()
            if event.get("janus") == "event" and event.get("sender") == self.handle:
                return event["plugindata"]["data"]
            if event.get("janus") == "keepalive":
                continue

    def publish(self) -> dict:
        """Configure an audio (mid 0) + video (mid 1) publisher with a hand-written SDP offer;
        returns the `configured` event. Janus creates the streams from the offer, so requests
        about them (moderate) work; no ICE agent answers, so no media ever flows."""
        body = {"request": "configure", "audio": True, "video": True}
        jsep = {"type": "offer", "sdp": offer_sdp()}
        self._post(
            f"/{self.session}/{self.handle}", {"janus": "message", "body": body, "jsep": jsep}
        )
        return self.next_plugin_event()

    def next_plugin_event(self) -> dict:
        """The next VideoRoom event for this handle (trickle candidates and keepalives skipped)."""
        while True:
            event = self.next_event()
            if event.get("janus") == "event" and event.get("sender") == self.handle:
                return event["plugindata"]["data"]

    def subscribe(self, room: int, pin: str, feed: int, private_id: int | None = None) -> dict:
        """Join as a subscriber to `feed`; returns the plugin's event data (or its error)."""
        body: dict = {
            "request": "join",
            "ptype": "subscriber",
            "room": room,
            "pin": pin,
            "streams": [{"feed": feed}],
        }
        if private_id is not None:
            body["private_id"] = private_id
        reply = self._post(f"/{self.session}/{self.handle}", {"janus": "message", "body": body})
        if reply.get("janus") == "success":  # refused synchronously
            return reply["plugindata"]["data"]
        while True:
            event = self.next_event()
            if event.get("janus") == "event" and event.get("sender") == self.handle:
                return event["plugindata"]["data"]

    def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(JanusAPIError, httpx.HTTPError):
                self._post(f"/{self.session}", {"janus": "destroy"})
        self.client.close()
