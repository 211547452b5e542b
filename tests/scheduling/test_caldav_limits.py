"""One CalDAV fetch is bounded as a whole, like one ICS fetch: a server listing 20 calendars
must not make it 20 times 5 MB or 20 times the time limit. A local server plays CalDAV."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mentorloom.scheduling import external
from mentorloom.scheduling.external import FetchError

START, END = datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)
MB = 1024 * 1024


def _multistatus(calendars: int) -> bytes:
    responses = "".join(
        f"<d:response><d:href>/cal{i}/</d:href><d:propstat><d:prop><d:resourcetype>"
        "<d:collection/><c:calendar/></d:resourcetype></d:prop></d:propstat></d:response>"
        for i in range(calendars)
    )
    return (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
        f'xmlns:c="urn:ietf:params:xml:ns:caldav">{responses}</d:multistatus>'
    ).encode()


def _report(size: int) -> bytes:
    head = (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
        'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:propstat><d:prop>'
        "<c:calendar-data>"
    )
    tail = "</c:calendar-data></d:prop></d:propstat></d:response></d:multistatus>"
    return (head + "x" * max(0, size - len(head) - len(tail)) + tail).encode()


@pytest.fixture
def caldav() -> Iterator[dict]:
    """A CalDAV home: `calendars` calendars, each REPORT answering `size` bytes after `delay`."""
    plan = {"calendars": 3, "size": 1000, "delay": 0.0, "reports": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, body: bytes) -> None:
            self.send_response(207)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PROPFIND(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer(_multistatus(plan["calendars"]))

        def do_REPORT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            plan["reports"] += 1
            time.sleep(plan["delay"])
            self._answer(_report(plan["size"]))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    plan["url"] = f"http://127.0.0.1:{server.server_address[1]}/home/"
    yield plan
    server.shutdown()
    server.server_close()


def _fetch(plan: dict) -> list[bytes]:
    return external.fetch_caldav(
        plan["url"], credentials=None, start=START, end=END, allow_private=True
    )


def test_every_calendar_of_a_home_is_read(caldav):
    assert len(_fetch(caldav)) == 3 and caldav["reports"] == 3


def test_the_answers_of_all_calendars_together_are_capped_at_5_mb(caldav):
    caldav.update(calendars=20, size=2 * MB)  # each alone is allowed; together 40 MB
    with pytest.raises(FetchError, match="larger than 5 MB"):
        _fetch(caldav)
    assert caldav["reports"] == 3  # 2 + 2 MB read, the third would pass 5 MB: no more asked


def test_the_whole_fetch_has_one_time_limit(caldav, monkeypatch):
    monkeypatch.setattr(external, "CALDAV_TOTAL_SECONDS", 0.5)
    caldav.update(calendars=20, delay=0.2)  # each answer well within its own 10 s
    with pytest.raises(FetchError, match="took too long"):
        _fetch(caldav)
    assert caldav["reports"] < 5


def test_a_caldav_home_redirected_to_another_host_never_gets_the_password(caldav):
    """The entered address redirects its PROPFIND to another origin (here: another port),
    whose answer lists calendars there. The REPORTs to them went out as new requests that took
    that origin for the entered one and sent Basic auth; the password stays with the entered
    origin now."""
    seen_auth: list[str | None] = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def _answer(self, body: bytes) -> None:
            seen_auth.append(self.headers.get("Authorization"))
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(207)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PROPFIND(self) -> None:
            self._answer(_multistatus(2))

        def do_REPORT(self) -> None:
            self._answer(_report(1000))

        def log_message(self, *args: object) -> None:
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    elsewhere = f"http://127.0.0.1:{other.server_address[1]}/home/"

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_PROPFIND(self) -> None:
            self.send_response(301)
            self.send_header("Location", elsewhere)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    entered = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=entered.serve_forever, daemon=True).start()
    try:
        found = external.fetch_caldav(
            f"http://127.0.0.1:{entered.server_address[1]}/home/",
            credentials=external.Credentials("aiko", "app-pass-123"),
            start=START,
            end=END,
            allow_private=True,
        )
    finally:
        for server in (other, entered):
            server.shutdown()
            server.server_close()
    assert len(found) == 2
    assert seen_auth == [None, None, None]  # the PROPFIND and both REPORTs
