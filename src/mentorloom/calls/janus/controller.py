"""Django's side of Janus: rooms, participant tokens and kicks, through Janus's admin API.

Only the admin API is used here (`message_plugin` reaches the VideoRoom's synchronous requests
without a session), so the admin secret never leaves the server and browsers get nothing but
their own token. A participant is admitted to a room by two locks, both needed:
  1. a core token (`add_token`, limited to janus.plugin.videoroom) to talk to Janus at all;
  2. that same token on the room's `allowed` list, checked by the VideoRoom on `join`.
Moving someone out of a room removes the token from that room's list and `kick`s their feed;
rooms are created with `require_pvtid`, so the kick also ends their subscriptions there.

Room secrets and pins are derived from the admin secret and the room id (HMAC), so the database
stores nothing about Janus and any web process can act on any room.

Every call has a short timeout; Janus being down raises MediaServerUnavailable, a refusal
MediaServerRefused with Janus's numeric code (docs/deployment.md, "Media: Janus").
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import httpx

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
# VideoRoom error codes callers may want to tell apart (janus_videoroom.c).
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428
UNAUTHORIZED = 433


@dataclass(frozen=True)
class JanusHost:
    api_url: str  # e.g. http://127.0.0.1:8088/janus (the plain API, for health checks)
    admin_url: str  # e.g. http://127.0.0.1:7088/admin (never exposed to browsers)
    public_url: str = ""  # what browsers connect to, e.g. wss://mentors.example.org/janus-ws


def host_for_room(room: int, hosts: Sequence[JanusHost]) -> JanusHost:
    """The host a room lives on: rendezvous hashing, so every web process agrees without
    shared state, and adding a host moves only the rooms it wins (about 1/n of them)."""
    if not hosts:
        raise MediaServerUnavailable("No media server is configured.")

    def weight(host: JanusHost) -> bytes:
        return hashlib.sha256(f"{host.admin_url}|{room}".encode()).digest()

    return max(hosts, key=weight)


def mint_token(ttl: int, *, now: float | None = None) -> str:
    """A fresh participant token whose expiry (unix seconds) is readable by prune_tokens."""
    expiry = int((now if now is not None else time.time()) + ttl)
    return f"{expiry}-{secrets.token_urlsafe(24)}"


def token_expiry(token: str) -> int | None:
    head, _, rest = token.partition("-")
    return int(head) if head.isdigit() and rest else None


_client: httpx.Client | None = None


def _shared_client() -> httpx.Client:
    """One connection pool per process for every host (keep-alive to each admin API)."""
    global _client
    if _client is None:
        _client = httpx.Client()
    return _client


class JanusController:
    """One Janus host's admin API. Thread-safe for the calls below (httpx.Client is)."""

    def __init__(
        self,
        host: JanusHost,
        *,
        admin_secret: str,
        timeout: float = 3.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.host = host
        self._admin_secret = admin_secret
        self._timeout = httpx.Timeout(timeout, connect=timeout)
        self._client = client or _shared_client()

    # --- derived room credentials -------------------------------------------------------------
    def _derive(self, purpose: str, room: int) -> str:
        mac = hmac.new(self._admin_secret.encode(), f"{purpose}:{room}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def room_secret(self, room: int) -> str:
        return self._derive("room-secret", room)

    def room_pin(self, room: int) -> str:
        """Given to admitted participants with their token (the VideoRoom checks both)."""
        return self._derive("room-pin", room)

    # --- transport ----------------------------------------------------------------------------
    def _admin(self, janus: str, **fields: Any) -> dict:
        body = {
            "janus": janus,
            "transaction": secrets.token_hex(8),
            "admin_secret": self._admin_secret,
            **fields,
        }
        try:
            response = self._client.post(self.host.admin_url, json=body, timeout=self._timeout)
            reply = response.json()
        except httpx.HTTPError as exc:
            raise MediaServerUnavailable() from exc
        except ValueError as exc:  # not JSON: something else answers on that port
            raise MediaServerUnavailable() from exc
        if reply.get("janus") == "error":
            error = reply.get("error") or {}
            raise MediaServerRefused(
                f"Janus refused {janus}: {error.get('reason', 'unknown error')}",
                janus_code=int(error.get("code") or 0),
            )
        return reply

    def _videoroom(self, request: str, **fields: Any) -> dict:
        reply = self._admin(
            "message_plugin", plugin=VIDEOROOM, request={"request": request, **fields}
        )
        data = reply.get("response") or {}
        if "error_code" in data:
            raise MediaServerRefused(
                f"VideoRoom refused {request}: {data.get('error', 'unknown error')}",
                janus_code=int(data["error_code"]),
            )
        return data

    # --- health -------------------------------------------------------------------------------
    def ping(self) -> None:
        """Raises MediaServerUnavailable unless the admin API answers with our secret."""
        self._admin("get_status")

    # --- rooms --------------------------------------------------------------------------------
    def create_room(
        self,
        room: int,
        *,
        description: str = "",
        publishers: int = 6,
        allowed: Iterable[str] = (),
        bitrate: int = 512_000,
    ) -> None:
        """Create a private room that admits only `allowed` tokens (an empty list admits no one
        until `allow`); refused with ROOM_EXISTS when it is there already. Publishers get
        `talking` / `stopped-talking` events (audio levels, ~1 s of speech) for the
        active-speaker highlight."""
        self._videoroom(
            "create",
            room=room,
            admin_key=self._admin_secret,
            permanent=False,
            description=description[:100],
            secret=self.room_secret(room),
            pin=self.room_pin(room),
            is_private=True,
            require_pvtid=True,
            publishers=publishers,
            bitrate=bitrate,
            allowed=list(allowed),
            audiolevel_event=True,
            audio_active_packets=50,
            audio_level_average=35,
        )

    def ensure_room(self, room: int, **options: Any) -> None:
        """create_room, treating "already exists" as done (idempotent for retries)."""
        try:
            self.create_room(room, **options)
        except MediaServerRefused as exc:
            if exc.janus_code != ROOM_EXISTS:
                raise

    def destroy_room(self, room: int) -> None:
        """Destroy a room; everyone in it is disconnected. A missing room is not an error."""
        try:
            self._videoroom("destroy", room=room, secret=self.room_secret(room), permanent=False)
        except MediaServerRefused as exc:
            if exc.janus_code != NO_SUCH_ROOM:
                raise

    def room_exists(self, room: int) -> bool:
        return bool(self._videoroom("exists", room=room).get("exists"))

    def list_participants(self, room: int) -> list[dict]:
        """[{"id", "display", "publisher", "talking"?}, ...] as Janus reports them."""
        return list(self._videoroom("listparticipants", room=room).get("participants") or [])

    def kick(self, room: int, participant_id: int) -> None:
        """Remove a feed (and, rooms requiring private ids, its subscriptions) from the room.
        Someone already gone is not an error."""
        try:
            self._videoroom("kick", room=room, id=participant_id, secret=self.room_secret(room))
        except MediaServerRefused as exc:
            if exc.janus_code != NO_SUCH_FEED:
                raise

    def moderate(self, room: int, participant_id: int, mid: str, *, mute: bool) -> None:
        """Mute (or release) one stream of a publisher server-side: Janus drops its packets
        until released, whatever the participant's page does."""
        self._videoroom(
            "moderate",
            room=room,
            id=participant_id,
            mid=str(mid),
            mute=bool(mute),
            secret=self.room_secret(room),
        )

    def publishers(self, room: int) -> list[dict]:
        """The room's active publishers with their streams ({"id", "display", "streams":
        [{"type", "mid", "moderated"?}, ...]}), as the VideoRoom tells anyone who joins.

        The admin API has no request that lists streams, so Django joins for a moment with a
        token of its own, reads the `joined` answer and leaves; it never publishes, and rooms
        do not announce joins (notify_joining is off), so nobody sees it."""
        token = mint_token(60)
        self.admit(room, token)
        try:
            return self._peek(room, token)
        finally:
            with suppress(MediaServerUnavailable, MediaServerRefused):
                self.disallow(room, [token])
                self.remove_token(token)

    def _peek(self, room: int, token: str) -> list[dict]:
        api = self.host.api_url

        def post(path: str, body: dict) -> dict:
            body = {"transaction": secrets.token_hex(8), "token": token, **body}
            try:
                reply = self._client.post(f"{api}{path}", json=body, timeout=self._timeout).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise MediaServerUnavailable() from exc
            if reply.get("janus") == "error":
                error = reply.get("error") or {}
                raise MediaServerRefused(
                    f"Janus refused {body['janus']}: {error.get('reason', 'unknown error')}",
                    janus_code=int(error.get("code") or 0),
                )
            return reply

        session = post("", {"janus": "create"})["data"]["id"]
        try:
            handle = post(f"/{session}", {"janus": "attach", "plugin": VIDEOROOM})["data"]["id"]
            join = {
                "request": "join",
                "ptype": "publisher",
                "room": room,
                "pin": self.room_pin(room),
                # Above the participants' feed ids (mint below 2**52), below 2**53 for browsers.
                "id": 2**52 + secrets.randbelow(2**51),
                "display": "",
                "token": token,
            }
            post(f"/{session}/{handle}", {"janus": "message", "body": join})
            deadline = time.monotonic() + self._timeout.read
            while time.monotonic() < deadline:
                params = {"maxev": 5, "rid": secrets.randbelow(10**9), "token": token}
                try:
                    events = self._client.get(
                        f"{api}/{session}", params=params, timeout=self._timeout
                    ).json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise MediaServerUnavailable() from exc
                for event in events if isinstance(events, list) else [events]:
                    if event.get("janus") != "event" or event.get("sender") != handle:
                        continue
                    data = (event.get("plugindata") or {}).get("data") or {}
                    if "error_code" in data:
                        raise MediaServerRefused(
                            f"VideoRoom refused join: {data.get('error', 'unknown error')}",
                            janus_code=int(data["error_code"]),
                        )
                    if data.get("videoroom") == "joined":
                        return list(data.get("publishers") or [])
            raise MediaServerUnavailable()
        finally:
            with suppress(MediaServerUnavailable, MediaServerRefused):
                post(f"/{session}", {"janus": "destroy"})

    def moderate_audio(
        self,
        room: int,
        *,
        mute: bool,
        keep: Iterable[int] = (),
        only: Iterable[int] | None = None,
    ) -> list[int]:
        """Mute (or release) the audio of every active publisher in `room` but those in `keep`
        (or only those in `only`); returns the feeds whose audio was moderated."""
        keep = set(keep)
        only = set(only) if only is not None else None
        changed: list[int] = []
        for publisher in self.publishers(room):
            feed = publisher.get("id")
            if feed in keep or (only is not None and feed not in only):
                continue
            for stream in publisher.get("streams") or []:
                if stream.get("type") != "audio" or stream.get("disabled"):
                    continue
                try:
                    self.moderate(room, feed, stream["mid"], mute=mute)
                except MediaServerRefused as exc:
                    if exc.janus_code != NO_SUCH_FEED:  # left between the list and now
                        raise
                    continue
                if feed not in changed:
                    changed.append(feed)
        return changed

    # --- tokens -------------------------------------------------------------------------------
    def add_token(self, token: str) -> None:
        """Let `token` talk to Janus, and to the VideoRoom plugin only."""
        self._admin("add_token", token=token, plugins=[VIDEOROOM])

    def remove_token(self, token: str) -> None:
        self._admin("remove_token", token=token)

    def list_tokens(self) -> list[str]:
        reply = self._admin("list_tokens")
        return [t["token"] for t in (reply.get("data") or {}).get("tokens") or []]

    def allow(self, room: int, tokens: Iterable[str]) -> None:
        """Add tokens to the room's admission list."""
        self._allowed(room, "add", tokens)

    def disallow(self, room: int, tokens: Iterable[str]) -> None:
        self._allowed(room, "remove", tokens)

    def _allowed(self, room: int, action: str, tokens: Iterable[str]) -> None:
        tokens = list(tokens)
        if tokens:
            self._videoroom(
                "allowed", room=room, action=action, allowed=tokens, secret=self.room_secret(room)
            )

    # --- what the workshops app calls ----------------------------------------------------------
    def admit(self, room: int, token: str) -> None:
        """Let the holder of `token` join `room` (idempotent)."""
        self.add_token(token)
        self.allow(room, [token])

    def evict(self, room: int, token: str, participant_id: int | None) -> None:
        """Take `room` away from the holder of `token` server-side: no re-join, feed kicked."""
        self.disallow(room, [token])
        if participant_id is not None:
            self.kick(room, participant_id)

    def prune_tokens(self, *, now: float | None = None) -> int:
        """Remove expired participant tokens (minted by mint_token); returns how many."""
        now = now if now is not None else time.time()
        removed = 0
        for token in self.list_tokens():
            expiry = token_expiry(token)
            if expiry is not None and expiry <= now:
                self.remove_token(token)
                removed += 1
        return removed


def configured_hosts() -> list[JanusHost]:
    """MENTORLOOM_JANUS_URL / _ADMIN_URL / _PUBLIC_URL zipped in order (several hosts when
    scaled out); the lists must be equally long."""
    from django.conf import settings

    apis = list(settings.MENTORLOOM_JANUS_URL)
    admins = list(settings.MENTORLOOM_JANUS_ADMIN_URL)
    publics = list(settings.MENTORLOOM_JANUS_PUBLIC_URL)
    if not len(apis) == len(admins) == len(publics):
        raise MediaServerUnavailable(
            "MENTORLOOM_JANUS_URL, MENTORLOOM_JANUS_ADMIN_URL and MENTORLOOM_JANUS_PUBLIC_URL "
            "list different numbers of hosts."
        )
    return [JanusHost(*urls) for urls in zip(apis, admins, publics, strict=True)]


def controller_for_room(room: int) -> JanusController:
    """The controller of the host `room` lives on, with settings' secret and timeout."""
    from django.conf import settings

    return JanusController(
        host_for_room(room, configured_hosts()),
        admin_secret=settings.MENTORLOOM_JANUS_ADMIN_SECRET,
        timeout=settings.MENTORLOOM_JANUS_TIMEOUT,
    )


def participant_token(*, now: float | None = None) -> str:
    """A new participant token living settings.MENTORLOOM_JANUS_TOKEN_TTL seconds; grant it
    with `controller_for_room(room).admit(room, token)`."""
    from django.conf import settings

    return mint_token(settings.MENTORLOOM_JANUS_TOKEN_TTL, now=now)


def prune_expired_tokens(*, now: float | None = None) -> int:
    """Remove expired participant tokens from every configured Janus host; a host that does not
    answer is skipped (it is retried next time). Returns how many were removed."""
    from django.conf import settings

    removed = 0
    for host in configured_hosts():
        controller = JanusController(
            host,
            admin_secret=settings.MENTORLOOM_JANUS_ADMIN_SECRET,
            timeout=settings.MENTORLOOM_JANUS_TIMEOUT,
        )
        try:
            removed += controller.prune_tokens(now=now)
        except MediaServerUnavailable:
            logger.info("janus host %s did not answer; tokens not pruned", host.admin_url)
    return removed


def browser_config(room: int, token: str, feed_id: int, *, user_id: int) -> dict[str, Any]:
    """What the room page hands janus_room.js's joinRoom(): the room's host as browsers reach
    it, the token (already admitted), the pin, the feed id and ICE servers with short-lived
    TURN credentials (calls.ice). Contains nothing that opens another room."""
    from mentorloom.calls.ice import ice_servers_for

    host = host_for_room(room, configured_hosts())
    controller = controller_for_room(room)
    return {
        "server": host.public_url,
        "token": token,
        "room": room,
        "pin": controller.room_pin(room),
        "feedId": feed_id,
        "iceServers": ice_servers_for(user_id),
    }
