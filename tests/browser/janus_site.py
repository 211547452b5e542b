"""The live site of the workshop tests that run against a real Janus: Janus in the test's own
network namespace (tests/browser/janus_netns.py), the application on this machine's end of the
link, and Django's settings pointing at that Janus."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mentorloom.calls.janus.controller import JanusController
from tests.asgi_server import LiveASGIServer
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.helpers import BrowserProblems, log_in, watch
from tests.browser.janus_netns import (
    NetNS,
    chromium_wrapper,
    fail_or_skip,
    janus_config,
    janus_in,
    media_unavailable_reason,
    network_namespace,
)

STEP_MS = 30_000
# A peer's tile shows video whose decoded frame count has passed `frames`.
FRAMES = """([peer, frames]) => {
  const v = document.querySelector(`[data-peer="${peer}"] video`);
  return !!v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > frames;
}"""
# The user ids of the other people's tiles on a room page.
PEERS = """() => [...document.querySelectorAll('#tiles [data-peer]:not([data-self])')]
  .map((t) => +t.dataset.peer)"""
JANUS_CLOSED_SOCKET = "WebSocket is already in CLOSING or CLOSED state. (http"
OVERTAKEN_MEDIA = re.compile(
    r"\b(404|409)\b.*/api/v1/workshops/rooms/\d+/media(\?asked_at=\d+)?\)?$"
)


@contextmanager
def workshop_site_with_janus(  # type: ignore[no-untyped-def]
    settings, tmp_path: Path
) -> Iterator[tuple[NetNS, LiveASGIServer, JanusController]]:
    """Yields the namespace, the running site and a controller of its Janus."""
    reason = media_unavailable_reason()
    if reason:
        fail_or_skip(reason)
    with network_namespace(link_to_host=True) as ns:
        assert ns.host_address is not None
        config = janus_config(bind=ns.address, admin_acl=ns.host_address.rsplit(".", 1)[0] + ".")
        with janus_in(ns, tmp_path / "janus", config) as (_process, controller):
            settings.MENTORLOOM_JANUS_URL = [f"http://{ns.address}:8088/janus"]
            settings.MENTORLOOM_JANUS_ADMIN_URL = [f"http://{ns.address}:7088/admin"]
            settings.MENTORLOOM_JANUS_PUBLIC_URL = [f"ws://{ns.address}:8188/"]
            settings.MENTORLOOM_JANUS_API_SECRET = config.api_secret
            settings.MENTORLOOM_JANUS_ADMIN_SECRET = config.admin_secret
            settings.MENTORLOOM_JANUS_EMBEDDED = False  # this Janus, set explicitly
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ns.host_address]
            server = LiveASGIServer(host=ns.host_address)
            server.start()
            try:
                yield ns, server, controller
            finally:
                server.stop()


def chromium_in(browser, ns: NetNS, tmp_path: Path, site: str):  # type: ignore[no-untyped-def]
    """A Chromium of its own running inside `ns` (media stays in the namespace)."""
    return browser.browser_type.launch(
        executable_path=str(chromium_wrapper(ns, tmp_path)),
        # The site is on this machine's end of the link, not localhost: camera and microphone
        # need a secure context, which this flag grants to that one origin.
        args=[
            *CHROMIUM_ARGS,
            "--allow-loopback-in-peer-connection",
            f"--unsafely-treat-insecure-origin-as-secure={site}",
        ],
    )


def open_page(chromium, user, site: str, path: str):  # type: ignore[no-untyped-def]
    """`user` logged in, in a context of their own, on `path`; with what `watch` collects."""
    context = chromium.new_context(
        base_url=site,
        permissions=["camera", "microphone"],
        viewport={"width": 1280, "height": 800},
    )
    problems: BrowserProblems = watch(context)
    log_in(context, user, site)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    page.goto(path)
    return page, problems


def assert_no_problems(found: BrowserProblems) -> None:
    """`found.assert_none()`, less two things that are not faults:
    - janus.js's keep-alive firing on a session a move tore down (its socket already closed);
    - a 404 from a room's media endpoint: the person was moved (or the facilitator visited
      another room) while that request was on its way; the page drops the answer
      (workshop_room.js, notInRoom);
    - a 409 `stale_media_request` from it: a newer request of the same page reached the server
      first, so this older one was refused (the page has moved on and drops the answer)."""
    found.console_errors[:] = [
        e
        for e in found.console_errors
        if not (e.startswith(JANUS_CLOSED_SOCKET) and "/vendor/janus-" in e)
        and not OVERTAKEN_MEDIA.search(e)
    ]
    found.bad_responses[:] = [r for r in found.bad_responses if not OVERTAKEN_MEDIA.search(r)]
    found.assert_none()
