"""Settings → Sessions: the list, revoking one, signing out everywhere, the idle timeout."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts import tokens_api
from mentorloom.accounts.models import PersonalAccessToken, UserSession
from mentorloom.accounts.sessions import device_summary
from mentorloom.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, UserFactory

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _signed_in(user, agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(
        reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:settings")).status_code == 200


@pytest.mark.django_db
def test_settings_lists_each_browser_with_this_device_marked():
    user = UserFactory(email_verified_at=timezone.now())
    laptop = _signed_in(user, FIREFOX, "198.51.100.1")
    _signed_in(user, SAFARI, "198.51.100.2").get("/")
    page = laptop.get(reverse("accounts:settings")).content.decode()
    assert "Firefox on Windows" in page and "Safari on iPhone" in page
    assert "198.51.100.2" in page
    assert page.count("This device") == 1
    assert UserSession.objects.filter(user=user).count() == 2


def test_device_summary_reads_common_agents():
    assert device_summary(FIREFOX) == "Firefox on Windows"
    assert device_summary(SAFARI) == "Safari on iPhone"
    assert device_summary("") == "Unknown device"


@pytest.mark.django_db
def test_revoking_a_session_signs_that_browser_out_only():
    user = UserFactory()
    laptop = _signed_in(user, FIREFOX, "198.51.100.1")
    phone = _signed_in(user, SAFARI, "198.51.100.2")
    phone_row = UserSession.objects.get(user_agent=SAFARI)
    response = laptop.post(reverse("accounts:session_revoke", args=[phone_row.pk]))
    assert response.status_code == 302
    assert not _is_signed_in(phone) and _is_signed_in(laptop)
    assert AuditEvent.objects.filter(kind="auth.sessions.revoked").count() == 1


@pytest.mark.django_db
def test_someone_elses_session_cannot_be_revoked():
    owner, other = UserFactory(), UserFactory()
    owners_browser = _signed_in(owner, FIREFOX, "198.51.100.1")
    intruder = _signed_in(other, SAFARI, "198.51.100.2")
    row = UserSession.objects.get(user=owner)
    assert intruder.post(reverse("accounts:session_revoke", args=[row.pk])).status_code == 404
    assert intruder.post(reverse("accounts:session_revoke", args=[99999])).status_code == 404
    assert _is_signed_in(owners_browser)


@pytest.mark.django_db
@pytest.mark.parametrize("revoke_tokens", [False, True])
def test_sign_out_everywhere_keeps_this_browser_and_optionally_the_tokens(revoke_tokens):
    user = UserFactory(email_verified_at=timezone.now())
    record, _ = tokens_api.create_token(user, name="ci")
    laptop = _signed_in(user, FIREFOX, "198.51.100.1")
    phone = _signed_in(user, SAFARI, "198.51.100.2")
    tablet = _signed_in(user, SAFARI, "198.51.100.3")
    data = {"revoke_tokens": "on"} if revoke_tokens else {}
    assert laptop.post(reverse("accounts:sign_out_all"), data).status_code == 302
    assert _is_signed_in(laptop)
    assert not _is_signed_in(phone) and not _is_signed_in(tablet)
    record.refresh_from_db()
    assert (record.revoked_at is not None) is revoke_tokens
    event = AuditEvent.objects.get(kind="auth.sessions.revoked")
    assert event.data["sessions_ended"] == 2


@pytest.mark.django_db
def test_an_idle_session_ends_after_the_idle_timeout(settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    user = UserFactory()
    with time_machine.travel("2026-03-01 10:00Z", tick=False) as clock:
        browser = _signed_in(user, FIREFOX, "198.51.100.1")
        clock.shift(50 * 60)
        assert _is_signed_in(browser)  # activity restarts the idle clock
        clock.shift(50 * 60)
        assert _is_signed_in(browser)
        clock.shift(61 * 60)
        assert not _is_signed_in(browser)
    assert not UserSession.objects.exists()


@pytest.mark.django_db
def test_last_seen_is_written_at_most_once_a_minute(django_assert_max_num_queries):
    user = UserFactory()
    with time_machine.travel("2026-03-01 10:00Z", tick=False) as clock:
        browser = _signed_in(user, FIREFOX, "198.51.100.1")
        browser.get("/")
        first = UserSession.objects.get().last_seen_at
        clock.shift(30)
        browser.get("/")
        assert UserSession.objects.get().last_seen_at == first
        clock.shift(31)
        browser.get("/")
        assert UserSession.objects.get().last_seen_at == first + timedelta(seconds=61)


def test_sessions_last_two_weeks_at_most_by_default():
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    assert settings.SESSION_IDLE_TIMEOUT == 24 * 3600


@pytest.mark.django_db
def test_tokens_always_expire_by_default_in_90_days_and_at_most_a_year():
    user = UserFactory(email_verified_at=timezone.now())
    record, _ = tokens_api.create_token(user, name="default")
    assert abs(record.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    from mentorloom.core.errors import InvalidInput

    for bad in (None, 0, 367):
        with pytest.raises(InvalidInput):
            tokens_api.create_token(user, name="bad", expires_in_days=bad)
    assert PersonalAccessToken.objects.count() == 1


@pytest.mark.django_db
def test_the_settings_form_offers_no_never_expiring_token(client):
    user = UserFactory(email_verified_at=timezone.now())
    client.force_login(user)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Never" not in page
    client.post(reverse("accounts:token_create"), {"token-name": "x", "token-expires_in_days": ""})
    assert not PersonalAccessToken.objects.exists()
