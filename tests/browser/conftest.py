"""Real-browser fixtures: Debian Chromium driven by Playwright against the real ASGI server.

    @pytest.mark.browser
    def test_something(page, asgi_server, problems):
        page.goto("/")                       # relative to the server (context base_url)
        assert_accessible(page)              # tests.browser.helpers
        problems.assert_none()               # console errors, CSP violations, 4xx/5xx

Fixtures: `browser` (one Chromium per tests/browser package run), `firefox` (one Firefox ESR
per package run, driven over WebDriver BiDi by tests/browser/firefox.py), `context` + `page`
(desktop 1280x800, signed out), `problems` (what went wrong in `context`), `new_context(**kw)`
(more contexts, e.g. a second user; `helpers.problems_of(ctx)`), `phone_context`,
`phone_page`, `phone_problems` (390x844 touch).
Sign a context in with `helpers.log_in(context, user, asgi_server)`.

Tests here are synchronous: Playwright's sync API runs an event loop in the test thread for as
long as the browser is open, which is also why that browser lives only while this package runs
(pytest-asyncio tests elsewhere need the thread's loop slot free).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.firefox import FIREFOX, Firefox
from tests.browser.helpers import BrowserProblems, problems_of, screenshot, watch

# Debian's headless shell: the same Chromium build (Blink, V8, WebRTC) as /usr/bin/chromium
# without the desktop browser around it, as Playwright itself runs headless Chromium. It took
# the browser tests 23% less time on 2 cores (443 s -> 342 s), almost all of it Chromium's own
# CPU. The full browser stays covered: the Janus tests run /usr/bin/chromium inside their
# network namespace (janus_netns.py), and it is the fallback when the shell is missing.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
FULL_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM = HEADLESS_SHELL if HEADLESS_SHELL.exists() else FULL_CHROMIUM
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 10_000
# Assertions wait as long as actions do (Playwright's own default is 5 s): a live event or a
# page's fetch on a loaded CI machine can take longer than that without anything being wrong.
expect.set_options(timeout=TIMEOUT_MS)
THIS_DIR = Path(__file__).resolve().parent
_REPORTS = pytest.StashKey[dict]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if THIS_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    report = yield
    # Lets the `context` fixture know at teardown whether the test failed.
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="package", autouse=True)
def _embedding_model_loaded() -> None:
    """Load the embedding model once before the browser tests. Their live server runs tasks
    at once (ImmediateBackend), so otherwise the first profile saved in a browser test imports
    torch and loads the model inside its request: ~15 s cold on 2 cores, longer than a click
    waits for its navigation (CI: the sign-up journey's "Save profile" timed out)."""
    from mentorloom.matching import embeddings

    if embeddings.semantic_enabled():
        embeddings.load_model()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (make browser)."
        if os.environ.get("MENTORLOOM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MENTORLOOM_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    # Playwright's sync API leaves an event loop running in this thread, so Django sees an
    # "async context" and raises SynchronousOnlyOperation for ORM calls in the test (and in
    # pytest-django's flush at teardown). The test thread is not actually inside a coroutine,
    # so this is safe; it is set only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def firefox() -> Iterator[Firefox]:
    """Debian's Firefox ESR, headless with a fake camera and microphone; each test makes its
    users with `firefox.new_user()` (separate cookie jars) and closes them."""
    if not FIREFOX.exists():
        message = f"{FIREFOX} is missing: install Debian's firefox-esr (make browser)."
        if os.environ.get("MENTORLOOM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MENTORLOOM_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    with Firefox.launch() as browser:
        yield browser


@pytest.fixture
def new_context(
    browser: Browser, asgi_server: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Factory: `new_context(**playwright_context_options)` -> a watched BrowserContext whose
    base_url is the test server. Closed at teardown, after a screenshot if the test failed."""
    contexts: list[BrowserContext] = []

    def make(**options: object) -> BrowserContext:
        options = {**DESKTOP, "base_url": asgi_server, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        watch(context)
        contexts.append(context)
        return context

    yield make

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    for n, context in enumerate(contexts):
        if failed:
            timeline = problems_of(context).timeline
            print(f"context {n}, its last {len(timeline)} events:", *timeline, sep="\n  ")
            for m, open_page in enumerate(context.pages):
                try:
                    path = screenshot(open_page, f"FAILED-{request.node.name}-{n}-{m}")
                    print(f"screenshot of the failed test: {path}")
                except Exception as exc:  # a crashed page must not hide the real failure
                    print(f"could not take a failure screenshot: {exc}")
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def problems(context: BrowserContext) -> BrowserProblems:
    """Console errors, uncaught exceptions, CSP violations and failed/4xx/5xx requests seen
    by `context` so far; `problems.assert_none()` fails listing them."""
    return problems_of(context)


@pytest.fixture
def phone_context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context(**PHONE)


@pytest.fixture
def phone_page(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


@pytest.fixture
def phone_problems(phone_context: BrowserContext) -> BrowserProblems:
    return problems_of(phone_context)
