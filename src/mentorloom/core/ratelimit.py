"""Fixed-window rate limits on the shared cache (Redis when scaled out, local memory embedded)."""

from __future__ import annotations

import time

from django.core.cache import cache

from .errors import RateLimited


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for (scope, key); True while the window's count is within `limit`."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    # add() is atomic and only sets when absent; incr() is atomic on Redis and locmem.
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 5)
        return True


def enforce(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    if not allow(scope, key, limit=limit, window_seconds=window_seconds):
        raise RateLimited()
