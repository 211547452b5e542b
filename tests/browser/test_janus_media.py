"""Three headless Chromium participants publish and subscribe through a real Janus, with tokens
from the controller; moving one to another room kicks it server-side and the others stop
receiving it. Everything runs in the test's own network namespace (tests/browser/janus_netns.py).

Skipped with a clear reason only when `janus`, Chromium or root is missing; under
MENTORLOOM_REQUIRE_BROWSER=1 (CI) those are failures.
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

import httpx
import pytest

from mentorloom.calls.janus.config import JanusConfig
from mentorloom.calls.janus.controller import JanusController, JanusHost, mint_token
from mentorloom.calls.janus.process import start_janus as start_janus_process
from mentorloom.calls.janus.process import stop_janus, wait_until_ready
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.janus_netns import (
    chromium_wrapper,
    cpu_seconds,
    network_namespace,
    static_server,
)
from tests.janus_server import require_janus

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "src/mentorloom/static/mentorloom"
PAGE = """<!doctype html><html lang="en"><head><title>media test</title>
<script src="vendor/webrtc-adapter-8.2.4.js"></script>
<script src="vendor/janus-1.1.4.js"></script>
<script type="module">
import { joinRoom } from "./js/janus_room.js";
window.mediaTest = { joinRoom, room: null, video: {}, kicked: 0, gone: [] };
window.mediaTestReady = true;
</script></head><body></body></html>
"""
JOIN = """async ({server, token, room, pin, feedId}) => {
  const t = window.mediaTest;
  try {
    t.room = await t.joinRoom({server, token, room, pin, feedId, display: `p${feedId}`,
      onRemoteTrack: (id, track, mid, on) => { if (track.kind === "video") t.video[id] = on; },
      onFeedGone: (id) => { delete t.video[id]; t.gone.push(id); },
      onKicked: () => { t.kicked += 1; },
    });
    return {ok: true};
  } catch (error) {
    return {ok: false, code: error.code || null, message: String(error)};
  }
}"""
LIVE_FEEDS = (
    "() => Object.entries(window.mediaTest.video).filter(([, on]) => on).map(([id]) => +id)"
)
STEP_MS = 20_000


def _page_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "js").mkdir(parents=True)
    shutil.copytree(STATIC / "vendor", site / "vendor")
    shutil.copy(STATIC / "js" / "janus_room.js", site / "js" / "janus_room.js")
    (site / "index.html").write_text(PAGE)
    return site


def _bytes(page) -> dict[int, int]:
    raw = page.evaluate("async () => await window.mediaTest.room.inboundBytes()")
    return {int(k): v for k, v in raw.items()}


def test_three_browsers_publish_and_subscribe_through_janus_and_a_move_kicks(
    browser, tmp_path, capsys
):
    require_janus()
    with network_namespace() as ns:
        config = JanusConfig(
            api_secret=secrets.token_urlsafe(16),
            admin_secret=secrets.token_urlsafe(16),
            rtp_ports="20000-20199",
            ice_enforce_list="ml0",
        )
        janus = start_janus_process(config, tmp_path / "janus", prefix=ns.prefix)
        try:
            ns.run(wait_until_ready, "http://127.0.0.1:8088/janus", timeout=10, process=janus)
            controller = JanusController(
                JanusHost("http://127.0.0.1:8088/janus", "http://127.0.0.1:7088/admin"),
                admin_secret=config.admin_secret,
                client=httpx.Client(),
            )
            main, breakout = 501, 502
            ns.run(controller.create_room, main)
            ns.run(controller.create_room, breakout)
            people = {feed: mint_token(600) for feed in (1, 2, 3)}
            for token in people.values():
                ns.run(controller.admit, main, token)

            with static_server(ns, _page_dir(tmp_path), 8000) as site:
                chromium = browser.browser_type.launch(
                    executable_path=str(chromium_wrapper(ns, tmp_path)),
                    args=[*CHROMIUM_ARGS, "--allow-loopback-in-peer-connection"],
                )
                try:
                    pages = {}
                    for feed in people:
                        page = chromium.new_context().new_page()
                        page.set_default_timeout(STEP_MS)
                        page.goto(f"{site}/index.html")
                        page.wait_for_function("() => window.mediaTestReady === true")
                        pages[feed] = page
                    servers = {1: "ws://127.0.0.1:8188/", 2: "ws://127.0.0.1:8188/"}
                    started = time.monotonic()
                    for feed, page in pages.items():
                        joined = page.evaluate(
                            JOIN,
                            {
                                # One participant on the HTTP long-poll API, two on WebSocket.
                                "server": servers.get(feed, "http://127.0.0.1:8088/janus"),
                                "token": people[feed],
                                "room": main,
                                "pin": controller.room_pin(main),
                                "feedId": feed,
                            },
                        )
                        assert joined == {"ok": True}, joined

                    # Each receives every other participant's video, and the bytes keep coming.
                    for feed, page in pages.items():
                        others = ",".join(map(str, sorted(set(people) - {feed})))
                        page.wait_for_function(
                            f"() => ({LIVE_FEEDS})().sort().join() === '{others}'"
                        )
                    media_after = time.monotonic() - started
                    before = {feed: _bytes(page) for feed, page in pages.items()}
                    janus_cpu, browsers_cpu = _cpu(ns, janus.pid)
                    time.sleep(5)
                    janus_cpu, browsers_cpu = (
                        a - b
                        for a, b in zip(_cpu(ns, janus.pid), (janus_cpu, browsers_cpu), strict=True)
                    )
                    for feed, page in pages.items():
                        after = _bytes(page)
                        for other in set(people) - {feed}:
                            assert after[other] > before[feed].get(other, 0) + 10_000, (feed, other)

                    # Move participant 3 to the breakout room: kicked server-side from main.
                    ns.run(controller.evict, main, people[3], 3)
                    ns.run(controller.admit, breakout, people[3])
                    pages[3].wait_for_function("() => window.mediaTest.kicked === 1")
                    for feed in (1, 2):
                        pages[feed].wait_for_function(
                            f"() => !({LIVE_FEEDS})().includes(3)", timeout=STEP_MS
                        )
                    assert [p["id"] for p in ns.run(controller.list_participants, main)] in (
                        [1, 2],
                        [2, 1],
                    )
                    # Its token no longer opens the main room, and opens the breakout one.
                    pages[3].evaluate("() => window.mediaTest.room.leave()")
                    again = pages[3].evaluate(
                        JOIN,
                        {
                            "server": "ws://127.0.0.1:8188/",
                            "token": people[3],
                            "room": main,
                            "pin": controller.room_pin(main),
                            "feedId": 3,
                        },
                    )
                    assert again["ok"] is False
                    assert again["code"] == 433, again
                    moved = pages[3].evaluate(
                        JOIN,
                        {
                            "server": "ws://127.0.0.1:8188/",
                            "token": people[3],
                            "room": breakout,
                            "pin": controller.room_pin(breakout),
                            "feedId": 3,
                        },
                    )
                    assert moved == {"ok": True}, moved
                    assert [p["id"] for p in ns.run(controller.list_participants, breakout)] == [3]
                finally:
                    chromium.close()
            with capsys.disabled():
                print(
                    f"\njanus media: feeds flowing {media_after:.1f}s after the first join; "
                    f"CPU over 5 s with 3 participants: Janus {janus_cpu / 5:.1%} of a core, "
                    f"browsers {browsers_cpu / 5:.1%} of a core"
                )
        finally:
            stop_janus(janus)


def _cpu(ns, janus_pid: int) -> tuple[float, float]:
    janus, others = 0.0, 0.0
    for pid in ns.pids():
        try:
            seconds = cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if pid == janus_pid:
            janus += seconds
        else:
            others += seconds
    return janus, others
