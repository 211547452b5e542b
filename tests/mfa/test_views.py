"""The second sign-in step, remembered devices, staff enrolment and the settings pages,
through the test client."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts import tokens_api
from mentorloom.mfa import selectors, services, trusted
from mentorloom.mfa.flow import PENDING_KEY
from mentorloom.mfa.models import Passkey
from tests.factories import DEFAULT_PASSWORD, ProfileFactory, UserFactory
from tests.mfa.helpers import current_code, enrol

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CHALLENGE = "/accounts/mfa/challenge/"


def _password_step(client: Client, user, **extra):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD, **extra})


@pytest.fixture
def mfa_user():
    user = ProfileFactory(user=UserFactory(email_verified_at=timezone.now())).user
    device, codes = enrol(user)
    return user, device, codes


def test_without_mfa_the_password_alone_signs_in(client):
    user = ProfileFactory().user
    response = _password_step(client, user)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get("/api/v1/me").status_code == 200


def test_with_mfa_the_password_step_parks_the_sign_in_without_logging_in(client, mfa_user):
    user, _, _ = mfa_user
    response = _password_step(client, user)
    assert response.status_code == 302 and response["Location"] == CHALLENGE
    assert "_auth_user_id" not in client.session
    assert client.session[PENDING_KEY]["user_id"] == user.pk
    # Half-signed-in: pages and session auth on the API both see a stranger.
    assert client.get(reverse("dashboard")).status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    page = client.get(CHALLENGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "Remember this device for 30 days" in html


def test_a_current_code_completes_sign_in_and_goes_where_the_person_was_heading(client, mfa_user):
    user, device, _ = mfa_user
    _password_step(client, user, next="/accounts/settings/")
    response = client.post(CHALLENGE, {"method": "totp", "code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/settings/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert PENDING_KEY not in client.session
    assert client.get("/api/v1/me").status_code == 200
    assert trusted.COOKIE_NAME not in response.cookies


def test_a_recovery_code_signs_in_once(client, mfa_user):
    user, _, codes = mfa_user
    _password_step(client, user)
    response = client.post(CHALLENGE, {"method": "recovery", "recovery-code": codes[0]})
    assert response.status_code == 302
    assert selectors.recovery_codes_left(user) == 9
    client.post(reverse("accounts:logout"))
    _password_step(client, user)
    again = client.post(CHALLENGE, {"method": "recovery", "recovery-code": codes[0]})
    assert again.status_code == 400
    assert "That code is not valid" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_are_explained_then_throttled_with_429(client, mfa_user):
    user, device, _ = mfa_user
    _password_step(client, user)
    for _ in range(5):
        wrong = client.post(CHALLENGE, {"method": "totp", "code": "000000"})
        assert wrong.status_code == 400
        assert "That code is not valid" in wrong.content.decode()
    locked = client.post(CHALLENGE, {"method": "totp", "code": current_code(device)})
    assert locked.status_code == 429
    assert "Too many wrong codes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_empty_code_is_a_form_error_not_a_500(client, mfa_user):
    user, _, _ = mfa_user
    _password_step(client, user)
    response = client.post(CHALLENGE, {"method": "totp", "code": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_the_second_step_without_a_password_step_goes_back_to_log_in(client):
    response = client.get(CHALLENGE)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_a_parked_sign_in_expires(client, mfa_user):
    user, device, _ = mfa_user
    _password_step(client, user)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(CHALLENGE, {"method": "totp", "code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_cancel_forgets_the_parked_sign_in(client, mfa_user):
    user, _, _ = mfa_user
    _password_step(client, user)
    client.post("/accounts/mfa/challenge/cancel/")
    assert PENDING_KEY not in client.session
    assert client.get(CHALLENGE).status_code == 302


def _sign_in_remembering(client: Client, user, device):  # type: ignore[no-untyped-def]
    _password_step(client, user)
    response = client.post(
        CHALLENGE, {"method": "totp", "code": current_code(device), "remember": "on"}
    )
    morsel = response.cookies[trusted.COOKIE_NAME]
    assert morsel["httponly"] and morsel["max-age"] == 30 * 24 * 3600
    assert not morsel["secure"]  # plain http in tests; Secure when the request is https
    client.post(reverse("accounts:logout"))
    return morsel


def test_a_remembered_device_skips_the_second_step(client, mfa_user):
    user, device, _ = mfa_user
    _sign_in_remembering(client, user, device)
    response = _password_step(client, user)
    assert response["Location"] == reverse("dashboard")
    assert client.session["_auth_user_id"] == str(user.pk)
    # Another browser (no cookie) still has to give a code.
    assert _password_step(Client(), user)["Location"] == CHALLENGE


def test_a_remembered_device_cookie_is_secure_over_https(mfa_user):
    user, device, _ = mfa_user
    client = Client()
    client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, secure=True)
    response = client.post(
        CHALLENGE,
        {"method": "totp", "code": current_code(device), "remember": "on"},
        secure=True,
    )
    assert response.cookies[trusted.COOKIE_NAME]["secure"]


def test_changing_the_password_forgets_remembered_devices(client, mfa_user):
    user, device, _ = mfa_user
    _sign_in_remembering(client, user, device)
    _password_step(client, user)
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    client.post(reverse("accounts:logout"))
    response = client.post(LOGIN, {"email": user.email, "password": "a brand new passphrase"})
    assert response["Location"] == CHALLENGE


def test_the_remembered_cookie_does_not_carry_over_to_another_account(client, mfa_user):
    user, device, _ = mfa_user
    _sign_in_remembering(client, user, device)
    other = ProfileFactory().user
    enrol(other)
    assert _password_step(client, other)["Location"] == CHALLENGE


def test_a_forged_remembered_cookie_is_ignored(client, mfa_user):
    user, _, _ = mfa_user
    client.cookies[trusted.COOKIE_NAME] = f"{user.pk}:{selectors.mfa_fingerprint(user)}"
    assert _password_step(client, user)["Location"] == CHALLENGE


def test_tokens_still_work_for_people_with_mfa(mfa_user):
    user, _, _ = mfa_user
    _, token = tokens_api.create_token(user, name="script")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


# --- Staff ------------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    user = ProfileFactory(
        user=UserFactory(is_staff=True, is_superuser=True, email_verified_at=timezone.now())
    ).user
    client.force_login(user)
    return user


def test_staff_without_mfa_are_sent_to_enrolment_after_signing_in(client):
    user = ProfileFactory(user=UserFactory(is_staff=True)).user
    response = _password_step(client, user)
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"] == reverse("mfa:enrol")
    assert client.get(reverse("mfa:enrol")).status_code == 200


def test_staff_without_mfa_cannot_use_admin_staff_pages_or_the_api_by_session(client, staff):
    assert client.get("/admin/")["Location"] == reverse("mfa:enrol")
    assert client.get(reverse("sessions:program_insights"))["Location"] == reverse("mfa:enrol")
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "mfa_enrolment_required"
    _, token = tokens_api.create_token(staff, name="script")
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_staff_without_mfa_cannot_pass_the_api_gate_with_a_made_up_token(client, staff):
    # The API falls back to the session when the bearer token signs nobody in: the gate must
    # not wave the request through just because it carries an Authorization header.
    for header in ("Bearer nonsense", "Bearer mlt_madeup", "Basic Zm9vOmJhcg==", "Bearer"):
        api = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
        assert api.status_code == 403, header
        assert api.json()["error"]["code"] == "mfa_enrolment_required"
    _, token = tokens_api.create_token(staff, name="script")
    tokens_api.revoke_token(staff, staff.access_tokens.get().pk)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
    # A live token still works, with or without the session alongside.
    _, token = tokens_api.create_token(staff, name="script 2")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_staff_with_mfa_reach_the_admin(client, staff):
    enrol(staff)
    assert client.get("/admin/").status_code == 200


def test_the_staff_rule_can_be_relaxed_for_development(client, staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    assert client.get("/admin/").status_code == 200


def test_people_who_are_not_staff_are_not_forced_to_enrol(client):
    client.force_login(ProfileFactory().user)
    assert client.get(reverse("dashboard")).status_code == 200


# --- Settings pages ---------------------------------------------------------------------------


def test_enrolment_page_shows_qr_and_secret_then_codes_once(client):
    user = ProfileFactory().user
    client.force_login(user)
    page = client.get(reverse("mfa:enrol"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    device = selectors.totp_device_for(user, confirmed=False)
    assert page.context["secret"] and page.context["secret"] in html
    wrong = client.post(reverse("mfa:enrol"), {"code": "000000", "password": DEFAULT_PASSWORD})
    assert wrong.status_code == 400 and "That code is not valid" in wrong.content.decode()
    done = client.post(
        reverse("mfa:enrol"), {"code": current_code(device), "password": DEFAULT_PASSWORD}
    )
    assert done["Location"] == reverse("mfa:recovery_codes")
    codes_page = client.get(reverse("mfa:recovery_codes"))
    codes = codes_page.context["codes"]
    assert len(codes) == 10 and all(code in codes_page.content.decode() for code in codes)
    assert codes_page["Cache-Control"] == "no-store"
    assert client.get(reverse("mfa:recovery_codes"))["Location"] == reverse("mfa:overview")
    assert client.get(reverse("mfa:enrol"))["Location"] == reverse("mfa:overview")


def test_regenerating_codes_from_settings_needs_password_and_code_then_shows_new_ones(
    client, mfa_user
):
    user, device, old = mfa_user
    client.force_login(user)
    overview = client.get(reverse("mfa:overview")).content.decode()
    assert f'href="{reverse("mfa:regenerate_codes")}"' in overview
    page = client.get(reverse("mfa:regenerate_codes"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<label for="id_password">Current password' in html
    assert '<label for="id_code">Code from your authenticator app' in html
    wrong = client.post(
        reverse("mfa:regenerate_codes"), {"password": "nope", "code": current_code(device)}
    )
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    bad_code = client.post(
        reverse("mfa:regenerate_codes"), {"password": DEFAULT_PASSWORD, "code": "000000x"}
    )
    assert bad_code.status_code == 400 and "That code is not valid" in bad_code.content.decode()
    assert selectors.recovery_codes_left(user) == 10
    response = client.post(
        reverse("mfa:regenerate_codes"),
        {"password": DEFAULT_PASSWORD, "code": current_code(device)},
    )
    assert response["Location"] == reverse("mfa:recovery_codes")
    new = client.get(reverse("mfa:recovery_codes")).context["codes"]
    assert set(new).isdisjoint(old)


def test_a_session_alone_cannot_replace_the_recovery_codes(client, mfa_user):
    # A stolen or borrowed session, without the password or the authenticator.
    user, _, old = mfa_user
    client.force_login(user)
    response = client.post(reverse("mfa:regenerate_codes"))
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert client.get(reverse("mfa:recovery_codes"))["Location"] == reverse("mfa:overview")
    assert services.verify_code(user, old[0]) == "recovery"  # the owner's codes still work


def test_regenerating_codes_without_mfa_goes_back_to_the_overview(client):
    client.force_login(ProfileFactory().user)
    assert client.get(reverse("mfa:regenerate_codes"))["Location"] == reverse("mfa:overview")


def test_disabling_from_settings_needs_password_and_code(client, mfa_user):
    user, device, _ = mfa_user
    client.force_login(user)
    wrong = client.post(reverse("mfa:disable"), {"password": "nope", "code": current_code(device)})
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    missing = client.post(reverse("mfa:disable"), {"password": DEFAULT_PASSWORD})
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    done = client.post(
        reverse("mfa:disable"), {"password": DEFAULT_PASSWORD, "code": current_code(device)}
    )
    assert done["Location"] == reverse("mfa:overview")
    assert not selectors.has_mfa(user)


def test_someone_elses_passkey_cannot_be_removed(client, mfa_user):
    owner, _, _ = mfa_user
    passkey = Passkey.objects.create(
        user=owner, name="Laptop", credential_id="abc", public_key=b"k"
    )
    intruder = ProfileFactory().user
    client.force_login(intruder)
    assert client.post(reverse("mfa:passkey_remove", args=[passkey.pk])).status_code == 404
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    client.force_login(owner)
    client.post(reverse("mfa:passkey_remove", args=[passkey.pk]))
    assert not Passkey.objects.filter(pk=passkey.pk).exists()


def test_passkeys_need_an_authenticator_first(client):
    client.force_login(ProfileFactory().user)
    response = client.post(
        reverse("mfa:passkey_options"),
        {"password": DEFAULT_PASSWORD, "code": "123456"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "mfa_not_enabled"


def test_passkey_registration_rejects_garbage_with_a_clear_400(client, mfa_user):
    user, device, _ = mfa_user
    client.force_login(user)
    options = client.post(
        reverse("mfa:passkey_options"),
        {"password": DEFAULT_PASSWORD, "code": current_code(device)},
        content_type="application/json",
    )
    assert options.status_code == 200 and options.json()["rp"]["id"] == "127.0.0.1"
    response = client.post(
        reverse("mfa:passkey_register"),
        {"name": "Laptop", "credential": {"id": "x", "response": {}}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "mfa_passkey_rejected"
    not_json = client.post(reverse("mfa:passkey_register"), "{{", content_type="application/json")
    assert not_json.status_code == 400


def test_the_admin_login_form_cannot_skip_the_second_factor(client, mfa_user):
    user, _, _ = mfa_user
    user.is_staff = True
    user.save()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith("/accounts/login/")


def test_the_admin_never_shows_a_persons_secret_or_recovery_codes(client, staff, mfa_user):
    enrol(staff)
    user, device, codes = mfa_user
    static = user.staticdevice_set.get()
    passkey = Passkey.objects.create(user=user, name="Phone", credential_id="xyz", public_key=b"k")
    totp_page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    static_page = client.get(f"/admin/otp_static/staticdevice/{static.pk}/change/")
    passkey_page = client.get(f"/admin/mfa/passkey/{passkey.pk}/change/")
    assert totp_page.status_code == static_page.status_code == passkey_page.status_code == 200
    assert device.key not in totp_page.content.decode()
    raw_codes = [code.replace("-", "") for code in codes]
    assert not any(code in static_page.content.decode() for code in raw_codes)
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403


def test_staff_mfa_is_required_by_default(monkeypatch):
    import importlib

    from mentorloom import settings as settings_module

    monkeypatch.delenv("MENTORLOOM_MFA_REQUIRED_FOR_STAFF", raising=False)
    assert importlib.reload(settings_module).MFA_REQUIRED_FOR_STAFF is True
