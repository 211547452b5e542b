import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts import services
from mentorloom.accounts.errors import EmailTaken, InvalidLink
from mentorloom.profiles.models import Profile

User = get_user_model()
STRONG = "correct-horse-battery-42"


def _link_from(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.django_db
def test_signup_creates_account_profile_and_emails_a_verification_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {
                "display_name": "Ama Mensah",
                "email": " Ama@Example.org ",
                "password": STRONG,
                "time_zone": "Africa/Accra",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify_sent")
    user = User.objects.get()
    assert user.email == "ama@example.org"
    assert user.email_verified_at is None
    assert user.profile.display_name == "Ama Mensah"
    assert user.profile.time_zone == "Africa/Accra"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ama@example.org"]
    assert "/accounts/verify/" in _link_from(mail.outbox[0])


@pytest.mark.django_db
def test_signup_ignores_an_unknown_browser_time_zone(client):
    client.post(
        reverse("accounts:signup"),
        {
            "display_name": "X",
            "email": "x@example.org",
            "password": STRONG,
            "time_zone": "Mars/Olympus",
        },
    )
    assert Profile.objects.get().time_zone == ""


@pytest.mark.django_db
def test_signup_with_weak_password_shows_field_error_and_saves_nothing(client):
    response = client.post(
        reverse("accounts:signup"),
        {"display_name": "X", "email": "x@example.org", "password": "12345"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.exists()
    assert not Profile.objects.exists()


def _signup(client, email, name="X"):
    return client.post(
        reverse("accounts:signup"), {"display_name": name, "email": email, "password": STRONG}
    )


@pytest.mark.django_db
def test_signup_with_taken_address_answers_like_a_new_one_and_tells_the_owner(
    client, django_capture_on_commit_callbacks
):
    User.objects.create_user("taken@example.org", STRONG)
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(client, "TAKEN@example.org")
    taken_page = client.get(taken["Location"]).content.decode()
    other = Client()
    with django_capture_on_commit_callbacks(execute=True):
        new = _signup(other, "new@example.org")
    new_page = other.get(new["Location"]).content.decode()
    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"] == reverse("accounts:verify_sent")
    assert "_auth_user_id" not in client.session and "_auth_user_id" not in other.session

    def masked(page, email):
        return re.sub(r'(value="|CSRFToken": ")[^"]+"', "", page.replace(email, "EMAIL"))

    assert masked(taken_page, "taken@example.org") == masked(new_page, "new@example.org")
    assert "already exists" not in taken_page
    assert User.objects.filter(email="taken@example.org").count() == 1
    notices = [m for m in mail.outbox if m.to == ["taken@example.org"]]
    assert len(notices) == 1 and "tried to create" in notices[0].body
    # Rate-limited: repeated attempts do not spam the owner.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _signup(Client(), "taken@example.org")
    assert len([m for m in mail.outbox if m.to == ["taken@example.org"]]) == 1


@pytest.mark.django_db
def test_signup_with_taken_address_still_reports_a_weak_password(client):
    User.objects.create_user("taken@example.org", STRONG)
    response = client.post(
        reverse("accounts:signup"),
        {"display_name": "X", "email": "taken@example.org", "password": "123"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()


@pytest.mark.django_db
def test_resend_verification_ignores_an_offsite_next(client):
    user = User.objects.create_user("r@example.org", STRONG)
    client.force_login(user)
    for target in ("https://evil.example/", "//evil.example/x"):
        response = client.post(reverse("accounts:resend_verification"), {"next": target})
        assert response["Location"] == reverse("accounts:verify_sent")
    response = client.post(reverse("accounts:resend_verification"), {"next": "/profile/"})
    assert response["Location"] == "/profile/"


@pytest.mark.django_db
def test_signup_with_invalid_email_and_overlong_name_shows_errors(client):
    response = client.post(
        reverse("accounts:signup"),
        {"display_name": "n" * 81, "email": "not-an-email", "password": STRONG},
    )
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert "at most 80 characters" in body
    assert not User.objects.exists()


@pytest.mark.django_db
def test_verification_link_verifies_and_leads_to_profile(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {"display_name": "Ama", "email": "ama@example.org", "password": STRONG},
        )
    response = client.get(_link_from(mail.outbox[0]))
    assert response.status_code == 302
    assert response["Location"] == reverse("profiles:edit")
    assert User.objects.get().email_verified_at is not None


@pytest.mark.django_db
def test_verification_link_expires_after_three_days(django_capture_on_commit_callbacks):
    with time_machine.travel("2026-01-01 12:00Z", tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            services.sign_up(email="late@example.org", password=STRONG)
        token = _link_from(mail.outbox[0]).rstrip("/").rsplit("/", 1)[-1]
        clock.shift(3 * 24 * 3600 + 60)
        with pytest.raises(InvalidLink):
            services.verify_email(token)
    assert User.objects.get().email_verified_at is None


@pytest.mark.django_db
def test_tampered_verification_link_shows_a_helpful_error_page(client):
    response = client.get(reverse("accounts:verify", args=["not-a-real-token"]))
    assert response.status_code == 400
    assert "invalid or has expired" in response.content.decode()


@pytest.mark.django_db
def test_sign_up_service_refuses_duplicate_address():
    services.sign_up(email="dup@example.org", password=STRONG)
    with pytest.raises(EmailTaken):
        services.sign_up(email="DUP@example.org", password=STRONG)


@pytest.mark.django_db
def test_resend_verification_is_rate_limited(client, django_capture_on_commit_callbacks):
    user = User.objects.create_user("r@example.org", STRONG)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.post(reverse("accounts:resend_verification"))
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_argon2_is_the_production_hasher(settings):
    from django.conf import settings as live

    assert live.PASSWORD_HASHERS  # the fixture swaps in MD5 for speed; check the module value
    import mentorloom.settings as module

    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_only_the_first_opening_of_the_link_signs_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {"display_name": "Ama", "email": "ama@example.org", "password": STRONG},
        )
    assert "_auth_user_id" not in client.session  # sign-up itself does not sign in
    link = _link_from(mail.outbox[0])
    assert client.get(link)["Location"] == reverse("profiles:edit")
    assert "_auth_user_id" in client.session
    stranger = Client()
    assert stranger.get(link)["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in stranger.session


@pytest.mark.django_db
def test_password_reset_revokes_tokens_and_ends_sessions(
    client, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from mentorloom.accounts import tokens_api
    from mentorloom.accounts.models import PersonalAccessToken
    from mentorloom.audit.models import AuditEvent

    user = User.objects.create_user("r@example.org", STRONG, email_verified_at=timezone.now())
    tokens_api.create_token(user, name="ci")
    other = Client()
    other.post(reverse("accounts:login"), {"email": "r@example.org", "password": STRONG})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "r@example.org"})
    link = _link_from(mail.outbox[-1])
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "an-entirely-new-phrase-7", "new_password2": "an-entirely-new-phrase-7"},
    )
    assert response.status_code == 302
    assert not PersonalAccessToken.objects.filter(revoked_at=None).exists()
    assert other.get(reverse("accounts:settings")).status_code == 302  # signed out
    assert AuditEvent.objects.get(kind="auth.password.reset").data["tokens_revoked"] == 1


@pytest.mark.django_db
def test_a_taken_address_costs_a_password_hash_like_a_new_one(client, monkeypatch):
    # Same order of time: the slow step of a real sign-up (hashing) happens either way.
    import mentorloom.accounts.services as account_services

    hashed = []
    real = account_services.make_password
    monkeypatch.setattr(account_services, "make_password", lambda p: hashed.append(p) or real(p))
    User.objects.create_user("taken@example.org", STRONG)
    _signup(client, "taken@example.org")
    assert hashed == [STRONG]


@pytest.mark.django_db
def test_resend_works_before_signing_in_and_only_for_an_unverified_account(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, "fresh@example.org")
        client.post(reverse("accounts:resend_verification"))
    assert [m.to for m in mail.outbox] == [["fresh@example.org"], ["fresh@example.org"]]
    User.objects.create_user("owner@example.org", STRONG, email_verified_at=timezone.now())
    intruder = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(intruder, "owner@example.org")
        response = intruder.post(reverse("accounts:resend_verification"), follow=True)
    assert "We sent a new link to owner@example.org" in response.content.decode()
    owner_mail = [m for m in mail.outbox if m.to == ["owner@example.org"]]
    assert len(owner_mail) == 1 and "tried to create" in owner_mail[0].body  # no link sent
