"""A live workshop in mesh mode (no Janus): facilitator + 3 participants in four browsers, two
breakout rooms of two (the facilitator visits the second), each sees the other's video, the
"bring everyone back" countdown shows in every room and everyone returns to the main room
without a reload. Axe and a phone-width look at the room and the facilitator's controls."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from mentorloom.workshops import services
from tests.browser.helpers import (
    assert_accessible,
    in_thread,
    log_in,
    losing_the_first,
    problems_of,
    screenshot,
)
from tests.factories import workshop_soon

pytestmark = pytest.mark.browser

SEES = """([peer]) => {
  const v = document.querySelector(`[data-peer="${peer}"] video`);
  return !!v && v.readyState >= 2 && v.videoWidth > 0;
}"""


TILES = """() => [...document.querySelectorAll("[data-peer]")].map((t) => {
  const v = t.querySelector("video");
  const video = `${v?.readyState}/${v?.videoWidth}`;
  return `${t.dataset.peer}: ${t.dataset.connection || "-"}, video ${video}`;
}).join("; ") + ` | status: ${document.getElementById("room-status")?.textContent}`"""


def sees(page: Page, peer: int, timeout: int = 30_000) -> None:
    """Wait until `page` shows `peer`'s video playing; on a timeout, say what each tile's
    connection was doing (a flake under load is then readable from the CI log)."""
    try:
        page.wait_for_function(SEES, arg=[peer], timeout=timeout)
    except PlaywrightTimeoutError:
        raise AssertionError(f"no video of {peer}; tiles: {page.evaluate(TILES)}") from None


@pytest.fixture
def workshop_setup(transactional_db, no_janus):
    return in_thread(workshop_soon, "Ana", "Ben", "Cy")


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
    sees(pages[ana.pk], ben.pk)

    def breakouts():
        rooms = services.create_breakouts(facilitator, workshop, 2)
        services.assign_by_hand(facilitator, workshop, ana.pk, rooms[0].pk)
        services.assign_by_hand(facilitator, workshop, ben.pk, rooms[0].pk)
        services.assign_by_hand(facilitator, workshop, cy.pk, rooms[1].pk)
        services.open_breakouts(facilitator, workshop, minutes=10, prompt="One setback story")
        return rooms

    rooms = in_thread(breakouts)
    for user, room in ((ana, "Room 1"), (ben, "Room 1"), (cy, "Room 2")):
        expect(pages[user.pk].locator("#room-name")).to_have_text(room, timeout=15_000)
    expect(pages[ana.pk].locator("#room-prompt")).to_have_text("One setback story")
    sees(pages[ana.pk], ben.pk)
    sees(pages[ben.pk], ana.pk)
    # Nobody from the other room is shown.
    assert pages[ana.pk].locator(f'[data-peer="{cy.pk}"]').count() == 0
    # Chromium's fake microphone beeps: Ben's tile lights up as the active speaker for Ana.
    pages[ana.pk].wait_for_selector(
        f'[data-peer="{ben.pk}"].is-talking', state="attached", timeout=20_000
    )

    # The facilitator visits Room 2 and sees Cy; Cy sees the facilitator.
    fac.reload()
    fac.locator(f'[data-visit-room="{rooms[1].pk}"]').click()
    sees(fac, cy.pk)
    sees(pages[cy.pk], facilitator.pk)
    assert_accessible(fac)
    assert_accessible(pages[ana.pk])
    screenshot(fac, "workshop-facilitator-desktop")

    in_thread(lambda: services.bring_everyone_back(facilitator, workshop))
    for page in pages.values():
        expect(page.locator("#room-countdown")).to_contain_text("Everyone returns", timeout=15_000)
    in_thread(lambda: services.close_due_breakouts(now=timezone.now() + timedelta(seconds=61)))
    for page in (fac, *pages.values()):
        expect(page.locator("#room-name")).to_have_text("Main room", timeout=15_000)
    sees(pages[ana.pk], cy.pk)
    for context in (fac_ctx, *(c for c, _ in opened.values())):
        problems_of(context).assert_none()


def test_a_recall_sent_while_the_live_socket_was_down_shows_once_it_is_back(
    new_context, asgi_server, workshop_setup
):
    """Live events are not replayed: a participant whose live socket dropped while the
    facilitator called everyone back still sees the countdown once the socket reconnects (the
    room looks again), and is back in the main room at its end."""
    facilitator, (ana, *_), workshop = workshop_setup

    def breakouts():  # type: ignore[no-untyped-def]
        rooms = services.create_breakouts(facilitator, workshop, 1)
        services.assign_by_hand(facilitator, workshop, ana.pk, rooms[0].pk)
        services.open_breakouts(facilitator, workshop, minutes=10)

    in_thread(breakouts)
    context = new_context(permissions=["camera", "microphone"])
    log_in(context, ana, asgi_server)
    page = context.new_page()
    sockets: list = []  # (page side, server side) of each /ws/live/ the page opens
    dropped: list[dict] = []

    def through(ws) -> None:  # type: ignore[no-untyped-def]
        sockets.append((ws, ws.connect_to_server()))

    page.route_web_socket(re.compile(r"/ws/live/$"), through)
    page.goto(f"/workshops/{workshop.pk}/live/")
    expect(page.locator("#room-name")).to_have_text("Room 1")
    page.wait_for_function("() => document.documentElement.dataset.live === 'open'")
    first_page_side, first_server_side = sockets[0]
    # From here on the first socket loses what the server sends, as a dying connection does.
    first_server_side.on_message(lambda message: dropped.append(json.loads(message)))
    in_thread(lambda: services.bring_everyone_back(facilitator, workshop))
    page.wait_for_timeout(100)
    for _ in range(100):
        if any(e.get("type") == "workshop.recall" for e in dropped):
            break
        page.wait_for_timeout(100)
    assert any(e.get("type") == "workshop.recall" for e in dropped), dropped
    expect(page.locator("#room-countdown")).to_be_hidden()
    first_page_side.close(code=1012, reason="restarting")
    expect(page.locator("#room-countdown")).to_contain_text("Everyone returns", timeout=15_000)
    assert len(sockets) == 2
    in_thread(lambda: services.close_due_breakouts(now=timezone.now() + timedelta(seconds=61)))
    expect(page.locator("#room-name")).to_have_text("Main room", timeout=15_000)
    expect(page.locator("#room-countdown")).to_be_hidden()
    problems_of(context).assert_none()


def test_a_lost_answer_does_not_leave_a_pair_without_video(
    new_context, asgi_server, workshop_setup
):
    """Ana is in the room when Ben comes in, so she offers; Ben's answer never reaches her (a
    relay hiccup). Her connection would wait for it forever: the pair restarts ICE after a
    while (Ben, the impolite side, offers again; Ana rolls her offer back and answers) and
    each sees the other. The tile says "connecting" until then."""
    _facilitator, (ana, ben, _cy), workshop = workshop_setup
    assert ana.pk < ben.pk  # Ana is the polite side of the pair
    live = f"/workshops/{workshop.pk}/live/"
    ana_ctx = new_context(permissions=["camera", "microphone"])
    log_in(ana_ctx, ana, asgi_server)
    pa = ana_ctx.new_page()
    lost: list[dict] = []

    pa.route_web_socket(re.compile(r"/ws/workshops/rooms/\d+/$"), losing_the_first("answer", lost))
    pa.goto(live)
    expect(pa.locator("#room-status")).to_have_text("In Main room")
    ben_ctx, pb = _open(new_context, ben, asgi_server, live)
    for _ in range(200):  # the route's handler runs while this thread waits on the page
        if lost:
            break
        pa.wait_for_timeout(100)
    assert lost and lost[0]["from"] == ben.pk
    tile = pa.locator(f'[data-peer="{ben.pk}"]')
    pa.wait_for_timeout(2_000)
    # Still waiting for an answer: no video, and the tile says so.
    assert tile.get_attribute("data-connection") in ("new", "connecting")
    assert not pa.evaluate(SEES, [ben.pk])
    expect(tile).to_have_accessible_name("Ben · connecting…")
    screenshot(pa, "workshop-tile-connecting")
    sees(pa, ben.pk)
    sees(pb, ana.pk)
    expect(tile).to_have_attribute("data-connection", "connected")
    for context in (ana_ctx, ben_ctx):
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


SENDS_VIDEO = "() => document.getElementById('workshop-room').dataset.sendsVideo === 'true'"


def test_facilitator_mutes_all_spotlights_and_answers_hands_live_in_mesh_mode(
    new_context, asgi_server, workshop_setup, monkeypatch
):
    """Facilitator, Ana and Ben in the main room without Janus. With the video limit lowered
    to 2 the room is in stage mode: Ana sends no video until the facilitator puts her on
    stage. Ana's raised hand appears in the facilitator's list without a reload; "mute all"
    mutes her microphone and locks its button; "spotlight Ben" puts him on stage and enlarges
    his (live, not black) tile everywhere."""
    from mentorloom.workshops.services import media

    monkeypatch.setattr(media, "MESH_VIDEO_LIMIT", 2)
    facilitator, (ana, ben, _cy), workshop = workshop_setup
    live = f"/workshops/{workshop.pk}/live/"
    fac_ctx, fac = _open(new_context, facilitator, asgi_server, live)
    ana_ctx, pa = _open(new_context, ana, asgi_server, live)
    ben_ctx, pb = _open(new_context, ben, asgi_server, live)
    for page in (fac, pa, pb):
        page.reload()  # everyone sees the room at three people (stage mode)
    sees(pb, facilitator.pk)

    # Stage mode: only the facilitator sends video; Ana's senders carry no track.
    expect(pa.locator("#media-notice")).to_contain_text("more than 2 people")
    pa.wait_for_function("() => document.getElementById('workshop-room').dataset.sendsVideo")
    assert not pa.evaluate(SENDS_VIDEO)
    assert fac.evaluate(SENDS_VIDEO)
    fac.locator(f'#people-list [data-person="{ana.pk}"]').get_by_role(
        "button", name="On stage"
    ).click()
    pa.wait_for_function(SENDS_VIDEO)
    sees(pb, ana.pk)

    # A raised hand shows up in the facilitator's list live, and Ana's button turns around.
    pa.get_by_role("button", name="Raise hand").click()
    expect(pa.get_by_role("button", name="Lower hand")).to_be_visible()
    expect(fac.locator("#hands li")).to_have_count(1)
    expect(fac.locator("#hands li").first).to_contain_text("Ana")
    expect(fac.locator(f'#people-list [data-person="{ana.pk}"]')).to_contain_text("Hand raised")

    # Mute all: Ana's microphone is off and she cannot turn it back on until it is lifted.
    fac.get_by_role("button", name="Mute all").click()
    expect(pa.locator("#toggle-audio")).to_have_text("Muted by the facilitator")
    expect(pa.locator("#toggle-audio")).to_be_disabled()
    assert pa.evaluate(
        "() => document.getElementById('local-video').srcObject.getAudioTracks()"
        ".every((t) => !t.enabled)"
    )
    expect(fac.get_by_role("button", name="Let people unmute")).to_be_visible()

    # Spotlight Ben: his tile is the large one on every page, his own included.
    fac.locator(f'#people-list [data-person="{ben.pk}"]').get_by_role(
        "button", name="Spotlight"
    ).click()
    for page in (fac, pa, pb):
        expect(page.locator(f'[data-peer="{ben.pk}"]')).to_have_class(
            "workshop-tile workshop-tile--spotlight"
        )
    assert pa.locator(".workshop-tile--spotlight").count() == 1
    # Ben was off stage (no video): the spotlight put him on it, so his large tile shows him.
    pb.wait_for_function(SENDS_VIDEO)
    sees(pa, ben.pk)
    sees(fac, ben.pk)
    expect(
        fac.locator(f'#people-list [data-person="{ben.pk}"]').get_by_role("button", name="On stage")
    ).to_have_attribute("aria-pressed", "true")

    assert_accessible(fac)
    assert_accessible(pa)
    screenshot(fac, "workshop-controls-live-desktop")
    fac.set_viewport_size({"width": 390, "height": 844})
    assert fac.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(fac, "workshop-controls-live-phone")
    fac.set_viewport_size({"width": 1280, "height": 800})

    # Answered: the hand leaves the list and Ana's button reads "Raise hand" again.
    fac.locator("#hands li").first.get_by_role("button", name="Answered").click()
    expect(fac.locator("#hands li")).to_have_count(0)
    expect(fac.locator("#hands-empty")).to_be_visible()
    expect(pa.get_by_role("button", name="Raise hand")).to_be_visible()

    # Lifting "mute all" gives Ana her button back (she stays muted until she unmutes).
    fac.get_by_role("button", name="Let people unmute").click()
    expect(pa.locator("#toggle-audio")).to_be_enabled()
    expect(pa.locator("#toggle-audio")).to_have_text("Unmute")
    for context in (fac_ctx, ana_ctx, ben_ctx):
        problems_of(context).assert_none()


def test_screen_share_replaces_the_camera_and_ends_with_the_browsers_stop(
    new_context, asgi_server, workshop_setup
):
    facilitator, (ana, _ben, _cy), workshop = workshop_setup
    live = f"/workshops/{workshop.pk}/live/"
    fac_ctx, fac = _open(new_context, facilitator, asgi_server, live)
    ana_ctx, pa = _open(new_context, ana, asgi_server, live)
    sees(pa, facilitator.pk)
    camera = pa.evaluate(
        "() => document.getElementById('local-video').srcObject.getVideoTracks()[0].label"
    )
    pa.get_by_role("button", name="Share screen").click()
    expect(pa.get_by_role("button", name="Stop sharing")).to_have_attribute("aria-pressed", "true")
    shared = pa.evaluate(
        "() => document.getElementById('local-video').srcObject.getVideoTracks()[0].label"
    )
    assert shared != camera
    sees(fac, ana.pk)
    # The browser's own "Stop sharing" ends the track: the page goes back to the camera.
    pa.evaluate(
        "() => document.getElementById('local-video').srcObject.getVideoTracks()[0]"
        ".dispatchEvent(new Event('ended'))"
    )
    expect(pa.get_by_role("button", name="Share screen")).to_have_attribute("aria-pressed", "false")
    assert (
        pa.evaluate(
            "() => document.getElementById('local-video').srcObject.getVideoTracks()[0].label"
        )
        == camera
    )
    for context in (fac_ctx, ana_ctx):
        problems_of(context).assert_none()
