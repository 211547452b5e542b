"""The account events that end a person's open WebSockets (issue 22, defect 3): each asks the
channel layer to close them, after commit. (Real sockets: tests/core/realtime/test_lifetime.py.)"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts import services
from mentorloom.core.realtime import lifetime

User = get_user_model()
PASSWORD = "correct-horse-battery-42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def closes(monkeypatch) -> list[tuple[int, dict]]:
    sent: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        lifetime, "_send_to_sockets", lambda user_id, event: sent.append((user_id, event))
    )
    return sent


def test_password_reset_closes_the_persons_sockets(
    client, closes, django_capture_on_commit_callbacks
):
    # Verified: resetting an unverified account's password also reclaims it (closes twice).
    user = User.objects.create_user("known@example.org", PASSWORD, email_verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "known@example.org"})
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "another-long-passphrase-7"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(set_url, {"new_password1": new, "new_password2": new})
    assert closes == [
        (user.pk, {"type": "socket.close", "reason": "password_reset", "session": None})
    ]


def test_a_failed_password_change_closes_nothing(
    client, closes, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("m@example.org", PASSWORD)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_change"),
            {"old_password": "wrong", "new_password1": "xX-new-99", "new_password2": "xX-new-99"},
        )
    assert closes == []


def test_sign_out_closes_only_the_sockets_of_that_session(
    client, closes, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("m@example.org", PASSWORD)
    client.force_login(user)
    key = client.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:logout"))
    assert closes == [
        (
            user.pk,
            {"type": "socket.close", "reason": "signed_out", "session": lifetime.session_tag(key)},
        )
    ]


def test_deactivation_closes_sockets_once(closes, django_capture_on_commit_callbacks):
    user = User.objects.create_user("m@example.org", PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deactivate_account(user.pk) is True
        assert services.deactivate_account(user.pk) is False
    assert [reason["reason"] for _, reason in closes] == ["deactivated"]
    assert not User.objects.get(pk=user.pk).is_active


def test_staff_deactivating_in_the_admin_closes_sockets(
    client, closes, django_capture_on_commit_callbacks
):
    staff = User.objects.create_superuser("staff@example.org", PASSWORD)
    user = User.objects.create_user("m@example.org", PASSWORD)
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "email": user.email,
        "is_staff": "",
        "is_superuser": "",
        "is_active": "",  # unticked
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not User.objects.get(pk=user.pk).is_active
    assert closes == [(user.pk, {"type": "socket.close", "reason": "deactivated", "session": None})]


def test_staff_setting_a_password_in_the_admin_closes_sockets(
    client, closes, django_capture_on_commit_callbacks
):
    staff = User.objects.create_superuser("staff@example.org", PASSWORD)
    user = User.objects.create_user("m@example.org", PASSWORD)
    client.force_login(staff)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    new = "a-new-passphrase-from-staff-5"
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(url, {"password1": new, "password2": "something else"})
    assert wrong.status_code == 200 and closes == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=user.pk).check_password(new)
    assert closes == [
        (user.pk, {"type": "socket.close", "reason": "password_changed", "session": None})
    ]
