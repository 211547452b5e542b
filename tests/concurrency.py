"""Run one function in many threads at once against the real database (a race)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def race(fn: Callable[[int], Any], attempts: int) -> list:
    """Call fn(0) ... fn(attempts - 1), each in its own thread with its own connection, all
    released together by a barrier; returns each result, or the exception it raised."""
    barrier = threading.Barrier(attempts)
    results: list = [None] * attempts

    def attempt(index: int) -> None:
        try:
            # Connect first so that all threads really start their attempts together.
            try:
                connections["default"].ensure_connection()
            except Exception:
                # A thread that cannot connect (e.g. the pool's limit) releases the others with
                # BrokenBarrierError instead of leaving them waiting forever.
                barrier.abort()
                raise
            barrier.wait(timeout=60)
            results[index] = fn(index)
        except Exception as exc:  # a crash must fail the test, not vanish with the thread
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
