"""Filter "has free slots in the next N days": narrowing, cache, next free slot, errors."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from mentorloom.discovery import freeslots as directory_slots
from mentorloom.scheduling import freeslots
from mentorloom.scheduling.models import AvailabilityOverride, AvailabilityRule, Session
from tests.factories import DiscoveryMentorshipFactory

from .conftest import names

pytestmark = pytest.mark.django_db
URL = "/api/v1/mentors"
# Monday 2 June 2025, 08:00 in Berlin (every profile's default zone in the factories).
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)
TUESDAY, SATURDAY = 2, 6


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def available(profile, weekday: int, start: int, end: int):
    AvailabilityRule.objects.create(
        mentor=profile.user, weekday=weekday, start=time(start), end=time(end)
    )


def available_once(profile, day: int, start: int, end: int):
    """Hours on one date only (June 2025), no weekly rule."""
    AvailabilityOverride.objects.create(
        mentor=profile.user,
        date=datetime(2025, 6, day).date(),
        kind="available",
        start=time(start),
        end=time(end),
    )


def book(mentor_profile, starts_at: datetime, minutes: int = 60) -> Session:
    mentorship = DiscoveryMentorshipFactory(mentor=mentor_profile.user)
    return Session.objects.create(
        mentorship=mentorship,
        mentor=mentor_profile.user,
        mentee=mentorship.mentee,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        zone="Europe/Berlin",
    )


def free(client, days, **params):
    return client.get(URL, {"free_within_days": days, **params})


def test_mentor_with_availability_tomorrow_passes_one_without_fails(member, mentor):
    tomorrow = mentor(display_name="Tomorrow")
    available(tomorrow, TUESDAY, 10, 12)
    mentor(display_name="No availability")

    response = free(member, 3)
    assert names(response) == ["Tomorrow"]
    body = response.json()
    assert body["free_slots_pending"] == 0
    # Tuesday 10:00 Berlin is 08:00 UTC: the first slot after 12 hours' notice.
    assert body["results"][0]["next_free_slot"].startswith("2025-06-03T08:00:00")
    # Without the filter both are listed again.
    assert names(member.get(URL)) == ["No availability", "Tomorrow"]


def test_mentor_whose_only_slot_is_booked_fails(member, mentor):
    booked = mentor(display_name="Booked", session_lengths=[60])
    available_once(booked, 3, 10, 11)  # exactly one 60-minute slot: Tuesday 10:00
    book(booked, datetime(2025, 6, 3, 8, 0, tzinfo=UTC))
    open_one = mentor(display_name="Open", session_lengths=[60])
    available_once(open_one, 3, 10, 11)

    assert names(free(member, 14)) == ["Open"]


def test_the_number_of_days_narrows(member, mentor):
    soon = mentor(display_name="Soon")
    available(soon, TUESDAY, 9, 17)
    later = mentor(display_name="Saturday only")
    available(later, SATURDAY, 9, 12)  # 7 June: 5 days away
    AvailabilityOverride.objects.create(
        mentor=later.user, date=datetime(2025, 6, 7).date(), kind="blocked"
    )
    # Blocked this Saturday, so the first slot is 14 June: 12 days away.
    assert names(free(member, 3)) == ["Soon"]
    assert names(free(member, 7)) == ["Soon"]
    assert names(free(member, 14)) == ["Saturday only", "Soon"]


def test_other_filters_combine_with_free_slots_and_facets_count_within_it(member, mentor):
    ana = mentor(display_name="Ana", skills=["Python"])
    available(ana, TUESDAY, 9, 17)
    mentor(display_name="Ben", skills=["Python"])
    cai = mentor(display_name="Cai", skills=["SQL"])
    available(cai, TUESDAY, 9, 17)

    body = free(member, 7, skill="Python").json()
    assert [r["name"] for r in body["results"]] == ["Ana"]
    skills = {
        v["value"]: v["count"] for f in body["facets"] if f["param"] == "skill" for v in f["values"]
    }
    # Disjunctive counts: SQL would add Cai (free); Ben (Python, not free) is not counted.
    assert skills == {"Python": 1, "SQL": 1}


def test_a_cached_value_is_forgotten_when_the_mentor_is_booked(
    member, mentor, django_capture_on_commit_callbacks
):
    only = mentor(display_name="Only slot", session_lengths=[60])
    available_once(only, 3, 10, 11)
    assert names(free(member, 7)) == ["Only slot"]
    assert freeslots.known([only.user_id], NOW)  # cached for the next request

    with django_capture_on_commit_callbacks(execute=True):
        book(only, datetime(2025, 6, 3, 8, 0, tzinfo=UTC))
    assert not freeslots.known([only.user_id], NOW)
    assert names(free(member, 7)) == []


def test_a_cached_value_expires_after_the_ttl(member, mentor):
    one = mentor(display_name="One", session_lengths=[60])
    available(one, TUESDAY, 10, 11)
    assert names(free(member, 7)) == ["One"]
    # A write that sends no signal (QuerySet.update) is seen once the value has expired.
    AvailabilityRule.objects.filter(mentor=one.user).update(weekday=1)  # Mondays only
    assert names(free(member, 7)) == ["One"]  # still the cached Tuesday slot
    with time_machine.travel(NOW + timedelta(seconds=freeslots.TTL + 1), tick=False):
        assert names(free(member, 7)) == []  # next Monday is more than 7 days away
    with time_machine.travel(NOW + timedelta(seconds=freeslots.TTL + 1), tick=False):
        body = free(member, 14).json()
    # Monday 9 June 10:00 Berlin.
    assert body["results"][0]["next_free_slot"].startswith("2025-06-09T08:00:00")


def test_checks_at_most_the_budget_per_request_in_display_order(member, mentor, monkeypatch):
    monkeypatch.setattr(freeslots, "COMPUTE_BUDGET", 2)
    for name in ("Ada", "Bo", "Cy"):
        available(mentor(display_name=name), TUESDAY, 9, 17)
    mentor(display_name="Dee")  # no availability: decided without the slot engine

    first = free(member, 7).json()
    assert [r["name"] for r in first["results"]] == ["Ada", "Bo"]
    assert first["free_slots_pending"] == 1
    second = free(member, 7).json()
    assert [r["name"] for r in second["results"]] == ["Ada", "Bo", "Cy"]
    assert second["free_slots_pending"] == 0


def test_slot_engine_runs_only_for_mentors_passing_the_other_filters(member, mentor, monkeypatch):
    for name, skill in (("Ada", "Python"), ("Bo", "SQL"), ("Cy", "Design")):
        available(mentor(display_name=name, skills=[skill]), TUESDAY, 9, 17)
    computed: list[int] = []
    real = freeslots.compute

    def spy(user_ids, now):
        computed.extend(user_ids)
        return real(user_ids, now)

    monkeypatch.setattr(freeslots, "compute", spy)
    assert names(free(member, 7, skill="Python")) == ["Ada"]
    # Ada for the results, Bo and Cy only because the skill facet counts need them.
    assert len(computed) == 3
    computed.clear()
    assert names(free(member, 7, skill="Python", q="ada")) == ["Ada"]
    assert computed == []  # cached now


@pytest.mark.parametrize("bad", ["5", "0", "-3", "abc", "7.5", "1e3", "²", "9" * 30])
def test_bad_day_counts_answer_422_with_the_error_shape(member, bad):
    response = member.get(URL, {"free_within_days": bad})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["free_within_days"] == ["Choose free slots within 3, 7 or 14 days."]


def test_the_page_offers_the_filter_shows_next_free_slot_and_explains_errors(member, mentor):
    ana = mentor(display_name="Ana Silva")
    available(ana, TUESDAY, 10, 12)

    html = member.get("/mentors/", {"free_within_days": "7"}).content.decode()
    assert '<select id="free_within_days" name="free_within_days"' in html
    assert '<option value="7" selected>In the next 7 days</option>' in html
    # The viewer is in Berlin: 08:00 UTC is shown as 10:00.
    assert "Next free slot" in html and "Tue 03 Jun, 10:00" in html

    bad = member.get("/mentors/", {"free_within_days": "9"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert 'id="free_within_days_error"' in page
    assert "Choose free slots within 3, 7 or 14 days." in page
    assert member.get("/mentors/", {"free_within_days": "²"}).status_code == 400


def test_no_free_mentor_offers_to_drop_the_filter(member, mentor):
    mentor(display_name="Busy")
    html = member.get("/mentors/", {"free_within_days": "3"}).content.decode()
    assert "Any time, not only free in the next 3 days" in html


def test_scheduling_provides_the_free_slot_answers_discovery_sits_below_it():
    # discovery never imports scheduling (tests/test_layers.py); SchedulingConfig.ready() wires it.
    assert directory_slots.provider() is freeslots
