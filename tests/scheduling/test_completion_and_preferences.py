"""Per-person reminder choices, automatic completion, and no-show counts for program admins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentorloom.notifications.models import Notification
from mentorloom.scheduling import services
from mentorloom.scheduling.errors import SessionNotBooked
from mentorloom.scheduling.models import SchedulingSettings, Session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TUE_9_BERLIN = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)


def book(mentorship, start=TUE_9_BERLIN):  # type: ignore[no-untyped-def]
    session, _ = services.book_session(
        mentorship.mentee, mentorship, starts_at=start, duration_minutes=30, zone="Asia/Tokyo"
    )
    return session


def test_a_person_who_turned_off_the_1h_reminder_gets_only_the_24h_one(mentorship, frozen):
    SchedulingSettings.objects.get_or_create(user=mentorship.mentee)
    services.update_settings(mentorship.mentee, remind_1h=False)
    session = book(mentorship, TUE_9_BERLIN + timedelta(days=2))
    services.send_due_reminders(now=session.starts_at - timedelta(hours=23))
    services.send_due_reminders(now=session.starts_at - timedelta(minutes=50))
    kinds = lambda user: sorted(  # noqa: E731
        Notification.objects.filter(user=user, kind__startswith="session.reminder").values_list(
            "kind", flat=True
        )
    )
    assert kinds(mentorship.mentee) == ["session.reminder.24h"]
    assert kinds(mentorship.mentor) == ["session.reminder.1h", "session.reminder.24h"]


def test_reminder_choices_are_saved_from_the_calendar_page(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = client.post("/schedule/calendar/reminders/", {"remind_1h": "on"})
    assert response.status_code == 302
    saved = SchedulingSettings.objects.get(user=mentorship.mentee)
    assert (saved.remind_24h, saved.remind_1h) == (False, True)
    assert "Remind me 24 hours before" in client.get("/schedule/calendar/").content.decode()


def test_reminder_choices_through_the_api(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = client.patch(
        "/api/v1/availability/settings",
        json.dumps({"remind_24h": False}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["remind_24h"] is False


def test_sessions_become_completed_half_an_hour_after_they_end(mentorship, frozen):
    session = book(mentorship)
    cancelled = book(mentorship, TUE_9_BERLIN + timedelta(hours=1))
    services.cancel_session(mentorship.mentee, cancelled)
    assert services.complete_past_sessions(now=session.ends_at + timedelta(minutes=29)) == 0
    assert services.complete_past_sessions(now=session.ends_at + timedelta(minutes=31)) == 1
    assert services.complete_past_sessions(now=session.ends_at + timedelta(minutes=32)) == 0
    assert Session.objects.get(pk=session.pk).status == "completed"
    assert Session.objects.get(pk=cancelled.pk).status == "cancelled"


def test_completion_task_runs_the_service(mentorship, frozen):
    from mentorloom.scheduling.tasks import complete_past_sessions

    session = book(mentorship)
    frozen.move_to(session.ends_at + timedelta(hours=1))
    assert complete_past_sessions.call() == 1


def test_a_no_show_can_still_be_reported_after_auto_completion_for_a_week(mentorship, frozen):
    session = book(mentorship)
    services.complete_past_sessions(now=session.ends_at + timedelta(hours=1))
    reported = services.mark_no_show(
        mentorship.mentor, session, now=session.ends_at + timedelta(days=2)
    )
    assert reported.status == "no_show" and reported.no_show_user_id == mentorship.mentee_id
    other = book(mentorship, TUE_9_BERLIN + timedelta(days=1))
    services.complete_past_sessions(now=other.ends_at + timedelta(hours=1))
    with pytest.raises(SessionNotBooked):
        services.mark_no_show(mentorship.mentor, other, now=other.ends_at + timedelta(days=8))


def test_program_admins_see_no_show_and_late_cancel_counts_in_the_admin(client, mentorship, frozen):
    missed = book(mentorship)
    services.mark_no_show(mentorship.mentor, missed, now=missed.starts_at + timedelta(minutes=15))
    late = book(mentorship, TUE_9_BERLIN + timedelta(hours=2))
    services.cancel_session(mentorship.mentee, late, now=late.starts_at - timedelta(hours=3))
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/scheduling/participantreliability/")
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(mentorship.mentee.email) :][:600]
    assert '<td class="field-no_shows">1</td>' in row
    assert '<td class="field-late_cancellations">1</td>' in row


def test_the_reliability_admin_is_closed_to_non_staff(client, mentorship):
    client.force_login(mentorship.mentee)
    response = client.get("/admin/scheduling/participantreliability/")
    assert response.status_code == 302 and "/login" in response.url
