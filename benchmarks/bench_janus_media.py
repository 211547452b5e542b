"""Workshop media through Janus: 4 headless Chromium participants at 320x240 in the test's own
network namespace (tests/browser/janus_netns.py), each receiving every other participant's
video for 20 s. Reports Janus's CPU beside the browsers' (the same-run baseline: what the
participants' own encoding and decoding costs) and what each participant received.
Needs root, Debian's janus and chromium; otherwise prints why it did not run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

PARTICIPANTS = 4
SECONDS = 20
ROOM = 601
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]


def run() -> list[dict]:
    from tests.browser import janus_netns as media

    reason = media.media_unavailable_reason()
    if reason:
        return [{"case": "janus media", "result": f"not run: {reason}"}]
    from playwright.sync_api import sync_playwright

    from mentorloom.calls.janus.controller import mint_token

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        tmp_path = Path(tmp)
        with (
            media.network_namespace() as ns,
            media.janus_in(ns, tmp_path / "janus") as (janus, controller),
            media.static_server(ns, media.site_dir(tmp_path), 8000) as site,
        ):
            ns.run(controller.create_room, ROOM)
            chromium = playwright.chromium.launch(
                executable_path=str(media.chromium_wrapper(ns, tmp_path)), args=CHROMIUM_ARGS
            )
            try:
                pages = {}
                for feed in range(1, PARTICIPANTS + 1):
                    token = mint_token(600)
                    ns.run(controller.admit, ROOM, token)
                    pages[feed] = page = chromium.new_context().new_page()
                    page.set_default_timeout(media.STEP_MS)
                    page.goto(f"{site}/index.html")
                    page.wait_for_function("() => window.mediaTestReady === true")
                    joined = page.evaluate(
                        media.JOIN,
                        {
                            "server": media.WS_URL,
                            "token": token,
                            "room": ROOM,
                            "pin": controller.room_pin(ROOM),
                            "feedId": feed,
                        },
                    )
                    assert joined == {"ok": True}, joined
                for page in pages.values():
                    page.wait_for_function(
                        f"() => ({media.LIVE_FEEDS})().length === {PARTICIPANTS - 1}"
                    )
                video = "async () => await window.mediaTest.room.inboundVideo()"
                before = {feed: page.evaluate(video) for feed, page in pages.items()}
                cpu_before = media.cpu_split(ns, janus.pid)
                time.sleep(SECONDS)
                janus_cpu, browsers_cpu = (
                    a - b for a, b in zip(media.cpu_split(ns, janus.pid), cpu_before, strict=True)
                )
                after = {feed: page.evaluate(video) for feed, page in pages.items()}
            finally:
                chromium.close()
    kbps = [
        (after[feed][other]["bytes"] - before[feed].get(other, {"bytes": 0})["bytes"])
        * 8
        / SECONDS
        / 1000
        for feed in after
        for other in after[feed]
    ]
    sizes = {f"{v['width']}x{v['height']}" for feeds in after.values() for v in feeds.values()}
    fps = [v["fps"] for feeds in after.values() for v in feeds.values()]
    return [
        {
            "case": f"{PARTICIPANTS} participants, {SECONDS} s",
            "feeds received": f"{len(kbps)}/{PARTICIPANTS * (PARTICIPANTS - 1)}",
            "frame": ",".join(sorted(sizes)),
            "min fps": f"{min(fps):.0f}",
            "min kbit/s per feed": f"{min(kbps):.0f}",
            "janus % of a core": f"{janus_cpu / SECONDS:.1%}",
            "browsers % of a core": f"{browsers_cpu / SECONDS:.1%}",
        }
    ]
