"""Notifications clear when their subject is acted on or seen, and people choose per group
how they hear about things (issue 26, item 10)."""

from __future__ import annotations

import pytest

from mentorloom.calls import services as calls
from mentorloom.mentorships import services as mentorships
from mentorloom.notifications.models import Notification, NotificationPreference
from mentorloom.notifications.selectors import unread_count
from mentorloom.notifications.services import notify, send_notification_digests
from tests.factories import MentorProfileFactory, ProfileFactory, call_pair

pytestmark = pytest.mark.django_db

HELLO = "Hello! Could you help me move into product management this year?"


@pytest.fixture
def pair():
    mentor = MentorProfileFactory(display_name="Maya Mentor", capacity=3).user
    mentee = ProfileFactory(display_name="Ola Mentee").user
    return mentor, mentee


def test_accepting_a_request_clears_its_request_received_notification(pair):
    mentor, mentee = pair
    request = mentorships.send_request(mentee, mentor.pk, message=HELLO)
    assert unread_count(mentor) == 1
    mentorships.accept_request(mentor, request)
    assert unread_count(mentor) == 0
    assert unread_count(mentee) == 1  # their "accepted" news is new


def test_declining_or_a_withdrawal_clears_it_too(pair):
    mentor, mentee = pair
    request = mentorships.send_request(mentee, mentor.pk, message=HELLO)
    mentorships.decline_request(mentor, request, "Full this quarter")
    assert not Notification.objects.filter(user=mentor, read_at__isnull=True).exists()
    again = mentorships.send_request(mentee, mentor.pk, message=HELLO)
    mentorships.withdraw_request(mentee, again)
    received = Notification.objects.filter(user=mentor, kind="request.received")
    # The declined request's notice stays, read; the withdrawn one, never read, is removed
    # (a withdraw-and-resend loop leaves the mentor one notice, not one per round).
    assert received.count() == 1 and not received.filter(read_at__isnull=True).exists()


def test_answering_a_call_clears_its_ring():
    mentor, mentee, mentorship = call_pair()
    call, _ = calls.start_call(mentor, mentorship.pk)
    assert unread_count(mentee) == 1
    calls.join_call(mentee, call)
    assert unread_count(mentee) == 0


def test_opening_the_subjects_page_marks_its_notifications_read(client, pair):
    mentor, mentee = pair
    request = mentorships.send_request(mentee, mentor.pk, message=HELLO)
    unrelated = notify(mentor, kind="goal.added", title="Elsewhere", url="/mentorships/")
    client.force_login(mentor)
    page = client.get(f"/requests/{request.pk}/")
    assert page.status_code == 200
    assert not Notification.objects.filter(kind="request.received", read_at__isnull=True).exists()
    unrelated.refresh_from_db()
    assert unrelated.read_at is None
    # Someone else opening their own pages changes nothing of mine.
    client.force_login(mentee)
    client.get("/mentorships/")
    unrelated.refresh_from_db()
    assert unrelated.read_at is None


def test_preferences_are_honoured_by_notify(pair, django_capture_on_commit_callbacks, mailoutbox):
    mentor, mentee = pair
    NotificationPreference.objects.create(user=mentor, group="request", in_app=False, email="off")
    NotificationPreference.objects.create(user=mentor, group="goal", email="digest")
    with django_capture_on_commit_callbacks(execute=True):
        mentorships.send_request(mentee, mentor.pk, message=HELLO)
        notify(mentor, kind="goal.added", title="A goal was added", url="/goals/1/")
        notify(mentor, kind="session.booked", title="Booked", url="/schedule/1/")
    assert [m.subject for m in mailoutbox] == ["Booked"]  # only the default group mails now
    assert unread_count(mentor) == 2  # the request is stored, but not on the badge
    with django_capture_on_commit_callbacks(execute=True):
        assert send_notification_digests() == 1
        assert send_notification_digests() == 0  # never twice
    digest = mailoutbox[-1]
    assert digest.subject == "1 notification from Mentorloom"
    assert "A goal was added" in digest.body and "/goals/1/" in digest.body


def test_the_settings_page_saves_choices_and_refuses_bad_ones(client, pair):
    mentor, _ = pair
    client.force_login(mentor)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200 and b"Mentorship requests" in page.content
    form = {"in_app_request": "on", "email_request": "digest", "email_session": "off"}
    assert client.post("/notifications/settings/", form).status_code == 302
    saved = {p.group: (p.in_app, p.email) for p in NotificationPreference.objects.all()}
    assert saved["request"] == (True, "digest")
    assert saved["session"] == (False, "off")
    bad = client.post("/notifications/settings/", {"email_call": "carrier-pigeon"})
    assert bad.status_code == 422 and b"not valid" in bad.content
