"""Claiming an address before its owner signs up: whoever opens the verification link ends up
in sole control of the account (accounts.services.verify_email_first_time)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentorloom.accounts.models import UserSession
from mentorloom.mfa.models import Passkey
from mentorloom.scheduling.models import ExternalCalendar, SchedulingSettings
from mentorloom.scheduling.services import regenerate_feed_token
from tests.mfa.helpers import enrol

User = get_user_model()
ATTACKER_PASSWORD = "attacker-knows-this-42"
VICTIM_PASSWORD = "victim-chose-this-42"
NEW_PASSWORD = "victim-final-choice-77"
VICTIM = "victim@corp.example"


def _links_to(address: str) -> list[str]:
    return [
        re.search(r"https?://\S+", m.body).group(0)
        for m in mail.outbox
        if m.to == [address] and "/accounts/verify/" in m.body
    ]


def _signup(client, email, password, capture):
    with capture(execute=True):
        return client.post(
            reverse("accounts:signup"),
            {"display_name": "X", "email": email, "password": password},
        )


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"email": email, "password": password})


def _signed_in(client) -> bool:
    return client.get(reverse("accounts:settings")).status_code == 200


def _claimed_account(capture) -> tuple[Client, object]:
    """The attacker signs up with the victim's address, signs in (unverified accounts can) and
    sets up what would let them back in: an authenticator, recovery codes, a passkey, a
    calendar feed link and a connected calendar."""
    attacker = Client()
    _signup(attacker, VICTIM, ATTACKER_PASSWORD, capture)
    assert _login(attacker, VICTIM, ATTACKER_PASSWORD).status_code == 302
    assert _signed_in(attacker)
    account = User.objects.get(email=VICTIM)
    enrol(account, password=ATTACKER_PASSWORD)
    Passkey.objects.create(user=account, name="attacker key", credential_id="x", public_key=b"k")
    regenerate_feed_token(account)
    ExternalCalendar.objects.create(user=account, kind="ics", url="https://evil.example/c.ics")
    return attacker, account


@pytest.mark.django_db
def test_the_victim_opening_the_link_from_their_own_sign_up_ends_the_attackers_hold(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    attacker, account = _claimed_account(capture)
    mail.outbox.clear()

    # Later the real owner signs up (same answer as a new address), asks for a new link and
    # opens it in their own browser.
    victim = Client()
    assert _signup(victim, VICTIM, VICTIM_PASSWORD, capture)["Location"] == reverse(
        "accounts:verify_sent"
    )
    with capture(execute=True):
        victim.post(reverse("accounts:resend_verification"))
    [link] = _links_to(VICTIM)
    with capture(execute=True):
        opened = victim.get(link, follow=True)

    account.refresh_from_db()
    assert account.email_verified_at is not None
    # Not signed in to an account someone else holds the password of: asked to choose one.
    assert "_auth_user_id" not in victim.session
    page = opened.content.decode()
    assert "Choose a new password" in page
    assert "choose a password" in page.lower() and "other device" in page
    # Nothing the attacker set up survives.
    assert not _signed_in(attacker)
    assert not UserSession.objects.filter(user=account).exists()
    assert not account.has_usable_password()
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not StaticDevice.objects.filter(user=account).exists()
    assert not Passkey.objects.filter(user=account).exists()
    assert SchedulingSettings.objects.get(user=account).feed_token == ""
    assert not ExternalCalendar.objects.filter(user=account).exists()
    assert _login(Client(), VICTIM, ATTACKER_PASSWORD).status_code == 200  # refused

    # The victim chooses a password and signs in with it alone (no second factor asked).
    set_url = opened.redirect_chain[-1][0]
    with capture(execute=True):
        done = victim.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    fresh = Client()
    assert _login(fresh, VICTIM, NEW_PASSWORD)["Location"] == reverse("dashboard")
    assert _signed_in(fresh)


@pytest.mark.django_db
def test_the_creators_own_browser_still_signs_in_with_the_link(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    laptop = Client()
    _signup(laptop, "ama@example.org", VICTIM_PASSWORD, capture)
    _login(laptop, "ama@example.org", VICTIM_PASSWORD)  # signing in keeps the binding
    [link] = _links_to("ama@example.org")
    assert laptop.get(link)["Location"] == reverse("profiles:edit")
    assert _signed_in(laptop)
    assert User.objects.get().check_password(VICTIM_PASSWORD)


@pytest.mark.django_db
def test_the_owner_opening_the_link_on_another_device_sets_a_password_there(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    laptop, phone = Client(), Client()
    _signup(laptop, "ama@example.org", VICTIM_PASSWORD, capture)
    _login(laptop, "ama@example.org", VICTIM_PASSWORD)
    [link] = _links_to("ama@example.org")
    opened = phone.get(link, follow=True)
    page = opened.content.decode()
    assert "Choose a new password" in page and "other device" in page
    assert not _signed_in(laptop)  # the phone cannot tell the laptop from an attacker
    phone.post(
        opened.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert _login(phone, "ama@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_browser_whose_password_was_replaced_since_its_sign_up_is_not_trusted(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    browser = Client()
    _signup(browser, "ama@example.org", VICTIM_PASSWORD, capture)
    user = User.objects.get()
    user.set_password("someone-else-set-this-9")
    user.save()
    [link] = _links_to("ama@example.org")
    assert "password-reset" in browser.get(link)["Location"]
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_a_garbled_sign_up_binding_in_the_session_is_treated_as_none(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    browser = Client()
    _signup(browser, "ama@example.org", VICTIM_PASSWORD, capture)
    [link] = _links_to("ama@example.org")
    for garbage in ("nonsense", {"u": "x"}, ["a"], {"u": User.objects.get().pk}):
        session = browser.session
        session["signup_binding"] = garbage
        session.save()
        response = browser.get(link)
        assert response.status_code == 302
    # The first opening (unbound) verified the address and asked for a new password.
    assert User.objects.get().email_verified_at is not None
    assert not User.objects.get().has_usable_password()


@pytest.mark.django_db
def test_signing_up_again_with_an_unverified_address_changes_nothing_on_the_account(
    django_capture_on_commit_callbacks,
):
    # Decided: sign-up is unauthenticated, so it never resets an account; the link decides.
    capture = django_capture_on_commit_callbacks
    attacker, account = _claimed_account(capture)
    _signup(Client(), VICTIM, VICTIM_PASSWORD, capture)
    account.refresh_from_db()
    assert account.check_password(ATTACKER_PASSWORD)
    assert _signed_in(attacker)
    assert account.email_verified_at is None


@pytest.mark.django_db
def test_resetting_the_password_of_an_unverified_account_also_takes_it_over(
    django_capture_on_commit_callbacks,
):
    # A reset link proves the mailbox as the verification link does.
    capture = django_capture_on_commit_callbacks
    attacker, account = _claimed_account(capture)
    victim = Client()
    with capture(execute=True):
        victim.post(reverse("accounts:password_reset"), {"email": VICTIM})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    form = victim.get(link, follow=True)
    with capture(execute=True):
        victim.post(
            form.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    account.refresh_from_db()
    assert account.email_verified_at is not None
    assert not _signed_in(attacker)
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not StaticDevice.objects.filter(user=account).exists()
    assert SchedulingSettings.objects.get(user=account).feed_token == ""
    assert _login(Client(), VICTIM, NEW_PASSWORD)["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_a_reclaimed_account_can_still_ask_for_a_reset_link_if_the_page_was_closed(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    _signup(Client(), "ama@example.org", VICTIM_PASSWORD, capture)
    [link] = _links_to("ama@example.org")
    Client().get(link)  # another browser: reclaimed, no usable password left
    assert not User.objects.get().has_usable_password()
    mail.outbox.clear()
    with capture(execute=True):
        Client().post(reverse("accounts:password_reset"), {"email": "ama@example.org"})
    assert [m.to for m in mail.outbox] == [["ama@example.org"]]
