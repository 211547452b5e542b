"""Fetch external busy calendars (ICS URL or CalDAV) safely and turn them into busy intervals.

Safety rules (issues #6 and #22): only http(s); the host name is resolved once per request and
every address must be public (`_refused`), and the connection goes to that checked address, so
a DNS answer that changes between the check and the connect (rebinding) cannot reach inside.
Redirects are followed by hand, each hop resolved and checked again, and the user name and
password only ever go to the origin they were entered for. At most MAX_BYTES per response and
a hard timeout. MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS (tests, or a self-hosted calendar on the
same network) admits private and loopback addresses only; link-local (cloud metadata),
multicast, unspecified, reserved and IPv6 tunnel addresses are refused even then.
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
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
MAX_REDIRECTS = 3
MAX_ADDRESSES_TRIED = 4  # of a host's checked addresses, each with its own connect timeout
MAX_EVENTS = 20_000
USER_AGENT = "Mentorloom busy-calendar fetcher"

Interval = tuple[datetime, datetime]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A calendar could not be fetched or read; the message is shown to its owner."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


# --- URL guard ------------------------------------------------------------------------------

PRIVATE_NETWORK = "That address points into a private network, which is not allowed."

# IPv6 forms that carry an IPv4 address to a v4 host; the v4 address is what gets reached.
_V4_IN_V6 = (
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix
)
# Tunnels and local translators whose far end we cannot judge: refused outright.
_TUNNELS = (
    ipaddress.IPv6Network("2002::/16"),  # 6to4
    ipaddress.IPv6Network("2001::/32"),  # Teredo
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64 local-use prefix
)


def _reached(ip: Address) -> Address | None:
    """The address a connection to `ip` really reaches, or None for a tunnel."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if any(ip in net for net in _TUNNELS):
        return None
    if ip.is_unspecified or ip.is_loopback:  # :: and ::1 lie inside ::/96
        return ip
    for net in _V4_IN_V6:
        if ip in net:
            return ipaddress.IPv4Address(ip.packed[-4:])
    return ip


def _refused(address: str, *, allow_private: bool) -> bool:
    """True unless a connection to `address` may be made (allow_private: also to private and
    loopback addresses, never to link-local, multicast, unspecified or reserved ones)."""
    ip = _reached(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip is None:
        return True
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return True
    if ip.is_reserved and not ip.is_loopback:  # ::1 lies in the reserved ::/8
        return True
    return not (ip.is_global or (allow_private and (ip.is_private or ip.is_loopback)))


def _odd_ipv4_spelling(host: str) -> bool:
    """True for numbers the resolver would read as IPv4 but that are not dotted-decimal
    (2130706433, 0177.0.0.1, 0x7f.1): refused, so an address always reads as what it is."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    try:
        return str(ipaddress.IPv4Address(host)) != host
    except ValueError:
        return True


def checked_addresses(
    url: str,
    *,
    allow_private: bool,
    resolve: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """The addresses `url`'s host resolves to, all checked; raises FetchError unless the URL
    is http(s) and every address is safe to contact."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Only http:// and https:// addresses are supported.")
    if not parts.hostname:
        raise FetchError("The address has no host name.")
    if parts.username or parts.password:
        raise FetchError("Put the user name and password in their own fields, not in the address.")
    if _odd_ipv4_spelling(parts.hostname):
        raise FetchError("Write an IP address in the usual dotted form, such as 192.0.2.10.")
    try:
        httpx.URL(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError("That address is not valid.") from exc
    try:
        addresses = (resolve or _resolve)(parts.hostname)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"The host {parts.hostname} could not be found.") from exc
    try:
        if not addresses or any(_refused(a, allow_private=allow_private) for a in addresses):
            raise FetchError(PRIVATE_NETWORK)
    except ValueError as exc:  # not an address at all
        raise FetchError(PRIVATE_NETWORK) from exc
    return addresses


def check_url(
    url: str,
    *,
    allow_private: bool,
    resolve: Callable[[str], list[str]] | None = None,
) -> None:
    """Raises FetchError unless `url` is http(s) with a host that is safe to contact."""
    checked_addresses(url, allow_private=allow_private, resolve=resolve)


def _resolve(host: str) -> list[str]:
    """Every address of `host`, in the resolver's order of preference."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# --- HTTP -----------------------------------------------------------------------------------


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


def _send_pinned(
    client: httpx.Client,
    method: str,
    url: httpx.URL,
    address: str,
    *,
    body: bytes | None,
    auth: tuple[str, str] | None,
) -> httpx.Response:
    """Send to `address` (checked) what would go to `url`'s host, without resolving again.

    The URL's host becomes the address, so the connection can only go there, while the Host
    header keeps the name and httpx's `sni_hostname` request extension makes TLS send the name
    as SNI and verify the certificate against it (httpcore passes it as `server_hostname`).
    Public httpx API, no transport of our own; the client is per hop (see `_request`), so a
    pooled TLS connection verified for one name never carries a request for another.
    """
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    request = client.build_request(
        method,
        url.copy_with(host=address),
        content=body,
        headers={"Host": url.netloc.decode("ascii")},
        extensions=extensions,
    )
    return client.send(request, stream=True, auth=httpx.BasicAuth(*auth) if auth else None)


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
    first_origin = None
    for _hop in range(MAX_REDIRECTS + 1):
        addresses = checked_addresses(url, allow_private=allow_private)
        target = httpx.URL(url)
        first_origin = first_origin or _origin(target)
        if auth is not None and _origin(target) != first_origin:
            # A redirect to another scheme, host or port never gets the password.
            auth = None
        # A fresh client per hop, no proxies from the environment (a proxy would resolve
        # the name itself) and no .netrc credentials.
        with httpx.Client(
            timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
        ) as client:
            try:
                response = _connect_any(client, method, target, addresses, body, auth)
                try:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    return url, _read_body(response, deadline)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                raise FetchError("The calendar took too long to answer.") from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"The calendar could not be reached ({type(exc).__name__})."
                ) from exc
    raise FetchError("Too many redirects.")


def _connect_any(
    client: httpx.Client,
    method: str,
    url: httpx.URL,
    addresses: list[str],
    body: bytes | None,
    auth: tuple[str, str] | None,
) -> httpx.Response:
    """Try the checked addresses in the resolver's order until one connects."""
    tried = addresses[:MAX_ADDRESSES_TRIED]
    for address in tried[:-1]:
        try:
            return _send_pinned(client, method, url, address, body=body, auth=auth)
        except httpx.ConnectError:
            continue
    return _send_pinned(client, method, url, tried[-1], body=body, auth=auth)


def _read_body(response: httpx.Response, deadline: float) -> bytes:
    if response.status_code in (401, 403):
        raise FetchError("The calendar refused the user name or password.")
    if response.status_code == 404:
        raise FetchError("Nothing was found at that address (404).")
    if response.status_code >= 400:
        raise FetchError(f"The calendar answered with HTTP {response.status_code}.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise FetchError("The calendar is larger than 5 MB.")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError("The calendar is larger than 5 MB.")
        if clock.monotonic() > deadline:
            raise FetchError("The calendar took too long to answer.")
        chunks.append(chunk)
    return b"".join(chunks)


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
    # defusedxml refuses DTDs, entity declarations and external references (billion laughs,
    # XXE) in a server's answer; the quick check gives the clearer message first.
    if b"<!DOCTYPE" in body[:2000] or b"<!ENTITY" in body:
        raise FetchError("The server sent XML this client does not accept.")
    try:
        return SafeElementTree.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FetchError("The server sent XML this client does not accept.") from exc
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
