"""A live workshop in mesh mode (no Janus): facilitator + 3 participants in four browsers, two
breakout rooms of two (the facilitator visits the second), each sees the other's video, the
"bring everyone back" countdown shows in every room and everyone returns to the main room
without a reload. Axe and a phone-width look at the room and the facilitator's controls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.workshops import services
from tests.browser.helpers import (
    assert_accessible,
    in_thread,
    log_in,
    problems_of,
    screenshot,
)
from tests.factories import ProfileFactory

pytestmark = pytest.mark.browser

SEES = """([peer]) => {
  const v = document.querySelector(`[data-peer="${peer}"] video`);
  return !!v && v.readyState >= 2 && v.videoWidth > 0;
}"""


@pytest.fixture
def mesh(settings):
    settings.MENTORLOOM_JANUS_URL = []
    settings.MENTORLOOM_JANUS_ADMIN_URL = []
    settings.MENTORLOOM_JANUS_PUBLIC_URL = []


@pytest.fixture
def workshop_setup(transactional_db, mesh):
    def build():
        facilitator = ProfileFactory(display_name="Fay Facilitator").user
        people = [ProfileFactory(display_name=n).user for n in ("Ana", "Ben", "Cy")]
        start = timezone.now() + timedelta(minutes=5)
        workshop = services.create_workshop(
            facilitator,
            title="Stories of setbacks",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=10,
        )
        for p in people:
            services.register(p, workshop)
        return facilitator, people, workshop

    return in_thread(build)


def _open(new_context, user, asgi_server, path: str, **options) -> tuple[BrowserContext, Page]:
    context = new_context(permissions=["camera", "microphone"], **options)
    log_in(context, user, asgi_server)
    page = context.new_page()
    page.goto(path)
    return context, page


def test_breakout_rooms_in_mesh_mode_then_everyone_returns(
    new_context, asgi_server, workshop_setup
):
    facilitator, (ana, ben, cy), workshop = workshop_setup
    live = f"/workshops/{workshop.pk}/live/"
    fac_ctx, fac = _open(new_context, facilitator, asgi_server, live)
    opened = {u.pk: _open(new_context, u, asgi_server, live) for u in (ana, ben, cy)}
    pages = {uid: page for uid, (_, page) in opened.items()}
    for page in (fac, *pages.values()):
        expect(page.locator("#room-name")).to_have_text("Main room")
    pages[ana.pk].wait_for_function(SEES, arg=[ben.pk], timeout=20_000)

    def breakouts():
        rooms = services.create_breakouts(facilitator, workshop, 2)
        services.assign_by_hand(facilitator, workshop, ana.pk, rooms[0].pk)
        services.assign_by_hand(facilitator, workshop, ben.pk, rooms[0].pk)
        services.assign_by_hand(facilitator, workshop, cy.pk, rooms[1].pk)
        services.open_breakouts(facilitator, workshop, minutes=10, prompt="One setback story")
        return rooms

    rooms = in_thread(breakouts)
    expect(pages[ana.pk].locator("#room-name")).to_have_text("Room 1")
    expect(pages[ben.pk].locator("#room-name")).to_have_text("Room 1")
    expect(pages[cy.pk].locator("#room-name")).to_have_text("Room 2")
    expect(pages[ana.pk].locator("#room-prompt")).to_have_text("One setback story")
    pages[ana.pk].wait_for_function(SEES, arg=[ben.pk], timeout=20_000)
    pages[ben.pk].wait_for_function(SEES, arg=[ana.pk], timeout=20_000)
    # Nobody from the other room is shown.
    assert pages[ana.pk].locator(f'[data-peer="{cy.pk}"]').count() == 0

    # The facilitator visits Room 2 and sees Cy; Cy sees the facilitator.
    fac.reload()
    fac.locator(f'[data-visit-room="{rooms[1].pk}"]').click()
    fac.wait_for_function(SEES, arg=[cy.pk], timeout=20_000)
    pages[cy.pk].wait_for_function(SEES, arg=[facilitator.pk], timeout=20_000)
    assert_accessible(fac)
    assert_accessible(pages[ana.pk])
    screenshot(fac, "workshop-facilitator-desktop")

    in_thread(lambda: services.bring_everyone_back(facilitator, workshop))
    for page in pages.values():
        expect(page.locator("#room-countdown")).to_contain_text("Everyone returns")
    in_thread(lambda: services.close_due_breakouts(now=timezone.now() + timedelta(seconds=61)))
    for page in (fac, *pages.values()):
        expect(page.locator("#room-name")).to_have_text("Main room", timeout=15_000)
    pages[ana.pk].wait_for_function(SEES, arg=[cy.pk], timeout=20_000)
    for context in (fac_ctx, *(c for c, _ in opened.values())):
        problems_of(context).assert_none()


def test_room_and_controls_fit_a_phone(new_context, asgi_server, workshop_setup):
    from tests.browser.conftest import PHONE

    facilitator, (ana, _ben, _cy), workshop = workshop_setup
    in_thread(lambda: services.create_breakouts(facilitator, workshop, 2))
    live = f"/workshops/{workshop.pk}/live/"
    _, fac = _open(new_context, facilitator, asgi_server, live, **PHONE)
    expect(fac.get_by_role("heading", name="Facilitator controls")).to_be_visible()
    assert fac.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(fac)
    screenshot(fac, "workshop-controls-phone")
    _, page = _open(new_context, ana, asgi_server, live, **PHONE)
    expect(page.get_by_role("button", name="Raise hand")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "workshop-room-phone")
