"""Time-zone overlap between working hours: pure, across day boundaries, DST and odd offsets."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from mentorloom.discovery.overlap import WorkingHours, overlap_hours

MON_FRI = (1, 2, 3, 4, 5)
JULY = date(2025, 7, 16)  # a Wednesday; northern summer, Sydney winter
JANUARY = date(2025, 1, 15)


def hours(zone: str, start: str, end: str, days=MON_FRI) -> WorkingHours:
    return WorkingHours.of(zone, time.fromisoformat(start), time.fromisoformat(end), days)


def test_same_zone_same_hours_overlap_fully():
    berlin = hours("Europe/Berlin", "09:00", "17:00")
    assert overlap_hours(berlin, berlin, JULY) == 8.0


def test_sydney_and_los_angeles_share_time_across_the_date_line():
    # July: Sydney UTC+10, LA UTC-7. Sydney Tue 08:30 = Mon 22:30 UTC = Mon 15:30 in LA,
    # so LA's Monday afternoon meets Sydney's Tuesday morning: 15:30-17:00 LA = 1.5 h.
    sydney = hours("Australia/Sydney", "08:30", "17:00")
    los_angeles = hours("America/Los_Angeles", "09:00", "17:00")
    assert overlap_hours(sydney, los_angeles, JULY) == 1.5
    assert overlap_hours(los_angeles, sydney, JULY) == 1.5


def test_sydney_and_los_angeles_in_january_use_both_daylight_saving_offsets():
    # January: Sydney UTC+11 (summer), LA UTC-8: Sydney 08:30 = LA 13:30 the day before.
    sydney = hours("Australia/Sydney", "08:30", "17:00")
    los_angeles = hours("America/Los_Angeles", "09:00", "17:00")
    assert overlap_hours(sydney, los_angeles, JANUARY) == 3.5


def test_weekday_mismatch_across_the_date_line_means_no_overlap():
    # Sydney works only Mondays; LA's matching afternoon is Sunday, when LA does not work.
    sydney_mondays = hours("Australia/Sydney", "08:30", "17:00", days=(1,))
    los_angeles = hours("America/Los_Angeles", "09:00", "17:00")
    assert overlap_hours(sydney_mondays, los_angeles, JULY) == 0.0


def test_half_and_quarter_hour_zones():
    kolkata = hours("Asia/Kolkata", "09:30", "18:30")  # UTC+5:30 -> 04:00-13:00 UTC
    berlin = hours("Europe/Berlin", "09:00", "17:00")  # July UTC+2 -> 07:00-15:00 UTC
    assert overlap_hours(kolkata, berlin, JULY) == 6.0
    kathmandu = hours("Asia/Kathmandu", "10:00", "17:00")  # UTC+5:45 -> 04:15-11:15 UTC
    assert overlap_hours(kathmandu, berlin, JULY) == 4.25


def test_overnight_shift_meets_the_next_mornings_hours():
    # A night shift in New York 22:00-06:00 (EDT, UTC-4) = 02:00-10:00 UTC;
    # London 09:00-17:00 BST = 08:00-16:00 UTC: 2 h shared each morning.
    night = hours("America/New_York", "22:00", "06:00")
    london = hours("Europe/London", "09:00", "17:00")
    assert overlap_hours(night, london, JULY) == 2.0


def test_evening_hours_against_office_hours_on_the_other_side_of_the_world():
    sao_paulo_evenings = hours("America/Sao_Paulo", "18:30", "22:00", days=(1, 2, 3, 4, 6))
    tokyo = hours("Asia/Tokyo", "09:00", "18:00")  # Sao Paulo 18:30 = Tokyo 06:30 next day
    assert overlap_hours(sao_paulo_evenings, tokyo, JULY) == 1.0


def test_unknown_zone_or_no_days_has_no_overlap():
    berlin = hours("Europe/Berlin", "09:00", "17:00")
    assert overlap_hours(hours("Mars/Olympus", "09:00", "17:00"), berlin, JULY) == 0.0
    assert overlap_hours(hours("Europe/Berlin", "09:00", "17:00", days=()), berlin, JULY) == 0.0


def test_schedule_key_round_trips():
    original = hours("America/Argentina/Buenos_Aires", "08:30", "17:30", days=(1, 3, 5))
    assert WorkingHours.from_key(original.key) == original
    assert WorkingHours.from_key("garbage") is None


ZONES = ["UTC", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles", "Pacific/Chatham"]


@given(
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
    st.integers(0, 47),
    st.integers(1, 24),
    st.dates(date(2024, 1, 1), date(2026, 12, 31)),
)
def test_overlap_is_symmetric_and_bounded(zone_a, zone_b, start_half_hours, length, on):
    start = time(start_half_hours // 2, 30 * (start_half_hours % 2))
    end_minutes = (start_half_hours * 30 + length * 30) % (24 * 60)
    a = WorkingHours.of(zone_a, start, time(end_minutes // 60, end_minutes % 60), MON_FRI)
    b = hours(zone_b, "09:00", "17:00")
    ab, ba = overlap_hours(a, b, on), overlap_hours(b, a, on)
    assert ab == ba
    assert 0 <= ab <= 8
