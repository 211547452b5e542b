"""The home page over the real ASGI server in Chromium: assets, CSP, console, accessibility."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response

from tests.browser.helpers import BrowserProblems, assert_accessible, screenshot

pytestmark = pytest.mark.browser

EXPECTED_ASSETS = (
    "/static/mentorloom/vendor/htmx-2.0.11.min.js",
    "/static/mentorloom/js/app.js",
    "/static/mentorloom/css/app.css",
)


def _load_home(page: Page) -> dict[str, int]:
    statuses: dict[str, int] = {}

    def record(response: Response) -> None:
        statuses[response.url.split("?", 1)[0]] = response.status

    page.on("response", record)
    response = page.goto("/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    return statuses


def test_home_page_loads_its_assets_without_console_errors_or_csp_violations(
    page: Page, problems: BrowserProblems, asgi_server: str
):
    statuses = _load_home(page)

    for asset in EXPECTED_ASSETS:
        assert statuses.get(asgi_server + asset) == 200, (asset, statuses)
    # htmx ran (it is not blocked by the CSP) and the module script's imports resolved.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.get_by_role("heading", level=1).is_visible()
    problems.assert_none()
    screenshot(page, "home-desktop")


def test_home_page_sends_a_content_security_policy(page: Page):
    response = page.goto("/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_home_page_passes_axe_at_desktop_width(page: Page, problems: BrowserProblems):
    _load_home(page)
    assert_accessible(page)
    problems.assert_none()


def test_home_page_passes_axe_at_phone_width(phone_page: Page, phone_problems: BrowserProblems):
    _load_home(phone_page)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, "sideways scroll"
    assert_accessible(phone_page)
    phone_problems.assert_none()
    screenshot(phone_page, "home-phone")


def test_database_rows_created_in_the_test_are_seen_by_the_server(page: Page, asgi_server: str):
    # Guards the fixture wiring: ORM in the Playwright thread, the same test DB in the server.
    from django.contrib.auth import get_user_model

    from tests.browser.helpers import log_in

    user = get_user_model().objects.create_user(email="smoke@example.org", password="x" * 12)
    log_in(page.context, user, asgi_server)
    response = page.goto("/")
    assert response is not None and response.ok
    # Signed-in visitors are sent from the home page to their dashboard.
    assert page.url.rstrip("/").endswith("/dashboard")


def test_api_docs_render_under_the_content_security_policy(page: Page, problems: BrowserProblems):
    # The footer links every page here; Swagger UI is served from ninja's static files.
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Mentorloom API" in page.locator(".swagger-ui .info .title").inner_text()
    problems.assert_none()
    screenshot(page, "api-docs")
