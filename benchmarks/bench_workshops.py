"""Workshop control plane, in process: assigning 500 participants to 100 breakout rooms (with
one block per pair of neighbours, so the block rule has work to do) and pushing each move to
that person's socket, plus the revoke of their old room's signalling socket, the way
workshops' `_announce_moves` does (`core.realtime.live.publish_all`: one batch through the
app's in-memory channel layer); then "bring everyone back" to 200 sockets. The baseline is a
plain round-robin split (no balance or block checks) pushed the same way, in the same run.
Not measured here: the database writes (services) and the media plane
(benchmarks/bench_janus_media.py).

Session 13 (2026-12-06, shared machine): the bench used Channels' stock in-memory layer, whose
every group send sweeps all queues (p95 515 ms, baseline nearly as slow); the app sent each
move with its own on-commit trip into the event loop. Both now go as one batch."""

from __future__ import annotations

import asyncio
import statistics
import time

from mentorloom.core.realtime.layers import InMemoryChannelLayer, send_all
from mentorloom.core.realtime.live import live_message
from mentorloom.workshops.assignment import assign

ROUNDS = 20


def _round_robin(people: list[int], rooms: int) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(rooms)]
    for i, p in enumerate(people):
        out[i % rooms].append(p)
    return out


async def _push(plan: list[list[int]], layer: InMemoryChannelLayer, channels: dict) -> float:
    """Send each person their room (and the revoke of the main room's signalling socket) in one
    batch, and wait until every socket's queue has it; seconds."""
    started = time.perf_counter()
    messages = []
    for index, members in enumerate(plan):
        for uid in members:
            messages.append(live_message(uid, {"type": "workshop.room", "room": index}))
            messages.append(("workshop.room.0", {"type": "room.revoke", "user_id": uid}))
    await send_all(layer, messages)
    await asyncio.gather(*(layer.receive(name) for name in channels.values()))
    return time.perf_counter() - started


async def _setup(n: int) -> tuple[InMemoryChannelLayer, dict]:
    layer = InMemoryChannelLayer(capacity=10_000)
    channels = {}
    for uid in range(n):
        name = await layer.new_channel()
        await layer.group_add(f"user.{uid}", name)
        channels[uid] = name
    return layer, channels


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def run() -> list[dict]:
    people = list(range(500))
    blocked = {frozenset((i, i + 1)) for i in range(0, 499, 2)}
    rows = []
    for label, split in (
        ("assign 500 -> 100 rooms + push", lambda: assign(people, 100, blocked=blocked)),
        ("baseline: round-robin + push", lambda: _round_robin(people, 100)),
    ):
        times = []
        for _ in range(ROUNDS):

            async def once(split=split) -> float:
                layer, channels = await _setup(len(people))
                started = time.perf_counter()
                await _push(split(), layer, channels)
                return time.perf_counter() - started

            times.append(asyncio.run(once()))
        rows.append(
            {
                "case": label,
                "p50 ms": f"{statistics.median(times) * 1000:.1f}",
                "p95 ms": f"{_p(times, 0.95):.1f}",
            }
        )
    recall = []
    for _ in range(ROUNDS):

        async def back() -> float:
            layer, channels = await _setup(200)
            return await _push([list(range(200))], layer, channels)

        recall.append(asyncio.run(back()))
    rows.append(
        {
            "case": "bring everyone back: 200 sockets",
            "p50 ms": f"{statistics.median(recall) * 1000:.1f}",
            "p95 ms": f"{_p(recall, 0.99):.1f} (p99)",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
