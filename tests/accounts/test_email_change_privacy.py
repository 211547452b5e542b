"""The e-mail change form does not reveal which addresses have accounts: a taken address gets
the same answer as a free one, its owner a notice instead of a link; requests are limited per
account (accounts.services.request_email_change)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentorloom.accounts.services import EMAIL_CHANGES_PER_HOUR
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _ask(client, new_email, capture):
    with capture(execute=True):
        return client.post(
            reverse("accounts:settings"),
            {"email-new_email": new_email, "email-password": DEFAULT_PASSWORD},
            follow=True,
        )


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_notice_without_a_link(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    UserFactory(email="taken@example.org")
    asker, other = Client(), Client()
    me, them = UserFactory(email="me@example.org"), UserFactory(email="them@example.org")
    asker.force_login(me)
    other.force_login(them)
    taken = _ask(asker, "Taken@Example.org", capture)
    free = _ask(other, "free@example.org", capture)
    assert taken.redirect_chain == free.redirect_chain
    for page in (taken, free):
        assert "Check your new inbox" in page.content.decode()
        assert "already exists" not in page.content.decode()
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {
        "taken@example.org",
        "me@example.org",
        "free@example.org",
        "them@example.org",
    }
    notice = by_to["taken@example.org"]
    assert "/accounts/email/confirm/" not in notice.body  # no link that could move it
    assert "already has" in notice.body and "me@example.org" not in notice.body
    assert "/accounts/email/confirm/" in by_to["free@example.org"].body
    me.refresh_from_db()
    assert me.email == "me@example.org"


def test_an_address_taken_after_the_link_was_sent_is_refused_at_confirmation(
    client, django_capture_on_commit_callbacks
):
    me = UserFactory(email="me@example.org")
    client.force_login(me)
    _ask(client, "later@example.org", django_capture_on_commit_callbacks)
    link = re.search(
        r"https?://\S+", next(m for m in mail.outbox if m.to == ["later@example.org"]).body
    ).group(0)
    UserFactory(email="LATER@example.org")
    refused = client.get(link)
    assert refused.status_code == 400
    me.refresh_from_db()
    assert me.email == "me@example.org"


def test_email_change_requests_are_limited_per_account(client, django_capture_on_commit_callbacks):
    me = UserFactory(email="me@example.org")
    client.force_login(me)
    for n in range(EMAIL_CHANGES_PER_HOUR):
        _ask(client, f"new{n}@example.org", django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        blocked = client.post(
            reverse("accounts:settings"),
            {"email-new_email": "one-more@example.org", "email-password": DEFAULT_PASSWORD},
        )
    assert blocked.status_code == 429
    page = blocked.content.decode()
    assert "try again in an hour" in page and 'value="one-more@example.org"' in page
    assert len(mail.outbox) == sent
    other = Client()
    other.force_login(UserFactory())
    assert _ask(other, "fine@example.org", django_capture_on_commit_callbacks).status_code == 200
