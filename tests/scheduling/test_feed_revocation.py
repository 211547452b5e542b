"""The calendar feed link is a credential of its own: it stops working when the password is
changed or reset, and when the account is deactivated, banned or asked to be deleted, but not
when its owner merely signs out of one browser."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentorloom.accounts.services import deactivate_account
from mentorloom.privacy.services import request_deletion
from mentorloom.safety.services import ban_user
from mentorloom.scheduling import services
from mentorloom.scheduling.models import SchedulingSettings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-42"


@pytest.fixture
def owner(mentorship):
    user = mentorship.mentee
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def feed(owner):
    return f"/calendar/{services.regenerate_feed_token(owner)}.ics"


def _token(user) -> str:  # type: ignore[no-untyped-def]
    return SchedulingSettings.objects.get(user=user).feed_token


def test_signing_out_keeps_the_feed(client, owner, feed):
    client.force_login(owner)
    client.post(reverse("accounts:logout"))
    assert Client().get(feed).status_code == 200


def test_changing_the_password_ends_the_feed(client, owner, feed):
    client.force_login(owner)
    new = "xX-brand-new-pass-99"
    changed = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert Client().get(feed).status_code == 404
    assert _token(owner) == ""


def test_resetting_the_password_ends_the_feed(
    client, owner, feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": owner.email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "another-long-passphrase-7"
    client.post(set_url, {"new_password1": new, "new_password2": new})
    owner.refresh_from_db()
    assert owner.check_password(new)
    assert Client().get(feed).status_code == 404


@pytest.mark.parametrize("how", ["deactivated", "banned", "deletion_requested"])
def test_an_account_that_is_gone_has_no_feed(client, owner, feed, how):
    if how == "deactivated":
        deactivate_account(owner.pk)
    elif how == "banned":
        staff = get_user_model().objects.create_user("staff@example.org", PASSWORD, is_staff=True)
        ban_user(staff, owner.pk)
    else:
        request_deletion(owner, password=PASSWORD)
    assert client.get(feed).status_code == 404
    assert _token(owner) == ""


def test_an_inactive_accounts_feed_is_refused_even_with_its_token_left(client, owner, feed):
    # Written without the account events (the admin's list action, a direct update): the
    # feed itself checks the account is active.
    get_user_model().objects.filter(pk=owner.pk).update(is_active=False)
    assert _token(owner) != ""
    assert client.get(feed).status_code == 404
