"""Expiry, the 48-hour reminder, auto-pause and the waitlist — with frozen time, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorloom.mentorships import services
from mentorloom.mentorships.models import MentorshipRequest, RequestStatus, WaitlistEntry
from mentorloom.mentorships.tasks import expire_request_task, run_periodic_task
from mentorloom.notifications.models import Notification
from tests.factories import MentorProfileFactory, MentorshipFactory, ProfileFactory

from .conftest import MESSAGE

pytestmark = pytest.mark.django_db
START = "2026-03-02 09:00:00+00:00"


def kinds(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_request_expires_after_the_configured_days_exactly_once(mentee, mentor, settings):
    settings.MENTORLOOM_REQUEST_EXPIRY_DAYS = 3
    with time_machine.travel(START, tick=False) as clock:
        r = services.send_request(mentee, mentor.pk, message=MESSAGE)
        clock.shift(timedelta(days=3) - timedelta(seconds=1))
        assert services.run_periodic_jobs()["expired"] == 0
        clock.shift(timedelta(seconds=1))
        assert services.run_periodic_jobs()["expired"] == 1
        assert services.run_periodic_jobs()["expired"] == 0  # second pass does nothing
        assert expire_request_task.enqueue(request_id=r.pk).return_value is False
    r.refresh_from_db()
    assert r.status == RequestStatus.EXPIRED
    assert kinds(mentee).count("request.expired") == 1
    note = Notification.objects.get(user=mentee, kind="request.expired")
    assert f"similar_to={mentor.pk}" in note.url  # pointed to similar mentors


def test_answered_request_does_not_expire(mentee, mentor):
    with time_machine.travel(START, tick=False) as clock:
        r = services.send_request(mentee, mentor.pk, message=MESSAGE)
        services.accept_request(mentor, r)
        clock.shift(timedelta(days=30))
        assert services.expire_request(r.pk) is False
    r.refresh_from_db()
    assert r.status == RequestStatus.ACCEPTED


def test_mentor_is_reminded_once_after_48_hours(mentee, mentor, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as clock:
        services.send_request(mentee, mentor.pk, message=MESSAGE)
        clock.shift(timedelta(hours=47, minutes=59))
        assert services.send_due_reminders() == 0
        clock.shift(timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert run_periodic_task.enqueue().return_value == {"expired": 0, "reminded": 1}
        assert services.send_due_reminders() == 0
    assert kinds(mentor).count("request.reminder") == 1
    assert any("waiting for your answer" in m.subject for m in mail.outbox)


def test_no_reminder_after_the_mentor_answered(mentee, mentor):
    with time_machine.travel(START, tick=False) as clock:
        r = services.send_request(mentee, mentor.pk, message=MESSAGE)
        services.ask_for_info(mentor, r, "Tell me more please")
        clock.shift(timedelta(hours=50))
        assert services.send_due_reminders() == 0


def test_three_unanswered_expiries_pause_the_mentor_and_tell_them_how_to_resume(mentor):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(3):
            services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
            clock.shift(timedelta(days=8))
            services.run_periodic_jobs()
            mentor.profile.refresh_from_db()
            assert mentor.profile.accepting_requests is (n < 2)
    note = Notification.objects.get(user=mentor, kind="mentor.auto_paused")
    assert "Accepting requests" in note.body and note.url == "/profile/"


def test_an_answered_request_among_the_last_three_prevents_auto_pause(mentor):
    with time_machine.travel(START, tick=False) as clock:
        r = services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
        services.decline_request(mentor, r)
        for _ in range(2):
            services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
            clock.shift(timedelta(days=8))
            services.run_periodic_jobs()
    mentor.profile.refresh_from_db()
    assert mentor.profile.accepting_requests is True


def test_resumed_mentor_is_not_repaused_by_old_expiries(mentor):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
            clock.shift(timedelta(days=8))
            services.run_periodic_jobs()
        mentor.profile.accepting_requests = True
        mentor.profile.save()
        clock.shift(timedelta(hours=1))
        services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
        clock.shift(timedelta(days=8))
        services.run_periodic_jobs()
    mentor.profile.refresh_from_db()
    assert mentor.profile.accepting_requests is True


def test_run_periodic_command_runs_one_pass(mentee, mentor, capsys):
    with time_machine.travel(START, tick=False) as clock:
        services.send_request(mentee, mentor.pk, message=MESSAGE)
        clock.shift(timedelta(days=8))
        call_command("run_periodic")
    assert '"expired": 1' in capsys.readouterr().out
    assert MentorshipRequest.objects.get().status == RequestStatus.EXPIRED


# --- waitlist -------------------------------------------------------------------------------


def test_waitlist_notifies_in_order_one_per_freed_place(django_capture_on_commit_callbacks):
    mentor = MentorProfileFactory(capacity=1).user
    current = MentorshipFactory(mentor=mentor)
    waiting = [ProfileFactory().user for _ in range(3)]
    with time_machine.travel(START, tick=True):
        for person in waiting:
            services.join_waitlist(person, mentor.pk)
    assert [e.mentee for e in WaitlistEntry.objects.all()] == waiting
    with django_capture_on_commit_callbacks(execute=True):
        services.end_mentorship(current.mentor, current, text="Done")
    assert kinds(waiting[0]) == ["waitlist.place_free"]
    assert kinds(waiting[1]) == [] and kinds(waiting[2]) == []
    # A second run for the same freed place tells the next person only if a place is free.
    MentorshipFactory(mentor=mentor, mentee=waiting[0])
    assert services.offer_freed_place(mentor.pk) is None
    assert kinds(waiting[1]) == []


def test_joining_the_waitlist_of_a_mentor_with_a_free_place_is_refused(mentee, mentor):
    from mentorloom.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.join_waitlist(mentee, mentor.pk)


def test_sending_a_request_leaves_the_waitlist(mentee, mentor):
    ms = MentorshipFactory.create_batch(2, mentor=mentor)
    services.join_waitlist(mentee, mentor.pk)
    services.end_mentorship(mentor, ms[0])
    services.send_request(mentee, mentor.pk, message=MESSAGE)
    assert not WaitlistEntry.objects.filter(notified_at__isnull=True).exists()


def test_expired_request_timestamps_are_utc_instants(mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    assert r.expires_at.tzinfo is not None and timezone.is_aware(r.created_at)
