"""A workshop room page against a real Janus that misbehaves for a moment (workshop_room.js):

- Janus did not answer when Ana entered: she is in mesh mode, told she may not see or hear
  everyone, and her page asks again; once Janus answers she is on it and sees the facilitator.
  Before, she stayed in mesh mode for good, apart from everyone on Janus.
- The facilitator's page asks for the main room's media, and they click to visit a breakout
  room before that answer comes back: the late answer is dropped, and the page is in the
  breakout room only. Before, it joined the (empty) main room as well, and Janus held a feed
  of theirs in both rooms.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mentorloom.workshops import selectors, services
from mentorloom.workshops.services import media
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

MODE = "(mode) => document.getElementById('workshop-room').dataset.mode === mode"


def test_a_room_page_gets_back_to_janus_and_drops_a_late_answer(
    browser, transactional_db, settings, tmp_path, monkeypatch
):
    monkeypatch.setattr(media, "SFU_RETRY_SECONDS", 1)
    with workshop_site_with_janus(settings, tmp_path) as (ns, server, janus):
        site = server.url

        facilitator, (ana, cy), workshop = in_thread(workshop_soon, "Ana", "Cy")
        live = f"/workshops/{workshop.pk}/live/"
        chromium = chromium_in(browser, ns, tmp_path, site)
        try:
            # Nothing listens on port 9 of the namespace: Janus "does not answer".
            admin_url = settings.MENTORLOOM_JANUS_ADMIN_URL
            settings.MENTORLOOM_JANUS_ADMIN_URL = [f"http://{ns.address}:9/admin"]
            ana_page, ana_problems = open_page(chromium, ana, site, live)
            ana_page.wait_for_function(MODE, arg="mesh")
            notice = ana_page.locator("#media-notice")
            expect(notice).to_contain_text("you may not see or hear everyone yet")
            settings.MENTORLOOM_JANUS_ADMIN_URL = admin_url
            ana_page.wait_for_function(MODE, arg="sfu", timeout=STEP_MS)
            expect(notice).to_be_hidden()
            fay_page, fay_problems = open_page(chromium, facilitator, site, live)
            fay_page.wait_for_function(MODE, arg="sfu")
            ana_page.wait_for_function(FRAMES, arg=[facilitator.pk, 10])
            fay_page.wait_for_function(FRAMES, arg=[ana.pk, 10])

            def breakouts():  # type: ignore[no-untyped-def]
                other, room = services.create_breakouts(facilitator, workshop, 2)
                services.assign_by_hand(facilitator, workshop, ana.pk, other.pk)
                services.assign_by_hand(facilitator, workshop, cy.pk, room.pk)
                services.open_breakouts(facilitator, workshop, minutes=10)
                return room, selectors.main_room(workshop)

            room, main = server.call(breakouts)
            cy_page, cy_problems = open_page(chromium, cy, site, live)
            cy_page.wait_for_function(MODE, arg="sfu")
            held = []

            def hold(route):  # type: ignore[no-untyped-def]
                held.append(route)

            # The page's media requests carry ?asked_at=… (so the late one can be refused).
            main_media = re.compile(rf"/api/v1/workshops/rooms/{main.pk}/media(\?|$)")
            fay_page.route(main_media, hold)
            fay_page.reload()
            for _ in range(300):  # at most 30 s: a pattern that never matches fails, not hangs
                if held:
                    break
                fay_page.wait_for_timeout(100)
            assert held, "the page never asked for the main room's media"
            fay_page.locator(f'[data-visit-room="{room.pk}"]').click()
            fay_page.wait_for_function(FRAMES, arg=[cy.pk, 10])
            cy_page.wait_for_function(FRAMES, arg=[facilitator.pk, 10])
            assert fay_page.evaluate(PEERS) == [cy.pk]
            with fay_page.expect_response(main_media) as late:
                held[0].continue_()
            # Asked before the visit, it reached the server after it: refused, nothing moved.
            assert late.value.status == 409
            fay_page.unroute(main_media)
            fay_page.wait_for_timeout(3000)  # what the late answer would have set going
            assert fay_page.evaluate(PEERS) == [cy.pk]
            assert fay_page.locator("#workshop-room").get_attribute("data-room-id") == str(room.pk)
            in_main = {p.get("display") for p in janus.list_participants(main.media_room_id)}
            assert str(facilitator.pk) not in in_main, in_main
            for found in (ana_problems, fay_problems, cy_problems):
                assert_no_problems(found)
        finally:
            chromium.close()
