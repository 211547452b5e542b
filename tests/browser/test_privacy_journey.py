"""Your data, on a phone: ask for a copy (the page shows it ready), schedule the account's
deletion with the password, then cancel it — axe-core on the page in each state."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, problems_of, screenshot
from tests.factories import DEFAULT_PASSWORD, ProfileFactory

pytestmark = pytest.mark.browser


def test_download_my_data_then_delete_and_cancel_on_a_phone(
    new_context, asgi_server, settings, tmp_path
):
    from tests.browser.conftest import PHONE

    settings.MENTORLOOM_EXPORT_DIR = tmp_path / "exports"
    person = ProfileFactory(display_name="Noor Haddad").user
    ctx = new_context(**PHONE)
    log_in(ctx, person, asgi_server)
    page = ctx.new_page()

    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Download my data").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Download my data").click()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    screenshot(page, "privacy-export-ready-phone")

    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(
        page.get_by_role("heading", name="Your account is scheduled for deletion")
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "privacy-deletion-pending-phone")
    page.goto("/mentors/")  # everything else leads back here until she decides
    expect(page.get_by_role("button", name="Cancel deletion and keep my account")).to_be_visible()

    page.get_by_role("button", name="Cancel deletion and keep my account").click()
    expect(page.get_by_text("your account will not be deleted")).to_be_visible()
    problems_of(ctx).assert_none()
