"""A block ends contact in scheduling: no booking, series or new time between the two, and
their upcoming sessions are cancelled without a word to either; ending a mentorship cancels its
upcoming sessions with the usual notices.

The conftest mentor is in Berlin (09:00–17:00 every day), the mentee in Tokyo; the clock is
frozen on Monday 2 June 2025 06:00 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from mentorloom.mentorships.services import end_mentorship
from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from mentorloom.safety.services import block_user
from mentorloom.scheduling import services
from mentorloom.scheduling.errors import BlockedPair
from mentorloom.scheduling.models import (
    ProposalStatus,
    RescheduleProposal,
    Session,
    SessionSeries,
    SessionStatus,
)
from tests.factories import SchedulingMentorshipFactory

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


def test_blocking_cancels_the_pairs_upcoming_sessions_without_telling_anyone(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    mentor, mentee = mentorship.mentor, mentorship.mentee
    first, second = book(mentorship), book(mentorship, start=WED_9_BERLIN)
    proposal = services.request_reschedule(
        mentor, first, starts_at=THU_9_BERLIN, zone="Europe/Berlin"
    )
    # The mentor's session with someone else is not touched.
    other = SchedulingMentorshipFactory(mentor=mentor)
    elsewhere = book(other, start=THU_9_BERLIN + timedelta(hours=2))
    mail.outbox.clear()
    notices_before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        block_user(mentor, mentee.pk)
    for session in (first, second):
        session.refresh_from_db()
        assert session.status == SessionStatus.CANCELLED
        assert session.cancelled_by_id == mentor.pk and not session.late_cancel
        assert session.ics_sequence == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUPERSEDED
    elsewhere.refresh_from_db()
    assert elsewhere.status == SessionStatus.BOOKED
    assert mail.outbox == []
    assert Notification.objects.count() == notices_before


def test_ending_a_mentorship_cancels_its_upcoming_sessions_and_tells_both(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    mentor, mentee = mentorship.mentor, mentorship.mentee
    session = book(mentorship)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        end_mentorship(mentor, mentorship, went_well="Good progress.")
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancelled_by_id == mentor.pk
    assert session.cancel_reason == "The mentorship ended."
    cancels = [m for m in mail.outbox if m.attachments and "method=CANCEL" in m.attachments[0][2]]
    assert sorted(m.to[0] for m in cancels) == sorted([mentor.email, mentee.email])
    assert Notification.objects.filter(user=mentee, kind="session.cancelled").count() == 1


def test_a_session_cancelled_because_the_mentorship_ended_is_not_a_late_cancellation(
    mentorship, frozen
):
    soon = book(mentorship)  # Tuesday 07:00 UTC, 25 hours ahead
    frozen.shift(timedelta(hours=3))  # now inside the 24-hour late window
    end_mentorship(mentorship.mentee, mentorship, went_well="Thanks.")
    soon.refresh_from_db()
    assert soon.status == SessionStatus.CANCELLED
    assert soon.late_cancel is False


def test_ending_a_mentorship_cancels_a_whole_series_but_not_other_mentorships(mentorship, frozen):
    services.create_series(
        mentorship.mentor,
        mentorship,
        frequency="weekly",
        first_date=date(2025, 6, 3),
        wall_time=time(9),
        count=3,
        until=None,
        alt_time=None,
        nth=None,
        duration_minutes=30,
        zone="Europe/Berlin",
    )
    other = SchedulingMentorshipFactory(mentor=mentorship.mentor)  # the same open hours
    kept = book(other, start=WED_9_BERLIN)
    end_mentorship(mentorship.mentee, mentorship)
    statuses = set(Session.objects.filter(mentorship=mentorship).values_list("status", flat=True))
    assert statuses == {SessionStatus.CANCELLED}
    kept.refresh_from_db()
    assert kept.status == SessionStatus.BOOKED


def test_after_a_block_the_booking_page_shows_no_free_times(client, mentorship, frozen):
    """As the slots API answers 404 after a block, the page lists none of the other's times."""
    client.force_login(mentorship.mentee)
    url = f"/mentorships/{mentorship.pk}/book/"
    assert b'name="start"' in client.get(url).content
    Block.objects.create(blocker=mentorship.mentor, blocked=mentorship.mentee)
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="start"' not in page.content
    assert "You cannot book sessions with this person." in page.content.decode()
    zone = mentorship.mentor.profile.time_zone
    assert zone not in page.content.decode()  # nor their zone, hours or time fit
    assert b"overlap-strip" not in page.content


def test_after_a_block_the_series_page_does_not_show_the_other_s_zone(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    url = f"/mentorships/{mentorship.pk}/series/new/"
    zone = mentorship.mentor.profile.time_zone
    assert zone in client.get(url).content.decode()
    Block.objects.create(blocker=mentorship.mentor, blocked=mentorship.mentee)
    page = client.get(url)
    assert page.status_code == 200 and zone not in page.content.decode()
