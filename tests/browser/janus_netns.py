"""A network namespace of the test's own, where Janus, a static file server and Chromium run,
so media between them never leaves the machine and never meets the host's interfaces.

Janus skips `lo` when gathering ICE candidates, so the namespace gets an interface `ml0` (dummy,
or one end of a veth pair where the kernel has no dummy driver) with an address of its own for
Janus to gather on (ice_enforce_list = "ml0"); Chromium runs with
--allow-loopback-in-peer-connection. The controller reaches Janus's admin API from a thread
that has joined the namespace with setns(2) (each thread has its own network namespace).
Needs root (CI is); otherwise the tests skip with the reason, or fail under
MENTORLOOM_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from mentorloom.calls.janus.config import JanusConfig
from mentorloom.calls.janus.controller import JanusController, JanusHost
from mentorloom.calls.janus.process import start_janus, stop_janus, wait_until_ready

CLONE_NEWNET = 0x40000000
ADDRESS = "10.203.0.1"
CHROMIUM = "/usr/bin/chromium"
API_URL = "http://127.0.0.1:8088/janus"
WS_URL = "ws://127.0.0.1:8188/"
T = TypeVar("T")


def fail_or_skip(message: str) -> None:
    if os.environ.get("MENTORLOOM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MENTORLOOM_REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


class NetNS:
    def __init__(self, name: str) -> None:
        self.name = name
        self.address = ADDRESS  # ml0's address inside the namespace
        self.host_address: str | None = None  # this machine's end of the link, if linked
        self.path = Path("/run/netns") / name
        self._executor = ThreadPoolExecutor(max_workers=1, initializer=self._enter)

    @property
    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def _enter(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        with open(self.path) as fh:
            if libc.setns(fh.fileno(), CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns failed")

    def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Call `fn` on a thread inside the namespace (its sockets live there)."""
        return self._executor.submit(fn, *args, **kwargs).result(timeout=60)

    def pids(self) -> list[int]:
        out = subprocess.run(
            ["ip", "netns", "pids", self.name], capture_output=True, text=True, check=False
        ).stdout
        return [int(p) for p in out.split()]

    def close(self) -> None:
        self._executor.shutdown(wait=True)


@contextmanager
def network_namespace(link_to_host: bool = False) -> Iterator[NetNS]:
    """A fresh namespace with `ml0` for Janus to gather on. With `link_to_host`, ml0 is one end
    of a veth pair whose other end stays on this machine, each with an address of a private /30
    of its own: the test's web server (in this process) and the namespace's Janus and browsers
    reach each other over it, and still nothing leaves the machine."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        fail_or_skip("the Janus media test needs root and `ip` for its own network namespace.")
    tag = uuid.uuid4().hex[:6]
    name = f"mlj-{os.getpid()}-{tag}"

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)

    ip("netns", "add", name)
    ns = NetNS(name)
    host_end: str | None = None
    try:
        ip("-n", name, "link", "set", "lo", "up")
        prefix = 24
        if link_to_host:
            # 10.204.x.y/30 from the tag, so parallel runs (CI's two databases) don't collide.
            block = int(tag, 16) % (256 * 64) * 4
            net = f"10.204.{block // 256}"
            ns.address, ns.host_address, prefix = f"{net}.{block % 256 + 1}", None, 30
            host_end = f"mlh{tag}"
            ip("link", "add", host_end, "type", "veth", "peer", "name", "ml0", "netns", name)
            with suppress(subprocess.CalledProcessError):  # no late IPv6 address (see below)
                ip("link", "set", host_end, "addrgenmode", "none")
            ip("addr", "add", f"{net}.{block % 256 + 2}/30", "dev", host_end)
            ip("link", "set", host_end, "up")
            ns.host_address = f"{net}.{block % 256 + 2}"
        else:
            try:
                ip("-n", name, "link", "add", "ml0", "type", "dummy")
            except subprocess.CalledProcessError:
                # No dummy driver in this kernel: a veth pair with both ends inside works the same.
                ip("-n", name, "link", "add", "ml0", "type", "veth", "peer", "name", "ml1")
                ip("-n", name, "link", "set", "ml1", "up")
        # No IPv6 link-local address either: the kernel would add it a moment after the link
        # comes up (duplicate address detection), and Chromium, started by then, takes the new
        # address for a network change and aborts what it is loading (ERR_NETWORK_CHANGED).
        with suppress(subprocess.CalledProcessError):
            ip("-n", name, "link", "set", "ml0", "addrgenmode", "none")
        ip("-n", name, "addr", "add", f"{ns.address}/{prefix}", "dev", "ml0")
        ip("-n", name, "link", "set", "ml0", "up")
        yield ns
    finally:
        ns.close()
        for pid in ns.pids():  # anything the test left running in there
            with suppress(ProcessLookupError):
                os.kill(pid, 9)
        if host_end is not None:
            _remove_host_end(host_end)
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=10)


def _remove_host_end(host_end: str) -> None:
    """Take this machine's end of the link away now, and let the host's browsers settle.

    Left to `ip netns del`, the pair goes when the kernel gets round to cleaning up the
    namespace, which can be a second or more later: during the next test. The session's
    Chromium on this machine watches its interfaces, takes the vanished address for a network
    change and aborts what it is loading at that moment with net::ERR_NETWORK_CHANGED (seen in
    CI on the workshop test that followed a Janus one). Deleting the end here makes the change
    happen while nothing is loading; Chromium reports an address change at once and a network
    change up to about two seconds later, so the wait covers both."""
    subprocess.run(["ip", "link", "del", host_end], check=False, capture_output=True, timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        shown = subprocess.run(
            ["ip", "link", "show", host_end], check=False, capture_output=True, timeout=10
        )
        if shown.returncode != 0:
            break
        time.sleep(0.05)
    time.sleep(2.5)


@contextmanager
def static_server(ns: NetNS, directory: Path, port: int) -> Iterator[str]:
    """`python -m http.server` inside the namespace on 127.0.0.1:`port`."""
    process = subprocess.Popen(
        [
            *ns.prefix,
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=5)


def chromium_wrapper(ns: NetNS, directory: Path, chromium: str = CHROMIUM) -> Path:
    """An executable Playwright can launch that runs Chromium inside the namespace
    (Playwright drives it over a pipe, so it needs no network of its own)."""
    path = directory / "chromium-in-netns"
    path.write_text(f'#!/bin/sh\nexec ip netns exec {ns.name} {chromium} "$@"\n')
    path.chmod(0o755)
    return path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STATIC = Path(__file__).resolve().parents[2] / "src/mentorloom/static/mentorloom"
PAGE = """<!doctype html><html lang="en"><head><title>media test</title>
<script src="vendor/webrtc-adapter-8.2.4.js"></script>
<script src="vendor/janus-1.1.4.js"></script>
<script type="module">
import { joinRoom } from "./js/janus_room.js";
window.mediaTest = {
  joinRoom, room: null, video: {}, kicked: 0, gone: [], moderated: {}, talking: [],
};
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
      onModerated: (mid, muted) => { t.moderated[mid] = muted; },
      onTalking: (id, talking) => { if (talking) t.talking.push(id); },
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


def site_dir(tmp_path: Path) -> Path:
    """A directory with the test page, janus_room.js and the vendored janus.js + adapter."""
    site = tmp_path / "site"
    (site / "js").mkdir(parents=True)
    shutil.copytree(STATIC / "vendor", site / "vendor")
    shutil.copy(STATIC / "js" / "janus_room.js", site / "js" / "janus_room.js")
    (site / "index.html").write_text(PAGE)
    return site


def inbound_bytes(page) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Video bytes a page has received so far, per remote feed id."""
    raw = page.evaluate("async () => await window.mediaTest.room.inboundBytes()")
    return {int(k): v for k, v in raw.items()}


def cpu_split(ns: NetNS, janus_pid: int) -> tuple[float, float]:
    """CPU seconds so far of Janus and of everything else in the namespace (the browsers)."""
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


def media_unavailable_reason() -> str | None:
    """Why the media harness cannot run here, or None."""
    if shutil.which("janus") is None:
        return "the `janus` binary is missing: install Debian's janus (make browser as root)."
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: install Debian's chromium (make browser)."
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "the Janus media test needs root and `ip` for its own network namespace."
    return None


def janus_config(bind: str = "127.0.0.1", admin_acl: str = "127.") -> JanusConfig:
    return JanusConfig(
        api_secret=secrets.token_urlsafe(16),
        admin_secret=secrets.token_urlsafe(16),
        rtp_ports="20000-20199",
        ice_enforce_list="ml0",
        bind=bind,
        admin_acl=admin_acl,
    )


@contextmanager
def janus_in(
    ns: NetNS, directory: Path, config: JanusConfig | None = None
) -> Iterator[tuple[subprocess.Popen, JanusController]]:
    """Janus inside `ns` on its default ports, gathering ICE on `ml0`; yields the process and
    a controller whose calls must go through `ns.run` (unless `config` binds Janus to an
    address this machine reaches, as with network_namespace(link_to_host=True))."""
    config = config or janus_config()
    janus = start_janus(config, directory, prefix=ns.prefix)
    try:
        ns.run(wait_until_ready, f"http://{config.bind}:8088/janus", timeout=10, process=janus)
        controller = JanusController(
            JanusHost(f"http://{config.bind}:8088/janus", f"http://{config.bind}:7088/admin"),
            admin_secret=config.admin_secret,
            client=httpx.Client(),
        )
        yield janus, controller
    finally:
        stop_janus(janus)
