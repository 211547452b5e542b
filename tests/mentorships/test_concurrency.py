"""Racing accepts and sends, in real threads on the real database (tests.concurrency.race:
each thread connects first, then a barrier releases them together)."""

from __future__ import annotations

import time

import pytest

from mentorloom.mentorships import services
from mentorloom.mentorships.errors import MentorAtCapacity, RequestAlreadyOpen
from mentorloom.mentorships.models import Mentorship, MentorshipRequest, RequestStatus
from tests.concurrency import race
from tests.factories import MentorProfileFactory, MentorshipFactory, ProfileFactory

from .conftest import MESSAGE


@pytest.mark.django_db(transaction=True)
def test_two_accepts_for_the_last_place_exactly_one_succeeds():
    mentor = MentorProfileFactory(capacity=2).user
    MentorshipFactory(mentor=mentor)  # one place left
    requests = [
        services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE) for _ in range(2)
    ]

    outcomes = race(lambda i: services.accept_request(mentor, requests[i]), 2)

    # Every outcome is accounted for: one mentorship, one clean refusal, nothing else (a
    # thread that crashed with an IntegrityError or a lock error would show up here).
    assert sorted(type(o).__name__ for o in outcomes) == ["MentorAtCapacity", "Mentorship"]
    assert any(isinstance(o, MentorAtCapacity) for o in outcomes)
    assert Mentorship.objects.filter(mentor=mentor).exclude(status="ended").count() == 2
    statuses = sorted(MentorshipRequest.objects.values_list("status", flat=True))
    assert statuses == [RequestStatus.ACCEPTED, RequestStatus.PENDING]


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_creates_make_one_request():
    mentor = MentorProfileFactory().user
    mentee = ProfileFactory().user

    def send(_index: int):
        return services.send_request(mentee, mentor.pk, message=MESSAGE)

    outcomes = race(send, 3)

    assert MentorshipRequest.objects.count() == 1
    winners = [o for o in outcomes if isinstance(o, MentorshipRequest)]
    losers = [o for o in outcomes if not isinstance(o, MentorshipRequest)]
    assert len(winners) == 1
    # Each loser is refused with the domain error (409), never a raw database error.
    assert len(losers) == 2
    assert all(isinstance(o, RequestAlreadyOpen) for o in losers), losers


@pytest.mark.django_db(transaction=True)
def test_a_send_that_loses_at_the_unique_index_is_refused_cleanly(monkeypatch):
    """All three pass the "open request already?" check before the first insert commits, so
    the losers meet the partial unique index and must turn it into RequestAlreadyOpen."""
    mentor = MentorProfileFactory().user
    mentee = ProfileFactory().user
    original = MentorshipRequest.objects.create

    def slow_create(*args, **kwargs):
        time.sleep(0.2)
        return original(*args, **kwargs)

    monkeypatch.setattr(MentorshipRequest.objects, "create", slow_create)
    outcomes = race(lambda _i: services.send_request(mentee, mentor.pk, message=MESSAGE), 3)

    assert MentorshipRequest.objects.count() == 1
    assert sum(isinstance(o, MentorshipRequest) for o in outcomes) == 1
    assert sum(isinstance(o, RequestAlreadyOpen) for o in outcomes) == 2, outcomes


@pytest.mark.django_db(transaction=True)
def test_a_simultaneous_flood_of_requests_stops_at_the_open_request_cap():
    from mentorloom.mentorships.errors import TooManyOpenRequests
    from mentorloom.mentorships.services.requests import MAX_OPEN_REQUESTS

    mentee = ProfileFactory().user
    mentors = [MentorProfileFactory().user for _ in range(MAX_OPEN_REQUESTS + 3)]

    outcomes = race(
        lambda i: services.send_request(mentee, mentors[i].pk, message=MESSAGE), len(mentors)
    )

    sent = [o for o in outcomes if isinstance(o, MentorshipRequest)]
    refused = [o for o in outcomes if not isinstance(o, MentorshipRequest)]
    assert len(sent) == MAX_OPEN_REQUESTS
    assert all(isinstance(o, TooManyOpenRequests) for o in refused), refused
    assert MentorshipRequest.objects.filter(mentee=mentee).count() == MAX_OPEN_REQUESTS
