"""Fixed-window rate limits on the configured cache (local memory, or Redis with REDIS_URL)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis
import time_machine
from django.core.cache import cache
from redis.asyncio import ConnectionPool

from mentorloom.core import ratelimit
from mentorloom.core.realtime.redis_batch import PerLoop


def test_hits_within_the_limit_pass_then_the_rest_of_the_window_is_refused():
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        assert [ratelimit.allow("t1", "u1", limit=3, window_seconds=10) for _ in range(5)] == [
            True, True, True, False, False,
        ]  # fmt: skip
        # Counted per key: someone else is not affected.
        assert ratelimit.allow("t1", "u2", limit=3, window_seconds=10)
    with time_machine.travel("2026-03-02 10:00:10+00:00", tick=False):
        assert ratelimit.allow("t1", "u1", limit=3, window_seconds=10)


def test_counts_live_in_the_cache_under_its_own_keys():
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        for _ in range(3):
            ratelimit.allow("t2", "u1", limit=5, window_seconds=10)
        bucket = int(time.time() // 10)
        assert cache.get(f"rl:t2:u1:{bucket}") == 3
        cache.clear()
        assert [ratelimit.allow("t2", "u1", limit=1, window_seconds=10) for _ in range(2)] == [
            True, False,
        ]  # fmt: skip


async def test_the_event_loop_variant_shares_the_counts():
    # A socket counts on its event loop (aallow), the HTTP API in a thread (allow): one limit.
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        first = [ratelimit.allow("t3", "u1", limit=3, window_seconds=10) for _ in range(2)]
        then = [await ratelimit.aallow("t3", "u1", limit=3, window_seconds=10) for _ in range(2)]
        assert first + then == [True, True, True, False]
        assert not ratelimit.allow("t3", "u1", limit=3, window_seconds=10)
        assert await ratelimit.aallow("t3", "u2", limit=3, window_seconds=10)


# With Redis, sockets count in the process and add their hits to Redis in batches. Against a
# real Redis (`redis_url`), with the sockets' and the HTTP side's clients pointed at it; every
# test counts under a scope of its own.
@pytest.fixture
def on_redis(redis_url, monkeypatch) -> redis.Redis:
    client = redis.Redis.from_url(redis_url)
    sockets = PerLoop(lambda: ConnectionPool.from_url(redis_url))
    monkeypatch.setattr(ratelimit, "_redis", lambda: client)
    monkeypatch.setattr(ratelimit, "_async_connections", lambda: sockets)
    return client


def _count_in_redis(client: redis.Redis, scope: str, key: str, window_seconds: int) -> int:
    cache_key = ratelimit._cache_key(scope, key, window_seconds)
    return int(client.get(cache.make_and_validate_key(cache_key)) or 0)


async def test_socket_hits_below_half_the_limit_are_added_to_redis_in_a_batch(on_redis):
    scope = f"t-{uuid.uuid4().hex}"
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):  # one window throughout
        key = cache.make_and_validate_key(ratelimit._cache_key(scope, "u1", 60))
        # Decided in the process: none of these waited for Redis, which has none of them yet.
        assert [await ratelimit.aallow(scope, "u1", limit=10, window_seconds=60) for _ in range(4)]
        assert await ratelimit.aallow(scope, "u2", limit=10, window_seconds=60)
        assert _count_in_redis(on_redis, scope, "u1", 60) == 0
        # Within FLUSH_EVERY_SECONDS they are, every key in one transaction.
        deadline = time.monotonic() + 5
        while _count_in_redis(on_redis, scope, "u1", 60) < 4 and time.monotonic() < deadline:
            await asyncio.sleep(ratelimit.FLUSH_EVERY_SECONDS)
        assert _count_in_redis(on_redis, scope, "u1", 60) == 4
        assert _count_in_redis(on_redis, scope, "u2", 60) == 1
    # With a time-to-live, like every counter.
    assert 60 < on_redis.ttl(key) <= 65


async def test_near_the_limit_a_socket_hit_waits_for_redis_and_hits_counted_elsewhere_count(
    on_redis,
):
    scope = f"t-{uuid.uuid4().hex}"
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        # Three HTTP requests (or another process's sockets) counted in Redis first.
        assert all(ratelimit.allow(scope, "u1", limit=10, window_seconds=60) for _ in range(3))
        answers = [
            await ratelimit.aallow(scope, "u1", limit=10, window_seconds=60) for _ in range(9)
        ]
        # Five decided in the process, then each one counted by Redis with everyone's hits:
        # seven more make ten, the eighth is refused (and counted, as refused hits are).
        assert answers == [True] * 7 + [False] * 2
        assert _count_in_redis(on_redis, scope, "u1", 60) == 12
        assert not ratelimit.allow(scope, "u1", limit=10, window_seconds=60)
    with time_machine.travel("2026-03-02 10:01:00+00:00", tick=False):  # the next window
        assert await ratelimit.aallow(scope, "u1", limit=10, window_seconds=60)


async def test_when_redis_does_not_answer_a_hit_that_needs_its_count_raises(monkeypatch):
    nowhere = PerLoop(lambda: ConnectionPool.from_url("redis://127.0.0.1:1/0"))
    monkeypatch.setattr(ratelimit, "_async_connections", lambda: nowhere)
    scope = f"t-{uuid.uuid4().hex}"
    # Below half the limit the process's own count decides (the batch that fails to reach
    # Redis is logged, and its hits stay counted here) ...
    assert [await ratelimit.aallow(scope, "u1", limit=6, window_seconds=60) for _ in range(3)]
    await asyncio.sleep(ratelimit.FLUSH_EVERY_SECONDS * 2)
    # ... from there on Redis's count is needed.
    with pytest.raises(redis.exceptions.ConnectionError):
        await ratelimit.aallow(scope, "u1", limit=6, window_seconds=60)
    with pytest.raises(redis.exceptions.ConnectionError):
        await ratelimit.aflush()
