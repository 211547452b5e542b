"""Delete my account: password confirmation, a grace period in which the account is hidden
and signing in offers "cancel deletion", then erasure by the periodic job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentorloom.mentorships.models import MentorshipRequest
from mentorloom.privacy import services
from mentorloom.privacy.errors import AccountBanned
from mentorloom.privacy.models import AccountDeletion
from tests.factories import DEFAULT_PASSWORD, MentorshipRequestFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def _delete_via_page(client, user, password=DEFAULT_PASSWORD, capture=None):
    client.force_login(user)
    data = {"password": password, "confirm": "on"}
    if capture is None:
        return client.post(reverse("privacy:delete"), data)
    with capture(execute=True):
        return client.post(reverse("privacy:delete"), data)


def test_wrong_password_is_a_form_error_and_nothing_happens(client, world):
    response = _delete_via_page(client, world.mia, password="nope")
    assert response.status_code == 200
    assert b"That password is not correct." in response.content
    assert not AccountDeletion.objects.exists()
    world.mia.refresh_from_db()
    assert world.mia.is_active


def test_without_the_confirmation_box_nothing_happens(client, world):
    client.force_login(world.mia)
    response = client.post(reverse("privacy:delete"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and not AccountDeletion.objects.exists()


def test_requesting_deletion_hides_the_account_withdraws_requests_and_emails(
    client, world, django_capture_on_commit_callbacks
):
    open_request = MentorshipRequestFactory(mentee=world.mia)
    response = _delete_via_page(client, world.mia, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    deletion = AccountDeletion.objects.get(user=world.mia)
    assert deletion.is_pending
    assert deletion.erase_after - deletion.requested_at == timedelta(days=14)
    world.mia.refresh_from_db()
    assert not world.mia.is_active
    open_request.refresh_from_db()
    assert open_request.status == "withdrawn"
    assert "will be deleted" in mail.outbox[-1].subject
    # She stays signed in, on the page that offers to cancel.
    page = client.get(reverse("dashboard"), follow=True)
    assert b"scheduled for deletion" in page.content and b"Cancel deletion" in page.content
    # Hidden from others: her profile page is gone for Eve.
    client.force_login(world.eve)
    assert client.get(reverse("profiles:public", args=[world.mia.pk])).status_code == 404


def test_a_mentor_in_the_grace_period_leaves_the_directory_and_takes_no_requests(client, world):
    received = MentorshipRequestFactory(mentee=world.eve, mentor=world.max)
    client.force_login(world.eve)
    assert b"Max Mentor" in client.get(reverse("discovery:directory")).content
    services.request_deletion(world.max, password=DEFAULT_PASSWORD)
    page = client.get(reverse("discovery:directory"))
    assert page.status_code == 200 and b"Max Mentor" not in page.content
    assert MentorshipRequest.objects.get(pk=received.pk).status == "withdrawn"
    # A new request to him is refused.
    response = client.post(
        "/api/v1/requests",
        {"mentor_id": world.max.pk, "message": "x" * 80},
        content_type="application/json",
    )
    assert response.status_code == 404, response.content  # an inactive mentor is not found


def test_signing_in_during_the_grace_period_offers_cancel_and_cancelling_restores(client, world):
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    response = client.post(
        reverse("accounts:login"),
        {"email": world.mia.email, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("privacy:index")
    assert b"Cancel deletion" in response.content
    # Everything else is closed until she decides.
    assert client.get(reverse("dashboard")).url == reverse("privacy:index")
    assert client.get("/api/v1/me/").status_code in (403, 404)
    response = client.post(reverse("privacy:cancel_deletion"))
    assert response.status_code == 302 and response.url == reverse("dashboard")
    world.mia.refresh_from_db()
    assert world.mia.is_active
    assert not AccountDeletion.objects.get(user=world.mia).is_pending
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_ban_during_the_grace_period_cannot_be_undone_by_cancelling(client, world):
    """Asking to be deleted deactivates the account at once; a ban made after that used to
    find no active account to deactivate ("0 banned", nothing recorded), and the person then
    signed in through the grace period and cancelled the deletion: active again, never banned."""
    from mentorloom.safety import services as safety_services
    from mentorloom.safety.models import Ban

    staff = UserFactory(is_staff=True)
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    # Signed in to cancel before the ban: that session stops signing her in.
    grace = Client()
    grace.post(reverse("accounts:login"), {"email": world.mia.email, "password": DEFAULT_PASSWORD})
    assert grace.get(reverse("privacy:index")).status_code == 200

    assert safety_services.ban_user(staff, world.mia.pk, note="harassment") is True
    assert Ban.objects.filter(user=world.mia).exists()
    assert safety_services.ban_user(staff, world.mia.pk) is False  # once

    assert grace.get(reverse("privacy:index")).status_code == 302  # signed out: to the login
    assert grace.post(reverse("privacy:cancel_deletion")).status_code == 302
    response = client.post(
        reverse("accounts:login"),
        {"email": world.mia.email, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert b"Cancel deletion" not in response.content
    assert "_auth_user_id" not in client.session
    with pytest.raises(AccountBanned):
        services.cancel_deletion(world.mia)
    world.mia.refresh_from_db()
    assert not world.mia.is_active and AccountDeletion.objects.get(user=world.mia).is_pending

    # Lifting the ban lets her sign in to decide again (the account stays inactive meanwhile).
    assert safety_services.unban_user(staff, world.mia.pk) is True
    client.post(reverse("accounts:login"), {"email": world.mia.email, "password": DEFAULT_PASSWORD})
    assert client.post(reverse("privacy:cancel_deletion")).url == reverse("dashboard")
    world.mia.refresh_from_db()
    assert world.mia.is_active


def test_a_wrong_password_still_fails_during_the_grace_period(client, world):
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    response = client.post(
        reverse("accounts:login"), {"email": world.mia.email, "password": "wrong"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_api_request_and_cancel_deletion(client, world):
    client.force_login(world.mia)
    assert client.get("/api/v1/me/deletion").status_code == 404
    wrong = client.post("/api/v1/me/deletion", {"password": "x"}, content_type="application/json")
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert "password" in wrong.json()["error"]["fields"]
    ok = client.post(
        "/api/v1/me/deletion", {"password": DEFAULT_PASSWORD}, content_type="application/json"
    )
    assert ok.status_code == 202 and ok.json()["status"] == "pending"
    again = client.post(
        "/api/v1/me/deletion", {"password": DEFAULT_PASSWORD}, content_type="application/json"
    )
    assert again.status_code == 409
    other = client.get("/api/v1/notifications")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "account_pending_deletion"
    cancelled = client.delete("/api/v1/me/deletion")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete("/api/v1/me/deletion").json()["error"]["code"] == "no_deletion_pending"
