"""The workshop journey through a real Janus: the facilitator and three participants open the
live room in four Chromium pages of the real application, everyone receives everyone's video
through the SFU, two breakout rooms of two each see only their partner (the others' feeds are
gone, their tokens evicted server-side), and "bring everyone back" returns all four to the main
room, where the video flows again.

The browsers and Janus run in the test's own network namespace, linked to this machine by a
veth pair (tests/browser/janus_netns.py): the web server (this process) listens on this
machine's end, Janus on the namespace's end, and media never leaves the namespace. Skipped with
a clear reason only when `janus`, Chromium or root is missing; under MENTORLOOM_REQUIRE_BROWSER=1
(CI) those are failures.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentorloom.workshops import services
from mentorloom.workshops.models import MediaGrant
from tests.asgi_server import LiveASGIServer
from tests.browser.helpers import in_thread
from tests.browser.janus_site import (
    FRAMES,
    PEERS,
    STEP_MS,
    assert_no_problems,
    chromium_in,
    open_page,
    workshop_site_with_janus,
)
from tests.factories import workshop_soon

pytestmark = pytest.mark.browser

FRAME_COUNT = """(peer) => {
  const v = document.querySelector(`[data-peer="${peer}"] video`);
  return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
}"""
SFU = "() => document.getElementById('workshop-room').dataset.mode === 'sfu'"
STATE = """() => ({
  mode: document.getElementById('workshop-room').dataset.mode,
  status: document.getElementById('room-status')?.textContent,
  notice: document.getElementById('media-notice')?.textContent,
})"""


def _sees(page, feed: int) -> None:  # type: ignore[no-untyped-def]
    """`feed`'s video plays on `page`, and keeps playing (frames still arrive)."""
    page.wait_for_function(FRAMES, arg=[feed, 0], timeout=STEP_MS)
    seen = page.evaluate(FRAME_COUNT, feed)
    page.wait_for_function(FRAMES, arg=[feed, seen + 10], timeout=STEP_MS)


def test_workshop_through_janus_breakout_rooms_and_back(
    browser, transactional_db, settings, tmp_path
):
    with workshop_site_with_janus(settings, tmp_path) as (ns, server, _janus):
        _journey(browser, server, ns, tmp_path)


def _journey(browser, server: LiveASGIServer, ns, tmp_path) -> None:  # type: ignore[no-untyped-def]
    site = server.url

    facilitator, (ana, ben, cy), workshop = in_thread(workshop_soon, "Ana", "Ben", "Cy")
    everyone = [facilitator, ana, ben, cy]
    live = f"/workshops/{workshop.pk}/live/"
    chromium = chromium_in(browser, ns, tmp_path, site)
    try:
        pages, problems = {}, {}
        for user in everyone:
            pages[user.pk], problems[user.pk] = open_page(chromium, user, site, live)

        def feeds() -> dict[int, int]:
            grants = MediaGrant.objects.filter(workshop=workshop)
            return dict(grants.values_list("user_id", "feed_id"))

        for page in pages.values():
            expect(page.locator("#room-name")).to_have_text("Main room")
        # Everyone is in the SFU's main room and receives the three others.
        for page in pages.values():
            try:
                page.wait_for_function(SFU)
            except Exception:
                print({pk: p.evaluate(STATE) for pk, p in pages.items()})
                raise
        feed = in_thread(feeds)
        assert set(feed) == {u.pk for u in everyone}, feed
        for user in everyone:
            for other in everyone:
                if other != user:
                    _sees(pages[user.pk], other.pk)

        def breakouts():  # type: ignore[no-untyped-def]
            rooms = services.create_breakouts(facilitator, workshop, 2)
            services.assign_by_hand(facilitator, workshop, ana.pk, rooms[0].pk)
            services.assign_by_hand(facilitator, workshop, ben.pk, rooms[0].pk)
            services.assign_by_hand(facilitator, workshop, cy.pk, rooms[1].pk)
            services.open_breakouts(facilitator, workshop, minutes=10, prompt="One setback")
            return rooms

        rooms = server.call(breakouts)
        expect(pages[ana.pk].locator("#room-name")).to_have_text("Room 1", timeout=STEP_MS)
        expect(pages[ben.pk].locator("#room-name")).to_have_text("Room 1", timeout=STEP_MS)
        expect(pages[cy.pk].locator("#room-name")).to_have_text("Room 2", timeout=STEP_MS)
        # The facilitator visits Room 2, so both rooms hold two people.
        pages[facilitator.pk].reload()
        pages[facilitator.pk].locator(f'[data-visit-room="{rooms[1].pk}"]').click()
        pairs = [(ana, ben), (cy, facilitator)]
        for one, two in pairs:
            _sees(pages[one.pk], two.pk)
            _sees(pages[two.pk], one.pk)
        caption = f'[data-peer="{ben.pk}"] figcaption'
        expect(pages[ana.pk].locator(caption)).to_have_text("Ben")
        # Nobody from the other room is shown any more: their tiles are gone from each page.
        for one, two in pairs:
            for user in (one, two):
                shown = set(pages[user.pk].evaluate(PEERS))
                assert shown == {(two if user == one else one).pk}, (user, shown)

        server.call(lambda: services.bring_everyone_back(facilitator, workshop))
        for user in (ana, ben, cy):
            expect(pages[user.pk].locator("#room-countdown")).to_contain_text(
                "Everyone returns", timeout=STEP_MS
            )
        server.call(
            lambda: services.close_due_breakouts(now=timezone.now() + timedelta(seconds=61))
        )
        for page in pages.values():
            expect(page.locator("#room-name")).to_have_text("Main room", timeout=STEP_MS)
        for user in (ana, cy):
            for other in everyone:
                if other != user:
                    _sees(pages[user.pk], other.pk)
        for user in everyone:
            assert_no_problems(problems[user.pk])
    finally:
        chromium.close()
