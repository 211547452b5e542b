"""A calendar of a few hundred bytes must not expand into millions of busy times: rules that
repeat more often than hourly are left out, rules too costly to walk refuse the calendar, only
MAX_EVENTS occurrences are ever made, and fetching on request is rate limited."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase
from recurring_ical_events.occurrence import Occurrence

from mentorloom.scheduling import external, services
from mentorloom.scheduling.errors import CalendarFetchesTooFast
from mentorloom.scheduling.external import FetchError
from mentorloom.scheduling.models import ExternalBusy, ExternalCalendar
from tests.factories import UserFactory, client_for

from .conftest import fetched

NOW = datetime(2025, 6, 2, tzinfo=UTC)
START, END = external.window(NOW)  # what refresh_calendar uses: ~15.6 million seconds


def calendar(*events: tuple[str, str]) -> bytes:
    """A VCALENDAR of one-second events: (DTSTART, RRULE) each, RRULE possibly empty."""
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:e{i}@example.org\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART:{start}\r\nDURATION:PT1S\r\n{f'RRULE:{rule}' + chr(13) + chr(10) if rule else ''}"
        "END:VEVENT\r\n"
        for i, (start, rule) in enumerate(events)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n".encode()


ONE_OFF = ("20250603T100000Z", "")
ONE_OFF_BUSY = (datetime(2025, 6, 3, 10, tzinfo=UTC), datetime(2025, 6, 3, 10, 0, 1, tzinfo=UTC))


def within_ten_seconds(work: Callable[[], object]) -> object:
    """Runs `work` in a thread; fails if it is still going after 10 s (a bomb takes minutes)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "still expanding after 10 s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


def busy(document: bytes) -> list[tuple[datetime, datetime]]:
    return within_ten_seconds(  # type: ignore[return-value]
        lambda: external.busy_intervals([document], start=START, end=END, zone=ZoneInfo("UTC"))
    )


def test_a_secondly_rule_is_left_out_and_the_rest_of_the_calendar_is_read():
    document = calendar(("20250601T000000Z", "FREQ=SECONDLY"), ONE_OFF)
    assert len(document) < 500
    assert busy(document) == [ONE_OFF_BUSY]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY;INTERVAL=5",
        "FREQ=HOURLY;BYMINUTE=0,30",
        "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;"
        "BYMINUTE=0,30",
        "FREQ=WEEKLY;BYSECOND=" + ",".join(map(str, range(25))),
    ],
)
def test_rules_starting_more_than_24_times_a_day_are_left_out(rule):
    assert busy(calendar(("20250601T000000Z", rule), ONE_OFF)) == [ONE_OFF_BUSY]


def test_hourly_and_ordinary_rules_are_still_expanded():
    document = calendar(
        ("20250603T000000Z", "FREQ=HOURLY;COUNT=3"),
        ("20150105T090000Z", "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20250610T000000Z"),
    )
    starts = [begin for begin, _ in busy(document)]
    assert starts[:3] == [datetime(2025, 6, 2, 9, tzinfo=UTC)] + [
        datetime(2025, 6, 3, h, tzinfo=UTC) for h in (0, 1)
    ]
    assert datetime(2025, 6, 9, 9, tzinfo=UTC) in starts  # a Monday, ten years on
    assert len(starts) == 3 + 3  # Mon 2, Thu 5, Mon 9 June


@pytest.mark.parametrize(
    "events",
    [
        [("00010101T000000Z", "FREQ=DAILY")],  # walks 740,000 days to reach 2025
        [("19700101T000000Z", "FREQ=HOURLY")],
        [("20150101T000000Z", "FREQ=DAILY")] * 100,
    ],
)
def test_rules_too_costly_to_walk_refuse_the_calendar_with_a_clear_message(events):
    with pytest.raises(FetchError) as refused:
        busy(calendar(*events))
    assert str(refused.value) == external.TOO_MUCH_REPETITION


def test_only_max_events_occurrences_are_ever_made(monkeypatch):
    monkeypatch.setattr(external, "MAX_EVENTS", 50)
    made = 0
    as_component = Occurrence.as_component

    def counting(self, keep_recurrence_attributes):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        return as_component(self, keep_recurrence_attributes)

    monkeypatch.setattr(Occurrence, "as_component", counting)
    document = calendar(("20250601T000000Z", "FREQ=HOURLY"), ("20250601T003000Z", "FREQ=HOURLY"))
    # Two documents: the cap counts across all of them.
    result = external.busy_intervals(
        [document, document], start=START, end=END, zone=ZoneInfo("UTC")
    )
    assert len(result) == 50
    assert made <= 51  # not 2 x 2 x 4,344 hours in the window


# --- Through the service, and the rate limit on fetching -----------------------------------

DOCUMENTS = {
    # COUNT keeps the unfixed code from running for minutes: it would import 1,000 busy times.
    "/minutely.ics": calendar(("20250601T000000Z", "FREQ=MINUTELY;COUNT=1000"), ONE_OFF),
    "/ancient.ics": calendar(("00010101T000000Z", "FREQ=DAILY")),  # 181 busy days, unfixed
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = DOCUMENTS[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feeds(settings) -> Iterator[str]:
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


pytestmark = pytest.mark.django_db


def _added(url: str) -> ExternalCalendar:
    """A calendar added and fetched (the worker's fetch runs once the addition commits)."""
    with time_machine.travel(NOW, tick=False):
        return fetched(lambda: services.add_calendar(UserFactory(), kind="ics", url=url))


def test_subscribing_to_a_minutely_rule_imports_only_the_real_event(feeds):
    added = _added(f"{feeds}/minutely.ics")
    assert added.last_error == "" and added.busy_count == 1
    assert list(ExternalBusy.objects.values_list("starts_at", flat=True)) == [ONE_OFF_BUSY[0]]


def test_a_calendar_too_costly_to_read_is_refused_with_its_reason(feeds):
    added = _added(f"{feeds}/ancient.ics")
    assert added.last_error == external.TOO_MUCH_REPETITION
    assert added.last_success_at is None and not ExternalBusy.objects.exists()


def _refused_calendar(user) -> ExternalCalendar:  # type: ignore[no-untyped-def]
    # Private addresses are refused before any connection, so each fetch is instant.
    return ExternalCalendar.objects.create(user=user, kind="ics", url="http://127.0.0.1/x.ics")


def test_fetching_on_request_is_limited_per_person_with_a_429():
    user, other = UserFactory(), UserFactory()
    calendar = _refused_calendar(user)
    client = client_for(user)
    url = f"/api/v1/calendars/{calendar.pk}/refresh"
    for _ in range(services.FETCHES_PER_HOUR):
        # Each fetch runs (in the worker) before the next is asked for: asking while one
        # waits would queue and count nothing more.
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert client.post(url).status_code == 202
    fetched_at = ExternalCalendar.objects.get(pk=calendar.pk).last_fetched_at
    assert fetched_at is not None
    refused = client.post(url)
    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith("You have fetched your calendars many")
    assert ExternalCalendar.objects.get(pk=calendar.pk).last_fetched_at == fetched_at
    # The settings page says so too, without fetching.
    page = client.post(f"/schedule/calendar/busy/{calendar.pk}/refresh/", follow=True)
    assert page.status_code == 200
    assert "You have fetched your calendars many times this hour" in page.content.decode()
    # Someone else's fetches are their own.
    theirs = _refused_calendar(other)
    assert client_for(other).post(f"/api/v1/calendars/{theirs.pk}/refresh").status_code == 202


def test_adding_calendars_counts_as_fetching(settings):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True
    user = UserFactory()
    for _ in range(services.FETCHES_PER_HOUR):
        services.count_fetch(user)
    with pytest.raises(CalendarFetchesTooFast):
        services.add_calendar(user, kind="ics", url="http://127.0.0.1:9/x.ics")
    assert not ExternalCalendar.objects.exists()


def test_the_settings_page_says_why_a_calendar_was_not_added(client, settings):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True
    user = UserFactory()
    for _ in range(services.FETCHES_PER_HOUR):
        services.count_fetch(user)
    client.force_login(user)
    page = client.post(
        "/schedule/calendar/busy/add/", {"kind": "ics", "url": "http://127.0.0.1:9/x.ics"}
    )
    assert page.status_code == 422
    assert "You have fetched your calendars many times this hour" in page.content.decode()


def zoned(standard_rule: str, daylight_rule: str, *, tzid: str = "Office time") -> bytes:
    """A calendar defining the time zone `tzid` itself (a VTIMEZONE with rules from 1601, as
    Outlook writes them) and one event at 10:00 on 2025-06-03 in it."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n"
        f"BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nRRULE:{standard_rule}\r\n"
        "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
        f"BEGIN:DAYLIGHT\r\nDTSTART:16010101T000000\r\nRRULE:{daylight_rule}\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n"
        "END:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:z@example.org\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART;TZID={tzid}:20250603T100000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


YEARLY = ("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
TEN_UTC = [(datetime(2025, 6, 3, 10, tzinfo=UTC), datetime(2025, 6, 3, 11, tzinfo=UTC))]
EIGHT_UTC = [(datetime(2025, 6, 3, 8, tzinfo=UTC), datetime(2025, 6, 3, 9, tzinfo=UTC))]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=YEARLY;BYHOUR=0,1,2",
        # A line break dateutil splits on and icalendar does not: a second, hidden rule.
        "FREQ=YEARLY\u2028RRULE:FREQ=SECONDLY",
    ],
)
def test_a_time_zone_the_file_defines_itself_is_never_walked(rule):
    """dateutil walked a custom zone's rules from 1601 on every offset lookup (hours for a rule
    repeating every second). The file's own zone definitions are set aside: its times are read
    in the calendar owner's zone (UTC here), at once."""
    assert busy(zoned(rule, rule)) == TEN_UTC
    exrule = zoned(*YEARLY).replace(b"END:STANDARD", b"EXRULE:FREQ=SECONDLY\r\nEND:STANDARD")
    assert busy(exrule) == TEN_UTC


def test_iana_and_windows_zone_names_still_resolve_whatever_the_file_defines():
    """10:00 on 3 June in Berlin (summer time, +02:00) is 08:00 UTC: the name decides, not a
    definition in the file (which here would say every second)."""
    for tzid in ("Europe/Berlin", "W. Europe Standard Time"):
        assert busy(zoned("FREQ=SECONDLY", "FREQ=SECONDLY", tzid=tzid)) == EIGHT_UTC


def test_one_calendar_s_time_zone_never_decides_how_another_is_read():
    """icalendar kept the first definition of a custom zone name for the whole process: a file
    defining "Office time" 11 hours away must not move the next file's events."""
    far_away = zoned(*YEARLY).replace(b"+0200", b"+1300").replace(b"+0100", b"+1200")
    assert busy(far_away) == TEN_UTC
    assert busy(zoned(*YEARLY)) == TEN_UTC


def event_in(tzid: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:t@example.org\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART;TZID={tzid}:20250603T100000\r\nDURATION:PT1H\r\n"
        + "".join(f"EXDATE;TZID={tzid}:2025060{d}T100000\r\n" for d in range(4, 10))
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_zone_names_are_read_as_the_zone_they_name_or_as_the_owner_s_time():
    """A "globally unique" TZID is its IANA tail; an unknown one (however long, however many
    path parts: icalendar tried each part on every value) is the owner's wall clock."""
    assert busy(event_in("/example.com/20250101_1/Europe/Berlin")) == EIGHT_UTC
    assert busy(event_in("Europe/Berlin")) == EIGHT_UTC
    assert busy(event_in("W. Europe Standard Time")) == EIGHT_UTC
    assert busy(event_in("/" + "a/" * 2000 + "x")) == TEN_UTC
    assert busy(event_in("Office time")) == TEN_UTC


def test_components_icalendar_does_not_know_are_left_out_with_what_they_hold():
    """icalendar keeps a class for every unknown component name, for the whole process."""
    unknown = "".join(f"BEGIN:X-THING-{i}\r\nX-A:1\r\nEND:X-THING-{i}\r\n" for i in range(2000))
    document = calendar(ONE_OFF).replace(b"END:VCALENDAR", unknown.encode() + b"END:VCALENDAR")
    assert busy(document) == [ONE_OFF_BUSY]
    from icalendar import Calendar

    factory = Calendar._get_component_factory()  # a dict of name -> class, process-wide
    assert "VEVENT" in factory and "X-THING-1999" not in factory
