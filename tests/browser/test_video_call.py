"""Two people in two browsers: one click starts a call, the other joins, media flows both ways,
screen sharing swaps the outgoing track, and hanging up ends it for both and records it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.calls.models import Call, CallStatus
from tests.browser.helpers import (
    START_CALL,
    assert_accessible,
    in_thread,
    log_in,
    losing_the_first,
    problems_of,
    screenshot,
)
from tests.factories import call_pair

pytestmark = pytest.mark.browser

REMOTE_PLAYING = "() => document.getElementById('remote-video').readyState >= 2"


def _inbound_bytes(page: Page) -> int:
    return int(page.evaluate("document.getElementById('call').dataset.inboundBytes || '0'"))


@pytest.fixture
def pair(transactional_db):
    return call_pair()


def _signed_in(new_context, user, asgi_server) -> tuple[BrowserContext, Page]:
    context = new_context(permissions=["camera", "microphone"])
    log_in(context, user, asgi_server)
    return context, context.new_page()


def test_mentor_calls_mentee_joins_media_flows_screen_share_and_hang_up(
    new_context, asgi_server, pair
):
    mentor, mentee, mentorship = pair
    mentor_ctx, mentor_page = _signed_in(new_context, mentor, asgi_server)
    mentee_ctx, mentee_page = _signed_in(new_context, mentee, asgi_server)

    # The mentee is on their dashboard; the ring arrives there live.
    mentee_page.goto("/dashboard/")
    mentee_page.wait_for_load_state("networkidle")

    mentor_page.goto("/dashboard/")
    mentor_page.evaluate(START_CALL, mentorship.pk)
    mentor_page.wait_for_url("**/calls/*/")
    expect(mentor_page.get_by_role("heading", name="Call with Lucas Oliveira")).to_be_visible()

    notice = mentee_page.get_by_role("alert").filter(has_text="Aiko Tanaka is calling you")
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="Join call").click()
    mentee_page.wait_for_url("**/calls/*/")

    for page in (mentor_page, mentee_page):
        page.wait_for_function(REMOTE_PLAYING, timeout=20_000)
        expect(page.locator("#call-status")).to_have_text("Connected")
    mentee_page.wait_for_function(
        "() => Number(document.getElementById('call').dataset.inboundBytes || 0) > 0"
    )
    before = _inbound_bytes(mentee_page)
    mentee_page.wait_for_timeout(2500)
    assert _inbound_bytes(mentee_page) > before  # getStats: inbound bytes keep growing
    assert_accessible(mentor_page)
    screenshot(mentor_page, "call-mentor-desktop")

    # A reload (or a dropped socket) rejoins the same call with fresh media on both sides.
    mentee_page.reload()
    for page in (mentee_page, mentor_page):
        page.wait_for_function(
            "() => document.getElementById('call').dataset.state === 'connected'", timeout=20_000
        )
        page.wait_for_function(REMOTE_PLAYING, timeout=20_000)
    assert in_thread(lambda: Call.objects.count()) == 1

    # Screen share replaces the outgoing video track without renegotiating.
    camera_label = mentor_page.evaluate(
        "document.getElementById('local-video').srcObject.getVideoTracks()[0].label"
    )
    mentor_page.get_by_role("button", name="Share screen").click()
    expect(mentor_page.get_by_role("button", name="Stop sharing")).to_be_visible()
    shared_label = mentor_page.evaluate(
        "document.getElementById('local-video').srcObject.getVideoTracks()[0].label"
    )
    assert shared_label != camera_label
    mentor_page.get_by_role("button", name="Stop sharing").click()
    expect(mentor_page.get_by_role("button", name="Share screen")).to_be_visible()

    # The conversation runs beside the video.
    mentor_page.locator("#chat-body").fill("Here is the link we talked about")
    mentor_page.locator("#chat-body").press("Enter")
    expect(mentee_page.locator("[data-chat-list]")).to_contain_text(
        "Here is the link we talked about"
    )

    mentor_page.get_by_role("button", name="Mute").click()
    expect(mentee_page.locator("#remote-muted")).to_be_visible()

    mentee_page.get_by_role("button", name="Leave call").click()
    for page in (mentor_page, mentee_page):
        expect(page.get_by_role("heading", name="The call has ended")).to_be_visible()
    screenshot(mentee_page, "call-ended-desktop")

    call = in_thread(lambda: Call.objects.get())
    assert call.status == CallStatus.ENDED
    assert call.ended_by_id == mentee.pk
    assert call.duration_seconds is not None
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def test_call_page_fits_a_phone(new_context, asgi_server, pair):
    from tests.browser.conftest import PHONE

    mentor, _, mentorship = pair
    from mentorloom.calls import services

    call, _ = in_thread(lambda: services.start_call(mentor, mentorship.pk))
    context = new_context(permissions=["camera", "microphone"], **PHONE)
    log_in(context, mentor, asgi_server)
    page = context.new_page()
    page.goto(f"/calls/{call.pk}/")
    expect(page.get_by_role("button", name="Leave call")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "call-phone")


def test_a_call_left_by_closing_the_tab_rings_again_on_the_next_start(
    new_context, asgi_server, pair
):
    mentor, mentee, mentorship = pair
    mentee_ctx, mentee_page = _signed_in(new_context, mentee, asgi_server)
    mentor_ctx, mentor_page = _signed_in(new_context, mentor, asgi_server)
    mentor_page.goto("/dashboard/")
    mentor_page.wait_for_load_state("networkidle")

    mentee_page.goto("/dashboard/")
    mentee_page.evaluate(START_CALL, mentorship.pk)
    mentee_page.wait_for_url("**/calls/*/")
    first = in_thread(lambda: Call.objects.get())
    in_thread(lambda: _wait_for(lambda: first.connections.exists()))
    ring = mentor_page.get_by_role("alert").filter(has_text="Lucas Oliveira is calling you")
    expect(ring).to_be_visible()
    mentee_page.close(run_before_unload=True)  # no "Leave call": the tab just goes
    in_thread(lambda: _wait_for(lambda: not first.connections.exists()))

    page = mentee_ctx.new_page()
    page.goto("/dashboard/")
    page.evaluate(START_CALL, mentorship.pk)
    page.wait_for_url("**/calls/*/")
    second = in_thread(lambda: Call.objects.exclude(pk=first.pk).get())
    assert page.url.endswith(f"/calls/{second.pk}/")
    expect(mentor_page.locator(f"#incoming-call-{second.pk}")).to_contain_text("is calling you")
    assert in_thread(lambda: Call.objects.get(pk=first.pk).status) == CallStatus.MISSED
    screenshot(mentor_page, "call-rings-again-desktop")
    problems_of(mentor_ctx).assert_none()


def test_a_lost_answer_is_recovered_by_a_fresh_start(new_context, asgi_server, pair):
    """The caller's page never receives the answer to its first offer (a frame lost on the
    way). It waits, then starts afresh: a new connection and a `fresh` offer, on which the
    other side replaces its own. Both then see each other; restarting ICE alone could not do
    that (the side that never applied the answer has no DTLS role)."""
    mentor, mentee, mentorship = pair
    from mentorloom.calls import services

    call, _ = in_thread(lambda: services.start_call(mentor, mentorship.pk))
    mentor_ctx, mentor_page = _signed_in(new_context, mentor, asgi_server)
    lost: list[dict] = []

    mentor_page.route_web_socket(re.compile(r"/ws/calls/\d+/$"), losing_the_first("answer", lost))
    mentor_page.goto(f"/calls/{call.pk}/")
    expect(mentor_page.locator("#call-status")).to_have_text("Waiting for the other person…")
    mentee_ctx, mentee_page = _signed_in(new_context, mentee, asgi_server)
    mentee_page.goto(f"/calls/{call.pk}/")
    for _ in range(200):  # the route's handler runs while this thread waits on the page
        if lost:
            break
        mentor_page.wait_for_timeout(100)
    assert lost
    mentor_page.wait_for_timeout(2_000)
    # Still waiting for an answer: no picture, and the page says it is connecting.
    expect(mentor_page.locator("#call-status")).to_have_text("Connecting…")
    assert not mentor_page.evaluate(REMOTE_PLAYING)
    for page in (mentor_page, mentee_page):
        page.wait_for_function(REMOTE_PLAYING, timeout=30_000)
        expect(page.locator("#call-status")).to_have_text("Connected")
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def _wait_for(condition, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
