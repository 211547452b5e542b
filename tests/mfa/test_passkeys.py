"""Passkeys end to end through the views, with a software authenticator (tests/mfa/softkey.py)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from mentorloom.mfa import selectors, services, trusted
from mentorloom.mfa.errors import ChallengeThrottled, PasskeyRejected
from mentorloom.mfa.models import Passkey
from tests.factories import DEFAULT_PASSWORD, ProfileFactory
from tests.mfa.helpers import current_code, enrol, unused_recovery_code
from tests.mfa.softkey import SoftAuthenticator

pytestmark = pytest.mark.django_db

ORIGIN = "http://localhost:8000"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = ORIGIN


@pytest.fixture
def user():
    user = ProfileFactory().user
    enrol(user)
    return user


@pytest.fixture
def authenticator():
    return SoftAuthenticator(rp_id="localhost", origin=ORIGIN)


def _post_json(client: Client, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _step_up(user) -> dict:  # type: ignore[no-untyped-def]
    return {"password": DEFAULT_PASSWORD, "code": unused_recovery_code(user)}


def _register(client: Client, user, authenticator: SoftAuthenticator, name: str = "Laptop"):  # type: ignore[no-untyped-def]
    # `client` is signed in as `user`.
    options = _post_json(client, reverse("mfa:passkey_options"), _step_up(user)).json()
    credential = authenticator.create(options)
    return _post_json(
        client, reverse("mfa:passkey_register"), {"name": name, "credential": credential}
    )


def test_register_a_passkey_then_sign_in_with_it_as_the_second_factor(user, authenticator):
    settings_client = Client()
    settings_client.force_login(user)
    options = _post_json(settings_client, reverse("mfa:passkey_options"), _step_up(user)).json()
    assert options["rp"]["id"] == "localhost"
    credential = authenticator.create(options)
    added = _post_json(
        settings_client,
        reverse("mfa:passkey_register"),
        {"name": "Laptop", "credential": credential},
    )
    assert added.status_code == 200 and added.json()["redirect"] == reverse("mfa:overview")
    passkey = Passkey.objects.get(user=user)
    assert passkey.name == "Laptop" and passkey.transports == ["internal"]

    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    page = client.get("/accounts/mfa/challenge/")
    assert b"Sign in with a passkey" in page.content
    assert client.get("/api/v1/me").status_code == 401
    options = _post_json(client, reverse("mfa:challenge_passkey_options")).json()
    assert [c["id"] for c in options["allowCredentials"]] == [passkey.credential_id]
    response = _post_json(
        client,
        reverse("mfa:challenge_passkey"),
        {"credential": authenticator.get(options), "remember": True},
    )
    assert response.status_code == 200 and response.json()["redirect"] == reverse("dashboard")
    assert trusted.COOKIE_NAME in response.cookies
    assert client.get("/api/v1/me").status_code == 200
    passkey.refresh_from_db()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_a_passkey_response_cannot_be_replayed(user, authenticator):
    settings_client = Client()
    settings_client.force_login(user)
    _register(settings_client, user, authenticator)
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    options = _post_json(client, reverse("mfa:challenge_passkey_options")).json()
    credential = authenticator.get(options)
    first = _post_json(client, reverse("mfa:challenge_passkey"), {"credential": credential})
    assert first.status_code == 200
    # Same response again, in a fresh half-signed-in session: its challenge is spent.
    other = Client()
    other.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    _post_json(other, reverse("mfa:challenge_passkey_options"))
    replay = _post_json(other, reverse("mfa:challenge_passkey"), {"credential": credential})
    assert replay.status_code == 400
    assert replay.json()["error"]["code"] == "mfa_passkey_rejected"
    assert "_auth_user_id" not in other.session


def test_a_response_from_another_origin_is_rejected(user, authenticator):
    client = Client()
    client.force_login(user)
    options = _post_json(client, reverse("mfa:passkey_options"), _step_up(user)).json()
    credential = authenticator.create(options, origin="https://evil.example")
    response = _post_json(
        client, reverse("mfa:passkey_register"), {"name": "Evil", "credential": credential}
    )
    assert response.status_code == 400
    assert not Passkey.objects.exists()


def test_someone_elses_passkey_does_not_sign_me_in(user, authenticator):
    owner_client = Client()
    owner_client.force_login(user)
    _register(owner_client, user, authenticator)
    victim = ProfileFactory().user
    enrol(victim)
    client = Client()
    client.post("/accounts/login/", {"email": victim.email, "password": DEFAULT_PASSWORD})
    options = _post_json(client, reverse("mfa:challenge_passkey_options")).json()
    response = _post_json(
        client, reverse("mfa:challenge_passkey"), {"credential": authenticator.get(options)}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_passkey_endpoints_without_a_pending_sign_in_answer_400(client):
    response = _post_json(client, reverse("mfa:challenge_passkey"), {"credential": {}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "mfa_pending_expired"


def test_a_passkey_needs_a_name_and_cannot_be_registered_twice(user, authenticator):
    client = Client()
    client.force_login(user)
    unnamed = _register(client, user, authenticator, name="  ")
    assert unnamed.status_code == 400 and unnamed.json()["error"]["fields"] == {
        "name": ["Enter a name."]
    }
    assert _register(client, user, authenticator).status_code == 200
    options = json.loads(services.begin_passkey_registration(user, **_step_up(user))[0])
    assert [c["id"] for c in options["excludeCredentials"]] == [
        selectors.passkeys_for(user)[0].credential_id
    ]


def test_wrong_passkey_answers_count_towards_the_throttle(user, authenticator):
    client = Client()
    client.force_login(user)
    _register(client, user, authenticator)
    for _ in range(5):
        _, challenge = services.begin_passkey_authentication(user)
        with pytest.raises(PasskeyRejected):
            services.verify_passkey(
                user, credential=authenticator.get({"challenge": "d3Jvbmc"}), challenge=challenge
            )
    options_json, challenge = services.begin_passkey_authentication(user)
    with pytest.raises(ChallengeThrottled):
        services.verify_passkey(
            user, credential=authenticator.get(json.loads(options_json)), challenge=challenge
        )


def test_adding_or_removing_a_passkey_forgets_remembered_devices(user, authenticator):
    before = selectors.mfa_fingerprint(user)
    client = Client()
    client.force_login(user)
    _register(client, user, authenticator)
    assert selectors.mfa_fingerprint(user) != before


def test_a_session_alone_cannot_add_a_passkey(user, authenticator):
    # A stolen or borrowed session, without the password or the authenticator, must not be
    # able to plant its own second factor.
    client = Client()
    client.force_login(user)
    bare = _post_json(client, reverse("mfa:passkey_options"))
    assert bare.status_code == 422
    error = bare.json()["error"]
    assert error["message"] == (
        "Enter your current password and a code from your authenticator app."
    )
    assert set(error["fields"]) == {"password", "code"}
    wrong = _post_json(
        client,
        reverse("mfa:passkey_options"),
        {"password": "not it", "code": unused_recovery_code(user)},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["message"] == "Your current password is not correct."
    bad_code = _post_json(
        client, reverse("mfa:passkey_options"), {"password": DEFAULT_PASSWORD, "code": "000000x"}
    )
    assert bad_code.status_code == 400
    assert bad_code.json()["error"]["code"] == "mfa_invalid_code"
    # No challenge was handed out, so a made-up response has nothing to finish.
    credential = authenticator.create({"challenge": "d3Jvbmc", "rp": {"id": "localhost"}})
    finish = _post_json(
        client, reverse("mfa:passkey_register"), {"name": "Intruder", "credential": credential}
    )
    assert finish.status_code == 400
    assert not Passkey.objects.exists()


def test_a_current_authenticator_code_also_confirms_adding_a_passkey(user, authenticator):
    client = Client()
    client.force_login(user)
    device = selectors.totp_device_for(user)
    step_up = {"password": DEFAULT_PASSWORD, "code": current_code(device)}
    options = _post_json(client, reverse("mfa:passkey_options"), step_up).json()
    added = _post_json(
        client,
        reverse("mfa:passkey_register"),
        {"name": "Phone", "credential": authenticator.create(options)},
    )
    assert added.status_code == 200
    assert Passkey.objects.get(user=user).name == "Phone"
