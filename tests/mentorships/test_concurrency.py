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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who_blocks", ["mentor", "mentee"])
def test_a_block_while_a_request_is_being_sent_leaves_no_open_request(who_blocks):
    """The send had checked for a block and written its request, not yet committed, when the
    block came: on PostgreSQL the block's withdrawal did not see the request and it stayed open
    between the two. Both now lock the two people's rows first, so the block waits for the send
    and then withdraws what it wrote."""
    import threading

    from django.db import connections

    from mentorloom.mentorships.services.requests import request_sent
    from mentorloom.safety.services import block_user

    mentor, mentee = MentorProfileFactory().user, ProfileFactory().user
    written = threading.Event()

    def linger(request):  # type: ignore[no-untyped-def]
        written.set()
        time.sleep(0.7)  # inside the send's transaction: the block comes now

    outcome: dict[str, object] = {}

    def send() -> None:
        try:
            outcome["sent"] = services.send_request(mentee, mentor.pk, message=MESSAGE)
        except Exception as exc:
            outcome["sent"] = exc
        finally:
            connections.close_all()

    request_sent.connect(linger)
    try:
        sender = threading.Thread(target=send)
        sender.start()
        assert written.wait(timeout=10)
        if who_blocks == "mentor":
            block_user(mentor, mentee.pk)
        else:
            block_user(mentee, mentor.pk)
        sender.join(timeout=30)
    finally:
        request_sent.disconnect(linger)
    assert isinstance(outcome["sent"], MentorshipRequest)
    assert MentorshipRequest.objects.get().status == RequestStatus.WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_a_request_being_sent_while_a_block_is_made_is_refused():
    import threading

    from django.db import connections

    from mentorloom.mentorships.errors import MentorUnavailable
    from mentorloom.safety.services import block_created, block_user

    mentor, mentee = MentorProfileFactory().user, ProfileFactory().user
    blocking = threading.Event()

    def linger(blocker_id, blocked_id):  # type: ignore[no-untyped-def]
        blocking.set()
        time.sleep(0.7)  # inside the block's transaction: the send comes now

    outcome: dict[str, object] = {}

    def block() -> None:
        try:
            outcome["blocked"] = block_user(mentor, mentee.pk)
        except Exception as exc:
            outcome["blocked"] = exc
        finally:
            connections.close_all()

    block_created.connect(linger)
    try:
        blocker = threading.Thread(target=block)
        blocker.start()
        assert blocking.wait(timeout=10)
        with pytest.raises(MentorUnavailable):
            services.send_request(mentee, mentor.pk, message=MESSAGE)
        blocker.join(timeout=30)
    finally:
        block_created.disconnect(linger)
    assert not MentorshipRequest.objects.exists()


@pytest.mark.django_db
def test_accepting_a_request_from_someone_blocked_either_way_is_refused(client):
    """A request left open between a blocked pair (as the race above could leave one) is never
    turned into a mentorship."""
    from mentorloom.safety.models import Block

    mentor, mentee = MentorProfileFactory().user, ProfileFactory().user
    request = services.send_request(mentee, mentor.pk, message=MESSAGE)
    Block.objects.create(blocker=mentee, blocked=mentor)  # as if written past the withdrawal
    client.force_login(mentor)
    response = client.post(f"/api/v1/requests/{request.pk}/accept", content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "blocked"
    assert not Mentorship.objects.exists()
    request.refresh_from_db()
    assert request.status != RequestStatus.ACCEPTED
