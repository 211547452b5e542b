"""Request abuse limits (issue 22, defect 7): open-request cap, send rate limits, one e-mail per
pair a day, collapsed withdraw → resend notifications, verified e-mail required."""

from __future__ import annotations

import contextlib

import pytest
from django.core import mail

from mentorloom.accounts.errors import EmailUnverified
from mentorloom.mentorships import services
from mentorloom.mentorships.errors import RequestsTooFast, TooManyOpenRequests
from mentorloom.mentorships.models import MentorshipRequest
from mentorloom.mentorships.services.requests import (
    MAX_OPEN_REQUESTS,
    SENDS_PER_HOUR,
    SENDS_PER_PAIR_PER_DAY,
)
from mentorloom.notifications.models import Notification
from tests.factories import MentorProfileFactory, ProfileFactory, UserFactory

from .conftest import MESSAGE, post_json

pytestmark = pytest.mark.django_db


def send(mentee, mentor_id):
    return services.send_request(mentee, mentor_id, message=MESSAGE)


def test_a_mentee_cannot_hold_more_than_five_open_requests(mentee):
    mentors = [MentorProfileFactory().user for _ in range(MAX_OPEN_REQUESTS + 1)]
    for mentor in mentors[:MAX_OPEN_REQUESTS]:
        send(mentee, mentor.pk)
    with pytest.raises(TooManyOpenRequests):
        send(mentee, mentors[-1].pk)
    assert MentorshipRequest.objects.filter(mentee=mentee).count() == MAX_OPEN_REQUESTS
    # Withdrawing one frees a place.
    services.withdraw_request(mentee, MentorshipRequest.objects.filter(mentee=mentee).first())
    send(mentee, mentors[-1].pk)


def test_request_flood_over_the_api_is_capped_with_a_clear_409(client, mentee):
    client.force_login(mentee)
    mentors = [MentorProfileFactory().user for _ in range(8)]
    answers = [
        post_json(client, "/api/v1/requests", {"mentor_id": m.pk, "message": MESSAGE})
        for m in mentors
    ]
    assert [a.status_code for a in answers] == [201] * 5 + [409] * 3
    error = answers[-1].json()["error"]
    assert error["code"] == "too_many_open_requests"
    assert "Withdraw one" in error["message"]
    assert MentorshipRequest.objects.filter(mentee=mentee).count() == 5


def test_sends_are_rate_limited_per_sender(mentee):
    mentors = [MentorProfileFactory().user for _ in range(SENDS_PER_HOUR + 1)]
    for mentor in mentors[:SENDS_PER_HOUR]:
        # Each send counts, even those refused for another reason (here: the cap).
        with contextlib.suppress(TooManyOpenRequests):
            send(mentee, mentor.pk)
    with pytest.raises(RequestsTooFast) as exc:
        send(mentee, mentors[-1].pk)
    assert exc.value.status == 429 and exc.value.code == "request_rate_limited"


def test_withdraw_resend_flood_is_collapsed_and_rate_limited_per_pair(
    mentee, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(SENDS_PER_PAIR_PER_DAY):
            services.withdraw_request(mentee, send(mentee, mentor.pk))
        with pytest.raises(RequestsTooFast):
            send(mentee, mentor.pk)
    # Unread and then withdrawn: the mentor is not told about each round, only e-mailed once.
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert Notification.objects.filter(user=mentor).count() == 0


def test_resend_after_the_mentor_saw_the_request_notifies_without_a_second_email(
    mentee, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(mentee, mentor.pk)
        Notification.objects.filter(user=mentor).update(read_at=first.created_at)
        services.withdraw_request(mentee, first)
        send(mentee, mentor.pk)
    kinds = list(Notification.objects.filter(user=mentor).values_list("kind", flat=True))
    assert sorted(kinds) == ["request.received", "request.received", "request.withdrawn"]
    assert len(mail.outbox) == 1


def test_unverified_account_cannot_send_a_request(client, mentor):
    unverified = ProfileFactory(user=UserFactory(email_verified_at=None)).user
    with pytest.raises(EmailUnverified):
        send(unverified, mentor.pk)
    client.force_login(unverified)
    answer = post_json(client, "/api/v1/requests", {"mentor_id": mentor.pk, "message": MESSAGE})
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "email_unverified"
    assert "verify your e-mail" in error["message"]
    assert not MentorshipRequest.objects.exists()
