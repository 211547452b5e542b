"""Finding a mentor in Chromium: search as you type, tick a facet (htmx, URL pushed), reload,
open a profile; axe-core and screenshots on desktop and phone."""

from __future__ import annotations

import contextlib
import re
from datetime import time

import pytest
from playwright.sync_api import Page, expect

from mentorloom.discovery.services import rebuild_search_index
from tests.browser.helpers import assert_accessible, in_thread, log_in, screenshot
from tests.factories import DiscoveryMentorFactory, ProfileFactory

pytestmark = pytest.mark.browser


def _people():
    viewer = ProfileFactory(display_name="Mia Mentee", time_zone="Europe/Berlin")
    DiscoveryMentorFactory(
        display_name="Ana Silva",
        headline="Data engineering lead",
        skills=["Python", "SQL"],
        languages=["Portuguese", "English"],
        country="BR",
        time_zone="America/Sao_Paulo",
    )
    DiscoveryMentorFactory(
        display_name="Kofi Mensah",
        headline="Product manager in fintech",
        skills=["Product discovery"],
        languages=["English"],
        country="GH",
        time_zone="Africa/Accra",
        work_start=time(8),
    )
    DiscoveryMentorFactory(
        display_name="Yuki Sato",
        headline="Backend engineer",
        skills=["Python", "Go"],
        languages=["Japanese", "English"],
        country="JP",
        time_zone="Asia/Tokyo",
    )
    rebuild_search_index()
    return viewer


def test_filter_the_directory_and_open_a_profile(page: Page, context, asgi_server, problems):
    viewer = in_thread(_people)
    log_in(context, viewer.user, asgi_server)
    page.goto("/mentors/")
    expect(page.get_by_role("heading", name="3 mentors")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "directory-desktop")

    # Search as you type, with a typo: htmx swaps the results and pushes the URL.
    page.get_by_label("Search mentors").press_sequentially("pyhton", delay=30)
    expect(page.get_by_role("heading", name="2 mentors for “pyhton”")).to_be_visible()
    expect(page).to_have_url(f"{asgi_server}/mentors/?q=pyhton")

    # Tick a facet value: AND with the search, counts shown next to each value.
    page.get_by_role("checkbox", name="Japanese 1 mentor").check()
    expect(page.get_by_role("heading", name="1 mentor for “pyhton”")).to_be_visible()
    expect(page).to_have_url(f"{asgi_server}/mentors/?q=pyhton&language=Japanese")
    expect(page.get_by_role("link", name="Ana Silva")).to_have_count(0)
    assert_accessible(page)

    # The URL holds the query: a reload shows the same results and ticks.
    page.reload()
    expect(page.get_by_role("heading", name="1 mentor for “pyhton”")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Japanese 1 mentor")).to_be_checked()
    expect(page.get_by_label("Search mentors")).to_have_value("pyhton")
    screenshot(page, "directory-filtered-desktop")

    page.get_by_role("link", name="Yuki Sato").click()
    expect(page.get_by_role("heading", level=1, name="Yuki Sato")).to_be_visible()
    problems.assert_none()


def test_empty_directory_state_and_phone_layout(
    phone_page: Page, phone_context, asgi_server, phone_problems
):
    viewer = in_thread(_people)
    log_in(phone_context, viewer.user, asgi_server)
    phone_page.goto("/mentors/?q=astronomy&country=JP")
    expect(
        phone_page.get_by_role("heading", name="No mentors match all of these filters")
    ).to_be_visible()
    assert_accessible(phone_page)
    screenshot(phone_page, "directory-empty-phone")
    phone_page.get_by_role("link", name="Search without “astronomy”").click()
    expect(phone_page.get_by_role("heading", name="1 mentor")).to_be_visible()
    expect(phone_page).to_have_url(f"{asgi_server}/mentors/?country=JP")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone_page, "directory-phone")
    phone_problems.assert_none()


def test_filter_by_free_time_in_the_next_days(page: Page, context, asgi_server, problems):
    from mentorloom.profiles.models import Profile
    from mentorloom.scheduling.models import AvailabilityRule

    def setup():
        viewer = _people()
        ana = Profile.objects.get(display_name="Ana Silva").user
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(mentor=ana, weekday=day, start=time(6), end=time(22))
            for day in range(1, 8)
        )
        return viewer

    viewer = in_thread(setup)
    log_in(context, viewer.user, asgi_server)
    page.goto("/mentors/")
    # With JavaScript the change alone updates the results (htmx) and the shareable URL.
    page.get_by_label("Has free time to meet").select_option("7")
    expect(page).to_have_url(re.compile(r"free_within_days=7"))
    expect(page.get_by_role("heading", name="1 mentor")).to_be_visible()
    card = page.get_by_role("listitem").filter(has_text="Data engineering lead")
    expect(card).to_contain_text("Next free slot")
    assert_accessible(page)
    screenshot(page, "directory-free-slots")
    problems.assert_none()


COUNTRIES = ["BR", "GH", "JP", "DE", "MX", "IN", "KE", "FR", "CA", "AR"]


def _many_countries():
    viewer = ProfileFactory(display_name="Mia Mentee", time_zone="Europe/Berlin")
    viewer.career_goals.create(name="Move into engineering management")
    for n, code in enumerate(COUNTRIES):
        DiscoveryMentorFactory(
            display_name=f"Mentor {code}",
            headline="Engineering manager" if n % 3 == 0 else "Data engineer",
            skills=["Engineering management"] if n % 3 == 0 else ["Data engineering"],
            languages=["English"],
            country=code,
            time_zone="Europe/Berlin",
        )
    rebuild_search_index()
    return viewer


def test_on_a_phone_results_come_first_and_filters_open_from_a_button(
    phone_page: Page, phone_context, asgi_server, phone_problems
):
    viewer = in_thread(_many_countries)
    log_in(phone_context, viewer.user, asgi_server)
    phone_page.goto("/mentors/?language=English")
    expect(phone_page.get_by_role("heading", name="10 mentors")).to_be_visible()
    # The first result card starts inside the first screen (390 × 844), above the filters.
    first_card = phone_page.locator(".directory-cards > li").first
    box = first_card.bounding_box()
    assert box is not None and box["y"] < phone_page.viewport_size["height"] - 100, box
    toggle = phone_page.locator("#directory-filters > summary")
    expect(toggle).to_have_text(re.compile(r"Filters\s*1\s*active"))
    expect(phone_page.get_by_role("checkbox", name=re.compile("^Japan"))).to_be_hidden()
    screenshot(phone_page, "directory-phone-results-first", full_page=False)

    # Keyboard: focus the button and open it with Enter; long lists show a few, then "Show all".
    toggle.focus()
    phone_page.keyboard.press("Enter")
    expect(phone_page.get_by_role("group", name="Country")).to_be_visible()
    show_all = phone_page.get_by_text("Show all 10")
    expect(show_all).to_be_visible()
    hidden = phone_page.get_by_role("checkbox", name=re.compile("^Mexico"))
    expect(hidden).to_be_hidden()
    show_all.click()
    hidden.check()
    expect(phone_page.get_by_role("heading", name="1 mentor")).to_be_visible()
    expect(toggle).to_have_text(re.compile(r"Filters\s*2\s*active"))
    # The ticked value stays visible after the facets are redrawn.
    expect(phone_page.get_by_role("checkbox", name=re.compile("^Mexico"))).to_be_checked()
    assert_accessible(phone_page)
    screenshot(phone_page, "directory-phone-filters-open")
    phone_problems.assert_none()


def test_a_goals_words_find_what_its_filter_finds_and_apply_logs_no_errors(
    page: Page, context, asgi_server, problems
):
    viewer = in_thread(_many_countries)
    log_in(context, viewer.user, asgi_server)
    page.goto("/mentors/")
    # Hold the live request in flight, so "Apply filters" is clicked while it is running.
    held: list = []
    hold = {"on": True}

    def handle(route):  # type: ignore[no-untyped-def]
        if hold["on"] and route.request.headers.get("hx-request"):
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/mentors/\?"), handle)
    goal = page.get_by_role("checkbox", name=re.compile("^Move into engineering management"))
    goal.check()
    while not held:
        page.wait_for_timeout(50)
    # Clicking "Apply filters" during the live request used to abort it (hx-sync replace),
    # which htmx logs as an htmx:sendAbort console error.
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_timeout(300)
    hold["on"] = False
    for route in held:
        with contextlib.suppress(Exception):  # an aborted request cannot be continued
            route.continue_()
    expect(page).to_have_url(re.compile(r"goal=Move"))
    expect(page.get_by_role("heading", name="10 mentors")).to_be_visible()
    by_filter = set(page.locator(".mentor-card__name").all_inner_texts())

    page.goto("/mentors/")
    page.get_by_label("Search mentors").fill("engineering management")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile("mentors for “engineering"))).to_be_visible()
    by_search = page.locator(".mentor-card__name").all_inner_texts()
    assert by_filter <= set(by_search)
    assert by_search[0] in {"Mentor BR", "Mentor DE", "Mentor KE", "Mentor AR"}  # exact skill

    page.get_by_label("Sort by").select_option("overlap")
    expect(page).to_have_url(re.compile(r"sort=overlap"))
    screenshot(page, "directory-search-sorted-desktop")
    problems.assert_none()
