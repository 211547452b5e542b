"""A new person's first minutes: sign up, verify from the e-mail, fill the profile, see the
dashboard — in Chromium against the real ASGI server, with axe-core on the key pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import assert_accessible, in_thread, problems_of, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def kolkata(new_context) -> BrowserContext:
    # A half-hour zone, so "detected from the browser" cannot pass by accident with UTC.
    return new_context(timezone_id="Asia/Kolkata")


def test_signup_verify_profile_dashboard_journey(kolkata: BrowserContext):
    page: Page = kolkata.new_page()
    problems = problems_of(kolkata)

    page.goto("/")
    page.get_by_role("link", name="Create your free account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "signup-desktop")

    page.get_by_label("Your name").fill("Priya Raman")
    page.get_by_label("E-mail address").fill("priya@example.org")
    page.get_by_label("Password").fill("a-long-and-happy-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    User = get_user_model()
    user = in_thread(lambda: User.objects.select_related("profile").get())
    assert user.email_verified_at is None
    assert user.profile.time_zone == "Asia/Kolkata"  # detected in the browser at sign-up

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text("your e-mail address is verified")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    assert_accessible(page)
    screenshot(page, "profile-edit-desktop")

    page.get_by_label("Headline").fill("Backend engineer moving into product management")
    page.get_by_label("Skills").fill("Python, SQL")
    page.get_by_label("Career goals").fill("Move into product management")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya")
    assert_accessible(page)
    screenshot(page, "dashboard-desktop")

    user = in_thread(lambda: User.objects.select_related("profile").get())
    assert user.email_verified_at is not None
    assert user.profile.headline == "Backend engineer moving into product management"
    skills = in_thread(lambda: sorted(s.name for s in user.profile.skills.all()))
    assert skills == ["Python", "SQL"]
    problems.assert_none()


def test_signup_and_profile_pages_work_at_phone_width(phone_page: Page, phone_problems):
    phone_page.goto("/accounts/signup/")
    assert_accessible(phone_page)
    screenshot(phone_page, "signup-phone")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_problems.assert_none()
