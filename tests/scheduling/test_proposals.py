"""Rescheduling as a proposal: who moves directly, who proposes, accept / decline / withdraw,
expiry at the session start, one open proposal per session, and the slot re-check on accept.

The mentor is in Berlin (09:00–17:00 every day), the mentee in Tokyo; the clock is frozen on
Monday 2 June 2025 06:00 UTC, so Tuesday 09:00 Berlin is 25 h ahead (outside the 24 h
late-cancellation window).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.core import mail

from mentorloom.notifications.models import Notification
from mentorloom.scheduling import services
from mentorloom.scheduling.errors import (
    NotProposer,
    OwnProposal,
    ProposalAlreadyOpen,
    ProposalExpired,
    ProposalNeeded,
    ProposalNotOpen,
    SlotTaken,
)
from mentorloom.scheduling.models import (
    ProposalStatus,
    RescheduleProposal,
    SentReminder,
    Session,
)
from mentorloom.scheduling.selectors import open_proposal_for
from tests.factories import SchedulingMentorshipFactory, UserFactory

from .conftest import open_every_day

pytestmark = pytest.mark.django_db

TUE_9_BERLIN = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)
TUE_11_BERLIN = TUE_9_BERLIN + timedelta(hours=2)
TUE_20_BERLIN = datetime(2025, 6, 3, 18, 0, tzinfo=UTC)  # outside the mentor's hours
THU_9_BERLIN = datetime(2025, 6, 5, 7, 0, tzinfo=UTC)


def book(mentorship, start=TUE_9_BERLIN, actor=None):  # type: ignore[no-untyped-def]
    session, _ = services.book_session(
        actor or mentorship.mentee,
        mentorship,
        starts_at=start,
        duration_minutes=30,
        zone="Asia/Tokyo",
    )
    return session


def move(actor, session, start, **kwargs):  # type: ignore[no-untyped-def]
    return services.request_reschedule(
        actor, session, starts_at=start, zone=kwargs.pop("zone", "Europe/Berlin"), **kwargs
    )


# --- Direct move or proposal ----------------------------------------------------------------


def test_mentee_moves_directly_into_a_free_slot_outside_the_late_window(mentorship, frozen):
    session = book(mentorship)
    result = move(mentorship.mentee, session, TUE_11_BERLIN)
    assert isinstance(result, Session)
    assert result.starts_at == TUE_11_BERLIN and result.ics_sequence == 1
    assert not RescheduleProposal.objects.exists()


def test_mentor_moving_a_session_makes_a_proposal_and_the_session_stays(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    session = book(mentorship)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = move(mentorship.mentor, session, TUE_11_BERLIN, message="Clash at work")
    assert isinstance(result, RescheduleProposal)
    assert result.status == ProposalStatus.OPEN and result.proposed_by == mentorship.mentor
    assert (result.starts_at, result.ends_at) == (
        TUE_11_BERLIN,
        TUE_11_BERLIN + timedelta(minutes=30),
    )
    assert result.expires_at == TUE_9_BERLIN  # it lapses when the session starts
    session.refresh_from_db()
    assert session.starts_at == TUE_9_BERLIN and session.ics_sequence == 0
    notice = Notification.objects.get(user=mentorship.mentee, kind="session.reschedule_proposed")
    # Shown in the mentee's own zone (Tokyo): 16:00 → 18:00, with the proposer's note.
    assert "16:00 (Asia/Tokyo" in notice.body and "18:00 (Asia/Tokyo" in notice.body
    assert "Clash at work" in notice.body
    assert [m.to for m in mail.outbox] == [[mentorship.mentee.email]]


def test_mentee_moving_inside_the_late_window_makes_a_proposal(mentorship, frozen):
    session = book(mentorship)
    frozen.move_to(TUE_9_BERLIN - timedelta(hours=23))
    result = move(mentorship.mentee, session, TUE_11_BERLIN)
    assert isinstance(result, RescheduleProposal)
    assert Session.objects.get(pk=session.pk).starts_at == TUE_9_BERLIN


def test_mentee_moving_outside_the_mentors_availability_makes_a_proposal(mentorship, frozen):
    session = book(mentorship)
    result = move(mentorship.mentee, session, TUE_20_BERLIN)
    assert isinstance(result, RescheduleProposal) and result.starts_at == TUE_20_BERLIN


def test_a_time_that_clashes_with_another_session_is_refused_not_proposed(mentorship, frozen):
    session = book(mentorship)
    other = book(mentorship, start=TUE_11_BERLIN)
    with pytest.raises(SlotTaken):
        move(mentorship.mentor, session, other.starts_at + timedelta(minutes=15))
    # The mentee's sessions with another mentor count too.
    elsewhere = SchedulingMentorshipFactory(mentee=mentorship.mentee)
    open_every_day(elsewhere.mentor)
    book(elsewhere, start=THU_9_BERLIN)
    with pytest.raises(SlotTaken):
        move(mentorship.mentor, session, THU_9_BERLIN)
    assert not RescheduleProposal.objects.exists()


def test_a_proposal_needs_a_new_time_in_the_future(mentorship, frozen):
    session = book(mentorship)
    with pytest.raises(services.InvalidInput) as past:
        move(mentorship.mentor, session, TUE_9_BERLIN - timedelta(days=2))
    assert "start" in past.value.fields
    with pytest.raises(services.InvalidInput) as same:
        move(mentorship.mentor, session, TUE_9_BERLIN)
    assert "start" in same.value.fields
    with pytest.raises(services.InvalidInput) as zone:
        move(mentorship.mentor, session, TUE_11_BERLIN, zone="Mars/Olympus")
    assert "tz" in zone.value.fields


def test_only_one_open_proposal_per_session(mentorship, frozen):
    session = book(mentorship)
    first = move(mentorship.mentor, session, TUE_11_BERLIN)
    with pytest.raises(ProposalAlreadyOpen):
        move(mentorship.mentor, session, TUE_20_BERLIN)
    # Not even from the other side: the open one must be answered first.
    with pytest.raises(ProposalAlreadyOpen):
        move(mentorship.mentee, session, TUE_20_BERLIN)
    services.decline_proposal(mentorship.mentee, first)
    second = move(mentorship.mentor, session, TUE_20_BERLIN)
    assert second.status == ProposalStatus.OPEN


# --- Accept / decline / withdraw ------------------------------------------------------------


def test_accepting_moves_the_session_with_new_invitations_and_reminders(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.accept_proposal(mentorship.mentee, proposal)
    assert moved.pk == session.pk and moved.uid == session.uid
    assert (moved.starts_at, moved.ends_at) == (THU_9_BERLIN, THU_9_BERLIN + timedelta(minutes=30))
    assert moved.ics_sequence == 1 and moved.zone == "Europe/Berlin"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == mentorship.mentee
    invites = [m for m in mail.outbox if m.attachments]
    assert sorted(m.to[0] for m in invites) == sorted(
        [mentorship.mentor.email, mentorship.mentee.email]
    )
    cal = icalendar.Calendar.from_ical(invites[0].attachments[0][1])
    event = next(iter(cal.walk("VEVENT")))
    assert cal["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART").astimezone(UTC) == THU_9_BERLIN
    assert str(event["UID"]).startswith(str(session.uid))
    assert Notification.objects.filter(user=mentorship.mentor, kind="session.moved").exists()
    # Reminders follow the new time: none at the old one, a 24 h one before the new one.
    assert services.send_due_reminders(now=TUE_9_BERLIN - timedelta(hours=23)) == 0
    assert services.send_due_reminders(now=THU_9_BERLIN - timedelta(hours=23)) == 1
    assert SentReminder.objects.get(session=session).starts_at == THU_9_BERLIN


def test_declining_keeps_the_session_and_tells_the_proposer(mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentee, session, TUE_20_BERLIN)
    declined = services.decline_proposal(mentorship.mentor, proposal)
    assert declined.status == ProposalStatus.DECLINED
    session.refresh_from_db()
    assert session.starts_at == TUE_9_BERLIN and session.ics_sequence == 0
    notice = Notification.objects.get(user=mentorship.mentee, kind="session.reschedule_declined")
    assert "16:00 (Asia/Tokyo" in notice.body
    with pytest.raises(ProposalNotOpen):
        services.accept_proposal(mentorship.mentor, proposal)


def test_the_proposer_cannot_answer_their_own_proposal_but_can_withdraw_it(mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, TUE_11_BERLIN)
    with pytest.raises(OwnProposal):
        services.accept_proposal(mentorship.mentor, proposal)
    with pytest.raises(OwnProposal):
        services.decline_proposal(mentorship.mentor, proposal)
    with pytest.raises(NotProposer):
        services.withdraw_proposal(mentorship.mentee, proposal)
    assert services.withdraw_proposal(mentorship.mentor, proposal).status == "withdrawn"
    assert open_proposal_for(session, datetime.now(UTC)) is None
    with pytest.raises(ProposalNotOpen):
        services.accept_proposal(mentorship.mentee, proposal)


def test_a_proposal_expires_when_the_session_starts(mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    frozen.move_to(TUE_9_BERLIN - timedelta(minutes=1))
    assert open_proposal_for(session, datetime.now(UTC)) == proposal
    frozen.move_to(TUE_9_BERLIN)
    assert open_proposal_for(session, datetime.now(UTC)) is None
    with pytest.raises(ProposalExpired):
        services.accept_proposal(mentorship.mentee, proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    assert Session.objects.get(pk=session.pk).starts_at == TUE_9_BERLIN
    with pytest.raises(ProposalExpired):
        services.decline_proposal(mentorship.mentee, proposal)


def test_a_proposal_for_an_earlier_time_expires_when_that_time_passes(mentorship, frozen):
    session = book(mentorship, start=THU_9_BERLIN)
    proposal = move(mentorship.mentor, session, TUE_11_BERLIN)
    frozen.move_to(TUE_11_BERLIN)
    with pytest.raises(ProposalExpired):
        services.accept_proposal(mentorship.mentee, proposal)


def test_accepting_rechecks_that_the_time_is_still_free(mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    # Meanwhile the mentor's other mentee books that very slot.
    second = SchedulingMentorshipFactory(mentor=mentorship.mentor)
    book(second, start=THU_9_BERLIN)
    with pytest.raises(SlotTaken):
        services.accept_proposal(mentorship.mentee, proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN  # still there, to be declined
    assert Session.objects.get(pk=session.pk).starts_at == TUE_9_BERLIN


def test_accepting_a_time_outside_availability_works_because_both_agreed(mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentee, session, TUE_20_BERLIN)
    moved = services.accept_proposal(mentorship.mentor, proposal)
    assert moved.starts_at == TUE_20_BERLIN


def test_cancelling_or_moving_the_session_closes_its_open_proposal(mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, TUE_20_BERLIN)
    services.reschedule_session(
        mentorship.mentee, session, starts_at=TUE_11_BERLIN, zone="Asia/Tokyo"
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUPERSEDED
    again = move(mentorship.mentor, Session.objects.get(pk=session.pk), TUE_20_BERLIN)
    services.cancel_session(mentorship.mentee, Session.objects.get(pk=session.pk))
    again.refresh_from_db()
    assert again.status == ProposalStatus.SUPERSEDED
    with pytest.raises(ProposalNotOpen):
        services.accept_proposal(mentorship.mentee, again)


def test_moving_a_series_directly_follows_the_same_rule(mentorship, frozen):
    from datetime import date, time

    _, created, _ = services.create_series(
        mentorship.mentee,
        mentorship,
        duration_minutes=30,
        zone="Europe/Berlin",
        frequency="weekly",
        first_date=date(2025, 6, 3),
        wall_time=time(9),
        count=3,
        until=None,
        alt_time=None,
        nth=None,
    )
    with pytest.raises(ProposalNeeded):
        services.move_following(
            mentorship.mentor, created[1], starts_at=created[1].starts_at + timedelta(hours=1)
        )
    moved = services.move_following(
        mentorship.mentee, created[1], starts_at=created[1].starts_at + timedelta(hours=1)
    )
    assert len(moved) == 2


# --- API ------------------------------------------------------------------------------------


def _post(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_api_reschedule_returns_the_moved_session_or_a_proposal(client, mentorship, frozen):
    session = book(mentorship)
    client.force_login(mentorship.mentee)
    moved = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": TUE_11_BERLIN.isoformat(), "tz": "Asia/Tokyo"},
    )
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith("2025-06-03T09:00")
    client.force_login(mentorship.mentor)
    proposed = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": THU_9_BERLIN.isoformat(), "tz": "Europe/Berlin", "message": "Thursday?"},
    )
    assert proposed.status_code == 202
    body = proposed.json()
    assert body["status"] == "open" and body["session_id"] == session.pk
    assert body["start_local"] == "2025-06-05T09:00:00+02:00"  # the mentor's zone
    assert body["message"] == "Thursday?" and body["proposed_by_id"] == mentorship.mentor_id
    listed = client.get(f"/api/v1/sessions/{session.pk}/reschedule-proposals").json()
    assert [p["id"] for p in listed] == [body["id"]]
    again = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": TUE_20_BERLIN.isoformat(), "tz": "Europe/Berlin"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "proposal_open"
    own = _post(client, f"/api/v1/reschedule-proposals/{body['id']}/accept")
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_proposal"
    client.force_login(mentorship.mentee)
    seen = client.get(f"/api/v1/reschedule-proposals/{body['id']}").json()
    assert seen["start_local"] == "2025-06-05T16:00:00+09:00"  # the mentee's zone
    accepted = _post(client, f"/api/v1/reschedule-proposals/{body['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["starts_at"].startswith("2025-06-05T07:00")
    assert accepted.json()["ics_sequence"] == 2
    twice = _post(client, f"/api/v1/reschedule-proposals/{body['id']}/decline")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "proposal_closed"


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({"start": "2025-05-01T07:00:00Z", "tz": "UTC"}, 422, "start"),
        ({"start": "2025-06-03T07:00:00Z", "tz": "UTC"}, 422, "start"),
        ({"start": "2025-06-03T09:00:00Z", "tz": "Mars/Olympus"}, 422, "tz"),
        ({"start": "2025-06-03T09:00:00", "tz": "UTC"}, 422, "start"),
        ({"start": "not a time", "tz": "UTC"}, 422, None),
    ],
)
def test_api_bad_proposals_get_the_error_shape(client, mentorship, frozen, body, status, where):
    session = book(mentorship)
    client.force_login(mentorship.mentor)
    response = _post(client, f"/api/v1/sessions/{session.pk}/reschedule", body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    if where:
        assert where in error["fields"]


def test_api_proposal_for_a_taken_time_is_409_slot_taken(client, mentorship, frozen):
    session = book(mentorship)
    book(mentorship, start=TUE_11_BERLIN)
    client.force_login(mentorship.mentor)
    response = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": TUE_11_BERLIN.isoformat(), "tz": "UTC"},
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "slot_taken"


def test_api_accepting_a_taken_or_expired_proposal_is_409(client, mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    book(SchedulingMentorshipFactory(mentor=mentorship.mentor), start=THU_9_BERLIN)
    client.force_login(mentorship.mentee)
    taken = _post(client, f"/api/v1/reschedule-proposals/{proposal.pk}/accept")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "slot_taken"
    frozen.move_to(TUE_9_BERLIN + timedelta(minutes=1))
    client.logout()  # days later: the browser session has passed its idle timeout
    client.force_login(mentorship.mentee)
    expired = _post(client, f"/api/v1/reschedule-proposals/{proposal.pk}/decline")
    assert expired.status_code == 409
    assert expired.json()["error"]["code"] == "proposal_expired"
    assert client.get(f"/api/v1/reschedule-proposals/{proposal.pk}").json()["status"] == "expired"


def test_api_moving_a_started_or_cancelled_session_is_409(client, mentorship, frozen):
    session = book(mentorship)
    client.force_login(mentorship.mentor)
    frozen.move_to(TUE_9_BERLIN + timedelta(minutes=5))
    started = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": THU_9_BERLIN.isoformat(), "tz": "UTC"},
    )
    assert started.status_code == 409 and started.json()["error"]["code"] == "session_started"
    later = book(mentorship, start=THU_9_BERLIN)
    services.cancel_session(mentorship.mentee, later)
    cancelled = _post(
        client,
        f"/api/v1/sessions/{later.pk}/reschedule",
        {"start": (THU_9_BERLIN + timedelta(hours=2)).isoformat(), "tz": "UTC"},
    )
    assert cancelled.status_code == 409
    assert cancelled.json()["error"]["code"] == "session_not_booked"


def test_api_moving_in_a_paused_mentorship_is_403(client, mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    mentorship.status = "paused"
    mentorship.save()
    client.force_login(mentorship.mentee)
    response = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": TUE_11_BERLIN.isoformat(), "tz": "UTC"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mentorship_not_active"
    accept = _post(client, f"/api/v1/reschedule-proposals/{proposal.pk}/accept")
    assert accept.status_code == 403
    assert accept.json()["error"]["code"] == "mentorship_not_active"


def test_api_withdraw_by_the_other_side_is_403(client, mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    client.force_login(mentorship.mentee)
    response = _post(client, f"/api/v1/reschedule-proposals/{proposal.pk}/withdraw")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_proposer"
    client.force_login(mentorship.mentor)
    assert _post(client, f"/api/v1/reschedule-proposals/{proposal.pk}/withdraw").status_code == 200


def test_api_series_move_by_the_mentor_is_409_proposal_needed(client, mentorship, frozen):
    from datetime import date, time

    _, created, _ = services.create_series(
        mentorship.mentee,
        mentorship,
        duration_minutes=30,
        zone="Europe/Berlin",
        frequency="weekly",
        first_date=date(2025, 6, 10),
        wall_time=time(9),
        count=2,
        until=None,
        alt_time=None,
        nth=None,
    )
    client.force_login(mentorship.mentor)
    response = _post(
        client,
        f"/api/v1/sessions/{created[0].pk}/reschedule",
        {
            "start": (created[0].starts_at + timedelta(hours=1)).isoformat(),
            "tz": "UTC",
            "scope": "following",
        },
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "proposal_needed"


def test_outsiders_get_404_for_proposals_and_their_sessions(client, mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/reschedule-proposals/{proposal.pk}").status_code == 404
    for action in ("accept", "decline", "withdraw"):
        url = f"/api/v1/reschedule-proposals/{proposal.pk}/{action}"
        assert _post(client, url).status_code == 404
    assert client.get(f"/api/v1/sessions/{session.pk}/reschedule-proposals").status_code == 404
    moved = _post(
        client,
        f"/api/v1/sessions/{session.pk}/reschedule",
        {"start": TUE_11_BERLIN.isoformat(), "tz": "UTC"},
    )
    assert moved.status_code == 404
    for action in ("accept", "decline", "withdraw"):
        assert client.post(f"/schedule/proposals/{proposal.pk}/{action}/").status_code == 404
    assert _post(client, "/api/v1/reschedule-proposals/999999/accept").status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_api_proposals_need_sign_in(client, mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentor, session, THU_9_BERLIN)
    assert _post(client, f"/api/v1/reschedule-proposals/{proposal.pk}/accept").status_code == 401


# --- Pages ----------------------------------------------------------------------------------


def test_session_page_shows_the_proposal_to_each_side_and_accepts(client, mentorship, frozen):
    session = book(mentorship)
    client.force_login(mentorship.mentor)
    page = client.get(f"/schedule/{session.pk}/").content.decode()
    assert "Propose another time" in page  # the mentor always needs agreement
    response = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"reschedule": session.pk, "start": THU_9_BERLIN.isoformat(), "message": "Thu?"},
    )
    assert response.status_code == 302 and response["Location"] == f"/schedule/{session.pk}/"
    mine = client.get(f"/schedule/{session.pk}/").content.decode()
    assert "You asked to move this session" in mine and "Withdraw the proposal" in mine
    assert "Thu 05 Jun 2025, 09:00 (Europe/Berlin, UTC+2)" in mine
    assert "Accept the new time" not in mine

    client.force_login(mentorship.mentee)
    theirs = client.get(f"/schedule/{session.pk}/").content.decode()
    name = mentorship.mentor.profile.name
    assert f"{name} asks to move this session" in theirs
    assert "Thu 05 Jun 2025, 16:00 (Asia/Tokyo, UTC+9)" in theirs and "“Thu?”" in theirs
    assert "Accept the new time" in theirs and "Decline" in theirs
    assert "Propose another time" not in theirs and "Move to another time" not in theirs
    proposal = RescheduleProposal.objects.get()
    accepted = client.post(f"/schedule/proposals/{proposal.pk}/accept/")
    assert accepted.status_code == 302
    after = client.get(f"/schedule/{session.pk}/").content.decode()
    assert "The session is moved" in after and "asks to move" not in after
    assert Session.objects.get(pk=session.pk).starts_at == THU_9_BERLIN


def test_session_page_decline_and_errors_are_messages_not_500s(client, mentorship, frozen):
    session = book(mentorship)
    proposal = move(mentorship.mentee, session, TUE_20_BERLIN)
    client.force_login(mentorship.mentee)
    own = client.post(f"/schedule/proposals/{proposal.pk}/accept/", follow=True)
    assert "the other person accepts or declines it" in own.content.decode()
    client.force_login(mentorship.mentor)
    declined = client.post(f"/schedule/proposals/{proposal.pk}/decline/", follow=True)
    assert "Declined; the session stays as it is." in declined.content.decode()
    again = client.post(f"/schedule/proposals/{proposal.pk}/decline/", follow=True)
    assert "already been answered" in again.content.decode()
    assert client.get(f"/schedule/proposals/{proposal.pk}/decline/").status_code == 405


def test_mentee_moving_from_the_booking_page_still_moves_directly(client, mentorship, frozen):
    session = book(mentorship)
    client.force_login(mentorship.mentee)
    page = client.get(f"/mentorships/{mentorship.pk}/book/?reschedule={session.pk}")
    assert "will be asked to accept" not in page.content.decode()
    response = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"reschedule": session.pk, "start": TUE_11_BERLIN.isoformat()},
        follow=True,
    )
    assert "The session is moved" in response.content.decode()
    assert Session.objects.get(pk=session.pk).starts_at == TUE_11_BERLIN
    frozen.move_to(TUE_11_BERLIN - timedelta(hours=20))
    late = client.get(f"/mentorships/{mentorship.pk}/book/?reschedule={session.pk}")
    assert "will be asked to accept it" in late.content.decode()
    assert 'name="message"' in late.content.decode()
