"""Fixed-window rate limits on the shared cache (Redis when scaled out, local memory embedded).

Sockets count on their event loop (`aallow`). With Redis, a socket's hit is not a round trip of
its own: each process counts its sockets' hits itself and adds them to the shared counters in
batches, one round trip every FLUSH_EVERY_SECONDS for all of them (`_SocketCounts`). The
process decides a hit on its own while the counter it knows of is below half the limit; from
there on, each hit waits for Redis to count it (with the process's hits not yet added), so the
decision is Redis's count of everyone's hits, as for HTTP requests (`allow`). Hits from other
processes that Redis has not been told of yet, at most one batch interval's worth, are what
that can miss: someone who sends from sockets on several processes at once may get a few
messages past the limit, never more than half the limit per other process. A round trip per
hit cost the chat a wait and a Redis wake-up on every message (p99 0.9 ms in the benchmark).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from dataclasses import dataclass

import redis
import redis.asyncio
from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited
from .realtime.redis_batch import BatchConnection, PerLoop

logger = logging.getLogger(__name__)

# How long a socket hit may wait (in the process) before it is added to the Redis counter.
FLUSH_EVERY_SECONDS = 0.05


def _redis_url() -> str | None:
    """The Redis the cache uses, or None when the cache is local memory.

    Django's Redis cache counts a hit in three round trips (add, then exists and incr); the chat
    counts one per message, so here it is one round trip instead, on clients of our own.
    Settings give the cache one LOCATION and no OPTIONS (settings.py), which they copy.
    """
    config = settings.CACHES["default"]
    return config["LOCATION"] if config["BACKEND"].endswith("RedisCache") else None


@functools.cache
def _redis() -> redis.Redis | None:
    url = _redis_url()
    return None if url is None else redis.Redis.from_url(url)


@functools.cache
def _async_connections() -> PerLoop | None:
    url = _redis_url()
    return None if url is None else PerLoop(lambda: redis.asyncio.ConnectionPool.from_url(url))


def _ttl(window_seconds: int) -> int:
    return window_seconds + 5


def _hit_commands(cache_key: str, window_seconds: int, hits: int = 1) -> list[tuple]:
    """`hits` hits, to run inside a MULTI/EXEC transaction (atomic, one round trip): create the
    window's counter with its expiry if absent, then count; the second reply is the count.
    The cache's own key (prefix and version), so clearing the cache clears the counts."""
    key = cache.make_and_validate_key(cache_key)
    return [("SET", key, 0, "EX", _ttl(window_seconds), "NX"), ("INCRBY", key, hits)]


def _count(cache_key: str, window_seconds: int, hits: int = 1) -> int:
    """Count `hits` hits on `cache_key`; returns the hits in its window so far."""
    client = _redis()
    if client is not None:
        with client.pipeline(transaction=True) as pipe:
            for command in _hit_commands(cache_key, window_seconds, hits):
                pipe.execute_command(*command)
            return int(pipe.execute()[1])
    ttl = _ttl(window_seconds)
    # add() is atomic and only sets when absent; incr() is atomic on locmem.
    if cache.add(cache_key, hits, timeout=ttl):
        return hits
    try:
        return cache.incr(cache_key, hits)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, hits, timeout=ttl)
        return hits


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    return f"rl:{scope}:{key}:{int(time.time() // window_seconds)}"


def allow(scope: str, key: str, *, limit: int, window_seconds: int, hits: int = 1) -> bool:
    """Count `hits` hits (one by default) for (scope, key); True while the window's count is
    within `limit`."""
    return _count(_cache_key(scope, key, window_seconds), window_seconds, hits) <= limit


async def aallow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """allow() for an event loop, sharing its counts. Local memory is counted in place, as it
    involves no I/O. With Redis the process counts and adds its hits to Redis in batches
    (module docstring): below half the limit no wait at all, from there on one round trip (on
    a core.realtime.redis_batch connection) that blocks neither the loop nor Channels' database
    thread, where allow() would run. Raises RedisError when Redis cannot count a hit that
    needs its count."""
    cache_key = _cache_key(scope, key, window_seconds)
    connections = _async_connections()
    if connections is None:
        return _count(cache_key, window_seconds) <= limit
    connection = connections.get()
    return await _socket_counts(connection).allow(connection, cache_key, window_seconds, limit)


async def aflush() -> None:
    """Add the hits this event loop's sockets counted to Redis now (they are otherwise added
    within FLUSH_EVERY_SECONDS); no-op without Redis."""
    connections = _async_connections()
    if connections is not None:
        connection = connections.get()
        await _socket_counts(connection).flush(connection)


@dataclass
class _Window:
    """This process's view of one counter (one key, one window)."""

    window_seconds: int
    ends_at: float  # time.time() at which the window is over
    ours: int = 0  # hits this process counted
    sent: int = 0  # how many of them are on their way to Redis, or there
    others: int = 0  # hits counted by anyone else, as far as Redis has told


class _SocketCounts:
    """The hits counted by the sockets of one event loop, added to Redis on that loop's
    connection (passed in: this object is kept per connection, weakly)."""

    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}
        self._flushing: asyncio.Task | None = None
        self._pruned_at = 0.0

    async def allow(
        self, connection: BatchConnection, cache_key: str, window_seconds: int, limit: int
    ) -> bool:
        window = self._windows.get(cache_key)
        if window is None:
            self._prune()
            ends_at = (time.time() // window_seconds + 1) * window_seconds
            window = self._windows[cache_key] = _Window(window_seconds, ends_at)
        counted = window.ours + window.others
        window.ours += 1
        if counted < limit // 2:
            if self._flushing is None:
                self._flushing = asyncio.ensure_future(self._flush_soon(connection))
            return True
        try:
            totals = await self._send(connection, {cache_key: window})
        except BaseException:
            window.ours -= 1  # not allowed, so not counted
            raise
        return totals[cache_key] <= limit

    async def flush(self, connection: BatchConnection) -> None:
        unsent = {k: w for k, w in self._windows.items() if w.ours > w.sent}
        if unsent:
            await self._send(connection, unsent)

    def _prune(self) -> None:
        """Forget the windows that are over (at most once a second)."""
        now = time.time()
        if now - self._pruned_at >= 1.0:
            self._pruned_at = now
            for cache_key in [k for k, w in self._windows.items() if w.ends_at <= now]:
                del self._windows[cache_key]

    async def _flush_soon(self, connection: BatchConnection) -> None:
        try:
            await asyncio.sleep(FLUSH_EVERY_SECONDS)
            self._flushing = None
            await self.flush(connection)
        except Exception:
            # The hits stay counted here and go with the next batch; a hit that needs Redis's
            # count meanwhile gets the error.
            logger.warning("adding chat rate-limit counts to Redis failed", exc_info=True)

    async def _send(
        self, connection: BatchConnection, windows: dict[str, _Window]
    ) -> dict[str, int]:
        """Add each window's unsent hits to Redis in one transaction; returns the totals."""
        batch = [(k, w, w.ours - w.sent, w.ours) for k, w in windows.items()]
        commands: list[tuple] = [("MULTI",)]
        for cache_key, window, hits, _ in batch:
            window.sent += hits
            commands += _hit_commands(cache_key, window.window_seconds, hits)
        commands.append(("EXEC",))
        try:
            replies = (await connection.execute(commands))[-1]
            totals = replies[1::2]  # EXEC's replies: each SET's, then its count
            for total in totals:
                if isinstance(total, Exception):  # an error in a transaction is a value
                    raise total
        except BaseException:
            for _, window, hits, _ in batch:
                window.sent -= hits  # to be sent again
            raise
        counts: dict[str, int] = {}
        for (cache_key, window, _, sent_up_to), total in zip(batch, totals, strict=True):
            counts[cache_key] = int(total)
            # The counter includes our first `sent_up_to` hits (commands run in order).
            window.others = max(window.others, counts[cache_key] - sent_up_to)
        return counts


_counts: weakref.WeakKeyDictionary[BatchConnection, _SocketCounts] = weakref.WeakKeyDictionary()


def _socket_counts(connection: BatchConnection) -> _SocketCounts:
    counts = _counts.get(connection)
    if counts is None:
        counts = _counts[connection] = _SocketCounts()
    return counts


def enforce(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    if not allow(scope, key, limit=limit, window_seconds=window_seconds):
        raise RateLimited()
