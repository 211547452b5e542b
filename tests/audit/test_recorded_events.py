"""The events the accounts and safety layers record (each fails if its call site is lost)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts import tokens_api
from mentorloom.audit.models import AuditEvent
from mentorloom.safety.models import Report
from tests.factories import DEFAULT_PASSWORD, UserFactory


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_sign_in_failure_success_and_logout_are_recorded(client):
    user = UserFactory(email="m@example.org")
    login = reverse("accounts:login")
    client.post(login, {"email": "m@example.org", "password": "wrong"}, REMOTE_ADDR="192.0.2.9")
    client.post(
        login,
        {"email": "m@example.org", "password": DEFAULT_PASSWORD},
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Firefox/120.0",
    )
    client.post(reverse("accounts:logout"))
    assert kinds() == ["auth.login.failed", "auth.login.succeeded", "auth.logout"]
    failed, succeeded, logout = AuditEvent.objects.order_by("id")
    assert failed.actor is None and failed.ip == "192.0.2.9"
    assert failed.data == {"email": "m@example.org"}
    assert succeeded.actor == user and "Firefox" in succeeded.user_agent
    assert logout.actor == user


@pytest.mark.django_db
def test_password_change_is_recorded_and_revokes_tokens(client):
    user = UserFactory(email_verified_at=timezone.now())
    record, token = tokens_api.create_token(user, name="ci")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a-brand-new-passphrase-9",
            "new_password2": "a-brand-new-passphrase-9",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.revoked_at is not None
    script = Client()
    assert script.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    event = AuditEvent.objects.get(kind="auth.password.changed")
    assert event.actor == user and event.data["tokens_revoked"] == 1
    # The browser that changed it stays signed in, listed as this device.
    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200 and "This device" in page.content.decode()


@pytest.mark.django_db
def test_token_creation_and_revocation_are_recorded():
    user = UserFactory(email_verified_at=timezone.now())
    record, _ = tokens_api.create_token(user, name="ci")
    tokens_api.revoke_token(user, record.pk)
    created, revoked = AuditEvent.objects.order_by("id")
    assert (created.kind, created.actor, created.target_id) == (
        "token.created",
        user,
        str(record.pk),
    )
    assert (revoked.kind, revoked.target_id) == ("token.revoked", str(record.pk))


@pytest.mark.django_db
def test_admin_ban_staff_change_and_report_status_are_recorded(admin_client):
    person = UserFactory()
    change = reverse("admin:accounts_user_change", args=[person.pk])
    form = {
        "email": person.email,
        "email_verified_at_0": "",
        "email_verified_at_1": "",
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
    }
    response = admin_client.post(change, form)  # is_active left out: banned; staff granted
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert not person.is_active and person.is_staff
    assert set(kinds()) == {"moderation.ban", "role.staff_granted"}
    assert AuditEvent.objects.get(kind="moderation.ban").target_id == str(person.pk)

    report = Report.objects.create(reporter=UserFactory(), reported=person, reason="spam")
    admin_client.post(
        reverse("admin:safety_report_change", args=[report.pk]),
        {"status": "resolved", "staff_notes": "handled"},
    )
    event = AuditEvent.objects.get(kind="report.status_changed")
    assert event.data == {"from": "open", "to": "resolved"}


@pytest.mark.django_db
def test_email_verification_and_sign_up_are_recorded(client, django_capture_on_commit_callbacks):
    from mentorloom.accounts import services

    with django_capture_on_commit_callbacks(execute=True):
        user = services.sign_up(email="new@example.org", password="a-long-passphrase-1")
    from mentorloom.accounts import tokens

    services.verify_email(tokens.make_token(user.pk, user.email, salt=tokens.VERIFY_SALT))
    assert kinds() == ["account.created", "auth.email.verified"]
