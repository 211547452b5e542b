"""The facilitator calls a workshop off from its page (on a phone), with a note; a registered
person's page then says so, with the note, and offers nothing to register, cancel or join."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from mentorloom.workshops.models import Workshop
from tests.browser.helpers import (
    assert_accessible,
    assert_fits,
    in_thread,
    log_in,
    problems_of,
    screenshot_kept,
)
from tests.factories import workshop_soon


def test_the_facilitator_calls_a_workshop_off_and_a_registrant_sees_why(
    new_context, asgi_server, no_janus
):
    """Ana waits in the live room (it opens 10 minutes before the start) when it happens: her
    room page says so and stays put, asking nothing more of the server, even when the live
    event saying so is lost."""

    facilitator, (ana,), workshop = in_thread(workshop_soon, "Ana")
    path = f"/workshops/{workshop.pk}/"
    theirs = new_context(
        viewport={"width": 1280, "height": 800}, permissions=["camera", "microphone"]
    )
    log_in(theirs, ana, asgi_server)
    room = theirs.new_page()

    def without_the_news(ws) -> None:  # type: ignore[no-untyped-def]
        """Ana's live socket loses the events saying she was taken out: her page has to learn
        it from its room socket closing (it then asks where she is, and hears 409)."""
        server = ws.connect_to_server()
        server.on_message(
            lambda m: None if "workshop.removed" in m or "workshop.cancelled" in m else ws.send(m)
        )

    room.route_web_socket(re.compile(r"/ws/live/$"), without_the_news)
    room.goto(f"{path}live/")
    expect(room.locator("#workshop-room")).to_have_attribute("data-mode", "mesh")
    context = new_context(viewport={"width": 390, "height": 844})
    log_in(context, facilitator, asgi_server)
    page = context.new_page()
    page.goto(path)
    page.get_by_text("Cancel this workshop…").click()
    note = page.get_by_label("A note for them (optional)")
    expect(note).to_be_visible()
    assert_accessible(page)
    assert_fits(page, 390)
    screenshot_kept(page, "workshop-call-off-phone")
    note.fill("Moved to March, sorry! The new date follows.")
    mail.outbox.clear()
    page.get_by_role("button", name="Cancel the workshop for everyone").click()
    expect(page.get_by_text("The workshop is cancelled.")).to_be_visible()
    banner = page.locator("#workshop-cancelled")
    expect(banner).to_contain_text("This workshop was cancelled")
    expect(page.get_by_text("Cancel this workshop…")).to_have_count(0)
    assert in_thread(lambda: Workshop.objects.get(pk=workshop.pk).cancelled_at) is not None
    assert [m.to for m in mail.outbox] == [[ana.email]]
    problems_of(context).assert_none()

    status = room.locator("#room-status")
    expect(status).to_have_text("This workshop was cancelled, so everyone has left it.")
    asked: list[str] = []
    room.on("request", lambda r: asked.append(r.url) if "/api/" in r.url else None)
    room.wait_for_timeout(3000)
    assert asked == [], asked
    expect(status).to_have_text("This workshop was cancelled, so everyone has left it.")

    ana_page = theirs.new_page()
    ana_page.goto(path)
    banner = ana_page.locator("#workshop-cancelled")
    expect(banner).to_contain_text("Your place went with it")
    expect(banner).to_contain_text("Moved to March, sorry! The new date follows.")
    for name in ("Register", "Cancel my registration", "Join the workshop"):
        expect(ana_page.get_by_role("button", name=name)).to_have_count(0)
    expect(ana_page.get_by_role("link", name="Join the workshop")).to_have_count(0)
    assert_accessible(ana_page)
    screenshot_kept(ana_page, "workshop-cancelled-desktop")
    # It is gone from the list of upcoming workshops.
    ana_page.goto("/workshops/")
    expect(ana_page.get_by_text("Stories of setbacks")).to_have_count(0)
    # The room page may ask "where am I" once between its room socket closing and the live
    # event: the answer is 409 workshop_cancelled, which it takes as the news (a designed
    # answer, not a fault).
    found = problems_of(theirs)
    found.forgive(409, f"/api/v1/workshops/{workshop.pk}/room", times=None)
    found.assert_none()
