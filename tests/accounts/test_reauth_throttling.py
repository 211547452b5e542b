"""A signed-in session cannot guess the password without limit: every re-authentication
(e-mail change, password change, account deletion, two-factor step-up) is throttled per
account (accounts.services.check_current_password, mfa.services.confirm_identity)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentorloom.privacy.models import AccountDeletion
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
THROTTLED = "Too many wrong passwords"


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.MFA_FAILURE_LIMIT = 3


def _email_change(client, password):
    return client.post(
        reverse("accounts:settings"),
        {"email-new_email": "wanted@example.org", "email-password": password},
    )


def test_guessing_the_password_on_the_email_change_form_is_throttled(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    for _ in range(3):
        assert "not correct" in _email_change(client, "guess").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        blocked = _email_change(client, DEFAULT_PASSWORD)  # even the right one now
    page = blocked.content.decode()
    assert blocked.status_code == 429
    assert THROTTLED in page
    assert 'value="wanted@example.org"' in page  # the other input is kept
    assert mail.outbox == []
    # Another account is not affected.
    other = Client()
    other.force_login(UserFactory())
    assert _email_change(other, DEFAULT_PASSWORD).status_code == 302


def test_a_right_password_before_the_limit_clears_the_failures(client):
    user = UserFactory()
    client.force_login(user)
    for _ in range(2):
        _email_change(client, "guess")
    assert _email_change(client, DEFAULT_PASSWORD).status_code == 302
    for _ in range(2):
        _email_change(client, "guess")
    assert _email_change(client, DEFAULT_PASSWORD).status_code == 302


def test_guessing_the_old_password_on_the_password_change_form_is_throttled(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:password_change")
    new = {"new_password1": "xX-new-pass-99", "new_password2": "xX-new-pass-99"}
    for _ in range(3):
        assert client.post(url, {"old_password": "guess", **new}).status_code == 200
    blocked = client.post(url, {"old_password": DEFAULT_PASSWORD, **new})
    assert blocked.status_code == 200
    assert THROTTLED in blocked.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_guessing_the_password_on_the_deletion_form_is_throttled(client):
    user = UserFactory()
    client.force_login(user)
    data = {"confirm": "on"}
    for _ in range(3):
        response = client.post(reverse("privacy:delete"), {"password": "guess", **data})
        assert b"That password is not correct." in response.content
    blocked = client.post(reverse("privacy:delete"), {"password": DEFAULT_PASSWORD, **data})
    assert blocked.status_code == 200
    assert THROTTLED in blocked.content.decode()
    assert not AccountDeletion.objects.exists()


def test_wrong_passwords_at_the_two_factor_step_up_count_towards_its_limit(client):
    from tests.mfa.helpers import current_code, enrol

    user = UserFactory()
    device, _ = enrol(user)
    client.force_login(user)
    url = reverse("mfa:disable")
    for _ in range(3):
        response = client.post(url, {"password": "guess", "code": current_code(device)})
        assert "password is not correct" in response.content.decode()
    blocked = client.post(url, {"password": DEFAULT_PASSWORD, "code": current_code(device)})
    assert blocked.status_code == 429
    assert 'value="' in blocked.content.decode()
    assert device.__class__.objects.filter(pk=device.pk).exists()  # still on
