"""A participant's side of Janus's plain HTTP API (what janus.js does), for asserting what a
browser holding a token can and cannot do. No media: `join` is decided before any SDP."""

from __future__ import annotations

import contextlib
import secrets

import httpx


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
