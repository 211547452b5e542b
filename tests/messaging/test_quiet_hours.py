"""Reading quiet hours from agreement text and deciding when they end (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mentorloom.messaging.quiet_hours import QuietHours, parse_quiet_hours, quiet_until

GENERATED = (
    "Mira Mentor: no messages expected outside Mon–Fri 09:00–17:00 (Europe/Berlin)\n"
    "Mo Mentee: no messages expected outside Mon–Fri 08:30–18:00 (Asia/Tokyo)"
)


def parse(text: str, name: str = "Mo Mentee", others=("Mira Mentor",), zone: str = "UTC"):  # type: ignore[no-untyped-def]
    return parse_quiet_hours(text, name=name, other_names=list(others), default_zone=zone)


def test_generated_draft_outside_working_hours_means_the_overnight_gap_in_own_zone():
    assert parse(GENERATED) == QuietHours(time(18, 0), time(8, 30), "Asia/Tokyo")
    assert parse(GENERATED, "Mira Mentor", ["Mo Mentee"]) == QuietHours(
        time(17, 0), time(9, 0), "Europe/Berlin"
    )


def test_plain_window_with_dash_and_no_zone_uses_the_default_zone():
    assert parse("Mo Mentee: 22:00-07:00", zone="America/Lima") == QuietHours(
        time(22), time(7), "America/Lima"
    )


def test_am_pm_and_to_are_understood():
    assert parse("10pm to 7am (Europe/Paris)") == QuietHours(time(22), time(7), "Europe/Paris")


def test_another_participants_line_never_applies():
    assert parse("Mira Mentor: 22:00–07:00") is None


def test_shared_line_applies_when_there_is_no_own_line():
    assert parse("Both of us: 21:00–06:00 (UTC)") == QuietHours(time(21), time(6), "UTC")


def test_text_without_a_time_range_has_no_quiet_hours():
    assert parse("Evenings, please") is None
    assert parse("") is None


def test_unknown_default_zone_falls_back_to_utc():
    assert parse("23:00–06:00", zone="Mars/Olympus") == QuietHours(time(23), time(6), "UTC")


def test_quiet_until_across_midnight_in_the_given_zone():
    tokyo = ZoneInfo("Asia/Tokyo")
    # 23:30 Tokyo is inside 22:00–07:00; quiet ends at 07:00 the next morning, Tokyo time.
    now = datetime(2026, 3, 10, 23, 30, tzinfo=tokyo)
    assert quiet_until(now, time(22), time(7), "Asia/Tokyo") == datetime(
        2026, 3, 11, 7, 0, tzinfo=tokyo
    )
    # 03:00 is still inside, ending the same morning; 12:00 is outside.
    early = datetime(2026, 3, 11, 3, 0, tzinfo=tokyo)
    assert quiet_until(early, time(22), time(7), "Asia/Tokyo") == datetime(
        2026, 3, 11, 7, 0, tzinfo=tokyo
    )
    noon = datetime(2026, 3, 11, 12, 0, tzinfo=tokyo)
    assert quiet_until(noon, time(22), time(7), "Asia/Tokyo") is None


def test_quiet_until_for_a_daytime_window():
    now = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    assert quiet_until(now, time(12), time(14), "UTC") == datetime(2026, 3, 10, 14, tzinfo=UTC)
    assert quiet_until(now, time(14), time(16), "UTC") is None


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    st.times(),
    st.times(),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
)
def test_quiet_until_is_never_in_the_past_and_inside_means_local_time_in_window(
    now, start, end, zone
):
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    ends = quiet_until(now, start, end, zone)
    wall = now.astimezone(ZoneInfo(zone)).time()
    inside = (start <= wall < end) if start < end else (wall >= start or wall < end)
    assert (ends is not None) == inside
    if ends is not None:
        assert ends >= now


def test_common_open_time_of_two_quiet_hours_windows():
    from mentorloom.messaging.quiet_hours import common_open_minutes

    berlin = parse(GENERATED, "Mira Mentor", ["Mo Mentee"])
    tokyo = parse(GENERATED)
    day = datetime(2025, 1, 14, tzinfo=UTC)
    # Berlin open 09–17 (08–16 UTC), Tokyo open 08:30–18:00 (23:30–09:00 UTC): 08–09 UTC.
    assert common_open_minutes(berlin, tokyo, day) == 60
    mexico = QuietHours(time(18), time(9), "America/Mexico_City")  # open 15–24 UTC
    tokyo_late = QuietHours(time(18, 30), time(9, 30), "Asia/Tokyo")  # open 00:30–09:30 UTC
    assert common_open_minutes(mexico, tokyo_late, day) == 0
