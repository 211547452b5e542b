"""A session alone cannot turn two-factor on (a hijacked session would enrol its own
authenticator and lock the owner out): the first factor needs the current password, and the
owner is e-mailed when two-factor is turned on."""

import pytest
from django.core import mail
from django.urls import reverse

from mentorloom.mfa import selectors
from tests.factories import DEFAULT_PASSWORD, ProfileFactory
from tests.mfa.helpers import current_code

pytestmark = pytest.mark.django_db
ENROL = reverse("mfa:enrol")


@pytest.fixture
def signed_in(client):
    user = ProfileFactory().user
    client.force_login(user)
    client.get(ENROL)  # shows the secret: the unconfirmed device exists
    return user, selectors.totp_device_for(user, confirmed=False)


def test_a_session_without_the_password_cannot_turn_two_factor_on(
    client, signed_in, django_capture_on_commit_callbacks
):
    user, device = signed_in
    with django_capture_on_commit_callbacks(execute=True):
        missing = client.post(ENROL, {"code": current_code(device)})
        wrong = client.post(ENROL, {"code": current_code(device), "password": "guess"})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()
    assert wrong.status_code == 400
    assert "password is not correct" in wrong.content.decode()
    assert not selectors.has_mfa(user)
    assert mail.outbox == []


def test_the_password_and_a_code_turn_it_on_and_the_owner_is_told(
    client, signed_in, django_capture_on_commit_callbacks
):
    user, device = signed_in
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(ENROL, {"code": current_code(device), "password": DEFAULT_PASSWORD})
    assert done["Location"] == reverse("mfa:recovery_codes")
    assert selectors.has_mfa(user)
    [notice] = mail.outbox
    assert notice.to == [user.email]
    assert "two-factor" in notice.subject.lower()
    assert "/accounts/password-reset/" in notice.body  # what to do if it was not them


def test_guessing_the_password_at_enrolment_is_throttled(client, signed_in, settings):
    settings.MFA_FAILURE_LIMIT = 3
    user, device = signed_in
    for _ in range(3):
        client.post(ENROL, {"code": current_code(device), "password": "guess"})
    blocked = client.post(ENROL, {"code": current_code(device), "password": DEFAULT_PASSWORD})
    assert blocked.status_code == 429
    assert "wait 15 minutes" in blocked.content.decode()
    assert f'value="{current_code(device)}"' in blocked.content.decode()  # the code is kept
    assert not selectors.has_mfa(user)
