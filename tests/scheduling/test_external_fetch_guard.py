"""External calendar fetches cannot be steered inside (issue #22): DNS rebinding, credentials
on redirects, IPv6 and numeric spellings of internal addresses. Real local HTTP servers; only the
resolver (and, for public addresses, the internet) is faked."""

from __future__ import annotations

import base64
import datetime
import http.server
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mentorloom.scheduling import external
from mentorloom.scheduling.external import FetchError
from tests.factories import UserFactory

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
PUBLIC = "93.184.216.34"
ALICE = external.Credentials("alice", "s3cret")
ALICE_HEADER = "Basic " + base64.b64encode(b"alice:s3cret").decode()


@dataclass
class Server:
    """A local HTTP server and what it received: (path, Host, Authorization) per request.
    GET /cal.ics answers a calendar; any other path redirects to `redirect_to` (relative to
    the server when it starts with /)."""

    port: int = 0
    requests: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    redirect_to: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(server: Server) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(
                (self.path, self.headers.get("Host"), self.headers.get("Authorization"))
            )
            if self.path == "/cal.ics":
                self.send_response(200)
                self.send_header("Content-Length", str(len(ICS)))
                self.end_headers()
                self.wfile.write(ICS)
            else:
                self.send_response(302)
                self.send_header("Location", server.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def servers() -> Iterator[Callable[[], Server]]:
    running: list[http.server.ThreadingHTTPServer] = []

    def start() -> Server:
        server = Server()
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
        server.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        running.append(httpd)
        return server

    yield start
    for httpd in running:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every TCP connection made; public addresses are refused at once (there is no internet
    here, and none is needed: where the fetch goes is what matters)."""
    made: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append((address[0], address[1]))
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"no route to {address[0]} in tests")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return made


def resolver(monkeypatch, *answers: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Make the module's resolver give `answers` in turn (the last one from then on); returns
    the list of host names it was asked for."""
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    monkeypatch.setattr(external, "_resolve", resolve)
    return asked


# --- DNS rebinding --------------------------------------------------------------------------


def test_a_rebinding_name_is_fetched_from_the_checked_address_never_loopback(
    monkeypatch, servers, connections
):
    inside = servers()
    # The name answers a public address when checked, then loopback to anyone asking again.
    asked = resolver(monkeypatch, [PUBLIC], ["127.0.0.1"])
    with pytest.raises(FetchError, match="could not be reached"):
        external.fetch_ics(f"http://rebind.example:{inside.port}/cal.ics", allow_private=False)
    assert asked == ["rebind.example"]  # resolved once
    assert connections == [(PUBLIC, inside.port)]
    assert inside.requests == []


def test_the_connection_goes_to_the_resolved_address_with_the_name_as_host(
    monkeypatch, servers, connections
):
    calendar = servers()
    resolver(monkeypatch, ["127.0.0.1"])
    body = external.fetch_ics(f"http://calendar.test:{calendar.port}/cal.ics", allow_private=True)
    assert body == ICS
    assert connections == [("127.0.0.1", calendar.port)]
    assert calendar.requests == [("/cal.ics", f"calendar.test:{calendar.port}", None)]


def test_every_checked_address_is_tried_in_order_until_one_connects(
    monkeypatch, servers, connections
):
    calendar = servers()
    resolver(monkeypatch, [PUBLIC, "127.0.0.1"])
    assert external.fetch_ics(f"http://two.test:{calendar.port}/cal.ics", allow_private=True)
    assert connections == [(PUBLIC, calendar.port), ("127.0.0.1", calendar.port)]


def test_at_most_a_few_addresses_are_tried(monkeypatch, connections):
    many = [f"93.184.216.{n}" for n in range(10, 20)]
    resolver(monkeypatch, many)
    with pytest.raises(FetchError, match="could not be reached"):
        external.fetch_ics("http://many.example/cal.ics", allow_private=False)
    assert connections == [(a, 80) for a in many[: external.MAX_ADDRESSES_TRIED]]


def test_https_sends_the_name_for_sni_and_certificate_checks_but_connects_to_the_address(
    monkeypatch,
):
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=ICS)

    resolver(monkeypatch, [PUBLIC])
    _, body = external._request(
        "GET",
        "https://calendar.example/c.ics",
        allow_private=False,
        transport=httpx.MockTransport(answer),
    )
    assert body == ICS
    (request,) = seen
    assert request.url.host == PUBLIC
    assert request.headers["Host"] == "calendar.example"
    assert request.extensions["sni_hostname"] == "calendar.example"


# --- Redirects ------------------------------------------------------------------------------


def test_credentials_are_not_sent_to_another_origin_after_a_redirect(servers):
    first, second = servers(), servers()
    first.redirect_to = f"{second.url}/cal.ics"  # same host, another port: another origin
    body = external.fetch_ics(f"{first.url}/start", allow_private=True, credentials=ALICE)
    assert body == ICS
    assert first.requests == [("/start", f"127.0.0.1:{first.port}", ALICE_HEADER)]
    assert second.requests == [("/cal.ics", f"127.0.0.1:{second.port}", None)]


def test_credentials_follow_a_redirect_within_the_same_origin(servers):
    calendar = servers()
    calendar.redirect_to = "/cal.ics"
    assert external.fetch_ics(f"{calendar.url}/moved", allow_private=True, credentials=ALICE)
    assert [auth for _, _, auth in calendar.requests] == [ALICE_HEADER, ALICE_HEADER]


def test_a_redirect_into_a_private_network_is_refused_before_connecting(monkeypatch):
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://intranet.example/x.ics"})

    asked = resolver(monkeypatch, [PUBLIC], ["10.0.0.5"])
    with pytest.raises(FetchError, match="private network"):
        external._request(
            "GET",
            "https://calendar.example/c.ics",
            allow_private=False,
            transport=httpx.MockTransport(answer),
        )
    assert asked == ["calendar.example", "intranet.example"]
    assert seen == [f"https://{PUBLIC}/c.ics"]


def test_redirects_stop_after_the_hop_limit(servers):
    loop = servers()
    loop.redirect_to = "/again"
    with pytest.raises(FetchError, match="Too many redirects"):
        external.fetch_ics(f"{loop.url}/again", allow_private=True)
    assert len(loop.requests) == external.MAX_REDIRECTS + 1


# --- Addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:5db8:d822::1",  # 6to4 of a public address: tunnels are refused outright
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b:1::a00:1",  # NAT64 local-use prefix
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "::ffff:224.0.0.1",  # mapped multicast
        "::ffff:240.0.0.1",  # mapped reserved
        "::ffff:0:7f00:1",  # IPv4-translated
        "::127.0.0.1",  # IPv4-compatible
        "::a00:1",  # IPv4-compatible 10.0.0.1
        "::",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "ff02::1",
        "fc00::1",
    ],
)
def test_internal_addresses_in_every_ipv6_form_are_refused(address):
    with pytest.raises(FetchError, match="private network"):
        external.check_url(
            "https://calendar.example/c.ics", allow_private=False, resolve=lambda _h: [address]
        )


@pytest.mark.parametrize("address", ["64:ff9b::5db8:d822", "2606:4700:4700::1111", PUBLIC])
def test_public_addresses_also_behind_nat64_are_allowed(address):
    assert external.checked_addresses(
        "https://calendar.example/c.ics", allow_private=False, resolve=lambda _h: [address]
    ) == [address]


def test_one_internal_address_among_public_ones_refuses_the_host():
    with pytest.raises(FetchError, match="private network"):
        external.check_url(
            "https://calendar.example/c.ics",
            allow_private=False,
            resolve=lambda _h: [PUBLIC, "127.0.0.1"],
        )


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "::ffff:169.254.169.254", "0.0.0.0", "::", "224.0.0.1", "2002:7f00:1::"],
)
def test_the_private_network_allowance_still_refuses_metadata_tunnels_and_non_hosts(address):
    with pytest.raises(FetchError, match="private network"):
        external.check_url(
            "https://calendar.example/c.ics", allow_private=True, resolve=lambda _h: [address]
        )


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.5", "192.168.1.20"])
def test_the_private_network_allowance_admits_loopback_and_private_hosts(address):
    external.check_url(
        "https://calendar.example/c.ics", allow_private=True, resolve=lambda _h: [address]
    )


@pytest.mark.parametrize(
    "url", ["http://calendar.example:99999/c.ics", "http://calendar.example:http/c.ics"]
)
def test_a_malformed_address_is_a_fetch_error(url):
    with pytest.raises(FetchError, match="not valid"):
        external.fetch_ics(url, allow_private=False)


@pytest.mark.parametrize(
    "host", ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "0x7f000001", "017700000001"]
)
@pytest.mark.parametrize("allow_private", [False, True])
def test_decimal_octal_and_hex_spellings_of_addresses_are_refused(host, allow_private):
    with pytest.raises(FetchError, match="usual dotted form"):
        external.check_url(f"http://{host}/c.ics", allow_private=allow_private)


# --- TLS against the checked address ---------------------------------------------------------


def _tls_files(tmp: str) -> tuple[str, str, bytes]:
    """A test CA and a certificate for calendar.test it signed: (cert file, key file, CA PEM)."""
    now = datetime.datetime.now(datetime.UTC)

    def cert(subject: str, key, issuer: str, issuer_key, *, ca: bool):  # type: ignore[no-untyped-def]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            ).add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = cert("Mentorloom test CA", ca_key, "Mentorloom test CA", ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert("calendar.test", key, "Mentorloom test CA", ca_key, ca=False)
    cert_file, key_file = f"{tmp}/calendar.pem", f"{tmp}/calendar.key"
    with open(cert_file, "wb") as out:
        out.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_file, key_file, ca_cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[Server]:
    """An HTTPS server on 127.0.0.1 with a certificate for calendar.test, whose CA the fetch
    trusts (added to the default trust store for the test)."""
    cert_file, key_file, ca_pem = _tls_files(str(tmp_path))
    real_context = ssl.create_default_context

    def trusting(*args, **kwargs):  # type: ignore[no-untyped-def]
        context = real_context(*args, **kwargs)
        context.load_verify_locations(cadata=ca_pem.decode())
        return context

    monkeypatch.setattr(ssl, "create_default_context", trusting)
    server = Server()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    httpd.handle_error = lambda *args: None  # a refused handshake is the point of a test
    server.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield server
    httpd.shutdown()
    httpd.server_close()


def test_https_to_the_checked_address_verifies_the_certificate_for_the_name(
    monkeypatch, tls_server, connections
):
    resolver(monkeypatch, ["127.0.0.1"])
    url = f"https://calendar.test:{tls_server.port}/cal.ics"
    assert external.fetch_ics(url, allow_private=True) == ICS
    assert connections == [("127.0.0.1", tls_server.port)]
    assert tls_server.requests == [("/cal.ics", f"calendar.test:{tls_server.port}", None)]


def test_https_refuses_a_certificate_for_another_name_at_the_same_address(
    monkeypatch, tls_server, connections
):
    resolver(monkeypatch, ["127.0.0.1"])
    with pytest.raises(FetchError, match="could not be reached"):
        external.fetch_ics(f"https://other.test:{tls_server.port}/cal.ics", allow_private=True)
    assert connections == [("127.0.0.1", tls_server.port)]
    assert tls_server.requests == []


# --- Through the API ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://2130706433/c.ics", "usual dotted form"),
        ("http://[::ffff:127.0.0.1]/c.ics", "private network"),
        ("http://[2002:7f00:1::1]/c.ics", "private network"),
        ("http://calendar.example:99999/c.ics", "not valid"),
    ],
)
def test_api_refuses_disguised_and_malformed_addresses_with_422(client, db, settings, url, reason):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = False
    client.force_login(UserFactory())
    response = client.post(
        "/api/v1/calendars", {"kind": "ics", "url": url}, content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and reason in error["fields"]["url"][0]


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        # A DTD pushed past the quick check's first 2,000 bytes by a long comment.
        b'<?xml version="1.0"?><!--' + b"p" * 3000 + b'--><!DOCTYPE x SYSTEM "http://127.0.0.1/x">'
        b"<x/>",
    ],
)
def test_caldav_answers_with_a_dtd_are_refused(body):
    from mentorloom.scheduling import external

    with pytest.raises(external.FetchError, match="does not accept"):
        external._xml(body)


def test_plain_caldav_xml_is_parsed():
    from mentorloom.scheduling import external

    root = external._xml(b'<d:multistatus xmlns:d="DAV:"><d:response/></d:multistatus>')
    assert root.tag == "{DAV:}multistatus"
