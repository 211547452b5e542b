from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from mentorloom.profiles.hours import convert_working_hours, format_days, format_utc_offset

TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_utc_offset_labels_whole_half_and_negative_hours():
    assert format_utc_offset(timedelta(hours=9)) == "UTC+9"
    assert format_utc_offset(timedelta(hours=5, minutes=30)) == "UTC+5:30"
    assert format_utc_offset(timedelta(hours=-3)) == "UTC-3"
    assert format_utc_offset(timedelta(0)) == "UTC"


def test_days_are_compressed_into_ranges():
    assert format_days([1, 2, 3, 4, 5]) == "Mon–Fri"
    assert format_days([5, 1, 3]) == "Mon, Wed, Fri"
    assert format_days([6, 7]) == "Sat, Sun"
    assert format_days([]) == ""
    assert format_days(range(1, 8)) == "Every day"


def test_day_ranges_wrap_around_the_end_of_the_week():
    assert format_days([7, 1, 2, 3, 4]) == "Sun–Thu"
    assert format_days([5, 6, 7, 1]) == "Fri–Mon"


def test_tokyo_office_hours_seen_from_berlin_in_winter_start_the_previous_evening():
    # Winter: Berlin is UTC+1, Tokyo UTC+9 -> 8 hours behind.
    hours = convert_working_hours(
        [1, 2, 3, 4, 5], time(9), time(17), TOKYO, BERLIN, date(2025, 1, 15)
    )
    assert (hours.start, hours.end) == (time(1), time(9))
    assert hours.days == [1, 2, 3, 4, 5]
    assert hours.ends_next_day is False


def test_conversion_follows_daylight_saving_of_the_week_asked_about():
    summer = convert_working_hours([1], time(9), time(17), TOKYO, BERLIN, date(2025, 7, 16))
    assert (summer.start, summer.end) == (time(2), time(10))


def test_hours_crossing_midnight_for_the_viewer_shift_weekdays():
    # 09:00 Tokyo Monday is 19:00 Sunday in New York (winter, UTC-5).
    hours = convert_working_hours([1, 2], time(9), time(17), TOKYO, NEW_YORK, date(2025, 1, 15))
    assert hours.start == time(19)
    assert hours.end == time(3)
    assert hours.ends_next_day is True
    assert hours.days == [1, 7]


def test_overnight_shift_ends_the_next_day():
    hours = convert_working_hours([1], time(22), time(6), BERLIN, BERLIN, date(2025, 1, 15))
    assert (hours.start, hours.end, hours.ends_next_day) == (time(22), time(6), True)
