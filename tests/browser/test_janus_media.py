"""Three headless Chromium participants publish and subscribe through a real Janus, with tokens
from the controller; moving one to another room kicks it server-side and the others stop
receiving it. Everything runs in the test's own network namespace (tests/browser/janus_netns.py).

Skipped with a clear reason only when `janus`, Chromium or root is missing; under
MENTORLOOM_REQUIRE_BROWSER=1 (CI) those are failures.
"""

from __future__ import annotations

import time

import pytest

from mentorloom.calls.janus.controller import UNAUTHORIZED, mint_token
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.janus_netns import (
    API_URL,
    JOIN,
    LIVE_FEEDS,
    STEP_MS,
    WS_URL,
    chromium_wrapper,
    cpu_split,
    fail_or_skip,
    inbound_bytes,
    janus_in,
    media_unavailable_reason,
    network_namespace,
    site_dir,
    static_server,
)
from tests.calls.janus.participant import HTTPParticipant

pytestmark = pytest.mark.browser

MAIN, BREAKOUT = 501, 502


def _join(page, controller, token: str, room: int, feed: int, server: str = WS_URL) -> dict:  # type: ignore[no-untyped-def]
    args = {"server": server, "token": token, "room": room, "feedId": feed}
    return page.evaluate(JOIN, {**args, "pin": controller.room_pin(room)})


def test_three_browsers_publish_and_subscribe_through_janus_and_a_move_kicks(
    browser, tmp_path, capsys
):
    reason = media_unavailable_reason()
    if reason:
        fail_or_skip(reason)
    with (
        network_namespace() as ns,
        janus_in(ns, tmp_path / "janus") as (janus, controller),
        static_server(ns, site_dir(tmp_path), 8000) as site,
    ):
        ns.run(controller.create_room, MAIN)
        ns.run(controller.create_room, BREAKOUT)
        people = {feed: mint_token(600) for feed in (1, 2, 3)}
        for token in people.values():
            ns.run(controller.admit, MAIN, token)

        chromium = browser.browser_type.launch(
            executable_path=str(chromium_wrapper(ns, tmp_path)),
            args=[*CHROMIUM_ARGS, "--allow-loopback-in-peer-connection"],
        )
        try:
            pages = {}
            for feed in people:
                pages[feed] = page = chromium.new_context().new_page()
                page.set_default_timeout(STEP_MS)
                page.goto(f"{site}/index.html")
                page.wait_for_function("() => window.mediaTestReady === true")
            started = time.monotonic()
            for feed, page in pages.items():
                # Participant 3 uses the HTTP long-poll API, the others the WebSocket one.
                server = API_URL if feed == 3 else WS_URL
                assert _join(page, controller, people[feed], MAIN, feed, server) == {"ok": True}

            # Each receives every other participant's video, and the bytes keep coming.
            for feed, page in pages.items():
                others = ",".join(map(str, sorted(set(people) - {feed})))
                page.wait_for_function(f"() => ({LIVE_FEEDS})().sort().join() === '{others}'")
            media_after = time.monotonic() - started
            before = {feed: inbound_bytes(page) for feed, page in pages.items()}
            cpu_before = cpu_split(ns, janus.pid)
            time.sleep(5)
            janus_cpu, browsers_cpu = (
                a - b for a, b in zip(cpu_split(ns, janus.pid), cpu_before, strict=True)
            )
            for feed, page in pages.items():
                after = inbound_bytes(page)
                for other in set(people) - {feed}:
                    assert after[other] > before[feed].get(other, 0) + 10_000, (feed, other)

            # "Mute all" (the facilitator is feed 1): Janus moderates the others' audio and says
            # so to each of them and to anyone who joins; releasing it lifts the moderation.
            muted = ns.run(lambda: controller.moderate_audio(MAIN, mute=True, keep=[1]))
            assert sorted(muted) == [2, 3]
            streams = {
                p["id"]: {s["type"]: s.get("moderated", False) for s in p["streams"]}
                for p in ns.run(controller.publishers, MAIN)
            }
            assert streams == {
                1: {"audio": False, "video": False},
                2: {"audio": True, "video": False},
                3: {"audio": True, "video": False},
            }
            for feed in (2, 3):
                pages[feed].wait_for_function(
                    "() => Object.values(window.mediaTest.moderated).includes(true)"
                )
            assert pages[1].evaluate("() => window.mediaTest.moderated") == {}
            ns.run(lambda: controller.moderate_audio(MAIN, mute=False))
            publishers = ns.run(controller.publishers, MAIN)
            assert not any(s.get("moderated") for p in publishers for s in p["streams"])

            # Move participant 3 to the breakout room: kicked server-side from the main room,
            # and the others stop receiving it.
            ns.run(controller.evict, MAIN, people[3], 3)
            ns.run(controller.admit, BREAKOUT, people[3])
            pages[3].wait_for_function("() => window.mediaTest.kicked === 1")
            for feed in (1, 2):
                pages[feed].wait_for_function(f"() => !({LIVE_FEEDS})().includes(3)")
            assert sorted(p["id"] for p in ns.run(controller.list_participants, MAIN)) == [1, 2]

            # Nor can it subscribe there to a live feed, even knowing the main room's pin:
            # subscribing needs the private id of one's own publisher in that room.
            def subscribe_to_main(private_id: int | None) -> dict:
                outsider = HTTPParticipant(API_URL, people[3]).connect()
                try:
                    return outsider.subscribe(MAIN, controller.room_pin(MAIN), 1, private_id)
                finally:
                    outsider.close()

            for private_id in (None, 12345):
                refused = ns.run(subscribe_to_main, private_id)
                assert refused.get("error_code") == UNAUTHORIZED, refused

            # Its token no longer opens the main room; it opens the breakout room.
            pages[3].evaluate("() => window.mediaTest.room.leave()")
            again = _join(pages[3], controller, people[3], MAIN, 3)
            assert again["ok"] is False
            assert again["code"] == UNAUTHORIZED, again
            assert _join(pages[3], controller, people[3], BREAKOUT, 3) == {"ok": True}
            assert [p["id"] for p in ns.run(controller.list_participants, BREAKOUT)] == [3]
        finally:
            chromium.close()
    with capsys.disabled():
        print(
            f"\njanus media: feeds flowing {media_after:.1f}s after the first join; "
            f"CPU over 5 s with 3 participants: Janus {janus_cpu / 5:.1%} of a core, "
            f"browsers {browsers_cpu / 5:.1%} of a core"
        )
