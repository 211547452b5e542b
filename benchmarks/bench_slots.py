"""Slots for 14 days (mentor with 500 sessions and 200 busy events) against a naive
minute-by-minute expansion of the same rules, measured in the same run."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mentorloom.scheduling.slots import Limits, WeeklyRule, free_slots, to_instant

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2025, 2, 24, 12, tzinfo=UTC)  # 14 days spanning the March DST change
START, END = NOW + timedelta(days=1), NOW + timedelta(days=15)
DURATION = timedelta(minutes=30)
RULES = [
    WeeklyRule(d, datetime.min.time().replace(hour=h), datetime.min.time().replace(hour=e))
    for d in range(1, 8)
    for h, e in ((7, 12), (13, 20))
]
LIMITS = Limits(
    min_notice=timedelta(hours=12),
    horizon=timedelta(days=60),
    buffer_before=timedelta(minutes=5),
    buffer_after=timedelta(minutes=5),
)


def _data() -> tuple[list, list]:
    rng = random.Random(6)
    # 500 sessions over ±60 days (most outside the window, as in a busy mentor's history).
    sessions = []
    for _ in range(500):
        start = NOW + timedelta(minutes=30 * rng.randint(-2 * 60 * 48, 60 * 48))
        sessions.append((start, start + DURATION))
    busy = []
    for _ in range(200):
        start = START + timedelta(minutes=15 * rng.randint(0, 14 * 96))
        busy.append((start, start + timedelta(minutes=rng.choice([15, 30, 60, 120]))))
    return sessions, busy


def naive(sessions: list, busy: list) -> list[datetime]:
    """Every minute of the range: is it a grid start inside a window and is the slot free?"""
    blocked = [(s - LIMITS.buffer_before, e + LIMITS.buffer_after) for s, e in sessions]
    blocked += busy
    out = []
    minute = START.replace(second=0, microsecond=0)
    while minute < END:
        wall = minute.astimezone(ZONE).replace(tzinfo=None)
        for rule in RULES:
            if rule.weekday != wall.isoweekday():
                continue
            w0 = wall.replace(hour=rule.start.hour, minute=0)
            w1 = wall.replace(hour=rule.end.hour, minute=0)
            if (
                w0 <= wall
                and wall + DURATION <= w1
                and (wall - w0) % DURATION == timedelta(0)
                and to_instant(wall, ZONE) == minute
                and minute >= NOW + LIMITS.min_notice
            ):
                a = minute - LIMITS.buffer_before
                b = minute + DURATION + LIMITS.buffer_after
                if not any(s < b and a < e for s, e in blocked):
                    out.append(minute)
        minute += timedelta(minutes=1)
    return out


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def run() -> list[dict]:
    sessions, busy = _data()

    def ours() -> list[datetime]:
        return free_slots(
            zone=ZONE,
            rules=RULES,
            sessions=sessions,
            busy=busy,
            limits=LIMITS,
            duration=DURATION,
            range_start=START,
            range_end=END,
            now=NOW,
        )

    fast, slow = [], []
    for _ in range(100):
        t = time.perf_counter()
        result = ours()
        fast.append((time.perf_counter() - t) * 1000)
    for _ in range(3):
        t = time.perf_counter()
        baseline = naive(sessions, busy)
        slow.append((time.perf_counter() - t) * 1000)
    assert result == baseline, "the fast path and the naive expansion disagree"
    return [
        {
            "case": f"14 days, 500 sessions, 200 busy ({len(result)} slots)",
            "ours p50 ms": f"{statistics.median(fast):.2f}",
            "ours p95 ms": f"{_p95(fast):.2f}",
            "target p95": "< 20 ms",
            "naive p50 ms": f"{statistics.median(slow):.1f}",
            "speed-up": f"{statistics.median(slow) / statistics.median(fast):.0f}x",
        }
    ]
