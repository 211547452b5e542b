"""Fixed-window rate limits on the shared cache (Redis when scaled out, local memory embedded)."""

from __future__ import annotations

import asyncio
import functools
import time
import weakref

import redis
import redis.asyncio
from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited


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


# One asyncio client per event loop (a client's connections belong to the loop that made them).
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
    weakref.WeakKeyDictionary()
)


def _async_redis() -> redis.asyncio.Redis | None:
    url = _redis_url()
    if url is None:
        return None
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = redis.asyncio.Redis.from_url(url)
        _async_clients[loop] = client
    return client


def _ttl(window_seconds: int) -> int:
    return window_seconds + 5


def _queue_hit(
    pipe: redis.client.Pipeline | redis.asyncio.client.Pipeline, cache_key: str, window_seconds: int
) -> None:
    """Queue one hit on a MULTI/EXEC pipeline (atomic, one round trip); its second reply is
    the window's count. The cache's own key (prefix and version), so clearing the cache
    clears the counts."""
    key = cache.make_and_validate_key(cache_key)
    pipe.set(key, 0, ex=_ttl(window_seconds), nx=True)
    pipe.incr(key)


def _count(cache_key: str, window_seconds: int) -> int:
    """Count one hit on `cache_key`; returns the hits in its window so far."""
    client = _redis()
    if client is not None:
        with client.pipeline(transaction=True) as pipe:
            _queue_hit(pipe, cache_key, window_seconds)
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
    """allow() for an event loop, sharing its counts: with Redis one round trip that does not
    block the loop (nor Channels' database thread, where allow() would run); local memory is
    counted in place, as it involves no I/O."""
    cache_key = _cache_key(scope, key, window_seconds)
    client = _async_redis()
    if client is None:
        return _count(cache_key, window_seconds) <= limit
    async with client.pipeline(transaction=True) as pipe:
        _queue_hit(pipe, cache_key, window_seconds)
        return int((await pipe.execute())[1]) <= limit


def enforce(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    if not allow(scope, key, limit=limit, window_seconds=window_seconds):
        raise RateLimited()
