"""A block ends contact in scheduling: no booking, series or new time between the two.

The conftest mentor is in Berlin (09:00–17:00 every day), the mentee in Tokyo; the clock is
frozen on Monday 2 June 2025 06:00 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from mentorloom.safety.services import block_user
from mentorloom.scheduling import services
from mentorloom.scheduling.errors import BlockedPair
from mentorloom.scheduling.models import (
    RescheduleProposal,
    Session,
    SessionSeries,
)

pytestmark = pytest.mark.django_db

TUE_9_BERLIN = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)
WED_9_BERLIN = TUE_9_BERLIN + timedelta(days=1)
THU_9_BERLIN = TUE_9_BERLIN + timedelta(days=2)


def book(mentorship, start=TUE_9_BERLIN, actor=None):  # type: ignore[no-untyped-def]
    session, _ = services.book_session(
        actor or mentorship.mentee,
        mentorship,
        starts_at=start,
        duration_minutes=30,
        zone="Asia/Tokyo",
    )
    return session


def mail_to(user) -> list:  # type: ignore[no-untyped-def]
    return [m for m in mail.outbox if user.email in m.to]


def test_a_blocked_mentee_cannot_book_and_the_blocker_hears_nothing(
    client, mentorship, frozen, django_capture_on_commit_callbacks
):
    mentor, mentee = mentorship.mentor, mentorship.mentee
    block_user(mentor, mentee.pk)
    mail.outbox.clear()
    client.force_login(mentee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/mentorships/{mentorship.pk}/sessions",
            json.dumps(
                {
                    "start": "2025-06-03T07:00:00Z",
                    "duration": 30,
                    "tz": "Asia/Tokyo",
                    "agenda": "You cannot get rid of me that easily",
                }
            ),
            content_type="application/json",
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"
    assert response.json()["error"]["message"] == "You cannot book sessions with this person."
    assert not Session.objects.exists()
    assert mail_to(mentor) == []
    assert not Notification.objects.filter(user=mentor, kind="session.booked").exists()


def test_the_blocker_cannot_book_with_the_blocked_person_either(mentorship, frozen):
    Block.objects.create(blocker=mentorship.mentee, blocked=mentorship.mentor)
    with pytest.raises(BlockedPair):
        book(mentorship, actor=mentorship.mentor)
    assert not Session.objects.exists()


def test_a_blocked_mentee_cannot_book_a_series(client, mentorship, frozen):
    block_user(mentorship.mentor, mentorship.mentee.pk)
    mail.outbox.clear()
    client.force_login(mentorship.mentee)
    response = client.post(
        f"/api/v1/mentorships/{mentorship.pk}/series",
        json.dumps(
            {
                "frequency": "weekly",
                "first_date": "2025-06-03",
                "time": "16:00",
                "count": 4,
                "duration": 30,
                "tz": "Asia/Tokyo",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"
    assert not SessionSeries.objects.exists() and not Session.objects.exists()
    assert mail.outbox == []


def test_after_a_block_a_booked_session_can_be_neither_moved_nor_proposed_a_new_time(
    mentorship, frozen
):
    session = book(mentorship)
    # The block row alone (not block_user, which would cancel the session): the guard itself.
    Block.objects.create(blocker=mentorship.mentor, blocked=mentorship.mentee)
    for actor in (mentorship.mentee, mentorship.mentor):  # a direct move, then a proposal
        with pytest.raises(BlockedPair):
            services.request_reschedule(
                actor, session, starts_at=THU_9_BERLIN, zone="Europe/Berlin"
            )
    with pytest.raises(BlockedPair):
        services.reschedule_session(
            mentorship.mentee, session, starts_at=THU_9_BERLIN, zone="Europe/Berlin"
        )
    session.refresh_from_db()
    assert session.starts_at == TUE_9_BERLIN
    assert not RescheduleProposal.objects.exists()


def test_a_proposal_made_before_a_block_cannot_be_accepted_after_it(mentorship, frozen):
    session = book(mentorship)
    proposal = services.request_reschedule(
        mentorship.mentor, session, starts_at=THU_9_BERLIN, zone="Europe/Berlin"
    )
    assert isinstance(proposal, RescheduleProposal)
    Block.objects.create(blocker=mentorship.mentee, blocked=mentorship.mentor)
    with pytest.raises(BlockedPair):
        services.accept_proposal(mentorship.mentee, proposal)
    session.refresh_from_db()
    assert session.starts_at == TUE_9_BERLIN
