"""The verification link opened in another browser than the one that signed up (a phone, or
the mailbox's real owner after someone signed up first with their address): the address is
verified, the page explains why a password is needed, and the chosen password signs in. At
desktop and phone widths, with axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import assert_accessible, assert_fits, screenshot_kept

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_the_link_opened_elsewhere_asks_for_a_password_then_signs_in(
    new_context, width: int
) -> None:
    laptop: BrowserContext = new_context()
    page: Page = laptop.new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Noor Haddad")
    page.get_by_label("E-mail address").fill("noor@example.org")
    page.get_by_label("Password").fill("set-on-someone-elses-laptop")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)

    phone = new_context(viewport={"width": width, "height": 800}).new_page()
    phone.goto(link)
    expect(
        phone.get_by_text("Your e-mail address is verified. Please choose a password")
    ).to_be_visible()
    assert_accessible(phone)
    assert_fits(phone, width)
    screenshot_kept(phone, f"verify-elsewhere-choose-password-{width}")
    boxes = phone.locator("input[type=password]")
    boxes.nth(0).fill("only-the-mailbox-owner-knows")
    boxes.nth(1).fill("only-the-mailbox-owner-knows")
    phone.locator("form button[type=submit]").last.click()

    # The laptop's session was ended; its password no longer works, the new one does.
    page.goto("/dashboard/")
    assert "/accounts/login" in page.url
    phone.goto("/accounts/login/")
    phone.get_by_label("E-mail address").fill("noor@example.org")
    phone.get_by_label("Password").fill("only-the-mailbox-owner-knows")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Noor")
    screenshot_kept(phone, f"verify-elsewhere-signed-in-{width}")
