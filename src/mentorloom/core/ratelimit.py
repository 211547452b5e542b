"""Fixed-window rate limits on the shared cache (Redis when scaled out, local memory embedded)."""

from __future__ import annotations

import functools
import time

import redis
import redis.asyncio
from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited
from .redis_batch import PerLoop


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


def _hit_commands(cache_key: str, window_seconds: int) -> list[tuple]:
    """One hit, to run as a MULTI/EXEC transaction (atomic, one round trip): create the
    window's counter with its expiry if absent, then count; the second reply is the count.
    The cache's own key (prefix and version), so clearing the cache clears the counts."""
    key = cache.make_and_validate_key(cache_key)
    return [("SET", key, 0, "EX", _ttl(window_seconds), "NX"), ("INCR", key)]


def _count(cache_key: str, window_seconds: int) -> int:
    """Count one hit on `cache_key`; returns the hits in its window so far."""
    client = _redis()
    if client is not None:
        with client.pipeline(transaction=True) as pipe:
            for command in _hit_commands(cache_key, window_seconds):
                pipe.execute_command(*command)
            return int(pipe.execute()[1])
    ttl = _ttl(window_seconds)
    # add() is atomic and only sets when absent; incr() is atomic on locmem.
    if cache.add(cache_key, 1, timeout=ttl):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=ttl)
        return 1


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    return f"rl:{scope}:{key}:{int(time.time() // window_seconds)}"


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for (scope, key); True while the window's count is within `limit`."""
    return _count(_cache_key(scope, key, window_seconds), window_seconds) <= limit


async def aallow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """allow() for an event loop, sharing its counts: with Redis one round trip (on a
    core.redis_batch connection) that does not block the loop (nor Channels' database thread,
    where allow() would run); local memory is counted in place, as it involves no I/O."""
    cache_key = _cache_key(scope, key, window_seconds)
    connections = _async_connections()
    if connections is None:
        return _count(cache_key, window_seconds) <= limit
    replies = await connections.get().execute(
        [("MULTI",), *_hit_commands(cache_key, window_seconds), ("EXEC",)]
    )
    count = replies[-1][1]  # EXEC's replies: the SET's, then the count
    if isinstance(count, Exception):  # an error inside the transaction comes back as a value
        raise count
    return int(count) <= limit


def enforce(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    if not allow(scope, key, limit=limit, window_seconds=window_seconds):
        raise RateLimited()
