"""Booking, moving, cancelling, no-shows and reminders against the real database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
from django.core import mail

from mentorloom.core.idempotency import KeyReused
from mentorloom.notifications.models import Notification
from mentorloom.scheduling import services
from mentorloom.scheduling.errors import (
    DurationNotOffered,
    MentorshipNotActive,
    OutsideAvailability,
    RuleOverlap,
    SessionNotBooked,
    SlotTaken,
    TooEarlyForNoShow,
)
from mentorloom.scheduling.models import SentReminder, Session
from tests.factories import SchedulingMentorshipFactory, UserFactory

from .conftest import open_every_day

TUE_9_BERLIN = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def book(mentorship, start=TUE_9_BERLIN, actor=None, **kwargs):  # type: ignore[no-untyped-def]
    session, _ = services.book_session(
        actor or mentorship.mentee,
        mentorship,
        starts_at=start,
        duration_minutes=kwargs.pop("duration", 30),
        zone="Asia/Tokyo",
        **kwargs,
    )
    return session


def test_mentee_books_a_free_slot_and_both_get_an_invitation(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = book(mentorship, agenda="Career switch")
    assert session.starts_at == TUE_9_BERLIN
    assert session.ends_at == TUE_9_BERLIN + timedelta(minutes=30)
    assert session.zone == "Asia/Tokyo"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [mentorship.mentor.email, mentorship.mentee.email]
    )
    attachment = mail.outbox[0].attachments[0]
    assert attachment[0] == "invite.ics" and "method=REQUEST" in attachment[2]
    cal = icalendar.Calendar.from_ical(attachment[1])
    assert cal["METHOD"] == "REQUEST"
    # The in-app notice goes to the other side only.
    assert Notification.objects.filter(user=mentorship.mentor, kind="session.booked").count() == 1
    assert not Notification.objects.filter(user=mentorship.mentee).exists()


def test_booking_a_taken_slot_raises_slot_taken(mentorship, frozen):
    book(mentorship)
    with pytest.raises(SlotTaken):
        book(mentorship)
    assert Session.objects.count() == 1


def test_buffers_make_the_next_slot_unbookable(mentorship, frozen):
    services.update_settings(mentorship.mentor, buffer_after_minutes=15)
    book(mentorship)
    with pytest.raises(SlotTaken):
        book(mentorship, start=TUE_9_BERLIN + timedelta(minutes=30))
    book(mentorship, start=TUE_9_BERLIN + timedelta(minutes=60))


def test_daily_limit_is_enforced_at_booking(mentorship, frozen):
    services.update_settings(mentorship.mentor, max_per_day=1)
    book(mentorship)
    with pytest.raises(SlotTaken):
        book(mentorship, start=TUE_9_BERLIN + timedelta(hours=2))


def test_booking_outside_availability_is_refused(mentorship, frozen):
    with pytest.raises(OutsideAvailability):
        book(mentorship, start=TUE_9_BERLIN - timedelta(hours=1))  # 08:00 Berlin
    with pytest.raises(OutsideAvailability):
        book(mentorship, start=TUE_9_BERLIN + timedelta(minutes=15))  # off the grid


def test_booking_within_minimum_notice_is_refused(mentorship, frozen):
    with pytest.raises(OutsideAvailability, match="notice"):
        book(mentorship, start=datetime(2025, 6, 2, 13, 0, tzinfo=UTC))  # Mon 15:00 Berlin


def test_booking_beyond_the_horizon_is_refused(mentorship, frozen):
    with pytest.raises(OutsideAvailability, match="far ahead"):
        book(mentorship, start=TUE_9_BERLIN + timedelta(days=70))


def test_booking_needs_an_active_mentorship(mentorship, frozen):
    mentorship.status = "paused"
    mentorship.save()
    with pytest.raises(MentorshipNotActive):
        book(mentorship)


def test_duration_not_offered_is_refused(mentorship, frozen):
    with pytest.raises(DurationNotOffered):
        book(mentorship, duration=45)


def test_mentee_cannot_double_book_themselves_with_another_mentor(mentorship, frozen):
    other = SchedulingMentorshipFactory(mentee=mentorship.mentee)
    open_every_day(other.mentor)
    book(mentorship)
    with pytest.raises(SlotTaken):
        book(other)


def test_idempotency_key_returns_the_first_result(mentorship, frozen):
    first, replayed = services.book_session(
        mentorship.mentee,
        mentorship,
        starts_at=TUE_9_BERLIN,
        duration_minutes=30,
        zone="Asia/Tokyo",
        idempotency_key="abc",
    )
    again, replayed_again = services.book_session(
        mentorship.mentee,
        mentorship,
        starts_at=TUE_9_BERLIN,
        duration_minutes=30,
        zone="Asia/Tokyo",
        idempotency_key="abc",
    )
    assert (replayed, replayed_again) == (False, True)
    assert again.pk == first.pk and Session.objects.count() == 1
    with pytest.raises(KeyReused):
        services.book_session(
            mentorship.mentee,
            mentorship,
            starts_at=TUE_9_BERLIN + timedelta(hours=1),
            duration_minutes=30,
            zone="Asia/Tokyo",
            idempotency_key="abc",
        )


def test_cancel_early_is_not_late_and_frees_the_slot(mentorship, frozen):
    session = book(mentorship, start=TUE_9_BERLIN + timedelta(days=2))
    services.cancel_session(mentorship.mentee, session, reason="Conflict at work")
    session.refresh_from_db()
    assert session.status == "cancelled" and not session.late_cancel
    assert session.cancel_reason == "Conflict at work" and session.ics_sequence == 1
    book(mentorship, start=TUE_9_BERLIN + timedelta(days=2))  # the slot is free again


def test_cancel_inside_the_window_is_marked_late(mentorship, frozen, settings):
    session = book(mentorship)  # 25 h ahead
    settings.MENTORLOOM_LATE_CANCEL_HOURS = 26
    services.cancel_session(mentorship.mentor, session, reason="Sick")
    session.refresh_from_db()
    assert session.late_cancel and session.cancelled_by == mentorship.mentor
    with pytest.raises(SessionNotBooked):
        services.cancel_session(mentorship.mentor, session)


def test_cancel_sends_method_cancel_with_higher_sequence(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    session = book(mentorship)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(mentorship.mentee, session, reason="Sorry")
    cal = icalendar.Calendar.from_ical(mail.outbox[-1].attachments[0][1])
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_reschedule_moves_the_session_keeping_its_uid(mentorship, frozen):
    session = book(mentorship)
    uid = session.uid
    moved = services.reschedule_session(
        mentorship.mentee, session, starts_at=TUE_9_BERLIN + timedelta(hours=3), zone="Asia/Tokyo"
    )
    assert moved.starts_at == TUE_9_BERLIN + timedelta(hours=3)
    assert moved.uid == uid and moved.ics_sequence == 1
    # Moving onto itself overlapping is fine (its own old time does not block it).
    services.reschedule_session(
        mentorship.mentee,
        moved,
        starts_at=TUE_9_BERLIN + timedelta(hours=3, minutes=30),
        zone="Asia/Tokyo",
    )
    other = book(mentorship)
    with pytest.raises(SlotTaken):
        services.reschedule_session(mentorship.mentee, moved, starts_at=other.starts_at, zone="UTC")


def test_no_show_only_after_start_plus_ten_minutes(mentorship, frozen):
    session = book(mentorship)
    frozen.move_to(TUE_9_BERLIN + timedelta(minutes=9))
    with pytest.raises(TooEarlyForNoShow):
        services.mark_no_show(mentorship.mentor, session)
    frozen.move_to(TUE_9_BERLIN + timedelta(minutes=10))
    services.mark_no_show(mentorship.mentor, session)
    session.refresh_from_db()
    assert session.status == "no_show" and session.no_show_user == mentorship.mentee


def test_reminders_are_sent_once_each_and_moved_sessions_get_new_ones(mentorship, frozen):
    session = book(mentorship, start=TUE_9_BERLIN + timedelta(days=2))
    cancelled = book(mentorship, start=TUE_9_BERLIN + timedelta(days=2, hours=2))
    services.cancel_session(mentorship.mentee, cancelled)
    start = session.starts_at
    assert services.send_due_reminders(now=start - timedelta(hours=25)) == 0
    assert services.send_due_reminders(now=start - timedelta(hours=23)) == 1
    assert services.send_due_reminders(now=start - timedelta(hours=22)) == 0  # not twice
    assert services.send_due_reminders(now=start - timedelta(minutes=50)) == 1
    assert services.send_due_reminders(now=start - timedelta(minutes=40)) == 0
    kinds = sorted(SentReminder.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == ["1h", "24h"]
    reminders = Notification.objects.filter(kind__startswith="session.reminder")
    assert reminders.count() == 4  # two reminders × two people; none for the cancelled one
    # Moving the session re-arms both reminders for the new time.
    frozen.move_to(start - timedelta(hours=30))
    services.reschedule_session(
        mentorship.mentee, session, starts_at=start + timedelta(days=1), zone="Asia/Tokyo"
    )
    assert services.send_due_reminders(now=start + timedelta(hours=1)) == 1
    assert SentReminder.objects.filter(session=session).count() == 3


def test_reminder_moment_already_past_at_booking_is_skipped(mentorship, frozen):
    session = book(mentorship)  # 25 h ahead at booking
    frozen.move_to(TUE_9_BERLIN - timedelta(hours=2))
    assert services.send_due_reminders(now=session.starts_at - timedelta(hours=2)) == 1
    assert SentReminder.objects.get().kind == "24h"


def test_overlapping_rules_are_rejected(mentorship):
    with pytest.raises(RuleOverlap):
        services.add_rule(mentorship.mentor, weekday=1, start=time(16), end=time(18))
    services.add_rule(mentorship.mentor, weekday=1, start=time(17), end=time(18))  # touching
    with pytest.raises(RuleOverlap):
        services.replace_rules(mentorship.mentor, [(2, time(7), time(9)), (2, time(8), time(10))])


def test_outsider_cannot_book(mentorship, frozen):
    from mentorloom.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        book(mentorship, actor=UserFactory())


def test_send_reminders_command_and_task(mentorship, frozen):
    from io import StringIO

    from django.core.management import call_command

    from mentorloom.scheduling.tasks import send_due_reminders as reminder_task

    session = book(mentorship, start=TUE_9_BERLIN + timedelta(days=2))
    frozen.move_to(session.starts_at - timedelta(hours=23))
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 reminder(s) sent" in out.getvalue()
    assert reminder_task.enqueue().return_value == 0  # already sent: nothing twice
