"""A small synchronous WebDriver BiDi client for Debian's Firefox ESR.

Playwright's own Firefox build cannot be downloaded here, but Firefox speaks WebDriver BiDi
natively (https://w3c.github.io/webdriver-bidi/), so the browser tests drive it directly:

    with Firefox.launch() as firefox:
        alice = firefox.new_user()                  # its own cookie jar (a BiDi user context)
        alice.log_in(user, base_url)
        tab = alice.new_window()
        tab.goto(f"{base_url}/dashboard/")
        tab.wait_for("() => document.readyState === 'complete'")
        assert tab.evaluate("document.title") == "..."
        tab.screenshot("dashboard-firefox")
        assert not tab.errors                        # console errors and uncaught exceptions

Everything runs in the calling thread: events (console entries) are read while a command waits
for its answer, so `errors` is up to date after any command.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from tests.asgi_server import session_cookie_for
from tests.browser.helpers import SCREENSHOT_DIR

FIREFOX = Path("/usr/bin/firefox-esr")
COMMAND_TIMEOUT = 30.0

# Written to the fresh profile's user.js. Firefox's remote agent already applies its
# "recommended" automation prefs; these add fake media and silence the remaining background noise.
PREFS: dict[str, bool | int | str] = {
    # A synthetic camera and microphone, granted without a prompt.
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    # No updates, telemetry, studies, first-run pages or default-browser questions.
    "app.update.auto": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.newtabpage.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "extensions.update.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
}


class BiDiError(RuntimeError):
    """A BiDi command failed, or a script threw."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _local_value(value: Any) -> dict:
    """A Python value as a BiDi LocalValue (a script argument)."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int | float):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, list | tuple):
        return {"type": "array", "value": [_local_value(v) for v in value]}
    if isinstance(value, dict):
        return {"type": "object", "value": [[str(k), _local_value(v)] for k, v in value.items()]}
    raise TypeError(f"cannot pass {type(value).__name__} to the browser")


def _python_value(remote: dict) -> Any:
    """A BiDi RemoteValue as plain Python; DOM nodes and the like come back as their type name."""
    kind, value = remote["type"], remote.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind == "number" and isinstance(value, str):  # NaN, -0, Infinity, -Infinity
        return float(value.replace("Infinity", "inf"))
    if kind in ("string", "number", "boolean"):
        return value
    if kind == "bigint":
        return int(value)
    if kind in ("array", "set"):
        return [_python_value(v) for v in value or []]
    if kind in ("object", "map"):
        return {
            (k if isinstance(k, str) else json.dumps(_python_value(k))): _python_value(v)
            for k, v in value or []
        }
    return f"<{kind}>"


class Firefox:
    """One headless Firefox process with one BiDi session. Use `launch()`; end with `close()`."""

    def __init__(self, process: subprocess.Popen, workdir: Path, ws: ClientConnection) -> None:
        self.process = process
        self.workdir = workdir
        self.ws = ws
        self._ids = itertools.count(1)
        self._tabs: dict[str, Tab] = {}

    @classmethod
    def launch(cls, executable: Path = FIREFOX, startup_timeout: float = 30.0) -> Firefox:
        """Starts Firefox on a fresh profile, connects to its BiDi endpoint, opens a session
        and subscribes to console entries."""
        workdir = Path(tempfile.mkdtemp(prefix="mentorloom-firefox-"))
        profile = workdir / "profile"
        profile.mkdir()
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFS.items())
        )
        port = _free_port()
        log = (workdir / "firefox.log").open("wb")
        # The remote agent listens on the loopback address only and checks the Host header.
        args = [str(executable), "--headless", "--no-remote", "--profile", str(profile)]
        args += ["--remote-debugging-port", str(port)]
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                # Entered as a context manager (the form websockets asks for); close() ends it.
                ws = connect(
                    f"ws://127.0.0.1:{port}/session",
                    proxy=None,
                    max_size=None,  # screenshots arrive as one large frame
                    open_timeout=5,
                ).__enter__()
                break
            except (OSError, InvalidHandshake):  # not listening yet, or still starting up
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    output = (workdir / "firefox.log").read_text(errors="replace")[-2000:]
                    shutil.rmtree(workdir, ignore_errors=True)
                    raise BiDiError(f"Firefox did not open its BiDi port:\n{output}") from None
                time.sleep(0.2)
        firefox = cls(process, workdir, ws)
        try:
            firefox.command("session.new", {"capabilities": {}})
            firefox.command("session.subscribe", {"events": ["log.entryAdded"]})
        except BaseException:
            firefox.close()
            raise
        return firefox

    def __enter__(self) -> Firefox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, method: str, params: dict | None = None) -> dict:
        """Sends one command and returns its result, handling events that arrive meanwhile."""
        command_id = next(self._ids)
        self.ws.send(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BiDiError(f"{method}: no answer within {COMMAND_TIMEOUT}s")
            try:
                message = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            if message.get("type") == "event":
                self._on_event(message)
            elif message.get("id") == command_id:
                if message["type"] == "error":
                    raise BiDiError(f"{method}: {message['error']}: {message.get('message')}")
                return message["result"]

    def _on_event(self, event: dict) -> None:
        if event["method"] != "log.entryAdded":
            return
        entry = event["params"]
        tab = self._tabs.get(entry.get("source", {}).get("context", ""))
        # "javascript" entries are uncaught exceptions; console entries count at level error.
        if tab is not None and (entry["type"] == "javascript" or entry["level"] == "error"):
            tab.errors.append(f"{entry['type']} {entry['level']}: {entry.get('text')}")

    def new_user(self) -> UserContext:
        """A new BiDi user context: its own cookies and storage, like a separate person."""
        result = self.command("browser.createUserContext")
        return UserContext(self, result["userContext"])

    def close(self) -> None:
        """Closes the browser politely, then makes sure the process is gone and the profile too."""
        with contextlib.suppress(BiDiError, ConnectionClosed, OSError):
            self.command("browser.close")
        with contextlib.suppress(ConnectionClosed, OSError):
            self.ws.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


class UserContext:
    """A BiDi user context: separate cookie jar, so two users can be signed in in one Firefox."""

    def __init__(self, firefox: Firefox, user_context: str) -> None:
        self.firefox = firefox
        self.id = user_context
        self.tabs: list[Tab] = []

    def new_window(self, *, width: int = 1280, height: int = 800) -> Tab:
        """Opens a window in this user context and returns its tab. A window of its own, like
        each person's own screen: Firefox holds back media and timers in background tabs."""
        result = self.firefox.command(
            "browsingContext.create", {"type": "window", "userContext": self.id}
        )
        tab = Tab(self, result["context"])
        self.firefox._tabs[tab.id] = tab
        self.tabs.append(tab)
        tab.set_viewport(width, height)
        return tab

    def set_cookie(self, name: str, value: str, domain: str, *, http_only: bool = True) -> None:
        """Stores a cookie for `domain` in this user context only."""
        cookie = {
            "name": name,
            "value": {"type": "string", "value": value},
            "domain": domain,
            "path": "/",
            "httpOnly": http_only,
            "secure": False,
            "sameSite": "lax",
        }
        self.firefox.command(
            "storage.setCookie",
            {"cookie": cookie, "partition": {"type": "storageKey", "userContext": self.id}},
        )

    def log_in(self, user, base_url: str) -> None:  # type: ignore[no-untyped-def]
        """Gives this user context a signed-in session for `user` (no login form round-trip)."""
        name, value = session_cookie_for(user)
        host = re.sub(r"^https?://", "", base_url).split(":")[0].split("/")[0]
        self.set_cookie(name, value, host)

    def close(self) -> None:
        """Closes the user context and every tab in it."""
        for tab in self.tabs:
            self.firefox._tabs.pop(tab.id, None)
        self.firefox.command("browser.removeUserContext", {"userContext": self.id})


class Tab:
    """A top-level browsing context. `errors` collects its console errors and uncaught
    exceptions (as reported through log.entryAdded)."""

    def __init__(self, user: UserContext, context: str) -> None:
        self.user = user
        self.id = context
        self.errors: list[str] = []

    @property
    def firefox(self) -> Firefox:
        return self.user.firefox

    def goto(self, url: str) -> None:
        """Navigates and waits for the load event."""
        self.firefox.command(
            "browsingContext.navigate", {"context": self.id, "url": url, "wait": "complete"}
        )

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        return self._result(
            self.firefox.command(
                "script.evaluate",
                {
                    "expression": expression,
                    "target": {"context": self.id},
                    "awaitPromise": True,
                },
            )
        )

    def call(self, function: str, *args: Any, user_activation: bool = False) -> Any:
        """Calls a JavaScript function declaration, e.g. `"(a, b) => a + b"`, with JSON-like
        arguments, awaiting a returned promise. `user_activation` makes it count as a user
        gesture (autoplay, popups), as a real click would."""
        return self._result(
            self.firefox.command(
                "script.callFunction",
                {
                    "functionDeclaration": function,
                    "arguments": [_local_value(a) for a in args],
                    "target": {"context": self.id},
                    "awaitPromise": True,
                    "userActivation": user_activation,
                },
            )
        )

    def activate(self) -> None:
        """Brings this tab's window to the front and gives it focus."""
        self.firefox.command("browsingContext.activate", {"context": self.id})

    def click(self, selector: str) -> None:
        """Focuses the window and clicks the element matching a CSS selector (a DOM click with
        user activation), as a person clicking there would."""
        self.activate()
        found = self.call(
            "s => { const e = document.querySelector(s); if (e) e.click(); return !!e; }",
            selector,
            user_activation=True,
        )
        if not found:
            raise BiDiError(f"nothing matches {selector!r} on {self.url}")

    @property
    def url(self) -> str:
        return self.evaluate("location.href")

    def wait_for(self, predicate: str, timeout: float = 10.0, interval: float = 0.1) -> Any:
        """Polls a JavaScript function (`"() => ..."`) until it returns something truthy; returns
        that. A predicate that throws counts as not yet (e.g. the element is not there)."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while True:
            try:
                value = self.call(predicate)
                if value:
                    return value
            except BiDiError as exc:
                last_error = f" (last error: {exc})"
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout}s on {self.id} for {predicate}{last_error}")
            time.sleep(interval)

    def set_viewport(self, width: int, height: int, device_pixel_ratio: float = 1) -> None:
        self.firefox.command(
            "browsingContext.setViewport",
            {
                "context": self.id,
                "viewport": {"width": width, "height": height},
                "devicePixelRatio": device_pixel_ratio,
            },
        )

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Saves var/screenshots/<name>.png (like helpers.screenshot) and returns its path."""
        result = self.firefox.command(
            "browsingContext.captureScreenshot",
            {"context": self.id, "origin": "document" if full_page else "viewport"},
        )
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"
        path = SCREENSHOT_DIR / f"{safe}.png"
        path.write_bytes(base64.b64decode(result["data"]))
        return path

    def _result(self, result: dict) -> Any:
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise BiDiError(f"script error: {details.get('text')} ({details.get('lineNumber')})")
        return _python_value(result["result"])
