"""A real Janus for tests: config written to a temporary directory, every port on 127.0.0.1,
started and stopped by the `janus_server` fixture (tests/conftest.py).

Skipped with a clear reason only when the `janus` binary is missing; under
MENTORLOOM_REQUIRE_BROWSER=1 (CI, `make test` as root installs Debian's janus) that is a
failure instead, as for the browsers.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from mentorloom.calls.janus.config import JanusConfig
from mentorloom.calls.janus.controller import JanusController, JanusHost
from mentorloom.calls.janus.process import janus_binary, start_janus, stop_janus, wait_until_ready


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class JanusServer:
    config: JanusConfig
    config_dir: Path
    process: subprocess.Popen

    @property
    def host(self) -> JanusHost:
        return JanusHost(
            api_url=f"http://127.0.0.1:{self.config.http_port}/janus",
            admin_url=f"http://127.0.0.1:{self.config.admin_port}/admin",
        )

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.config.ws_port}/"

    def controller(self, timeout: float = 3.0) -> JanusController:
        return JanusController(self.host, admin_secret=self.config.admin_secret, timeout=timeout)

    def log(self) -> str:
        path = self.config_dir / "janus.log"
        return path.read_text(errors="replace") if path.exists() else ""


def require_janus() -> str:
    binary = janus_binary()
    if binary is None:
        message = "the `janus` binary is missing: install Debian's janus (make browser as root)."
        if os.environ.get("MENTORLOOM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MENTORLOOM_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    return binary


@contextmanager
def running_janus(config_dir: Path, *, ice_enforce_list: str = "") -> Iterator[JanusServer]:
    binary = require_janus()
    rtp = free_port()  # a small range of its own near a free port, so parallel runs rarely meet
    config = JanusConfig(
        api_secret=secrets.token_urlsafe(16),
        admin_secret=secrets.token_urlsafe(16),
        http_port=free_port(),
        admin_port=free_port(),
        ws_port=free_port(),
        rtp_ports=f"{rtp}-{min(rtp + 200, 65535)}",
        ice_enforce_list=ice_enforce_list,
    )
    process = start_janus(config, config_dir, binary=binary)
    server = JanusServer(config, config_dir, process)
    try:
        try:
            wait_until_ready(server.host.api_url, timeout=10, process=process)
        except (TimeoutError, RuntimeError) as exc:
            pytest.fail(f"Janus did not start: {exc}\n{server.log()[-3000:]}", pytrace=False)
        yield server
    finally:
        stop_janus(process)
