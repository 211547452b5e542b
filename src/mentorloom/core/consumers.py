"""The ping socket (proves the ASGI stack serves sockets) and the live socket every page opens
(/ws/live/: incoming calls, the unread badge)."""

from __future__ import annotations

import asyncio
import logging
import threading
from functools import partial

from .realtime.consumer_db import JsonConsumer, consumer_db
from .realtime.live import Refresher, refresher_for, user_group

logger = logging.getLogger(__name__)


# How long the first socket told to refresh waits for others before the read runs. Each chat
# message makes the recipient's sockets refresh the unread badge; a read apiece would queue on
# the database thread that every socket of the process shares, ahead of the next messages, so
# the sockets told within this while are answered by one read (one statement) for them all.
# People do not notice a badge that moves 50 ms later.
REFRESH_GATHER_SECONDS = 0.05


class _Batch:
    """One refresher run for the people whose sockets were told to refresh while it had not
    begun: what it reads is then at least as new as what each of them was told about."""

    def __init__(self, user_id: int) -> None:
        self._lock = threading.Lock()  # joined on the event loop, begun on the database thread
        self._user_ids = {user_id}
        self._began = False
        self.task: asyncio.Task | None = None  # the run; its result is the events by user id

    def join(self, user_id: int) -> bool:
        """Add `user_id` unless the read has begun (then it is too old for them)."""
        with self._lock:
            if not self._began:
                self._user_ids.add(user_id)
            return not self._began

    def begin(self) -> list[int]:
        with self._lock:
            self._began = True
            return sorted(self._user_ids)


# Batches not yet finished, by (event loop, kind): the newest, which may still take people.
_batches: dict[tuple[asyncio.AbstractEventLoop, str], _Batch] = {}


@consumer_db
def _run_refresher(batch: _Batch, refresher: Refresher) -> dict[int, dict]:
    return refresher(batch.begin())


async def _gather_then_run(batch: _Batch, refresher: Refresher) -> dict[int, dict]:
    await asyncio.sleep(REFRESH_GATHER_SECONDS)
    return await _run_refresher(batch, refresher)


async def _refresh(kind: str, refresher: Refresher, user_id: int) -> dict | None:
    """The event `refresher` gives for `user_id` (None if it gave none), read after this call
    began, in one run with everyone else of the process told to refresh `kind` meanwhile."""
    key = (asyncio.get_running_loop(), kind)
    batch = _batches.get(key)
    if batch is None or not batch.join(user_id):
        batch = _batches[key] = _Batch(user_id)
        batch.task = asyncio.ensure_future(_gather_then_run(batch, refresher))
        batch.task.add_done_callback(partial(_finished, key, batch))
    # Shielded: a socket that closes meanwhile does not cancel the others' read.
    events = await asyncio.shield(batch.task)
    return events.get(user_id)


def _finished(key: tuple, batch: _Batch, task: asyncio.Task) -> None:  # type: ignore[type-arg]
    if _batches.get(key) is batch:
        del _batches[key]
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

    async def receive_json(self, content: object, **kwargs: object) -> None:
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
        if event is not None:
            await self.send_json(event)
