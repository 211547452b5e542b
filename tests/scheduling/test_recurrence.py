"""The pure recurrence expansion: dates, wall times across DST, gaps, rotation, limits."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.scheduling import recurrence
from mentorloom.scheduling.recurrence import LAST, SeriesRule
from tests.scheduling.zones import SAMPLE, TRANSITIONS, ZONES

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_weekly_series_keeps_the_organisers_wall_time_across_the_dst_change():
    # Berlin leaves summer time on Sun 26 Oct 2025: 09:00 is 07:00 UTC before, 08:00 after.
    rule = SeriesRule(recurrence.WEEKLY, date(2025, 10, 20), time(9), count=3)
    starts = [o.start for o in recurrence.occurrences(rule, BERLIN)]
    assert starts == [
        datetime(2025, 10, 20, 7, tzinfo=UTC),
        datetime(2025, 10, 27, 8, tzinfo=UTC),
        datetime(2025, 11, 3, 8, tzinfo=UTC),
    ]


def test_biweekly_series_steps_fourteen_days_until_the_end_date():
    rule = SeriesRule(recurrence.BIWEEKLY, date(2025, 6, 3), time(9), until=date(2025, 7, 15))
    assert recurrence.occurrence_dates(rule) == [
        date(2025, 6, 3),
        date(2025, 6, 17),
        date(2025, 7, 1),
        date(2025, 7, 15),
    ]


def test_monthly_series_uses_the_same_nth_weekday_each_month():
    # Tue 10 June 2025 is the second Tuesday.
    rule = SeriesRule(recurrence.MONTHLY, date(2025, 6, 10), time(18), count=4)
    assert recurrence.occurrence_dates(rule) == [
        date(2025, 6, 10),
        date(2025, 7, 8),
        date(2025, 8, 12),
        date(2025, 9, 9),
    ]


def test_monthly_series_anchored_on_a_fifth_weekday_means_the_last_one():
    # Fri 30 May 2025 is the fifth Friday; June's last Friday is the 27th.
    rule = SeriesRule(recurrence.MONTHLY, date(2025, 5, 30), time(18), count=2)
    assert recurrence.nth_of(date(2025, 5, 30)) == LAST
    assert recurrence.occurrence_dates(rule) == [date(2025, 5, 30), date(2025, 6, 27)]


@pytest.mark.parametrize(
    ("zone_name", "first", "wall", "gap_day_start", "shift"),
    [
        # New York skips 02:00–03:00 on Sun 9 March 2025: 02:30 is held at 03:30 EDT.
        ("America/New_York", date(2025, 3, 2), time(2, 30), datetime(2025, 3, 9, 7, 30), 60),
        # Lord Howe moves by 30 minutes (02:00 → 02:30) on Sun 5 Oct 2025: 02:15 → 02:45.
        ("Australia/Lord_Howe", date(2025, 9, 28), time(2, 15), datetime(2025, 10, 4, 15, 45), 30),
        # Santiago's clocks jump from 00:00 to 01:00 on Sun 7 Sep 2025: midnight → 01:00.
        ("America/Santiago", date(2025, 8, 31), time(0), datetime(2025, 9, 7, 4), 60),
        # Chatham (UTC+12:45 → +13:45) skips 02:45–03:45 on Sun 28 Sep 2025: 03:00 → 04:00.
        ("Pacific/Chatham", date(2025, 9, 21), time(3), datetime(2025, 9, 27, 14, 15), 60),
    ],
)
def test_a_wall_time_in_the_spring_forward_gap_is_kept_and_moved_forward_by_the_gap(
    zone_name, first, wall, gap_day_start, shift
):
    zone = ZoneInfo(zone_name)
    rule = SeriesRule(recurrence.WEEKLY, first, wall, count=3)
    found = recurrence.occurrences(rule, zone)
    assert len(found) == 3  # a 3-session series books 3, not 2
    assert [o.moved_by_clock_change for o in found] == [False, True, False]
    assert found[1].start == gap_day_start.replace(tzinfo=UTC)
    assert found[1].shift == timedelta(minutes=shift)
    local = found[1].start.astimezone(zone)
    assert local.replace(tzinfo=None) == datetime.combine(found[1].day, wall) + found[1].shift
    for other in (found[0], found[2]):
        assert other.start.astimezone(zone).time() == wall
    note = recurrence.clock_note(found[1], zone_name)
    assert note.startswith("Moved by the clock change") and f"{local:%H:%M}" in note
    assert recurrence.clock_note(found[0], zone_name) == ""


def test_an_ambiguous_fall_back_wall_time_means_its_first_occurrence():
    # New York repeats 01:00–02:00 on Sun 2 Nov 2025; 01:30 first happens at 05:30 UTC.
    rule = SeriesRule(recurrence.WEEKLY, date(2025, 11, 2), time(1, 30), count=1)
    assert recurrence.occurrences(rule, NEW_YORK)[0].start == datetime(
        2025, 11, 2, 5, 30, tzinfo=UTC
    )


def test_fairness_rotation_alternates_the_two_wall_times():
    rule = SeriesRule(recurrence.WEEKLY, date(2025, 6, 2), time(8), count=4, alt_time=time(18))
    assert [o.wall for o in recurrence.occurrences(rule, BERLIN)] == [
        time(8),
        time(18),
        time(8),
        time(18),
    ]


def test_hour_quality_marks_early_and_late_local_hours():
    instant = datetime(2025, 6, 2, 6, tzinfo=UTC)  # 08:00 Berlin, 02:00 New York, 20:00 Kiritimati
    assert recurrence.hour_quality(instant, BERLIN) == ""
    assert recurrence.hour_quality(instant, NEW_YORK) == "early"
    assert recurrence.hour_quality(instant, ZoneInfo("Pacific/Kiritimati")) == "late"


def test_validate_names_each_bad_field():
    errors = recurrence.validate(
        SeriesRule("daily", date(2025, 6, 2), time(9), until=date(2025, 6, 1), nth=7)
    )
    assert set(errors) == {"frequency", "until", "nth"}
    assert "count" in recurrence.validate(SeriesRule(recurrence.WEEKLY, date(2025, 6, 2), time(9)))
    assert "count" in recurrence.validate(
        SeriesRule(recurrence.WEEKLY, date(2025, 6, 2), time(9), count=53)
    )


def test_shifted_applies_one_wall_change_and_keeps_each_dates_offset():
    old = datetime(2025, 10, 21, 7, tzinfo=UTC)  # Tue 09:00 CEST
    later = datetime(2025, 10, 28, 8, tzinfo=UTC)  # Tue 09:00 CET
    moved = recurrence.shifted(
        later, datetime(2025, 10, 21, 9), datetime(2025, 10, 22, 10, 30), BERLIN
    )
    assert old.astimezone(BERLIN).hour == 9
    assert moved == datetime(2025, 10, 29, 9, 30, tzinfo=UTC)  # Wed 10:30 CET


rules = st.builds(
    SeriesRule,
    frequency=st.sampled_from(recurrence.FREQUENCIES),
    first_date=st.dates(date(2000, 1, 1), date(2035, 12, 31)),
    time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    count=st.one_of(st.none(), st.integers(1, recurrence.MAX_OCCURRENCES)),
    until=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2037, 12, 31))),
    alt_time=st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
)


@settings(max_examples=300, deadline=None)
@given(rule=rules, zone_name=st.sampled_from(ZONES))
def test_every_occurrence_is_on_the_rules_dates_at_its_wall_time(rule, zone_name):
    if recurrence.validate(rule):
        return
    zone = ZoneInfo(zone_name)
    found = recurrence.occurrences(rule, zone)
    days = [o.day for o in found]
    assert days == sorted(set(days))  # increasing, no duplicates
    assert len(found) <= min(rule.count or recurrence.MAX_OCCURRENCES, recurrence.MAX_OCCURRENCES)
    assert found and found[0].day == rule.first_date
    assert all(rule.until is None or d <= rule.until for d in days)
    for a, b in itertools.pairwise(days):
        if rule.frequency == recurrence.WEEKLY:
            assert b - a == timedelta(days=7)
        elif rule.frequency == recurrence.BIWEEKLY:
            assert b - a == timedelta(days=14)
        else:
            nth = recurrence.nth_of(rule.first_date)
            assert b.isoweekday() == rule.first_date.isoweekday()
            if nth == LAST:
                assert (b + timedelta(days=7)).month != b.month
            else:
                assert (b.day - 1) // 7 + 1 == nth
            assert (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1
    starts = [o.start for o in found]
    assert starts == sorted(set(starts))
    assert len(found) == len(recurrence.occurrence_dates(rule))  # none is ever dropped
    for occ in found:
        assert occ.wall == recurrence.wall_time_for(rule, occ.index)
        wall = datetime.combine(occ.day, occ.wall)
        local = occ.start.astimezone(zone)
        if occ.moved_by_clock_change:
            # Moved only when the wall time truly does not exist that day, by exactly the gap.
            round_trip = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            assert round_trip.replace(tzinfo=None) != wall
            before = (occ.start - occ.shift).astimezone(zone).utcoffset()
            assert occ.shift == local.utcoffset() - before
            assert local.replace(tzinfo=None) == wall + occ.shift
        else:
            assert occ.shift == timedelta(0)
            assert (local.date(), local.time()) == (occ.day, occ.wall)
            # First occurrence of an ambiguous time: no earlier instant shows the same wall time.
            for minutes in (30, 60, 120):
                earlier = (occ.start - timedelta(minutes=minutes)).astimezone(zone)
                assert (earlier.date(), earlier.time()) != (occ.day, occ.wall)


# --- Every transition of 2026–2030 in a sample of 30 zones (issue #27) ------------------------


def test_the_sample_covers_every_hemisphere_and_odd_offsets():
    assert len(SAMPLE) == 30
    assert len(TRANSITIONS) >= 30 * 2 * 4  # two changes a year, give or take an abolished one
    assert {"Pacific/Chatham", "Australia/Lord_Howe", "America/Santiago"} <= set(SAMPLE)


@settings(max_examples=400, deadline=None)
@given(
    transition=st.sampled_from(TRANSITIONS),
    minutes=st.integers(-150, 150),
    weeks_before=st.integers(0, 3),
    frequency=st.sampled_from((recurrence.WEEKLY, recurrence.BIWEEKLY)),
)
def test_weekly_series_across_a_transition_keeps_its_wall_time_or_moves_by_the_gap(
    transition, minutes, weeks_before, frequency
):
    zone_name, moment = transition
    zone = ZoneInfo(zone_name)
    before = (moment - timedelta(minutes=1)).astimezone(zone).utcoffset()
    after = moment.astimezone(zone).utcoffset()
    # A wall time near the change, as the clock read just before it (in the gap or the fold).
    wall = (moment + before).replace(tzinfo=None) + timedelta(minutes=minutes)
    step = 7 if frequency == recurrence.WEEKLY else 14
    first = wall.date() - timedelta(days=step * weeks_before)
    rule = SeriesRule(frequency, first, wall.time(), count=weeks_before + 3)
    found = recurrence.occurrences(rule, zone)
    assert len(found) == weeks_before + 3  # no occurrence is lost
    assert found[weeks_before].day == wall.date()
    for occ in found:
        local = occ.start.astimezone(zone).replace(tzinfo=None)
        asked = datetime.combine(occ.day, occ.wall)
        if occ.moved_by_clock_change:
            assert occ.day == wall.date() and after > before
            assert occ.shift == after - before  # shifted exactly by the gap
        assert local == asked + occ.shift
        assert occ.start.astimezone(zone).fold == 0  # an ambiguous time: its first occurrence
    in_gap = after > before and timedelta(0) <= timedelta(minutes=minutes) < after - before
    assert found[weeks_before].moved_by_clock_change == in_gap
