"""Two mentors' accepts racing for the last place, in real threads on the real database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mentorloom.core.errors import DomainError
from mentorloom.mentorships import services
from mentorloom.mentorships.errors import MentorAtCapacity
from mentorloom.mentorships.models import Mentorship, MentorshipRequest, RequestStatus
from tests.factories import MentorProfileFactory, MentorshipFactory, ProfileFactory

from .conftest import MESSAGE


@pytest.mark.django_db(transaction=True)
def test_two_accepts_for_the_last_place_exactly_one_succeeds():
    mentor = MentorProfileFactory(capacity=2).user
    MentorshipFactory(mentor=mentor)  # one place left
    requests = [
        services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE) for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def accept(r: MentorshipRequest) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.accept_request(mentor, r))
        except DomainError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sum(isinstance(o, Mentorship) for o in outcomes) == 1
    assert sum(isinstance(o, MentorAtCapacity) for o in outcomes) == 1
    assert Mentorship.objects.filter(mentor=mentor).exclude(status="ended").count() == 2
    statuses = sorted(MentorshipRequest.objects.values_list("status", flat=True))
    assert statuses == [RequestStatus.ACCEPTED, RequestStatus.PENDING]


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_creates_make_one_request():
    mentor = MentorProfileFactory().user
    mentee = ProfileFactory().user
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.send_request(mentee, mentor.pk, message=MESSAGE))
        except DomainError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert MentorshipRequest.objects.count() == 1
    assert sum(isinstance(o, MentorshipRequest) for o in outcomes) == 1
