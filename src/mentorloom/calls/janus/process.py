"""Starting the embedded Janus: find the binary, write the config, start it, wait for its API."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from .config import JanusConfig, write_config


def janus_binary() -> str | None:
    """The `janus` executable on PATH (Debian installs /usr/bin/janus), or None."""
    return shutil.which("janus")


def start_janus(
    config: JanusConfig,
    config_dir: Path,
    *,
    binary: str | None = None,
    prefix: Sequence[str] = (),
) -> subprocess.Popen:
    """Write the config into `config_dir` and start Janus in the foreground, its log in
    `config_dir/janus.log`; `prefix` runs it under a wrapper (`ip netns exec NAME` in tests).
    Raises FileNotFoundError when there is no binary."""
    binary = binary or janus_binary()
    if binary is None:
        raise FileNotFoundError("janus")
    config_file = write_config(config, config_dir)
    log = open(config_dir / "janus.log", "ab")  # noqa: SIM115 - the child owns it
    try:
        return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [*prefix, binary, "-C", str(config_file), "-F", str(config_dir), "-o"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    finally:
        log.close()


def wait_until_ready(
    api_url: str, *, timeout: float = 10.0, process: subprocess.Popen | None = None
) -> dict:
    """Poll `GET <api_url>/info` until Janus answers; returns its info. Raises TimeoutError,
    or RuntimeError when `process` exits first (a bad config or a port in use)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"janus exited with status {process.returncode}")
        try:
            response = httpx.get(f"{api_url.rstrip('/')}/info", timeout=1.0)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError as exc:
            last_error = exc
        time.sleep(0.05)
    raise TimeoutError(f"Janus did not answer at {api_url} within {timeout}s ({last_error})")


def stop_janus(process: subprocess.Popen, *, timeout: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
