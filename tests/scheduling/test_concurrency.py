"""Twenty people (well, twenty requests) race for one slot on the real database, in threads.

Runs on SQLite (IMMEDIATE transactions serialise writers) and on PostgreSQL (the
participants' SchedulingSettings rows are locked FOR UPDATE) — CI runs both.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time

import pytest
from django.test import Client

from mentorloom.scheduling.models import Session
from tests.concurrency import race

ATTEMPTS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_of_one_slot_create_one_session(mentorship, frozen):
    from mentorloom.scheduling.services import ensure_settings

    ensure_settings(mentorship.mentee)
    login = Client()
    login.force_login(mentorship.mentee)
    cookies = login.cookies

    def book(index: int) -> tuple[int, dict]:
        client = Client()
        client.cookies = cookies
        response = client.post(
            f"/api/v1/mentorships/{mentorship.pk}/sessions",
            json.dumps({"start": "2025-06-03T07:00:00Z", "duration": 30, "tz": "Asia/Tokyo"}),
            content_type="application/json",
        )
        return response.status_code, response.json()

    results = race(book, ATTEMPTS)
    assert not [r for r in results if isinstance(r, BaseException)], results
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: ATTEMPTS - 1}
    conflicts = [body for status, body in results if status == 409]
    assert all(body["error"]["code"] == "slot_taken" for body in conflicts)
    assert Session.objects.filter(status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_idempotency_key_book_once(mentorship, frozen):
    """The key's record (core.idempotency) is re-read under the booking lock: one 201, every
    other retry replays it as 200 with the same session, and one record is stored."""
    from mentorloom.core.models import IdempotencyRecord
    from mentorloom.scheduling.services import ensure_settings

    ensure_settings(mentorship.mentee)
    login = Client()
    login.force_login(mentorship.mentee)
    cookies = login.cookies

    def book(index: int) -> tuple[int, dict]:
        client = Client()
        client.cookies = cookies
        response = client.post(
            f"/api/v1/mentorships/{mentorship.pk}/sessions",
            json.dumps({"start": "2025-06-03T07:00:00Z", "duration": 30, "tz": "Asia/Tokyo"}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )
        return response.status_code, response.json()

    results = race(book, 8)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(status for status, _ in results) == {201: 1, 200: 7}
    assert len({body["id"] for _, body in results}) == 1
    assert Session.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_bookings_at_different_starts_cannot_both_win(mentorship, frozen):
    """A range check under the lock, not just the unique start: 30- and 60-minute sessions
    starting 30 minutes apart overlap, and only one of them may be booked."""
    from datetime import UTC, datetime, timedelta

    from mentorloom.scheduling import services
    from mentorloom.scheduling.errors import SlotTaken

    base = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)

    def book(index: int) -> str:
        start = base + timedelta(minutes=60 * (index % 2))
        try:
            services.book_session(
                mentorship.mentee,
                mentorship,
                starts_at=start,
                duration_minutes=60 if index % 2 == 0 else 30,
                zone="UTC",
            )
        except SlotTaken:
            return "taken"
        return "booked"

    services.update_settings(mentorship.mentor, buffer_after_minutes=30)
    # With both settings rows already there, only the FOR UPDATE lock orders the attempts
    # (creating a missing row would serialise them on its unique index by accident).
    services.ensure_settings(mentorship.mentee)
    results = race(book, ATTEMPTS)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results.count("booked") == 1
    assert Session.objects.filter(status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_accepting_a_proposal_while_others_book_that_slot_gives_one_winner(mentorship, frozen):
    """One thread accepts a proposal to move onto Thursday 09:30 (Berlin) while nineteen threads
    of the mentor's other mentee book an hour from 09:00: different starts, so only the
    re-check under the booking lock (not the unique start) keeps them from overlapping."""
    from datetime import UTC, datetime, timedelta

    from mentorloom.scheduling import services
    from mentorloom.scheduling.errors import SlotTaken
    from tests.factories import SchedulingMentorshipFactory

    tuesday, thursday = (datetime(2025, 6, d, 7, 0, tzinfo=UTC) for d in (3, 5))
    session, _ = services.book_session(
        mentorship.mentee, mentorship, starts_at=tuesday, duration_minutes=30, zone="UTC"
    )
    proposal = services.request_reschedule(
        mentorship.mentor, session, starts_at=thursday + timedelta(minutes=30), zone="UTC"
    )
    rival = SchedulingMentorshipFactory(mentor=mentorship.mentor)
    for person in (mentorship.mentee, rival.mentee):
        services.ensure_settings(person)

    def attempt(index: int) -> str:
        try:
            if index == 0:
                services.accept_proposal(mentorship.mentee, proposal)
                return "accepted"
            services.book_session(
                rival.mentee, rival, starts_at=thursday, duration_minutes=60, zone="UTC"
            )
            return "booked"
        except SlotTaken:
            return "taken"

    results = race(attempt, ATTEMPTS)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results.count("accepted") + results.count("booked") == 1
    on_thursday = Session.objects.filter(status="booked", starts_at__date=thursday.date())
    assert on_thursday.count() == 1
    moved = Session.objects.get(pk=session.pk)
    assert (moved.starts_at == thursday + timedelta(minutes=30)) == (results[0] == "accepted")


def _book_one(mentorship) -> None:  # type: ignore[no-untyped-def]
    from mentorloom.scheduling import services as scheduling

    scheduling.book_session(
        mentorship.mentee,
        mentorship,
        starts_at=datetime(2025, 6, 3, 7, tzinfo=UTC),
        duration_minutes=30,
        zone="Asia/Tokyo",
    )


def _book_a_series(mentorship) -> None:  # type: ignore[no-untyped-def]
    from mentorloom.scheduling import services as scheduling

    scheduling.create_series(
        mentorship.mentee,
        mentorship,
        frequency="weekly",
        first_date=date(2025, 6, 3),
        wall_time=time(9),
        count=2,
        until=None,
        alt_time=None,
        nth=None,
        duration_minutes=30,
        zone="Europe/Berlin",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("book", [_book_one, _book_a_series], ids=["session", "series"])
def test_a_booking_while_the_mentorship_is_being_ended_leaves_no_session_booked(
    mentorship, frozen, book
):
    """The booking read the mentorship as active (as its page or API route did) while the
    ending transaction had already marked it ended and cancelled its upcoming sessions, but
    not yet committed. On PostgreSQL the booking went through and stayed booked in an ended
    mentorship; now it waits for the ending under the mentorship's row lock and is refused."""
    import threading
    import time as clock

    from django.db import connections

    from mentorloom.mentorships.models import Mentorship
    from mentorloom.mentorships.services import end_mentorship
    from mentorloom.mentorships.services.lifecycle import mentorship_ended
    from mentorloom.scheduling.errors import MentorshipNotActive
    from mentorloom.scheduling.services import ensure_settings

    ensure_settings(mentorship.mentee)
    seen_active = Mentorship.objects.get(pk=mentorship.pk)  # what the booking's view loaded
    ending = threading.Event()

    def linger(m, user):  # type: ignore[no-untyped-def]
        ending.set()
        clock.sleep(0.7)  # ended and its sessions cancelled, not yet committed

    outcome: dict[str, object] = {}

    def end() -> None:
        try:
            end_mentorship(mentorship.mentor, Mentorship.objects.get(pk=mentorship.pk))
            outcome["ended"] = True
        except Exception as exc:
            outcome["ended"] = exc
        finally:
            connections.close_all()

    mentorship_ended.connect(linger)
    try:
        ender = threading.Thread(target=end)
        ender.start()
        assert ending.wait(timeout=10)
        try:
            book(seen_active)
            outcome["booked"] = True
        except MentorshipNotActive:
            outcome["booked"] = False
        ender.join(timeout=30)
    finally:
        mentorship_ended.disconnect(linger)
    assert outcome == {"ended": True, "booked": False}
    assert Mentorship.objects.get(pk=mentorship.pk).status == "ended"
    assert not Session.objects.filter(mentorship=mentorship, status="booked").exists()
