"""Request state machine: every allowed and forbidden transition, and the bad-input rules."""

from __future__ import annotations

import pytest
from django.core import mail

from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.mentorships import services
from mentorloom.mentorships.errors import (
    AlreadyMentoring,
    InvalidTransition,
    MentorAtCapacity,
    MentorNotAccepting,
    MentorPaused,
    MentorUnavailable,
    RequestAlreadyOpen,
    SelfRequest,
)
from mentorloom.mentorships.models import (
    AgreementVersion,
    Mentorship,
    MentorshipRequest,
    RequestStatus,
)
from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from tests.factories import MentorshipFactory, ProfileFactory

from .conftest import MESSAGE

pytestmark = pytest.mark.django_db


def send(mentee, mentor, **kw):
    return services.send_request(mentee, mentor.pk, message=kw.pop("message", MESSAGE), **kw)


def test_send_request_creates_pending_request_and_notifies_mentor(
    mentee, mentor, django_capture_on_commit_callbacks
):
    goal_id = mentee.profile.career_goals.get().pk
    with django_capture_on_commit_callbacks(execute=True):
        r = send(mentee, mentor, goal_ids=[goal_id], preferred_format="video", cadence="weekly")
    assert r.status == RequestStatus.PENDING
    assert list(r.goals.values_list("pk", flat=True)) == [goal_id]
    assert (r.expires_at - r.created_at).days == 7
    note = Notification.objects.get(user=mentor)
    assert note.kind == "request.received" and f"/requests/{r.pk}/" == note.url
    assert mail.outbox[0].to == [mentor.email]


@pytest.mark.parametrize(
    ("message", "ok"),
    [("x" * 49, False), ("x" * 50, True), ("x" * 2000, True), ("x" * 2001, False)],
)
def test_message_must_be_50_to_2000_characters(mentee, mentor, message, ok):
    if ok:
        assert send(mentee, mentor, message=message).pk
    else:
        with pytest.raises(InvalidInput) as exc:
            send(mentee, mentor, message=message)
        assert "message" in exc.value.fields
        assert not MentorshipRequest.objects.exists()


def test_goals_must_be_the_mentees_own(mentee, mentor):
    other = ProfileFactory()
    from mentorloom.profiles.models import CareerGoal

    foreign = CareerGoal.objects.create(name="Become a CTO")
    other.career_goals.add(foreign)
    with pytest.raises(InvalidInput) as exc:
        send(mentee, mentor, goal_ids=[foreign.pk])
    assert "goal_ids" in exc.value.fields


def test_bad_format_and_cadence_are_refused(mentee, mentor):
    with pytest.raises(InvalidInput):
        send(mentee, mentor, preferred_format="carrier pigeon")
    with pytest.raises(InvalidInput):
        send(mentee, mentor, cadence="hourly")


def test_request_to_self_is_refused(mentor):
    with pytest.raises(SelfRequest):
        send(mentor, mentor)


def test_request_to_a_non_mentor_or_unknown_id_is_not_found(mentee, outsider):
    with pytest.raises(MentorUnavailable):
        send(mentee, outsider)
    with pytest.raises(MentorUnavailable):
        services.send_request(mentee, 999999, message=MESSAGE)


@pytest.mark.parametrize("direction", ["mentee_blocked_mentor", "mentor_blocked_mentee"])
def test_request_between_blocked_people_looks_like_no_mentor(mentee, mentor, direction):
    a, b = (mentee, mentor) if direction == "mentee_blocked_mentor" else (mentor, mentee)
    Block.objects.create(blocker=a, blocked=b)
    with pytest.raises(MentorUnavailable):
        send(mentee, mentor)


def test_paused_mentor_says_when_they_are_back(mentee, mentor):
    from datetime import date, timedelta

    mentor.profile.paused_until = date.today() + timedelta(days=10)
    mentor.profile.save()
    with pytest.raises(MentorPaused) as exc:
        send(mentee, mentor)
    assert "back on" in exc.value.message


def test_mentor_not_accepting_is_refused(mentee, mentor):
    mentor.profile.accepting_requests = False
    mentor.profile.save()
    with pytest.raises(MentorNotAccepting):
        send(mentee, mentor)


def test_full_mentor_is_refused_with_a_waitlist_offer(mentee, mentor):
    MentorshipFactory.create_batch(2, mentor=mentor)
    with pytest.raises(MentorAtCapacity) as exc:
        send(mentee, mentor)
    assert "waitlist" in exc.value.message
    assert exc.value.status == 409


def test_one_open_request_per_pair(mentee, mentor):
    send(mentee, mentor)
    with pytest.raises(RequestAlreadyOpen):
        send(mentee, mentor)
    assert MentorshipRequest.objects.count() == 1


def test_open_request_constraint_holds_in_the_database(mentee, mentor):
    from django.db import IntegrityError

    first = send(mentee, mentor)
    with pytest.raises(IntegrityError):
        MentorshipRequest.objects.create(
            mentee=mentee, mentor=mentor, message=MESSAGE, expires_at=first.expires_at
        )


def test_a_new_request_is_allowed_after_the_old_one_closed(mentee, mentor):
    first = send(mentee, mentor)
    services.withdraw_request(mentee, first)
    assert send(mentee, mentor).pk != first.pk


def test_request_while_already_in_a_mentorship_is_refused(mentee, mentor):
    MentorshipFactory(mentor=mentor, mentee=mentee)
    with pytest.raises(AlreadyMentoring):
        send(mentee, mentor)


# --- transitions -----------------------------------------------------------------------------

OPEN = [RequestStatus.PENDING, RequestStatus.INFO_REQUESTED]
CLOSED = [
    RequestStatus.ACCEPTED,
    RequestStatus.DECLINED,
    RequestStatus.WITHDRAWN,
    RequestStatus.EXPIRED,
]


def in_state(mentee, mentor, status):
    r = send(mentee, mentor)
    MentorshipRequest.objects.filter(pk=r.pk).update(status=status)
    r.refresh_from_db()
    return r


ACTIONS = {
    "ask": lambda r: services.ask_for_info(r.mentor, r, "What have you tried so far?"),
    "answer": lambda r: services.answer_info(r.mentee, r, "I have read three books."),
    "accept": lambda r: services.accept_request(r.mentor, r),
    "decline": lambda r: services.decline_request(r.mentor, r, "Full right now."),
    "withdraw": lambda r: services.withdraw_request(r.mentee, r),
}
ALLOWED = {
    (RequestStatus.PENDING, "ask"): RequestStatus.INFO_REQUESTED,
    (RequestStatus.PENDING, "accept"): RequestStatus.ACCEPTED,
    (RequestStatus.PENDING, "decline"): RequestStatus.DECLINED,
    (RequestStatus.PENDING, "withdraw"): RequestStatus.WITHDRAWN,
    (RequestStatus.INFO_REQUESTED, "ask"): RequestStatus.INFO_REQUESTED,
    (RequestStatus.INFO_REQUESTED, "answer"): RequestStatus.PENDING,
    (RequestStatus.INFO_REQUESTED, "accept"): RequestStatus.ACCEPTED,
    (RequestStatus.INFO_REQUESTED, "decline"): RequestStatus.DECLINED,
    (RequestStatus.INFO_REQUESTED, "withdraw"): RequestStatus.WITHDRAWN,
}


@pytest.mark.parametrize("status", OPEN + CLOSED)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(mentee, mentor, status, action):
    r = in_state(mentee, mentor, status)
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            ACTIONS[action](r)
        r.refresh_from_db()
        assert r.status == status  # nothing changed
    else:
        ACTIONS[action](r)
        r.refresh_from_db()
        assert r.status == expected


@pytest.mark.parametrize("action", ["ask", "accept", "decline"])
def test_only_the_mentor_answers(mentee, mentor, action):
    r = send(mentee, mentor)
    fn = {
        "ask": lambda: services.ask_for_info(mentee, r, "?"),
        "accept": lambda: services.accept_request(mentee, r),
        "decline": lambda: services.decline_request(mentee, r),
    }[action]
    with pytest.raises(PermissionDenied):
        fn()


def test_only_the_mentee_withdraws_or_answers(mentee, mentor):
    r = send(mentee, mentor)
    with pytest.raises(PermissionDenied):
        services.withdraw_request(mentor, r)
    services.ask_for_info(mentor, r, "Tell me more")
    with pytest.raises(PermissionDenied):
        services.answer_info(mentor, r, "hm")


def test_accept_creates_mentorship_with_draft_agreement_and_records_response(mentee, mentor):
    r = send(mentee, mentor, preferred_format="video", cadence="weekly")
    mentorship = services.accept_request(mentor, r)
    r.refresh_from_db()
    assert r.mentorship == mentorship and r.first_response_at and r.closed_at
    assert (mentorship.mentor, mentorship.mentee, mentorship.status) == (mentor, mentee, "active")
    v1 = AgreementVersion.objects.get(mentorship=mentorship)
    assert v1.number == 1 and not v1.is_confirmed
    assert v1.cadence == "Every week" and "Video" in v1.channels
    assert "Europe/Berlin" in v1.quiet_hours
    assert Notification.objects.filter(user=mentee, kind="request.accepted").exists()


def test_double_accept_is_a_conflict_and_creates_one_mentorship(mentee, mentor):
    r = send(mentee, mentor)
    services.accept_request(mentor, r)
    with pytest.raises(InvalidTransition):
        services.accept_request(mentor, r)
    assert Mentorship.objects.count() == 1


def test_accept_when_full_is_refused(mentee, mentor):
    r = send(mentee, mentor)
    MentorshipFactory.create_batch(2, mentor=mentor)
    with pytest.raises(MentorAtCapacity):
        services.accept_request(mentor, r)
    r.refresh_from_db()
    assert r.status == RequestStatus.PENDING


def test_ask_info_thread_and_answer_renews_expiry(mentee, mentor):
    r = send(mentee, mentor)
    services.ask_for_info(mentor, r, "Which companies interest you?")
    services.answer_info(mentee, r, "Mostly climate tech start-ups.")
    r.refresh_from_db()
    assert [m.body for m in r.thread.all()] == [
        "Which companies interest you?",
        "Mostly climate tech start-ups.",
    ]
    assert r.status == RequestStatus.PENDING and r.first_response_at is not None
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"request.info_requested", "request.info_answered"} <= kinds


def test_empty_thread_message_is_refused(mentee, mentor):
    r = send(mentee, mentor)
    with pytest.raises(InvalidInput):
        services.ask_for_info(mentor, r, "   ")


def test_decline_stores_reason_and_tells_mentee(mentee, mentor):
    r = send(mentee, mentor)
    services.decline_request(mentor, r, services.DECLINE_TEMPLATES[0])
    r.refresh_from_db()
    assert r.decline_reason == services.DECLINE_TEMPLATES[0]
    note = Notification.objects.get(user=mentee, kind="request.declined")
    assert note.body == services.DECLINE_TEMPLATES[0]
