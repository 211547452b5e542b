"""Two-factor authentication in Chromium against the real ASGI server: enrol an authenticator
app (the test computes codes from the secret the page shows, with django_otp.oath.totp), sign
in with a code, then with a recovery code; add a passkey with Chromium's virtual authenticator
and sign in with it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django_otp.oath import totp
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.mfa.models import Passkey
from tests.browser.helpers import (
    assert_accessible,
    in_thread,
    log_in,
    problems_of,
    screenshot,
)
from tests.factories import DEFAULT_PASSWORD, ProfileFactory
from tests.mfa.helpers import enrol

pytestmark = pytest.mark.browser


def _code(secret: str, *, steps_ahead: int = 0) -> str:
    # The app's view of the secret; `steps_ahead` gives the next window's code, since a code
    # once accepted (at enrolment) is refused again within its 30 seconds.
    return f"{totp(base64.b32decode(secret), drift=steps_ahead):06d}"


def _sign_in_password(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _log_out(page: Page) -> None:
    page.locator("#main-nav summary").click()  # the Account menu holds "Log out"
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out")).to_be_visible()


def _enrol(page: Page) -> tuple[str, list[str]]:
    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Manage two-factor authentication").click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "mfa-enrol-desktop")
    secret = page.get_by_label("Setup key").get_attribute("data-secret")
    assert secret
    page.get_by_label("6-digit code from your app").fill(_code(secret))
    page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a text file").click()
    saved = download.value
    assert saved.suggested_filename == "mentorloom-recovery-codes.txt"
    assert Path(saved.path()).read_text().split() == codes
    assert_accessible(page)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("10 recovery codes left")).to_be_visible()
    return secret, codes


def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(context: BrowserContext):
    page = context.new_page()
    problems = problems_of(context)
    user = in_thread(lambda: ProfileFactory(display_name="Mira Okafor").user)

    _sign_in_password(page, user.email)
    expect(page).to_have_url("/dashboard/")
    secret, codes = _enrol(page)
    _log_out(page)

    _sign_in_password(page, user.email)
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "mfa-challenge-desktop")
    code_box = page.get_by_label("6-digit code from your authenticator app")
    expect(code_box).to_have_attribute("autocomplete", "one-time-code")
    expect(code_box).to_have_attribute("inputmode", "numeric")
    code_box.fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url("/dashboard/")
    _log_out(page)

    _sign_in_password(page, user.email)
    page.get_by_text("Lost your phone? Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Use recovery code").click()
    expect(page).to_have_url("/dashboard/")
    expect(page.get_by_text("You used a recovery code; 9 left")).to_be_visible()
    # The one 400 is the page answering the wrong code as designed.
    problems.forgive(400, "/accounts/mfa/challenge/")
    problems.assert_none()


def test_second_step_fits_a_phone(phone_page: Page, phone_problems):
    user = in_thread(lambda: ProfileFactory().user)
    in_thread(enrol, user)
    _sign_in_password(phone_page, user.email)
    expect(phone_page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    assert_accessible(phone_page)
    screenshot(phone_page, "mfa-challenge-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_problems.assert_none()


def test_enrolment_fits_a_phone(phone_context: BrowserContext, asgi_server: str):
    page = phone_context.new_page()
    user = in_thread(lambda: ProfileFactory().user)
    log_in(phone_context, user, asgi_server)
    page.goto("/accounts/mfa/enrol/")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "mfa-enrol-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    problems_of(phone_context).assert_none()


@pytest.fixture
def localhost_context(new_context, live_asgi, settings) -> BrowserContext:
    # Browsers refuse an IP address as a WebAuthn relying party ID, so this journey uses
    # http://localhost (a secure context, like 127.0.0.1) and SITE_URL names it.
    base = f"http://localhost:{live_asgi.port}"
    settings.SITE_URL = base
    return new_context(base_url=base)


def test_add_a_passkey_and_sign_in_with_it(localhost_context: BrowserContext):
    page = localhost_context.new_page()
    problems = problems_of(localhost_context)
    cdp = localhost_context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    user = in_thread(lambda: ProfileFactory().user)
    _sign_in_password(page, user.email)
    expect(page).to_have_url("/dashboard/")
    secret, codes = _enrol(page)

    # Adding a passkey asks for the password and a code first, as turning MFA off does.
    page.get_by_label("Passkey name").fill("This laptop")
    page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove This laptop")).to_be_visible()
    assert_accessible(page)
    assert in_thread(lambda: Passkey.objects.filter(user=user).count()) == 1

    # So do new recovery codes (confirmed here with one of the old ones).
    page.get_by_role("link", name="Generate new recovery codes").click()
    expect(page.get_by_role("heading", name="Generate new recovery codes")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "mfa-regenerate-codes-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "mfa-regenerate-codes-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(codes[0])
    page.get_by_role("button", name="Generate new codes").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    new_codes = page.get_by_role("list", name="Recovery codes").locator("li").all_inner_texts()
    assert len(new_codes) == 10 and set(new_codes).isdisjoint(codes)
    _log_out(page)

    _sign_in_password(page, user.email)
    expect(page.get_by_role("heading", name="Use a passkey")).to_be_visible()
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url("/dashboard/")
    passkey = in_thread(lambda: Passkey.objects.get(user=user))
    assert passkey.last_used_at is not None
    problems.assert_none()
