"""The ping socket (proves the ASGI stack serves sockets) and the live socket every page opens
(/ws/live/: incoming calls, the unread badge)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from functools import partial

from .consumer_db import JsonConsumer, consumer_db
from .live import Refresher, refresher_for, user_group

logger = logging.getLogger(__name__)


@dataclass
class _Read:
    """One refresher run, shared by the sockets of one person told to refresh while it had
    not begun: what it reads is then at least as new as what they were told about."""

    began_at: float | None = None  # set on the database thread
    task: asyncio.Task | None = None  # the run; its result is the event to send


# Runs not yet finished, by (event loop, kind, user id).
_reads: dict[tuple[asyncio.AbstractEventLoop, str, int], _Read] = {}


@consumer_db
def _run_refresher(read: _Read, refresher: Refresher, user_id: int) -> dict:
    read.began_at = time.monotonic()
    return refresher(user_id)


async def _refresh(kind: str, refresher: Refresher, user_id: int) -> dict:
    """The event `refresher` gives for `user_id`, read after this call began. Every tab of a
    person, and every event of a burst, would otherwise read the same count once each on the
    database thread that every socket of the process shares."""
    told_at = time.monotonic()
    key = (asyncio.get_running_loop(), kind, user_id)
    read = _reads.get(key)
    if read is None or (read.began_at is not None and read.began_at < told_at):
        read = _reads[key] = _Read()
        read.task = asyncio.ensure_future(_run_refresher(read, refresher, user_id))
        read.task.add_done_callback(partial(_finished, key, read))
    # Shielded: a socket that closes meanwhile does not cancel the others' read.
    return await asyncio.shield(read.task)


def _finished(key: tuple, read: _Read, task: asyncio.Task) -> None:  # type: ignore[type-arg]
    if _reads.get(key) is read:
        del _reads[key]
    if not task.cancelled() and task.exception() is not None:
        # Logged once here, not once per waiting socket.
        logger.error("live refresh %s failed", key[1], exc_info=task.exception())


BAD_FRAME = {"type": "error", "code": "bad_frame", "message": "Expected ping."}


class PingConsumer(JsonConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        # Accept first, then close: a close before accept becomes a bare HTTP 403 that browsers
        # report as 1006, so the client could not tell "sign in again" from a network failure.
        await self.accept()
        if user is None or not user.is_authenticated:
            # 4401 mirrors HTTP 401 in the application-defined close-code range.
            await self.close(code=4401)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: object
    ) -> None:
        # The base class raises on binary frames and invalid JSON, which kills the connection.
        if text_data is None:
            await self.send_json(BAD_FRAME)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json(BAD_FRAME)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: dict, **kwargs: object) -> None:
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json(BAD_FRAME)
            return
        await self.send_json({"type": "pong", "user_id": self.scope["user"].pk})


class LiveConsumer(JsonConsumer):
    """Per-person event stream for every open page (incoming calls, notification counts)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The stream is server-to-client; anything sent is answered, never acted on.
        await self.send_json(
            {"type": "error", "code": "read_only", "message": "Nothing to send here."}
        )

    async def live_event(self, message: dict) -> None:
        await self.send_json(message["event"])

    async def live_refresh(self, message: dict) -> None:
        refresher = refresher_for(message["kind"])
        if refresher is None:  # published by a newer or older release: nothing to say
            return
        try:
            event = await _refresh(message["kind"], refresher, self.scope["user"].pk)
        except Exception:  # logged by _finished; the page keeps its socket and its last count
            return
        await self.send_json(event)
