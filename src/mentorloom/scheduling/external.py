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

import functools
import ipaddress
import socket
import time as clock
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
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
from icalendar.parser import Contentline, Contentlines, Parameters
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
# One CalDAV fetch (a PROPFIND, then a REPORT per calendar, up to 20) altogether: at most this
# long and MAX_BYTES of answers, as one ICS fetch; not 20 times either.
CALDAV_TOTAL_SECONDS = 30.0
TOO_LARGE = "The calendar is larger than 5 MB."
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
    deadline: float | None = None,
    max_bytes: int = MAX_BYTES,
    credentials_for: str | None = None,
) -> tuple[str, bytes]:
    """One request with the guard, a byte cap and a deadline; returns (final url, body).
    `deadline` (clock.monotonic) and `max_bytes` narrow those of a single request (CalDAV: what
    is left of the whole fetch's). The password goes only to the origin of `credentials_for`
    (default: `url`): a CalDAV REPORT to an address the server listed passes the address the
    person entered, so a redirect to another host cannot hand that host the password."""
    own = clock.monotonic() + TIMEOUT_SECONDS
    deadline = own if deadline is None else min(own, deadline)
    if clock.monotonic() > deadline:
        raise FetchError("The calendar took too long to answer.")
    auth = (credentials.username, credentials.password) if credentials else None
    first_origin = None
    for _hop in range(MAX_REDIRECTS + 1):
        addresses = checked_addresses(url, allow_private=allow_private)
        target = httpx.URL(url)
        first_origin = first_origin or _origin(
            httpx.URL(credentials_for) if credentials_for else target
        )
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
                    return url, _read_body(response, deadline, max_bytes)
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


def _read_body(response: httpx.Response, deadline: float, max_bytes: int = MAX_BYTES) -> bytes:
    if response.status_code in (401, 403):
        raise FetchError("The calendar refused the user name or password.")
    if response.status_code == 404:
        raise FetchError("Nothing was found at that address (404).")
    if response.status_code >= 400:
        raise FetchError(f"The calendar answered with HTTP {response.status_code}.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(TOO_LARGE)
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(TOO_LARGE)
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
    deadline = clock.monotonic() + CALDAV_TOTAL_SECONDS
    final, body = _request(
        "PROPFIND",
        url,
        allow_private=allow_private,
        credentials=credentials,
        body=PROPFIND,
        headers=depth_one,
        deadline=deadline,
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
    left = MAX_BYTES  # for all the calendars' answers together
    for calendar_url in calendars[:20]:
        _, body = _request(
            "REPORT",
            calendar_url,
            allow_private=allow_private,
            credentials=credentials,
            body=query.encode(),
            headers=depth_one,
            deadline=deadline,
            max_bytes=left,
            # The calendars' addresses come from the (perhaps redirected) answer: the password
            # still goes only to the origin the person entered.
            credentials_for=url,
        )
        left -= len(body)
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


# Recurrence rules are screened before they are expanded: the expansion (dateutil) walks every
# candidate from DTSTART to the window's end and collects a rule's instants in a list, so a
# few hundred bytes (FREQ=SECONDLY, or FREQ=HOURLY starting in year 1) would take minutes and
# gigabytes. People's real calendars never need a busy block that repeats more often than
# hourly, so such events are left out (the settings page says so); a calendar whose remaining
# rules would still take more than MAX_EXPANSION_STEPS candidates to walk is refused.
MAX_STARTS_PER_DAY = 24
MAX_EXPANSION_STEPS = 200_000  # ~2-3 s of CPU at worst
TOO_MUCH_REPETITION = (
    "This calendar has too many repeating events to read (some repeat often and started long"
    " ago). Subscribe to a smaller calendar, or end old repeating events."
)
_PERIOD_DAYS = {"HOURLY": 1 / 24, "DAILY": 1, "WEEKLY": 7, "MONTHLY": 30.4, "YEARLY": 365.2}


def _rules(event: icalendar.Component) -> list[icalendar.vRecur]:
    value = event.get("RRULE")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _frequency(rule: icalendar.vRecur) -> str:
    freq = str((rule.get("FREQ") or [""])[0]).upper()
    if freq not in _PERIOD_DAYS and freq not in ("MINUTELY", "SECONDLY"):
        raise FetchError("The calendar file could not be read.")
    return freq


def _interval(rule: icalendar.vRecur) -> int:
    return max(1, int((rule.get("INTERVAL") or [1])[0]))


def _distinct(rule: icalendar.vRecur, part: str) -> int:
    return len(set(rule.get(part) or [0]))


def _starts_per_day(rule: icalendar.vRecur) -> float:
    """At most how many occurrences the rule starts in one day."""
    freq = _frequency(rule)
    if freq in ("MINUTELY", "SECONDLY"):
        return float("inf")
    if rule.get("BYHOUR"):
        hours = _distinct(rule, "BYHOUR")
    elif freq == "HOURLY":
        hours = -(-24 // _interval(rule))
    else:
        hours = 1
    return hours * _distinct(rule, "BYMINUTE") * _distinct(rule, "BYSECOND")


def _utc(value: object, fallback: datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return fallback


def _days_per_period(rule: icalendar.vRecur, freq: str) -> int:
    """At most how many days of one period (a week, month or year) the rule picks."""
    if freq == "WEEKLY":
        return min(7, len(rule.get("BYDAY") or [0]))
    if freq not in ("MONTHLY", "YEARLY"):
        return 1
    months = (len(rule.get("BYMONTH") or []) or 12) if freq == "YEARLY" else 1
    weeks = 53 if freq == "YEARLY" else 5
    bounds = [366 if freq == "YEARLY" else 31]
    if rule.get("BYYEARDAY"):
        bounds.append(len(rule["BYYEARDAY"]))
    if rule.get("BYWEEKNO"):
        bounds.append(7 * len(rule["BYWEEKNO"]))
    if rule.get("BYMONTHDAY"):
        bounds.append(months * len(rule["BYMONTHDAY"]))
    if rule.get("BYDAY"):
        days = rule["BYDAY"]
        # "2SU", "-1SU": one day a month (a year without BYMONTH) per entry, not one a week.
        ordinal = all(str(day)[:1] in "+-0123456789" for day in days)
        per = (months if freq == "YEARLY" and rule.get("BYMONTH") else 1) if ordinal else weeks
        bounds.append(per * len(days))
    if rule.get("BYSETPOS"):
        bounds.append(len(rule["BYSETPOS"]))
    if len(bounds) == 1:  # the day of DTSTART, in each month picked
        bounds.append(len(rule.get("BYMONTH") or [0]) if freq == "YEARLY" else 1)
    return min(bounds)


def _expansion_steps(rule: icalendar.vRecur, first: datetime, end: datetime) -> float:
    """About how much work dateutil does to expand the rule from `first` to `end`: a step is a
    period walked or an instant made, some 10-15 µs each."""
    freq = _frequency(rule)
    stop = min(end, _utc((rule.get("UNTIL") or [None])[0], end))
    days = max((stop - first).total_seconds() / 86400, 0.0)
    periods = days / (_PERIOD_DAYS[freq] * _interval(rule)) + 1
    if freq == "HOURLY":
        per_period = _distinct(rule, "BYMINUTE") * _distinct(rule, "BYSECOND")
    else:
        per_period = _days_per_period(rule, freq) * _starts_per_day(rule)
    # A year costs dateutil some five steps however little it picks: it lays out every day.
    return periods * max(per_period, 5 if freq == "YEARLY" else 1)


# The components icalendar is given: a calendar and what sits in one. Everything else is left
# out with all it holds, before icalendar reads it:
# - VTIMEZONE: a zone only the file defines (a TZID no IANA or Windows name) became a dateutil
#   zone walking its rules (RRULE, EXRULE, RDATE...) from their DTSTART, often 1601, on every
#   offset lookup: a few hundred bytes took hours. And icalendar kept the first definition of
#   each zone name for the whole process, so one person's file decided how another's was read.
# - X- and unknown components: icalendar makes, and keeps for the whole process, a class for
#   every component name it does not know.
_READ_COMPONENTS = frozenset({"VCALENDAR", "VEVENT", "VALARM", "VTODO", "VJOURNAL", "VFREEBUSY"})
MAX_TZID_CHARS = 64


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | frozenset(WINDOWS_TO_OLSON)


def _known_zone(tzid: str) -> str | None:
    """The IANA or Windows name `tzid` means, else None. A "globally unique" TZID
    ("/vendor/Europe/Berlin") becomes its IANA tail, which icalendar would otherwise guess at
    on every value (one failed lookup per path part, and a warning naming it)."""
    name = tzid.strip("/")
    if len(name) > MAX_TZID_CHARS:
        return None
    if name in _zone_names():
        return name
    parts = name.split("/")
    for count in (3, 2, 1):
        tail = "/".join(parts[-count:])
        if len(parts) > count and tail in _zone_names():
            return tail
    return None


def _with_known_zone(line: Contentline, params: Parameters) -> Contentline:
    """The line with its TZID made a known zone name, or without it (a time read as floating,
    in the calendar owner's zone: `_aware`) when it names none."""
    tzid = str(params["TZID"])
    known = _known_zone(tzid)
    if known == tzid:
        return line
    name, raw_params, raw_value = line.raw_parts()
    if known:
        raw_params["TZID"] = known
    else:
        del raw_params["TZID"]
    head = f"{name};{raw_params.to_ical().decode()}" if raw_params else name
    return Contentline(f"{head}:{raw_value}")


def _readable_text(document: bytes) -> str:
    """The calendar's text as icalendar is to read it: only `_READ_COMPONENTS`, and TZIDs only
    of known zones. Split and unfolded exactly as icalendar splits it (its own `Contentlines`,
    `Contentline.parts`), so nothing it would read as a component is left in by mistake. Times
    in a zone only the file defined are read in the calendar owner's zone, as floating times
    are: people's calendars are almost always in their own zone."""
    kept: list[str] = []
    skipping = 0  # depth inside a component left out
    for line in Contentlines.from_ical(document):
        if not line:
            continue
        try:
            name, params, value = line.parts()
        except ValueError:  # icalendar refuses it too, on the second reading
            if not skipping:
                kept.append(line)
            continue
        name = name.upper()
        if name in ("BEGIN", "END"):
            if skipping:
                skipping += 1 if name == "BEGIN" else -1
            elif name == "BEGIN" and str(value).strip().upper() not in _READ_COMPONENTS:
                skipping = 1
            else:
                kept.append(line)
            continue
        if not skipping:
            kept.append(_with_known_zone(line, params) if "TZID" in params else line)
    return "\r\n".join(kept) + "\r\n"


def _screened(cal: icalendar.Component, end: datetime) -> float:
    """Removes events repeating more often than hourly; returns the remaining rules' cost."""
    steps = 0.0
    stack = [cal]
    while stack:
        component = stack.pop()
        kept = []
        for sub in component.subcomponents:
            rules = _rules(sub) if sub.name == "VEVENT" else []
            if any(_starts_per_day(rule) > MAX_STARTS_PER_DAY for rule in rules):
                continue
            if rules:
                first = _utc(sub["DTSTART"].dt, end) if sub.get("DTSTART") is not None else end
                steps += sum(_expansion_steps(rule, first, end) for rule in rules)
            kept.append(sub)
            stack.append(sub)
        component.subcomponents = kept
    return steps


def _occurrences(
    documents: Iterable[bytes], start: datetime, end: datetime
) -> Iterator[icalendar.Component]:
    """Every event occurrence in the window, one at a time (never a whole list of them)."""
    steps = 0.0
    for document in documents:
        try:
            cal = icalendar.Calendar.from_ical(_readable_text(document))
            steps += _screened(cal, end)
            if steps > MAX_EXPANSION_STEPS:
                raise FetchError(TOO_MUCH_REPETITION)
            query = recurring_ical_events.of(cal)
        except FetchError:
            raise
        except Exception as exc:  # the parsers raise many types on malformed input
            raise FetchError("The calendar file could not be read.") from exc
        for series in query.series:
            occurrences = series.between(start, end)  # a generator, unlike query.between()
            while True:
                try:
                    occurrence = next(occurrences, None)
                    if occurrence is None:
                        break
                    component = occurrence.as_component(False)
                except Exception as exc:
                    raise FetchError("The calendar file could not be read.") from exc
                yield component


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
    mostly birthdays, holidays and reminders rather than meetings, nor events repeating more
    often than hourly (see MAX_STARTS_PER_DAY). Events whose UID ends with `skip_uid_suffix`
    are our own sessions coming back through a subscribed feed. At most MAX_EVENTS
    occurrences are looked at across all documents. FetchError for an unreadable calendar or
    one whose repeating events are too costly to expand (TOO_MUCH_REPETITION).
    """
    out: set[Interval] = set()
    for seen, event in enumerate(_occurrences(documents, start, end)):
        if seen >= MAX_EVENTS:
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
