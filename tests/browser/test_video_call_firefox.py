"""Video calls in Firefox (issue #9: "work in current Chromium and Firefox").

Firefox ESR is driven over WebDriver BiDi (tests/browser/firefox.py): a Chromium mentor calls a
Firefox mentee, two Firefox users call each other, and the call page fits a phone in Firefox.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from mentorloom.calls import services
from mentorloom.calls.models import Call, CallStatus
from mentorloom.core.realtime.live import publish_to_user
from tests.browser.conftest import _REPORTS
from tests.browser.firefox import Firefox, Tab, UserContext
from tests.browser.helpers import START_CALL, in_thread, log_in, problems_of
from tests.factories import call_pair

pytestmark = pytest.mark.browser

MEDIA_TIMEOUT = 20.0
# Frames are arriving and the element is actually playing (autoplay was not blocked).
REMOTE_PLAYING = """() => { const v = document.getElementById('remote-video');
    return v.readyState >= 2 && !v.paused; }"""
CONNECTED = "() => document.getElementById('call').dataset.state === 'connected'"
ENDED = "() => !document.getElementById('call-ended').hidden"
INBOUND_BYTES = "() => Number(document.getElementById('call').dataset.inboundBytes || 0)"


@pytest.fixture
def pair(transactional_db):
    return call_pair()


@pytest.fixture
def firefox_user(
    firefox: Firefox, asgi_server: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., UserContext]]:
    """Factory: `firefox_user(user)` -> a signed-in Firefox user context, closed at teardown
    (after screenshots of its tabs if the test failed)."""
    made: list[UserContext] = []

    def make(user) -> UserContext:  # type: ignore[no-untyped-def]
        context = firefox.new_user()
        made.append(context)
        context.log_in(user, asgi_server)
        return context

    yield make

    failed = any(r.failed for r in request.node.stash.get(_REPORTS, {}).values())
    for n, context in enumerate(made):
        for m, tab in enumerate(context.tabs):
            if failed:
                try:
                    print(f"screenshot: {tab.screenshot(f'FAILED-{request.node.name}-ff{n}-{m}')}")
                    print(f"Firefox errors in tab {n}-{m}: {tab.errors}")
                except Exception as exc:  # a crashed tab must not hide the real failure
                    print(f"could not take a failure screenshot: {exc}")
        context.close()


def _wait_until_live(tab: Tab, user) -> None:  # type: ignore[no-untyped-def]
    """Waits until the page's /ws/live/ socket receives events, by sending a harmless unread
    count until the nav badge shows it, so a ring sent next cannot be missed."""
    badge = "() => document.querySelector('#nav-unread [data-count]').textContent === '{}'"
    deadline = time.monotonic() + MEDIA_TIMEOUT
    while True:
        in_thread(publish_to_user, user.pk, {"type": "unread.changed", "total": 42})
        try:
            tab.wait_for(badge.format(42), timeout=0.5)
            break
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
    in_thread(publish_to_user, user.pk, {"type": "unread.changed", "total": 0})
    tab.wait_for("() => document.getElementById('nav-unread').hidden")


def _join_from_notice(tab: Tab, caller_name: str) -> None:
    notice = "[id^='incoming-call-']"
    calling = f"{caller_name} is calling you"
    tab.wait_for(f"() => document.querySelector(\"{notice}\")?.textContent.includes('{calling}')")
    tab.click(f"{notice} a.btn--primary")
    tab.wait_for("() => /^\\/calls\\/\\d+\\/$/.test(location.pathname)")
    tab.wait_for("() => document.readyState === 'complete'")


def _assert_media_flows(tab: Tab) -> None:
    """Remote video plays with sound and inbound bytes keep growing (call.js samples them)."""
    tab.wait_for(REMOTE_PLAYING, timeout=MEDIA_TIMEOUT)
    # Firefox's autoplay rules refuse sound before a click on the page: call.js then plays the
    # video muted and offers "Turn on sound"; one click must bring the sound back.
    if tab.evaluate("!document.getElementById('remote-sound').hidden"):
        tab.click("#remote-sound")
        tab.wait_for("() => document.getElementById('remote-sound').hidden")
    tab.wait_for(f"() => ({REMOTE_PLAYING})() && !document.getElementById('remote-video').muted")
    tab.wait_for(CONNECTED, timeout=MEDIA_TIMEOUT)
    assert tab.evaluate("document.getElementById('call-status').textContent.trim()") == "Connected"
    before = tab.wait_for(INBOUND_BYTES, timeout=MEDIA_TIMEOUT)
    tab.wait_for(f"() => ({INBOUND_BYTES})() > {before}", timeout=MEDIA_TIMEOUT)


def _assert_call_record(ended_by) -> None:  # type: ignore[no-untyped-def]
    call = in_thread(lambda: Call.objects.get())
    assert call.status == CallStatus.ENDED
    assert call.answered_at is not None
    assert call.ended_by_id == ended_by.pk
    assert call.duration_seconds is not None


def test_chromium_mentor_calls_firefox_mentee(new_context, firefox_user, asgi_server, pair):
    mentor, mentee, mentorship = pair
    mentee_tab = firefox_user(mentee).new_window()
    mentee_tab.goto(f"{asgi_server}/dashboard/")
    _wait_until_live(mentee_tab, mentee)

    mentor_ctx = new_context(permissions=["camera", "microphone"])
    log_in(mentor_ctx, mentor, asgi_server)
    mentor_page = mentor_ctx.new_page()
    mentor_page.goto("/dashboard/")
    mentor_page.evaluate(START_CALL, mentorship.pk)
    mentor_page.wait_for_url("**/calls/*/")

    _join_from_notice(mentee_tab, "Aiko Tanaka")
    mentor_page.wait_for_function(REMOTE_PLAYING, timeout=MEDIA_TIMEOUT * 1000)
    expect(mentor_page.locator("#call-status")).to_have_text("Connected")
    _assert_media_flows(mentee_tab)
    mentor_page.wait_for_function(
        "() => Number(document.getElementById('call').dataset.inboundBytes || 0) > 0"
    )
    before = int(mentor_page.evaluate("document.getElementById('call').dataset.inboundBytes"))
    mentor_page.wait_for_function(
        f"() => Number(document.getElementById('call').dataset.inboundBytes) > {before}",
        timeout=MEDIA_TIMEOUT * 1000,
    )
    mentee_tab.screenshot("call-firefox-mentee-with-chromium")

    mentee_tab.click("#hang-up")
    mentee_tab.wait_for(ENDED)
    expect(mentor_page.get_by_role("heading", name="The call has ended")).to_be_visible()
    _assert_call_record(ended_by=mentee)
    assert mentee_tab.errors == []
    problems_of(mentor_ctx).assert_none()


def test_firefox_to_firefox_call(firefox_user, asgi_server, pair):
    mentor, mentee, mentorship = pair
    mentee_tab = firefox_user(mentee).new_window()
    mentee_tab.goto(f"{asgi_server}/dashboard/")
    _wait_until_live(mentee_tab, mentee)

    mentor_tab = firefox_user(mentor).new_window()
    mentor_tab.goto(f"{asgi_server}/dashboard/")
    mentor_tab.activate()
    mentor_tab.call(START_CALL, mentorship.pk, user_activation=True)
    mentor_tab.wait_for("() => /^\\/calls\\/\\d+\\/$/.test(location.pathname)")

    _join_from_notice(mentee_tab, "Aiko Tanaka")
    for tab in (mentor_tab, mentee_tab):
        _assert_media_flows(tab)
    mentor_tab.screenshot("call-firefox-to-firefox")

    mentee_tab.click("#hang-up")
    for tab in (mentee_tab, mentor_tab):
        tab.wait_for(ENDED)
    _assert_call_record(ended_by=mentee)
    assert mentor_tab.errors == []
    assert mentee_tab.errors == []


def test_call_page_fits_a_phone_in_firefox(firefox_user, asgi_server, pair):
    mentor, _, mentorship = pair
    call, _ = in_thread(lambda: services.start_call(mentor, mentorship.pk))
    tab = firefox_user(mentor).new_window(width=390, height=844)
    tab.goto(f"{asgi_server}/calls/{call.pk}/")
    # The camera preview is running, so the layout is the one people see.
    tab.wait_for("() => document.getElementById('local-video').readyState >= 2", MEDIA_TIMEOUT)
    assert tab.evaluate("innerWidth") == 390
    assert tab.evaluate("document.getElementById('hang-up').getBoundingClientRect().width > 0")
    # clientWidth, not innerWidth: headless Firefox draws a classic scrollbar inside the 390 px.
    overflow = tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the call page is {overflow}px wider than a 390px phone"
    tab.screenshot("call-phone-firefox")
    assert tab.errors == []
