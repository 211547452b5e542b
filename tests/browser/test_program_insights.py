"""A program admin's insights page in Chromium: reachable from the nav ("Insights", not a
second "Program" beside "Programs"), accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.browser


def test_staff_open_program_insights_from_the_nav(new_context, asgi_server, transactional_db):
    admin = ProfileFactory(display_name="Program Admin", user=UserFactory(is_staff=True)).user
    context = new_context()
    log_in(context, admin, asgi_server)
    page = context.new_page()
    page.goto("/dashboard/")
    page.get_by_role("navigation", name="Main").locator("summary", has_text="Account").click()
    page.get_by_role("link", name="Insights", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#release-status")).to_contain_text("Next release:")
    assert page.url.endswith("/insights/program/")
    # In the (closed again) Account menu, the link says it is the current page.
    insights = page.get_by_role("link", name="Insights", exact=True, include_hidden=True)
    expect(insights).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Schedule")).not_to_have_attribute("aria-current", "page")
    assert_accessible(page)
    screenshot(page, "program-insights-desktop")
    problems_of(context).assert_none()


def test_members_do_not_see_the_program_link(new_context, asgi_server, transactional_db):
    member = ProfileFactory().user
    context = new_context()
    log_in(context, member, asgi_server)
    page = context.new_page()
    page.goto("/dashboard/")
    expect(page.get_by_role("link", name="Insights", exact=True)).to_have_count(0)
    assert page.goto("/insights/program/").status == 404
