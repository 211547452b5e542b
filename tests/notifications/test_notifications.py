"""The notification centre page, the API, and the unread-count context processor."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from mentorloom.notifications.context_processors import unread
from mentorloom.notifications.models import Notification
from mentorloom.notifications.services import notify
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return ProfileFactory().user


def test_notify_records_and_emails_after_commit(
    person, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, kind="x.test", title="Hello there", url="/requests/")
    assert Notification.objects.get().title == "Hello there"
    assert mailoutbox[0].subject == "Hello there"


def test_plain_text_emails_are_not_html_escaped(
    person, django_capture_on_commit_callbacks, mailoutbox
):
    person.profile.display_name = "O'Brien & <Co>"
    person.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, kind="x.test", title="Tom & Jerry's <plan>", body="a < b && it's 'fine'")
    sent = mailoutbox[0]
    assert sent.subject == "Tom & Jerry's <plan>"
    assert "Hello O'Brien & <Co>," in sent.body
    assert "a < b && it's 'fine'" in sent.body
    assert "&lt;" not in sent.body and "&#x27;" not in sent.body and "&amp;" not in sent.body


def test_no_email_when_asked_not_to(person, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, kind="x.test", title="Quiet", email=False)
    assert mailoutbox == []


def test_api_lists_only_mine_and_marks_read(client, person):
    other = ProfileFactory().user
    a = notify(person, kind="k", title="A", email=False)
    notify(person, kind="k", title="B", email=False)
    notify(other, kind="k", title="Not yours", email=False)
    client.force_login(person)
    body = client.get("/api/v1/notifications").json()
    assert body["unread"] == 2 and {i["title"] for i in body["items"]} == {"A", "B"}
    marked = client.post(
        "/api/v1/notifications/read",
        data=json.dumps({"ids": [a.pk]}),
        content_type="application/json",
    ).json()
    assert marked == {"marked": 1, "unread": 1}
    everything = client.post(
        "/api/v1/notifications/read", data="{}", content_type="application/json"
    ).json()
    assert everything == {"marked": 1, "unread": 0}
    assert Notification.objects.get(user=other).read_at is None


def test_centre_page_lists_and_opening_marks_read_and_follows_link(client, person):
    n = notify(
        person, kind="k", title="Your request was accepted", url="/mentorships/", email=False
    )
    client.force_login(person)
    page = client.get("/notifications/")
    assert b"Your request was accepted" in page.content and b"1 unread" in page.content
    response = client.post(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302 and response.url == "/mentorships/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_someone_elses_notification_is_404(client, person):
    n = notify(ProfileFactory().user, kind="k", title="Private", email=False)
    client.force_login(person)
    assert client.post(f"/notifications/{n.pk}/open/").status_code == 404


def test_external_urls_are_not_followed(client, person):
    n = notify(person, kind="k", title="Odd", url="https://evil.example/", email=False)
    client.force_login(person)
    assert client.post(f"/notifications/{n.pk}/open/").url == "/notifications/"


def test_mark_all_read_page(client, person):
    notify(person, kind="k", title="One", email=False)
    client.force_login(person)
    client.post("/notifications/read/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_unread_context_processor(person):
    notify(person, kind="k", title="One", email=False)
    request = RequestFactory().get("/")
    request.user = person
    assert unread(request) == {"unread_notifications": 1}
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert unread(request) == {"unread_notifications": 0}
