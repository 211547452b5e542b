"""The pure slot engine: DST gaps and folds, odd offsets, the date line, and properties over
random zones, rules and dates."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorloom.scheduling.slots import (
    AVAILABLE,
    BLOCKED,
    DateOverride,
    Limits,
    WeeklyRule,
    free_slots,
    to_instant,
    wall_windows_for,
)

NO_LIMITS = Limits(min_notice=timedelta(0), horizon=timedelta(days=100000))
LONG_AGO = datetime(1900, 1, 1, tzinfo=UTC)


def every_day(start: time, end: time) -> list[WeeklyRule]:
    return [WeeklyRule(d, start, end) for d in range(1, 8)]


def slots_on(
    zone_name: str,
    day: date,
    start: time,
    end: time,
    minutes: int,
    **kwargs,
) -> list[str]:
    """Slots on one local date, as local wall 'HH:MM±offset' strings."""
    zone = ZoneInfo(zone_name)
    range_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    range_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    result = free_slots(
        zone=zone,
        rules=kwargs.pop("rules", every_day(start, end)),
        duration=timedelta(minutes=minutes),
        range_start=range_start,
        range_end=range_end,
        now=kwargs.pop("now", LONG_AGO),
        limits=kwargs.pop("limits", NO_LIMITS),
        **kwargs,
    )
    return [s.astimezone(zone).strftime("%H:%M%z") for s in result]


# --- Spring forward: the gap is never offered and nothing straddles it ------------------------


def test_new_york_spring_forward_skips_the_missing_hour():
    # 2025-03-09: 02:00 EST jumps to 03:00 EDT.
    assert slots_on("America/New_York", date(2025, 3, 9), time(0), time(5), 60) == [
        "00:00-0500",
        "01:00-0500",
        "03:00-0400",
        "04:00-0400",
    ]


def test_slot_straddling_the_gap_is_dropped():
    # 01:30–02:15 would contain the missing 02:00–03:00; 02:15 does not exist.
    assert slots_on("America/New_York", date(2025, 3, 9), time(0), time(4), 45) == [
        "00:00-0500",
        "00:45-0500",
        "03:00-0400",
    ]


def test_slot_ending_exactly_when_the_clock_jumps_is_kept():
    assert slots_on("America/New_York", date(2025, 3, 9), time(1), time(2), 60) == ["01:00-0500"]


def test_london_spring_forward_at_one_am():
    assert slots_on("Europe/London", date(2025, 3, 30), time(0), time(3), 30) == [
        "00:00+0000",
        "00:30+0000",
        "02:00+0100",
        "02:30+0100",
    ]


def test_sydney_spring_forward_in_october():
    # Southern hemisphere: 2025-10-05 02:00 AEST jumps to 03:00 AEDT.
    assert slots_on("Australia/Sydney", date(2025, 10, 5), time(1), time(4), 60) == [
        "01:00+1000",
        "03:00+1100",
    ]


def test_st_johns_half_hour_zone_spring_forward():
    assert slots_on("America/St_Johns", date(2025, 3, 9), time(1), time(4), 30) == [
        "01:00-0330",
        "01:30-0330",
        "03:00-0230",
        "03:30-0230",
    ]


def test_lord_howe_half_hour_dst_shift():
    # Lord Howe moves its clocks by 30 minutes: 02:00 -> 02:30 on 2025-10-05.
    assert slots_on("Australia/Lord_Howe", date(2025, 10, 5), time(1), time(3, 30), 30) == [
        "01:00+1030",
        "01:30+1030",
        "02:30+1100",
        "03:00+1100",
    ]


# --- Fall back: an ambiguous wall time means its first occurrence --------------------------


def test_new_york_fall_back_offers_the_repeated_hour_once():
    result = slots_on("America/New_York", date(2025, 11, 2), time(0), time(3), 60)
    assert result == ["00:00-0400", "01:00-0400", "02:00-0500"]


def test_fall_back_first_occurrence_in_utc():
    zone = ZoneInfo("Europe/London")
    assert to_instant(datetime(2025, 10, 26, 1, 30), zone) == datetime(
        2025, 10, 26, 0, 30, tzinfo=UTC
    )
    assert to_instant(datetime(2025, 3, 30, 1, 30), zone) is None


def test_sydney_fall_back_in_april():
    # 2025-04-06 03:00 AEDT falls back to 02:00 AEST.
    result = slots_on("Australia/Sydney", date(2025, 4, 6), time(1), time(4), 60)
    assert result == ["01:00+1100", "02:00+1100", "03:00+1000"]


# --- Odd offsets and the date line ---------------------------------------------------------


def test_kathmandu_quarter_hour_offset():
    zone = ZoneInfo("Asia/Kathmandu")
    slots = free_slots(
        zone=zone,
        rules=[WeeklyRule(1, time(9), time(10))],
        duration=timedelta(minutes=30),
        range_start=datetime(2025, 6, 2, tzinfo=UTC),
        range_end=datetime(2025, 6, 3, tzinfo=UTC),
        now=LONG_AGO,
        limits=NO_LIMITS,
    )
    assert slots == [
        datetime(2025, 6, 2, 3, 15, tzinfo=UTC),
        datetime(2025, 6, 2, 3, 45, tzinfo=UTC),
    ]


def test_kiritimati_monday_morning_is_sunday_in_utc():
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14
    slots = free_slots(
        zone=zone,
        rules=[WeeklyRule(1, time(9), time(10))],
        duration=timedelta(minutes=60),
        range_start=datetime(2025, 6, 1, tzinfo=UTC),
        range_end=datetime(2025, 6, 3, tzinfo=UTC),
        now=LONG_AGO,
        limits=NO_LIMITS,
    )
    assert slots == [datetime(2025, 6, 1, 19, 0, tzinfo=UTC)]  # Sunday 19:00 UTC


def test_apia_skipped_day_has_no_slots():
    # Samoa crossed the date line: 2011-12-30 never happened in Apia.
    assert slots_on("Pacific/Apia", date(2011, 12, 30), time(9), time(17), 60) == []
    assert len(slots_on("Pacific/Apia", date(2011, 12, 31), time(9), time(17), 60)) == 8


def test_window_until_midnight_and_a_range_crossing_it():
    zone = ZoneInfo("Asia/Tokyo")
    slots = free_slots(
        zone=zone,
        rules=[WeeklyRule(2, time(23), time(0))],
        duration=timedelta(minutes=30),
        range_start=datetime(2025, 6, 3, 14, tzinfo=UTC),
        range_end=datetime(2025, 6, 3, 16, tzinfo=UTC),
        now=LONG_AGO,
        limits=NO_LIMITS,
    )
    assert [s.astimezone(zone).strftime("%a %H:%M") for s in slots] == ["Tue 23:00", "Tue 23:30"]


# --- Overrides, sessions, buffers, notice, horizon and limits -------------------------------


def test_override_replaces_the_weekly_hours_and_blocked_day_removes_them():
    rules = every_day(time(9), time(12))
    extra = DateOverride(date(2025, 6, 2), AVAILABLE, time(14), time(15))
    off = DateOverride(date(2025, 6, 3), BLOCKED)
    part = DateOverride(date(2025, 6, 4), BLOCKED, time(10), time(11))
    assert wall_windows_for(date(2025, 6, 2), rules, [extra]) == [
        (datetime(2025, 6, 2, 14), datetime(2025, 6, 2, 15))
    ]
    assert wall_windows_for(date(2025, 6, 3), rules, [off]) == []
    assert wall_windows_for(date(2025, 6, 4), rules, [part]) == [
        (datetime(2025, 6, 4, 9), datetime(2025, 6, 4, 10)),
        (datetime(2025, 6, 4, 11), datetime(2025, 6, 4, 12)),
    ]


def test_sessions_block_with_buffers_on_both_sides():
    zone = ZoneInfo("UTC")
    session = (datetime(2025, 6, 2, 10, tzinfo=UTC), datetime(2025, 6, 2, 11, tzinfo=UTC))
    limits = Limits(
        min_notice=timedelta(0),
        horizon=timedelta(days=100000),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )
    result = slots_on(
        "UTC", date(2025, 6, 2), time(9), time(13), 30, sessions=[session], limits=limits
    )
    # 09:00 ends 09:30 +15 after ≤ 10:00 −15 before; 11:30 starts after 11:00 + 15 + 15.
    assert result == ["09:00+0000", "11:30+0000", "12:00+0000", "12:30+0000"]
    assert zone  # the zone is UTC; offsets shown above


def test_busy_times_block_overlapping_slots():
    busy = [(datetime(2025, 6, 2, 9, 45, tzinfo=UTC), datetime(2025, 6, 2, 10, 5, tzinfo=UTC))]
    result = slots_on("UTC", date(2025, 6, 2), time(9), time(11), 30, busy=busy)
    assert result == ["09:00+0000", "10:30+0000"]


def test_minimum_notice_and_horizon():
    now = datetime(2025, 6, 2, 8, tzinfo=UTC)
    limits = Limits(min_notice=timedelta(hours=2), horizon=timedelta(hours=4))
    result = slots_on("UTC", date(2025, 6, 2), time(8), time(14), 60, now=now, limits=limits)
    assert result == ["10:00+0000", "11:00+0000", "12:00+0000"]


def test_daily_and_weekly_limits_count_local_dates():
    zone = ZoneInfo("Pacific/Auckland")
    # 2025-06-02 21:00 UTC is Tuesday 09:00 in Auckland (NZST, +12).
    session = (datetime(2025, 6, 2, 21, tzinfo=UTC), datetime(2025, 6, 2, 22, tzinfo=UTC))
    common = dict(
        zone=zone,
        rules=every_day(time(9), time(17)),
        sessions=[session],
        duration=timedelta(hours=1),
        range_start=datetime(2025, 6, 2, tzinfo=UTC),
        range_end=datetime(2025, 6, 5, tzinfo=UTC),
        now=LONG_AGO,
    )
    per_day = free_slots(
        limits=Limits(min_notice=timedelta(0), horizon=timedelta(days=100000), max_per_day=1),
        **common,
    )
    assert per_day and all(s.astimezone(zone).date() != date(2025, 6, 3) for s in per_day)
    per_week = free_slots(
        limits=Limits(min_notice=timedelta(0), horizon=timedelta(days=100000), max_per_week=1),
        **common,
    )
    # Mon 2 – Sun 8 June is full; nothing is offered in that ISO week.
    assert all(s.astimezone(zone).isocalendar()[1] != 23 for s in per_week)
    assert per_week == []


# --- Properties over random zones, rules and dates ------------------------------------------

ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
PINNED = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "Pacific/Chatham",
    "America/Santiago",
]


@st.composite
def rule_sets(draw) -> list[WeeklyRule]:
    rules = []
    for _ in range(draw(st.integers(1, 6))):
        start_q = draw(st.integers(0, 95))  # quarter hours
        length_q = draw(st.integers(1, 96 - start_q))
        start = time(start_q // 4, (start_q % 4) * 15)
        end_q = start_q + length_q
        end = time(0) if end_q == 96 else time(end_q // 4, (end_q % 4) * 15)
        rules.append(WeeklyRule(draw(st.integers(1, 7)), start, end))
    return rules


@st.composite
def intervals(draw, around: datetime) -> list[tuple[datetime, datetime]]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        start = around + timedelta(minutes=draw(st.integers(-2 * 1440, 6 * 1440)))
        out.append((start, start + timedelta(minutes=draw(st.integers(5, 300)))))
    return out


@lru_cache(maxsize=2048)
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """UTC instants (to the hour) at which the zone's offset changes during the year, found by
    scanning hour by hour: independent of the slot engine's own conversions."""
    zone = ZoneInfo(zone_name)
    hour = datetime(year, 1, 1, tzinfo=UTC)
    offset = hour.astimezone(zone).utcoffset()
    found = []
    for _ in range(366 * 24):
        hour += timedelta(hours=1)
        now_offset = hour.astimezone(zone).utcoffset()
        if now_offset != offset:
            found.append(hour)
            offset = now_offset
    return tuple(found)


def first_instant_showing(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """Oracle: the earliest UTC instant within ±26 h whose local wall time is `wall`, by a
    quarter-hour scan (every offset in use since 1990 is a multiple of 15 minutes); None when
    the wall time does not exist (a spring-forward gap)."""
    guess = wall.replace(tzinfo=UTC)
    for minutes in range(-26 * 60, 26 * 60 + 1, 15):
        instant = guess + timedelta(minutes=minutes)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant
    return None


@st.composite
def scenarios(draw):
    zone_name = draw(st.sampled_from(PINNED) | st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    year = draw(st.integers(1990, 2037))
    # Mostly start within a few days of one of the zone's transitions that year: that is where
    # the engine can go wrong. Otherwise (or in a zone without transitions) anywhere that year.
    near = transitions(zone_name, year)
    if near and draw(st.integers(0, 9)) < 8:
        start = draw(st.sampled_from(near)) + timedelta(hours=draw(st.integers(-72, 24)))
    else:
        start = datetime(year, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 365 * 24)))
    return {
        "zone": zone,
        "rules": draw(rule_sets()),
        "duration": timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90]))),
        "range_start": start,
        "range_end": start + timedelta(days=draw(st.integers(1, 5))),
        "sessions": draw(intervals(start)),
        "busy": draw(intervals(start)),
        "buffer": timedelta(minutes=draw(st.sampled_from([0, 5, 15]))),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_slot_properties(scenario):
    zone, duration = scenario["zone"], scenario["duration"]
    buffer = scenario["buffer"]
    slots = free_slots(
        zone=zone,
        rules=scenario["rules"],
        sessions=scenario["sessions"],
        busy=scenario["busy"],
        limits=Limits(
            min_notice=timedelta(0),
            horizon=timedelta(days=100000),
            buffer_before=buffer,
            buffer_after=buffer,
        ),
        duration=duration,
        range_start=scenario["range_start"],
        range_end=scenario["range_end"],
        now=LONG_AGO,
    )
    assert slots == sorted(set(slots)), "sorted, no duplicates"
    for slot in slots:
        assert slot.tzinfo is UTC
        assert scenario["range_start"] <= slot < scenario["range_end"]
        wall = slot.astimezone(zone).replace(tzinfo=None)
        # Not in a gap, and the first occurrence of an ambiguous wall time (by the oracle, not
        # by the engine's own to_instant).
        assert first_instant_showing(wall, zone) == slot
        # Never straddles a forward jump: up to just before its end, the wall clock moves no more
        # than real time (a slot may end exactly when the clock jumps).
        last = duration - timedelta(minutes=1)
        assert (slot + last).astimezone(zone).replace(tzinfo=None) <= wall + last
        # Inside a rule window on its local date, on the back-to-back grid from its start.
        inside = [
            (w0, w1)
            for day in (wall.date(), wall.date() - timedelta(days=1))
            for w0, w1 in wall_windows_for(day, scenario["rules"], [])
            if w0 <= wall and wall + duration <= w1 and (wall - w0) % duration == timedelta(0)
        ]
        assert inside, f"{wall} is outside every rule window"
        for s, e in scenario["sessions"]:
            assert slot + duration + buffer <= s - buffer or slot - buffer >= e + buffer
        for s, e in scenario["busy"]:
            assert slot + duration + buffer <= s or slot - buffer >= e


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_every_existing_grid_time_is_offered_when_nothing_is_booked(scenario):
    """Completeness against a brute-force oracle: each wall time on the grid that exists and
    keeps its real length is offered (when there are no sessions, busy times or limits)."""
    zone, duration = scenario["zone"], scenario["duration"]
    slots = set(
        free_slots(
            zone=zone,
            rules=scenario["rules"],
            limits=NO_LIMITS,
            duration=duration,
            range_start=scenario["range_start"],
            range_end=scenario["range_end"],
            now=LONG_AGO,
        )
    )
    expected = set()
    first = scenario["range_start"].astimezone(zone).date() - timedelta(days=1)
    for offset in range(8):
        day = first + timedelta(days=offset)
        for w0, w1 in wall_windows_for(day, scenario["rules"], []):
            wall = w0
            while wall + duration <= w1:
                start = first_instant_showing(wall, zone)
                if start is not None:
                    ok = all(
                        (start + timedelta(minutes=m)).astimezone(zone).replace(tzinfo=None)
                        <= wall + timedelta(minutes=m)
                        # Points strictly before the end: a slot may end exactly at a jump.
                        for m in range(0, int(duration.total_seconds() // 60), 15)
                    )
                    if ok and scenario["range_start"] <= start < scenario["range_end"]:
                        expected.add(start)
                wall += duration
    assert slots == expected
