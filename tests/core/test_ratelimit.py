"""Fixed-window rate limits on the configured cache (local memory, or Redis with REDIS_URL)."""

from __future__ import annotations

import time

import time_machine
from django.core.cache import cache

from mentorloom.core import ratelimit


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
