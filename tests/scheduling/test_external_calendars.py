"""External busy calendars: parsing, the URL guard, limits, and a real Radicale server."""

from __future__ import annotations

import http.server
import json
import threading
import time as time_module
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mentorloom.scheduling import credentials, external, selectors, services
from mentorloom.scheduling.external import FetchError
from mentorloom.scheduling.models import ExternalBusy, ExternalCalendar
from tests.factories import UserFactory

from .conftest import NOW, RADICALE_PASSWORD, RADICALE_USER, fetched

BERLIN = ZoneInfo("Europe/Berlin")


def vevent(uid: str, start: str, end: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20250601T000000Z\r\nDTSTART{start}\r\nDTEND{end}\r\n"
        f"SUMMARY:Private meeting\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


# --- Parsing (pure) -------------------------------------------------------------------------


def _busy(*docs: str) -> list[tuple[datetime, datetime]]:
    return external.busy_intervals(
        [d.encode() for d in docs],
        start=datetime(2025, 6, 1, tzinfo=UTC),
        end=datetime(2025, 7, 1, tzinfo=UTC),
        zone=BERLIN,
        skip_uid_suffix="@mentorloom.test",
    )


def test_weekly_recurring_event_is_expanded_with_its_exceptions():
    doc = vevent(
        "standup",
        ";TZID=Europe/Berlin:20250603T100000",
        ";TZID=Europe/Berlin:20250603T110000",
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20250610T100000\r\n",
    )
    assert _busy(doc) == [
        (datetime(2025, 6, 3, 8, tzinfo=UTC), datetime(2025, 6, 3, 9, tzinfo=UTC)),
        (datetime(2025, 6, 17, 8, tzinfo=UTC), datetime(2025, 6, 17, 9, tzinfo=UTC)),
        (datetime(2025, 6, 24, 8, tzinfo=UTC), datetime(2025, 6, 24, 9, tzinfo=UTC)),
    ]


def test_free_cancelled_all_day_and_own_session_events_do_not_block():
    docs = [
        vevent("a", ":20250603T100000Z", ":20250603T110000Z", "TRANSP:TRANSPARENT\r\n"),
        vevent("b", ":20250603T100000Z", ":20250603T110000Z", "STATUS:CANCELLED\r\n"),
        vevent("c", ";VALUE=DATE:20250604", ";VALUE=DATE:20250605"),
        vevent("x@mentorloom.test", ":20250605T100000Z", ":20250605T110000Z"),
    ]
    assert _busy(*docs) == []


def test_floating_times_are_read_on_the_owners_clock():
    doc = vevent("f", ":20250603T100000", ":20250603T103000")
    assert _busy(doc) == [
        (datetime(2025, 6, 3, 8, tzinfo=UTC), datetime(2025, 6, 3, 8, 30, tzinfo=UTC))
    ]


def test_malformed_calendar_is_a_fetch_error():
    with pytest.raises(FetchError):
        _busy("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n")


# --- URL guard ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/cal.ics", "file:///etc/passwd", "javascript:alert(1)", "https://"],
)
def test_only_http_and_https_urls_are_accepted(url):
    with pytest.raises(FetchError):
        external.check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.5",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
    ],
)
def test_private_loopback_and_link_local_hosts_are_refused(address):
    with pytest.raises(FetchError, match="private network"):
        external.check_url(
            "https://calendar.example/c.ics", allow_private=False, resolve=lambda _h: [address]
        )


def test_public_host_is_allowed_and_credentials_in_the_url_are_refused():
    external.check_url(
        "https://calendar.example/c.ics", allow_private=False, resolve=lambda _h: ["93.184.216.34"]
    )
    with pytest.raises(FetchError, match="own fields"):
        external.check_url("https://u:p@calendar.example/c.ics", allow_private=True)


# --- Limits, against a real local HTTP server -----------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/big.ics":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap must apply while streaming
            chunk = b"X" * 65536
            for _ in range(external.MAX_BYTES // len(chunk) + 2):
                self.wfile.write(chunk)
        elif self.path == "/slow.ics":
            time_module.sleep(2.5)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "ftp://example.com/x.ics")
            self.end_headers()
        else:
            self.send_response(500)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_http() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_response_over_five_megabytes_is_refused(local_http):
    with pytest.raises(FetchError, match="larger than 5 MB"):
        external.fetch_ics(f"{local_http}/big.ics", allow_private=True)


def test_a_slow_server_hits_the_time_limit(local_http, monkeypatch):
    monkeypatch.setattr(external, "TIMEOUT_SECONDS", 1.0)
    with pytest.raises(FetchError, match="too long"):
        external.fetch_ics(f"{local_http}/slow.ics", allow_private=True)


def test_each_redirect_hop_is_checked_again(local_http):
    with pytest.raises(FetchError, match="http"):
        external.fetch_ics(f"{local_http}/redirect", allow_private=True)


def test_server_error_is_reported_not_raised_by_refresh(local_http, db, settings):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True
    calendar = fetched(
        lambda: services.add_calendar(UserFactory(), kind="ics", url=f"{local_http}/oops.ics")
    )
    assert calendar.last_error == "The calendar answered with HTTP 500."
    assert calendar.last_success_at is None


# --- A real CalDAV server -------------------------------------------------------------------


@pytest.fixture
def allow_private(settings):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True


@pytest.fixture
def busy_mentor_calendar(radicale, mentorship):
    """The Berlin mentor's CalDAV calendar: a weekly Tue 10:00–11:00 and a one-off Wed."""
    url = radicale.make_calendar(f"work-{mentorship.pk}-{time_module.monotonic_ns()}")
    radicale.put_event(
        url,
        "weekly",
        vevent(
            "weekly",
            ";TZID=Europe/Berlin:20250527T100000",
            ";TZID=Europe/Berlin:20250527T110000",
            "RRULE:FREQ=WEEKLY\r\n",
        ),
    )
    radicale.put_event(url, "once", vevent("once", ":20250604T120000Z", ":20250604T130000Z"))
    return url


pytestmark = pytest.mark.django_db


def _radicale(user, kind: str, url: str) -> ExternalCalendar:  # type: ignore[no-untyped-def]
    """`user` adds a calendar of the Radicale server with its credentials; fetched."""
    return fetched(
        lambda: services.add_calendar(
            user, kind=kind, url=url, username=RADICALE_USER, password=RADICALE_PASSWORD
        )
    )


def test_caldav_busy_times_block_the_mentors_slots(
    mentorship, frozen, allow_private, radicale, busy_mentor_calendar
):
    home = f"{radicale.url}/{RADICALE_USER}/"  # the calendar home: calendars are discovered
    calendar = _radicale(mentorship.mentor, "caldav", home)
    assert calendar.last_error == "" and calendar.busy_count > 20  # weekly, ~6 months
    slots = selectors.slots_for(
        mentorship.mentor,
        duration=timedelta(minutes=60),
        range_start=datetime(2025, 6, 3, tzinfo=UTC),
        range_end=datetime(2025, 6, 5, tzinfo=UTC),
        now=NOW,
    )
    tue_10_berlin = datetime(2025, 6, 3, 8, tzinfo=UTC)
    assert datetime(2025, 6, 3, 7, tzinfo=UTC) in slots  # 09:00 is still free
    assert tue_10_berlin not in slots
    assert datetime(2025, 6, 4, 12, tzinfo=UTC) not in slots  # the one-off
    # Outside-in: the recurring event also blocks a Tuesday months later.
    later = selectors.slots_for(
        mentorship.mentor,
        duration=timedelta(minutes=60),
        range_start=datetime(2025, 7, 29, tzinfo=UTC),
        range_end=datetime(2025, 7, 30, tzinfo=UTC),
        now=NOW,
    )
    assert datetime(2025, 7, 29, 8, tzinfo=UTC) not in later
    assert datetime(2025, 7, 29, 7, tzinfo=UTC) in later


def test_ics_url_with_basic_auth_is_imported(
    mentorship, frozen, allow_private, radicale, busy_mentor_calendar
):
    calendar = _radicale(mentorship.mentor, "ics", busy_mentor_calendar)
    assert calendar.last_error == ""
    assert ExternalBusy.objects.filter(
        user=mentorship.mentor, starts_at=datetime(2025, 6, 4, 12, tzinfo=UTC)
    ).exists()


def test_wrong_password_is_shown_on_the_settings_page_not_a_500(
    client,
    mentorship,
    frozen,
    allow_private,
    radicale,
    busy_mentor_calendar,
    django_capture_on_commit_callbacks,
):
    client.force_login(mentorship.mentor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/schedule/calendar/busy/add/",
            {
                "kind": "caldav",
                "url": busy_mentor_calendar,
                "username": RADICALE_USER,
                "password": "wrong",
            },
        )
    assert response.status_code == 302
    page = client.get("/schedule/calendar/")
    assert "refused the user name or password" in page.content.decode()
    assert not ExternalBusy.objects.exists()


def test_failed_refresh_keeps_the_previous_busy_times(
    mentorship, frozen, allow_private, radicale, busy_mentor_calendar
):
    calendar = _radicale(mentorship.mentor, "caldav", busy_mentor_calendar)
    before = ExternalBusy.objects.count()
    ExternalCalendar.objects.filter(pk=calendar.pk).update(url=f"{radicale.url}/nobody/none/")
    calendar.refresh_from_db()
    assert services.refresh_calendar(calendar) is False
    calendar.refresh_from_db()
    assert calendar.last_error and ExternalBusy.objects.count() == before > 0


def test_app_password_is_stored_encrypted(mentorship, frozen, allow_private, radicale):
    calendar = services.add_calendar(
        mentorship.mentor,
        kind="caldav",
        url=f"{radicale.url}/{RADICALE_USER}/",
        username=RADICALE_USER,
        password=RADICALE_PASSWORD,
    )
    assert RADICALE_PASSWORD not in calendar.password_encrypted
    assert credentials.decrypt(calendar.password_encrypted) == RADICALE_PASSWORD


def test_periodic_task_refreshes_only_stale_calendars(
    mentorship, frozen, allow_private, radicale, busy_mentor_calendar
):
    from mentorloom.scheduling.tasks import refresh_external_calendars

    calendar = _radicale(mentorship.mentor, "ics", busy_mentor_calendar)
    assert refresh_external_calendars.call() == 0  # fetched just now
    ExternalCalendar.objects.filter(pk=calendar.pk).update(last_fetched_at=NOW - timedelta(hours=1))
    assert refresh_external_calendars.call() == 1
    calendar.refresh_from_db()
    assert calendar.last_fetched_at == NOW


# --- API ------------------------------------------------------------------------------------


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_refuses_a_private_address_in_production(client, settings, db):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = False
    client.force_login(UserFactory())
    response = _post(client, "/api/v1/calendars", {"kind": "ics", "url": "http://127.0.0.1/x.ics"})
    assert response.status_code == 422
    assert "private network" in response.json()["error"]["fields"]["url"][0]
    assert not ExternalCalendar.objects.exists()


def test_api_refuses_a_non_http_url_and_an_unknown_kind(client, db):
    client.force_login(UserFactory())
    response = _post(client, "/api/v1/calendars", {"kind": "ics", "url": "file:///etc/passwd"})
    assert response.status_code == 422 and "url" in response.json()["error"]["fields"]
    response = _post(client, "/api/v1/calendars", {"kind": "exchange", "url": "https://x.test"})
    assert response.status_code == 422 and "kind" in response.json()["error"]["fields"]


def test_api_adds_lists_and_deletes_a_calendar_without_revealing_the_password(
    client,
    mentorship,
    frozen,
    allow_private,
    radicale,
    busy_mentor_calendar,
    django_capture_on_commit_callbacks,
):
    client.force_login(mentorship.mentor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client,
            "/api/v1/calendars",
            {
                "kind": "caldav",
                "url": busy_mentor_calendar,
                "username": RADICALE_USER,
                "password": RADICALE_PASSWORD,
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert body["fetching"] is True and "password" not in json.dumps(body)  # queued
    (listed,) = client.get("/api/v1/calendars").json()  # the worker has fetched it since
    assert listed["id"] == body["id"] and listed["busy_count"] > 0 and not listed["fetching"]
    refresh = client.post(f"/api/v1/calendars/{body['id']}/refresh")
    assert refresh.status_code == 202 and refresh.json()["fetching"] is True
    assert client.delete(f"/api/v1/calendars/{body['id']}").status_code == 204
    assert not ExternalBusy.objects.exists()


def test_api_someone_elses_calendar_is_404(client, mentorship, frozen, allow_private, radicale):
    calendar = services.add_calendar(
        mentorship.mentor, kind="caldav", url=f"{radicale.url}/{RADICALE_USER}/"
    )
    client.force_login(UserFactory())
    assert client.delete(f"/api/v1/calendars/{calendar.pk}").status_code == 404
    assert client.post(f"/api/v1/calendars/{calendar.pk}/refresh").status_code == 404
    assert client.post(f"/schedule/calendar/busy/{calendar.pk}/refresh/").status_code == 404
