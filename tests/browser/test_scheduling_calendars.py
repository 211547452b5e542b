"""A mentee in Tokyo connects an outside calendar on the calendars page: its busy times are
fetched at once and listed in their own zone; a broken address shows why the fetch failed.

The .ics file is served by a small HTTP server this test starts on loopback (a Mentorloom feed
would not do: our own sessions coming back through a feed are ignored on purpose), so private
addresses are allowed for the test (MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from mentorloom.scheduling.models import ExternalBusy
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory

TOKYO = ZoneInfo("Asia/Tokyo")

pytestmark = pytest.mark.browser


def _ics(events: list[tuple[datetime, datetime]]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Work//EN"]
    for index, (start, end) in enumerate(events):
        lines += [
            "BEGIN:VEVENT",
            f"UID:work-{index}@example.org",
            f"DTSTAMP:{start:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{end:%Y%m%dT%H%M%SZ}",
            "SUMMARY:Board meeting (private)",
            "END:VEVENT",
        ]
    # An all-day event does not block (and is not listed).
    day = events[0][0] + timedelta(days=5)
    lines += [
        "BEGIN:VEVENT",
        "UID:holiday@example.org",
        f"DTSTAMP:{events[0][0]:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        "SUMMARY:Holiday",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def work_calendar() -> Iterator[tuple[str, list[tuple[datetime, datetime]]]]:
    """(base URL, events): /work.ics serves the events, anything else is 404."""
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    events = [(soon, soon + timedelta(hours=1)), (soon + timedelta(days=1, hours=3), None)]
    events[1] = (events[1][0], events[1][0] + timedelta(minutes=90))
    body = _ics(events)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/work.ics":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", events
    finally:
        server.shutdown()
        server.server_close()


def _kenji_on_the_calendars_page(new_context, asgi_server, settings):  # type: ignore[no-untyped-def]
    """A mentee in Tokyo, signed in on /schedule/calendar/; the loopback .ics server allowed."""
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True
    user = in_thread(lambda: ProfileFactory(display_name="Kenji Sato", time_zone="Asia/Tokyo").user)
    context = new_context(timezone_id="Asia/Tokyo")
    log_in(context, user, asgi_server)
    page = context.new_page()
    page.goto("/schedule/calendar/")
    return context, page


def test_adding_an_ics_address_lists_its_busy_times_and_shows_fetch_errors(
    new_context, asgi_server, settings, work_calendar
):
    base, events = work_calendar
    context, page = _kenji_on_the_calendars_page(new_context, asgi_server, settings)
    expect(page.get_by_role("heading", name="No calendars connected")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("textbox", name="Address").fill(f"{base}/work.ics")
    page.get_by_label("Name (optional)").fill("Work")
    page.get_by_role("button", name="Add and fetch").click()
    expect(page.get_by_text("Added: 2 busy times imported.")).to_be_visible()
    card = page.locator(".card", has=page.get_by_text("Work", exact=True))
    expect(card.get_by_text("2 busy times imported")).to_be_visible()
    listed = card.get_by_role("list", name="Next busy times")
    expect(listed.get_by_role("listitem")).to_have_count(2)
    for index, (start, end) in enumerate(events):
        # In the viewer's zone (Tokyo), never the event's title.
        # Spelled out here, not with the product's formatter (Tokyo keeps UTC+9 all year).
        a, b = start.astimezone(TOKYO), end.astimezone(TOKYO)
        line = f"{a:%a %d %b %Y, %H:%M} (Asia/Tokyo, UTC+9) – {b:%H:%M}"
        expect(listed.get_by_role("listitem").nth(index)).to_have_text(line)
    expect(page.get_by_text("Board meeting")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "calendars-desktop")

    page.get_by_role("textbox", name="Address").fill(f"{base}/missing.ics")
    page.get_by_label("Name (optional)").fill("Old feed")
    page.get_by_role("button", name="Add and fetch").click()
    expect(page.get_by_text("Saved, but the first fetch failed")).to_be_visible()
    broken = page.locator(".card", has=page.get_by_text("Old feed", exact=True))
    status = broken.get_by_role("status")
    expect(status).to_contain_text("Last fetch failed")
    expect(status).to_contain_text("Nothing was found at that address (404).")
    assert_accessible(page)
    screenshot(page, "calendars-with-error-desktop")

    stored = in_thread(lambda: sorted(ExternalBusy.objects.values_list("starts_at", "ends_at")))
    assert stored == sorted(events)
    problems_of(context).assert_none()


def test_with_a_worker_the_page_waits_for_the_fetch_and_shows_it_when_it_lands(
    new_context, asgi_server, settings, work_calendar, database_tasks
):
    """As `make run` runs it: the fetch waits for the worker (here the test runs it), and the
    page follows it by itself, with no reload."""
    base, _ = work_calendar
    context, page = _kenji_on_the_calendars_page(new_context, asgi_server, settings)
    page.get_by_role("textbox", name="Address").fill(f"{base}/work.ics")
    page.get_by_label("Name (optional)").fill("Work")
    page.get_by_role("button", name="Add and fetch").click()
    expect(page.get_by_text("Its busy times are being fetched")).to_be_visible()
    card = page.locator(".card", has=page.get_by_text("Work", exact=True))
    expect(card.get_by_role("status")).to_contain_text("Fetching its busy times…")
    assert_accessible(page)
    screenshot(page, "calendars-fetching-desktop")

    def run_the_worker() -> None:
        from django_tasks_db.models import DBTaskResult

        from mentorloom.scheduling import services

        (task,) = DBTaskResult.objects.filter(task_path__endswith=".fetch_calendar")
        services.fetch_calendar(*task.args_kwargs["args"])

    in_thread(run_the_worker)
    expect(card.get_by_role("status")).to_contain_text("2 busy times imported")  # polled
    expect(card.get_by_text("Fetching")).to_have_count(0)
    problems_of(context).assert_none()
