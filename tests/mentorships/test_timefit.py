"""Time-zone fit shown where people decide (issue 26): pure rules, then the request pages."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace

import pytest
import time_machine

from mentorloom.mentorships import services
from mentorloom.mentorships.timefit import is_night, time_fit
from mentorloom.profiles.models import Profile

# Tuesday 14 January 2025, 09:30 UTC = 03:30 in Mexico City, 18:30 in Tokyo.
NOW = datetime(2025, 1, 14, 9, 30, tzinfo=UTC)


def person(name, zone, start=time(9), end=time(18), outside=False):
    return SimpleNamespace(
        name=name,
        time_zone=zone,
        work_start=start,
        work_end=end,
        work_days=[1, 2, 3, 4, 5],
        meets_outside_hours=outside,
    )


def test_mexico_city_and_tokyo_have_no_overlap_and_show_tokyo_time():
    mentee = person("Lucía", "America/Mexico_City")
    fit = time_fit(mentee, person("Aiko", "Asia/Tokyo"), NOW, mentee=mentee)
    assert fit.overlap == 0 and fit.no_overlap
    assert (fit.other_local_time, fit.other_zone) == ("18:30", "Asia/Tokyo")
    assert fit.other_weekday is None  # Tuesday for both (03:30 in Mexico City)
    assert fit.mentee_meets_outside_hours is False


def test_berlin_and_lisbon_share_seven_hours_and_mark_a_different_day():
    fit = time_fit(
        person("A", "Europe/Berlin", end=time(17)), person("B", "Europe/Lisbon", end=time(17)), NOW
    )
    assert (fit.overlap, fit.overlap_label, fit.no_overlap) == (7.0, "7 h", False)
    late = datetime(2025, 1, 14, 23, 30, tzinfo=UTC)  # Wed 00:30 in Berlin, Tue 23:30 in Lisbon
    assert (
        time_fit(person("A", "Europe/Berlin"), person("B", "Europe/Lisbon"), late).other_weekday
        == "Tue"
    )


def test_without_a_zone_the_overlap_is_unknown_not_zero():
    fit = time_fit(person("A", ""), person("B", "Asia/Tokyo"), NOW)
    assert fit.overlap is None and not fit.no_overlap


@pytest.mark.parametrize(
    ("hour", "minute", "night"),
    [(21, 59, False), (22, 0, True), (3, 30, True), (6, 59, True), (7, 0, False), (12, 0, False)],
)
def test_night_is_22_to_7_on_the_viewers_clock(hour, minute, night):
    # Mexico City is UTC-6 in January.
    instant = datetime(2025, 1, 14, (hour + 6) % 24, minute, tzinfo=UTC)
    assert is_night(instant, "America/Mexico_City") is night


def _zones(mentee, mentor, mentee_zone="America/Mexico_City", mentor_zone="Asia/Tokyo"):
    Profile.objects.filter(user=mentee).update(time_zone=mentee_zone)
    Profile.objects.filter(user=mentor).update(time_zone=mentor_zone)


@time_machine.travel(NOW, tick=False)
def test_request_form_flags_zero_overlap_and_shows_the_mentors_local_time(as_user, mentee, mentor):
    _zones(mentee, mentor)
    html = as_user(mentee).get(f"/mentors/{mentor.pk}/request/").content.decode()
    assert "0 h overlap" in html
    assert "<strong>18:30</strong>" in html and "Asia/Tokyo" in html
    assert "say so on your profile" in html
    Profile.objects.filter(user=mentee).update(meets_outside_hours=True)
    html = as_user(mentee).get(f"/mentors/{mentor.pk}/request/").content.decode()
    assert "The mentee said they can meet outside their working hours." in html
    assert "say so on your profile" not in html


@time_machine.travel(NOW, tick=False)
def test_request_form_shows_the_overlap_when_there_is_one(as_user, mentee, mentor):
    _zones(mentee, mentor, "Europe/Berlin", "Europe/Lisbon")
    html = as_user(mentee).get(f"/mentors/{mentor.pk}/request/").content.decode()
    assert "overlap by <strong>7 h</strong>" in html
    assert "0 h overlap" not in html


@time_machine.travel(NOW, tick=False)
def test_the_mentors_request_page_shows_the_mentees_local_time_and_the_warning(
    as_user, mentee, mentor
):
    _zones(mentee, mentor)
    r = services.send_request(mentee, mentor.pk, message="Hello! " * 10)
    html = as_user(mentor).get(f"/requests/{r.pk}/").content.decode()
    assert "<strong>03:30</strong>" in html and "America/Mexico_City" in html
    assert "0 h overlap" in html
