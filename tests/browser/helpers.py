"""Helpers for browser tests: accessibility (axe-core), screenshots, signing a context in."""

from __future__ import annotations

import json
import os
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import BrowserContext, Page

from tests.asgi_server import session_cookie_for

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "var" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")

_axe = Axe()
T = TypeVar("T")

# Submits the same POST a "Call" button would (with the page's CSRF token).
START_CALL = """id => { const f = document.createElement('form'); f.method = 'post';
f.action = `/mentorships/${id}/call/`; const t = document.createElement('input');
t.type = 'hidden'; t.name = 'csrfmiddlewaretoken';
t.value = document.cookie.match(/csrftoken=([^;]+)/)[1]; f.append(t);
document.body.append(f); f.submit(); }"""


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Saves var/screenshots/<name>.png (var/ is gitignored) and returns its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def screenshot_kept(page: Page, name: str) -> Path:
    """`screenshot`, also copied into MENTORLOOM_SHOTS_DIR when set (to look at them later)."""
    path = screenshot(page, name)
    shots = os.environ.get("MENTORLOOM_SHOTS_DIR", "")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        Path(shots, path.name).write_bytes(path.read_bytes())
    return path


def assert_fits(page: Page, width: int) -> None:
    """The page does not scroll sideways at `width` CSS pixels."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll}px)"


def axe_violations(page: Page, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """axe-core violations on the page as it is now, limited to the given impacts."""
    results = _axe.run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def format_violations(violations: list[dict]) -> str:
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation.get('helpUrl', '')})"
        )
        for node in violation.get("nodes", [])[:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> None:
    """Fails with readable details when axe-core finds serious or critical violations."""
    violations = axe_violations(page, impacts)
    assert not violations, (
        f"axe-core found {len(violations)} {'/'.join(impacts)} violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


def log_in(context: BrowserContext, user, base_url: str) -> None:  # type: ignore[no-untyped-def]
    """Gives the browser context a signed-in session for `user` (no login form round-trip)."""
    name, value = session_cookie_for(user)
    context.add_cookies([{"name": name, "value": value, "url": base_url}])


class BrowserProblems:
    """What went wrong in a browser context: console errors, uncaught exceptions, CSP
    violations, failed requests and 4xx/5xx responses. Attach with `watch(context)`."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[dict] = []
        self.failed_requests: list[str] = []
        self.bad_responses: list[str] = []
        # What the pages did lately (console lines of every level, sockets opened, closed and
        # their frames, API answers), printed when a test fails: a flake under load is then
        # readable from the CI log.
        self.timeline: deque[str] = deque(maxlen=200)
        self._started = time.monotonic()

    def note(self, text: str) -> None:
        self.timeline.append(f"{time.monotonic() - self._started:7.2f}s {text[:160]}")

    def all(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"CSP violation: {v}" for v in self.csp_violations]
            + [f"request failed: {m}" for m in self.failed_requests]
            + [f"bad response: {m}" for m in self.bad_responses]
        )

    def forgive(self, status: int, path: str, *, times: int | None = 1) -> None:
        """Take out a refusal the test provoked on purpose: the `status` answers to `path` (the
        URL's path, query ignored) and Chromium's console line on each ("Failed to load
        resource: ... a status of 409"). Asserts it happened `times` times first, so a test
        that expects a refusal also fails when there is none; `times=None` for one that only a
        race may produce."""

        def refused_here(url: str) -> bool:
            return urlsplit(url).path == path

        answers = [
            r
            for r in self.bad_responses
            if r.split(" ", 1)[0] == str(status) and refused_here(r.split(" ", 1)[-1])
        ]
        if times is not None:
            assert len(answers) == times, (
                f"expected {times} x {status} from {path}, got {len(answers)}: {self.all()}"
            )
        self.bad_responses = [r for r in self.bad_responses if r not in answers]
        self.console_errors = [
            e
            for e in self.console_errors
            if not (f"a status of {status} (" in e and refused_here(e.rsplit(" (", 1)[-1][:-1]))
        ]

    def assert_none(self) -> None:
        found = self.all()
        assert not found, "The browser reported problems:\n  " + "\n  ".join(found)


def losing_the_first(kind: str, lost: list[dict]) -> Callable[[object], None]:
    """A `page.route_web_socket` handler that passes on every frame the server sends but the
    first of type `kind`, which it keeps in `lost` instead: a frame lost on the way. The handler
    runs while the test's thread waits on a page (`page.wait_for_timeout`)."""

    def route(ws) -> None:  # type: ignore[no-untyped-def]
        server = ws.connect_to_server()

        def from_server(message) -> None:  # type: ignore[no-untyped-def]
            frame = json.loads(message)
            if frame.get("type") == kind and not lost:
                lost.append(frame)
                return
            ws.send(message)

        server.on_message(from_server)

    return route


# Runs before any page script; Playwright's init scripts are not subject to the page's CSP.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__mentorloomCspViolation({
    directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample,
  });
}, true);
"""


_WATCHED: weakref.WeakKeyDictionary[BrowserContext, BrowserProblems] = weakref.WeakKeyDictionary()


def problems_of(context: BrowserContext) -> BrowserProblems:
    """The problems recorded for a context made by the `new_context` fixture (or `watch`)."""
    return _WATCHED[context]


def watch(context: BrowserContext) -> BrowserProblems:
    if context in _WATCHED:
        return _WATCHED[context]
    problems = BrowserProblems()
    _WATCHED[context] = problems

    def on_console(msg) -> None:  # type: ignore[no-untyped-def]
        problems.note(f"console.{msg.type}: {msg.text}")
        if msg.type == "error":
            problems.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def on_response(response) -> None:  # type: ignore[no-untyped-def]
        if "/api/" in response.url or response.request.resource_type == "document":
            problems.note(f"{response.status} {response.request.method} {response.url}")
        if response.status >= 400:
            problems.bad_responses.append(f"{response.status} {response.url}")

    def on_websocket(ws) -> None:  # type: ignore[no-untyped-def]
        path = ws.url.split("/ws/", 1)[-1]
        problems.note(f"ws {path} opening")
        ws.on("framereceived", lambda payload: problems.note(f"ws {path} <- {payload!s:.90}"))
        ws.on("framesent", lambda payload: problems.note(f"ws {path} -> {payload!s:.90}"))
        ws.on("socketerror", lambda error: problems.note(f"ws {path} error {error}"))
        ws.on("close", lambda _: problems.note(f"ws {path} closed"))

    def on_request_failed(request) -> None:  # type: ignore[no-untyped-def]
        # Cancelled requests (navigation away, AbortController in our scripts) are not failures.
        if request.failure != "net::ERR_ABORTED":
            problems.failed_requests.append(f"{request.url}: {request.failure}")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.page_errors.append(str(error.error)))
    context.on("response", on_response)
    context.on("requestfailed", on_request_failed)
    context.on("page", lambda page: page.on("websocket", on_websocket))
    context.expose_function("__mentorloomCspViolation", lambda v: problems.csp_violations.append(v))
    context.add_init_script(_CSP_LISTENER)
    return problems


def in_thread(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Runs `fn` in a fresh thread with no event loop and returns its result.

    Playwright's sync API keeps an event loop running in the test thread. DJANGO_ALLOW_ASYNC_UNSAFE
    (set for browser tests) covers plain ORM calls, but `async_to_sync` (e.g. a service that
    broadcasts on the channel layer) still refuses to run there: call such code through this.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn(*args, **kwargs))
        except BaseException as exc:  # re-raised in the test thread
            error.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="browser-test-helper")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
