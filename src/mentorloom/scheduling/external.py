"""Fetch external busy calendars (ICS URL or CalDAV) safely and turn them into busy intervals.

Safety rules (issue #6): only http(s); the host must not resolve to a private, loopback,
link-local or otherwise internal address unless MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS is on
(tests, or a self-hosted calendar on the same network); at most MAX_BYTES per response and a
hard timeout; redirects are followed by hand so every hop is checked again.
`busy_intervals` is pure (icalendar + recurring-ical-events): no network, no Django.
"""

from __future__ import annotations

import ipaddress
import socket
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
MAX_EVENTS = 20_000
USER_AGENT = "Mentorloom busy-calendar fetcher"

Interval = tuple[datetime, datetime]


class FetchError(Exception):
    """A calendar could not be fetched or read; the message is shown to its owner."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


# --- URL guard ------------------------------------------------------------------------------


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_url(
    url: str,
    *,
    allow_private: bool,
    resolve: Callable[[str], list[str]] | None = None,
) -> None:
    """Raises FetchError unless `url` is http(s) with a host that is safe to contact."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Only http:// and https:// addresses are supported.")
    if not parts.hostname:
        raise FetchError("The address has no host name.")
    if parts.username or parts.password:
        raise FetchError("Put the user name and password in their own fields, not in the address.")
    if allow_private:
        return
    try:
        addresses = (resolve or _resolve)(parts.hostname)
    except OSError as exc:
        raise FetchError(f"The host {parts.hostname} could not be found.") from exc
    if not addresses or any(_is_internal(a) for a in addresses):
        raise FetchError("That address points into a private network, which is not allowed.")


def _resolve(host: str) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


# --- HTTP -----------------------------------------------------------------------------------


def _request(
    method: str,
    url: str,
    *,
    allow_private: bool,
    credentials: Credentials | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[str, bytes]:
    """One request with the guard, a byte cap and a deadline; returns (final url, body)."""
    deadline = clock.monotonic() + TIMEOUT_SECONDS
    auth = (credentials.username, credentials.password) if credentials else None
    with httpx.Client(
        timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=5.0),
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url, allow_private=allow_private)
            try:
                with client.stream(method, url, content=body, auth=auth) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code in (401, 403):
                        raise FetchError("The calendar refused the user name or password.")
                    if response.status_code == 404:
                        raise FetchError("Nothing was found at that address (404).")
                    if response.status_code >= 400:
                        raise FetchError(f"The calendar answered with HTTP {response.status_code}.")
                    declared = int(response.headers.get("content-length") or 0)
                    if declared > MAX_BYTES:
                        raise FetchError("The calendar is larger than 5 MB.")
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > MAX_BYTES:
                            raise FetchError("The calendar is larger than 5 MB.")
                        if clock.monotonic() > deadline:
                            raise FetchError("The calendar took too long to answer.")
                        chunks.append(chunk)
                    return url, b"".join(chunks)
            except httpx.TimeoutException as exc:
                raise FetchError("The calendar took too long to answer.") from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"The calendar could not be reached ({type(exc).__name__})."
                ) from exc
        raise FetchError("Too many redirects.")


def fetch_ics(url: str, *, allow_private: bool, credentials: Credentials | None = None) -> bytes:
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    return _request("GET", url, allow_private=allow_private, credentials=credentials)[1]


DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"

PROPFIND = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>"""

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
    <c:time-range start="{start}" end="{end}"/>
  </c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


def _xml(body: bytes) -> ElementTree.Element:
    # The standard parser resolves no external entities; refuse DTDs outright all the same.
    if b"<!DOCTYPE" in body[:2000] or b"<!ENTITY" in body:
        raise FetchError("The server sent XML this client does not accept.")
    try:
        return ElementTree.fromstring(body)  # noqa: S314 - DTDs refused just above
    except ElementTree.ParseError as exc:
        raise FetchError("The server's answer is not valid CalDAV XML.") from exc


def fetch_caldav(
    url: str,
    *,
    credentials: Credentials | None,
    start: datetime,
    end: datetime,
    allow_private: bool,
) -> list[bytes]:
    """Calendar data of every event in [start, end) from a CalDAV calendar, or from every
    calendar directly inside a collection (e.g. the account's calendar home)."""
    depth_one = {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"}
    final, body = _request(
        "PROPFIND",
        url,
        allow_private=allow_private,
        credentials=credentials,
        body=PROPFIND,
        headers=depth_one,
    )
    calendars: list[str] = []
    for response in _xml(body).iter(f"{DAV}response"):
        href = response.findtext(f"{DAV}href") or ""
        if response.find(f".//{DAV}resourcetype/{CALDAV}calendar") is not None:
            calendars.append(urljoin(final, href))
    if not calendars:
        raise FetchError("No calendar was found at that CalDAV address.")
    fmt = "%Y%m%dT%H%M%SZ"
    query = REPORT.format(
        start=start.astimezone(UTC).strftime(fmt), end=end.astimezone(UTC).strftime(fmt)
    )
    out: list[bytes] = []
    for calendar_url in calendars[:20]:
        _, body = _request(
            "REPORT",
            calendar_url,
            allow_private=allow_private,
            credentials=credentials,
            body=query.encode(),
            headers=depth_one,
        )
        for data in _xml(body).iter(f"{CALDAV}calendar-data"):
            if data.text:
                out.append(data.text.encode())
    return out


# --- Parsing (pure) -------------------------------------------------------------------------


def _aware(value: datetime | date, zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, datetime):
        return None  # all-day: see busy_intervals
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)  # floating time: the owner's wall clock
    return value.astimezone(UTC)


def busy_intervals(
    documents: Iterable[bytes],
    *,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    skip_uid_suffix: str = "",
) -> list[Interval]:
    """Busy [start, end) instants (UTC) in the window, recurring events expanded.

    Transparent ("free") and cancelled events do not block; nor do all-day events, which are
    mostly birthdays, holidays and reminders rather than meetings. Events whose UID ends with
    `skip_uid_suffix` are our own sessions coming back through a subscribed feed.
    """
    out: set[Interval] = set()
    for document in documents:
        try:
            cal = icalendar.Calendar.from_ical(document)
            events = recurring_ical_events.of(cal).between(start, end)
        except Exception as exc:  # the parsers raise many types on malformed input
            raise FetchError("The calendar file could not be read.") from exc
        for event in events:
            if len(out) >= MAX_EVENTS:
                break
            if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
                continue
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            if skip_uid_suffix and str(event.get("UID", "")).endswith(skip_uid_suffix):
                continue
            if event.get("DTSTART") is None:
                continue
            begin = _aware(event["DTSTART"].dt, zone)
            if begin is None:
                continue
            if event.get("DTEND") is not None:
                finish = _aware(event["DTEND"].dt, zone)
            elif event.get("DURATION") is not None:
                finish = begin + event["DURATION"].dt
            else:
                finish = begin
            if finish is None or finish <= begin:
                continue
            if finish > start and begin < end:
                out.add((begin, finish))
    return sorted(out)


def window(now: datetime, days_ahead: int = 180) -> tuple[datetime, datetime]:
    """The span imported busy times cover: a day back (sessions in progress) to ~6 months."""
    return now - timedelta(days=1), now + timedelta(days=days_ahead)
