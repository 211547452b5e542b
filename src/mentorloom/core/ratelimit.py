"""Fixed-window rate limits on the shared cache (Redis when scaled out, local memory embedded)."""

from __future__ import annotations

import functools
import time

import redis
from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited


@functools.cache
def _redis() -> redis.Redis | None:
    """A client of the Redis the cache uses, or None when the cache is local memory.

    Django's Redis cache counts a hit in three round trips (add, then exists and incr); the chat
    counts one per message on the database thread, so here it is one round trip instead.
    Settings give the cache one LOCATION and no OPTIONS (settings.py), which this client copies.
    """
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("RedisCache"):
        return None
    return redis.Redis.from_url(config["LOCATION"])


def _count(cache_key: str, window_seconds: int) -> int:
    """Count one hit on `cache_key`; returns the hits in its window so far."""
    client = _redis()
    ttl = window_seconds + 5
    if client is not None:
        # The cache's own key (prefix and version), so clearing the cache clears the counts.
        key = cache.make_and_validate_key(cache_key)
        with client.pipeline(transaction=True) as pipe:  # MULTI/EXEC: atomic, one round trip
            pipe.set(key, 0, ex=ttl, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
    # add() is atomic and only sets when absent; incr() is atomic on locmem.
    if cache.add(cache_key, 1, timeout=ttl):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=ttl)
        return 1


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for (scope, key); True while the window's count is within `limit`."""
    bucket = int(time.time() // window_seconds)
    return _count(f"rl:{scope}:{key}:{bucket}", window_seconds) <= limit


def enforce(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    if not allow(scope, key, limit=limit, window_seconds=window_seconds):
        raise RateLimited()
