"""The mentee is asked, once, to prepare an empty agenda 24 h before the session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from mentorloom.scheduling.models import Session
from mentorloom.sessions import services
from mentorloom.sessions.models import AgendaPrepReminder

pytestmark = pytest.mark.django_db
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def book(mentorship, *, starts: datetime = START, status: str = "booked", note: str = ""):  # type: ignore[no-untyped-def]
    return Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        booked_by=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        zone="Asia/Tokyo",
        status=status,
        agenda=note,
    )


def run_at(when: datetime, capture) -> int:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False), capture(execute=True):
        from mentorloom.sessions.tasks import send_agenda_prep_reminders

        return send_agenda_prep_reminders.call()


def test_mentee_is_reminded_once_24_hours_before_an_empty_agenda(
    mentorship, django_capture_on_commit_callbacks
):
    session = book(mentorship)
    capture = django_capture_on_commit_callbacks
    assert run_at(START - timedelta(hours=24, seconds=1), capture) == 0  # too early
    assert run_at(START - timedelta(hours=24), capture) == 1
    assert run_at(START - timedelta(hours=23, minutes=55), capture) == 0  # exactly once
    assert run_at(START - timedelta(hours=2), capture) == 0
    [note] = mentorship.mentee.notifications.filter(kind="agenda_prep")
    assert note.url == f"/sessions/{session.pk}/agenda/"
    assert "prepare the agenda" in note.title
    assert not mentorship.mentor.notifications.filter(kind="agenda_prep").exists()
    assert [m.to for m in mail.outbox] == [[mentorship.mentee.email]]
    assert AgendaPrepReminder.objects.get().session_id == session.pk


def test_a_late_worker_still_reminds_within_the_day(mentorship, django_capture_on_commit_callbacks):
    book(mentorship)
    assert run_at(START - timedelta(hours=5), django_capture_on_commit_callbacks) == 1


def test_no_reminder_in_the_last_hour_or_after_the_start(
    mentorship, django_capture_on_commit_callbacks
):
    book(mentorship)
    assert run_at(START - timedelta(minutes=59), django_capture_on_commit_callbacks) == 0
    assert run_at(START + timedelta(minutes=5), django_capture_on_commit_callbacks) == 0
    assert not AgendaPrepReminder.objects.exists() and mail.outbox == []


def test_no_reminder_when_the_agenda_has_content(mentorship, django_capture_on_commit_callbacks):
    with_topic = book(mentorship)
    services.add_topic(with_topic, mentorship.mentee, title="Salary negotiation")
    with_questions = book(mentorship, starts=START + timedelta(hours=2))
    services.save_agenda_details(with_questions, mentorship.mentor, questions="How?", links="")
    book(mentorship, starts=START + timedelta(hours=4), note="Let's talk about my CV")
    book(mentorship, starts=START + timedelta(hours=6), status="cancelled")
    assert run_at(START - timedelta(hours=17), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_an_agenda_filled_after_the_reminder_gets_no_second_one(
    mentorship, django_capture_on_commit_callbacks
):
    session = book(mentorship)
    assert run_at(START - timedelta(hours=20), django_capture_on_commit_callbacks) == 1
    services.add_topic(session, mentorship.mentee, title="Portfolio")
    topic = session.structured_agenda.topics.get()
    services.remove_topic(topic, mentorship.mentee)
    assert run_at(START - timedelta(hours=10), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1
