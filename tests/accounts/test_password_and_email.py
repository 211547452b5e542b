import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentorloom.accounts import tokens

User = get_user_model()
PASSWORD = "correct-horse-battery-42"


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.django_db
def test_password_reset_gives_the_same_answer_for_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    User.objects.create_user("known@example.org", PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"email": "known@example.org"})
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["known@example.org"]]


@pytest.mark.django_db
def test_password_reset_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    User.objects.create_user("known@example.org", PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "known@example.org"})
    page = client.get(_link(mail.outbox[0]), follow=True)
    assert page.status_code == 200
    set_url = page.redirect_chain[-1][0]
    new = "another-long-passphrase-7"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert User.objects.get().check_password(new)
    # The link works once.
    again = client.get(_link(mail.outbox[0]), follow=True)
    assert "doesn" in again.content.decode()


@pytest.mark.django_db
def test_change_password_requires_the_old_one(client):
    user = User.objects.create_user("m@example.org", PASSWORD)
    client.force_login(user)
    url = reverse("accounts:password_change")
    bad = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "xX-new-pass-99",
            "new_password2": "xX-new-pass-99",
        },
    )
    assert bad.status_code == 200
    assert "incorrect" in bad.content.decode()
    good = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "xX-new-pass-99",
            "new_password2": "xX-new-pass-99",
        },
    )
    assert good.status_code == 302
    user.refresh_from_db()
    assert user.check_password("xX-new-pass-99")


@pytest.mark.django_db
def test_change_email_takes_effect_only_after_confirming_the_new_address(
    client, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("old@example.org", PASSWORD)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:settings"),
            {"email-new_email": "New@Example.org", "email-password": PASSWORD},
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.org"
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["new@example.org", "old@example.org"]
    confirm = next(m for m in mail.outbox if m.to == ["new@example.org"])
    client.get(_link(confirm))
    user.refresh_from_db()
    assert user.email == "new@example.org"
    assert user.email_verified_at is not None


@pytest.mark.django_db
def test_change_email_with_wrong_password_shows_an_error_and_sends_nothing(client):
    # A taken address is answered like a free one: tests/accounts/test_email_change_privacy.py
    user = User.objects.create_user("me@example.org", PASSWORD)
    client.force_login(user)
    wrong = client.post(
        reverse("accounts:settings"),
        {"email-new_email": "free@example.org", "email-password": "nope"},
    )
    assert "current password is not correct" in wrong.content.decode()
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_settings_requires_login(client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def _request_change(client, new_email: str, capture) -> str:  # type: ignore[no-untyped-def]
    """Ask for a change to `new_email` from settings; returns the link sent there."""
    with capture(execute=True):
        response = client.post(
            reverse("accounts:settings"),
            {"email-new_email": new_email, "email-password": PASSWORD},
        )
    assert response.status_code == 302
    return _link(next(m for m in reversed(mail.outbox) if m.to == [new_email]))


@pytest.mark.django_db
def test_changing_the_password_cancels_a_pending_email_change(
    django_capture_on_commit_callbacks,
):
    # Someone with the password (or a session) asks to move the account to their address.
    victim = User.objects.create_user("victim@example.org", PASSWORD)
    attacker = Client()
    attacker.force_login(victim)
    link = _request_change(attacker, "attacker@evil.example", django_capture_on_commit_callbacks)
    notice = next(m for m in mail.outbox if m.to == ["victim@example.org"])
    assert "cancels the change" in notice.body
    # The owner reads the notice and changes the password.
    owner = Client()
    owner.force_login(victim)
    new = "xX-brand-new-pass-99"
    changed = owner.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    # The link from the attacker's mailbox no longer changes anything, and says why.
    page = Client().get(link)
    assert page.status_code == 400
    html = page.content.decode()
    assert "your password or e-mail address changed after we sent it" in html
    assert reverse("accounts:settings") in html
    victim.refresh_from_db()
    assert victim.email == "victim@example.org"


@pytest.mark.django_db
def test_a_second_pending_email_change_link_dies_once_the_first_is_used(
    client, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("me@example.org", PASSWORD)
    client.force_login(user)
    first = _request_change(client, "first@example.org", django_capture_on_commit_callbacks)
    second = _request_change(client, "second@example.org", django_capture_on_commit_callbacks)
    assert client.get(first).status_code == 302
    user.refresh_from_db()
    assert user.email == "first@example.org"
    refused = client.get(second)
    assert refused.status_code == 400
    assert "changed after we sent it" in refused.content.decode()
    user.refresh_from_db()
    assert user.email == "first@example.org"


@pytest.mark.django_db
def test_a_tampered_email_change_link_is_refused_without_an_error_page(client):
    user = User.objects.create_user("me@example.org", PASSWORD)
    for token in ("nonsense", tokens.make_token(user.pk, "x@example.org", salt=tokens.CHANGE_SALT)):
        page = client.get(reverse("accounts:confirm_email_change", args=[token]))
        assert page.status_code == 400
        assert "invalid or has expired" in page.content.decode()
    user.refresh_from_db()
    assert user.email == "me@example.org"
