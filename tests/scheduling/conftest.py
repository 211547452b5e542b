"""A mentor in Berlin who works 09:00–17:00 every day, and a mentee in Tokyo."""

from __future__ import annotations

import socket
import subprocess
import sys
import time as time_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time

import httpx
import pytest
import time_machine
from django.test import TestCase

from mentorloom.scheduling.models import AvailabilityRule, ExternalCalendar, SchedulingSettings
from tests.factories import SchedulingMentorshipFactory

# A Monday; Berlin is on CEST (UTC+2) and Tokyo on JST (UTC+9).
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)


def fetched(add: Callable[[], ExternalCalendar]) -> ExternalCalendar:
    """`add()` (which adds a calendar or asks for a fetch), then the fetch it queued, as the
    worker runs it once the write commits; the calendar as it is after that fetch."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        calendar = add()
    calendar.refresh_from_db()
    return calendar


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_every_day(mentor, start: time = time(9), end: time = time(17)) -> None:  # type: ignore[no-untyped-def]
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=mentor, weekday=d, start=start, end=end) for d in range(1, 8)
    )


@pytest.fixture
def mentorship(db):
    m = SchedulingMentorshipFactory()
    m.mentor.profile.session_lengths = [30, 60]
    m.mentor.profile.save()
    open_every_day(m.mentor)
    SchedulingSettings.objects.create(user=m.mentor, min_notice_minutes=12 * 60)
    return m


# --- A real CalDAV server (Radicale) on a free loopback port ---------------------------------

RADICALE_USER, RADICALE_PASSWORD = "aiko", "app-pass-123"


@dataclass
class Radicale:
    url: str  # http://127.0.0.1:PORT

    def auth(self) -> tuple[str, str]:
        return (RADICALE_USER, RADICALE_PASSWORD)

    def make_calendar(self, name: str) -> str:
        """A fresh calendar collection; returns its URL."""
        url = f"{self.url}/{RADICALE_USER}/{name}/"
        response = httpx.request("MKCALENDAR", url, auth=self.auth(), timeout=10)
        assert response.status_code == 201, response.text
        return url

    def put_event(self, calendar_url: str, uid: str, ics_body: str) -> None:
        response = httpx.put(
            f"{calendar_url}{uid}.ics",
            content=ics_body.encode(),
            headers={"Content-Type": "text/calendar"},
            auth=self.auth(),
            timeout=10,
        )
        assert response.status_code in (201, 204), response.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def radicale(tmp_path_factory) -> Iterator[Radicale]:
    """Radicale as a subprocess with a temp storage folder and htpasswd (plain) auth."""
    folder = tmp_path_factory.mktemp("radicale")
    users = folder / "users"
    users.write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time_module.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if process.poll() is not None or time_module.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"Radicale did not start: {process.stderr.read().decode()[-2000:]}"
                ) from None
            time_module.sleep(0.1)
    try:
        yield Radicale(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
