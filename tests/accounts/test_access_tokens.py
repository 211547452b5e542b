import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts import tokens_api
from mentorloom.accounts.models import PersonalAccessToken
from mentorloom.core.errors import InvalidInput
from tests.factories import ProfileFactory, UserFactory


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.django_db
def test_a_token_authenticates_api_calls_without_a_session_or_csrf():
    profile = ProfileFactory(display_name="Script Owner", user__email_verified_at=timezone.now())
    _, token = tokens_api.create_token(profile.user, name="report script")
    client = Client(enforce_csrf_checks=True)
    me = client.get("/api/v1/me", **_bearer(token))
    assert me.status_code == 200
    assert me.json()["email"] == profile.user.email
    patched = client.patch(
        "/api/v1/me",
        {"headline": "Set by a script"},
        content_type="application/json",
        **_bearer(token),
    )
    assert patched.status_code == 200
    profile.refresh_from_db()
    assert profile.headline == "Set by a script"


@pytest.mark.django_db
def test_only_a_hash_of_the_token_is_stored():
    _, token = tokens_api.create_token(UserFactory(email_verified_at=timezone.now()), name="x")
    record = PersonalAccessToken.objects.get()
    assert token not in (record.token_hash, record.prefix)
    assert token.startswith(record.prefix)


@pytest.mark.django_db
def test_revoked_expired_and_unknown_tokens_get_401(client):
    user = UserFactory(email_verified_at=timezone.now())
    revoked, revoked_token = tokens_api.create_token(user, name="a")
    tokens_api.revoke_token(user, revoked.pk)
    _, short_token = tokens_api.create_token(user, name="b", expires_in_days=1)
    for token in (revoked_token, "mlt_not-a-real-token", "garbage"):
        response = client.get("/api/v1/me", **_bearer(token))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    with time_machine.travel("2099-01-01"):
        assert client.get("/api/v1/me", **_bearer(short_token)).status_code == 401


@pytest.mark.django_db
def test_token_name_and_expiry_are_validated():
    user = UserFactory(email_verified_at=timezone.now())
    with pytest.raises(InvalidInput):
        tokens_api.create_token(user, name="   ")
    with pytest.raises(InvalidInput):
        tokens_api.create_token(user, name="ok", expires_in_days=1000)


@pytest.mark.django_db
def test_settings_page_creates_shows_once_and_revokes_a_token(client):
    user = UserFactory(email_verified_at=timezone.now())
    client.force_login(user)
    created = client.post(
        reverse("accounts:token_create"),
        {"token-name": "CI script", "token-expires_in_days": "30"},
        follow=True,
    )
    token = created.context["new_token"]
    assert token and token in created.content.decode()
    again = client.get(reverse("accounts:settings"))
    assert token not in again.content.decode()  # shown once only
    record = PersonalAccessToken.objects.get()
    client.post(reverse("accounts:token_revoke", args=[record.pk]))
    record.refresh_from_db()
    assert record.revoked_at is not None


@pytest.mark.django_db
def test_someone_elses_token_cannot_be_revoked(client):
    owner = UserFactory(email_verified_at=timezone.now())
    record, _ = tokens_api.create_token(owner, name="mine")
    client.force_login(UserFactory(email_verified_at=timezone.now()))
    response = client.post(reverse("accounts:token_revoke", args=[record.pk]))
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None


@pytest.mark.django_db
def test_an_unverified_account_cannot_create_a_token(client):
    from mentorloom.accounts.errors import EmailUnverified

    user = UserFactory(email_verified_at=None)
    with pytest.raises(EmailUnverified) as caught:
        tokens_api.create_token(user, name="x")
    assert caught.value.code == "email_unverified" and caught.value.status == 403
    client.force_login(user)
    page = client.post(
        reverse("accounts:token_create"),
        {"token-name": "CI", "token-expires_in_days": "30"},
        follow=True,
    )
    assert "verify your e-mail address" in page.content.decode()
    assert not PersonalAccessToken.objects.exists()


@pytest.mark.django_db
def test_a_person_loaded_before_they_verified_is_let_through_once_they_have():
    # A chat socket loads its person when it opens; the link is followed in another tab. The
    # check looks once more before refusing, so the open page can send right away.
    from mentorloom.accounts.access import require_verified
    from mentorloom.accounts.errors import EmailUnverified
    from mentorloom.accounts.models import User

    user = UserFactory(email_verified_at=None)
    with pytest.raises(EmailUnverified):
        require_verified(user)
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
    require_verified(user)  # the same, older object
    assert user.email_verified_at is not None
