"""Starts the ASGI server, the task worker and the periodic scheduler, and Janus (workshop media)
when its binary is installed; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from mentorloom.calls.janus import process as janus_process
from mentorloom.calls.janus.config import config_from_settings
from mentorloom.core.realtime.lifetime import SERVER_MAX_FRAME_BYTES
from mentorloom.demo.people import DEMO_LOGINS, DEMO_PASSWORD


def served_site_url(host: str, port: int) -> str:
    """The address people reach this server at, for links in e-mails, calendar files and the
    WebSocket Origin check, when SITE_URL is not set: the host and port actually served (a
    wildcard bind is reached on this machine as 127.0.0.1)."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - a wildcard recognised, not bound  # nosec B104
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Run uvicorn (HTTP + WebSockets), the task worker and the periodic-task scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="ASGI worker processes")

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        python = sys.executable
        # Children read their settings from the environment: without SITE_URL they would link
        # to the default port even when this stack serves another (make run PORT=8765).
        os.environ.setdefault("SITE_URL", served_site_url(host, port))
        server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                python,
                "-m",
                "uvicorn",
                "mentorloom.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--lifespan",
                "off",
                # Chat frames are small; compressing them costs CPU on every frame and about
                # 40 KB of zlib state per open socket (docs/websocket.md, Performance).
                "--ws-per-message-deflate",
                "false",
                # A bigger frame closes the socket (1009) before it is buffered whole; up to
                # it the consumers refuse frames over 64 KB with an error frame (issue 22).
                "--ws-max-size",
                str(SERVER_MAX_FRAME_BYTES),
            ]
        )
        # A worker per task queue (settings.MENTORLOOM_TASK_QUEUES): slow calendar fetches
        # never wait in front of e-mail and reminders, nor these behind them.
        workers = [
            subprocess.Popen(  # noqa: S603
                [python, "-m", "django", "db_worker", "--interval", "0.5", "--queue-name", queue],
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "mentorloom.settings"},
            )
            for queue in settings.MENTORLOOM_TASK_QUEUES
        ]
        scheduler = subprocess.Popen(  # noqa: S603
            [python, "-m", "django", "run_scheduler"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "mentorloom.settings"},
        )
        children = [server, *workers, scheduler]
        media, media_line = self._start_media()
        url = f"http://{host}:{port}/"
        self._banner(url, media_line)

        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                if media is not None and media.poll() is not None:
                    # Janus dying must not take the site down: workshops fall back to mesh.
                    self.stderr.write(
                        f"Janus exited ({media.returncode}); workshops fall back to mesh. "
                        f"See {settings.DATA_DIR / 'janus' / 'janus.log'}."
                    )
                    media = None
                time.sleep(0.3)
        finally:
            if media is not None:
                children = [*children, media]
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Mentorloom stopped.")
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(1)

    def _start_media(self) -> tuple[subprocess.Popen | None, str]:
        """Start the embedded Janus when configured and installed; returns it (or None) and the
        banner line saying where workshop media runs."""
        if not settings.MENTORLOOM_JANUS_EMBEDDED:
            hosts = ", ".join(settings.MENTORLOOM_JANUS_URL)
            return None, f"  Media: workshops use the external Janus at {hosts}"
        binary = janus_process.janus_binary()
        if binary is None:
            return None, (
                "  Media: janus is not installed (sudo apt-get install janus); workshops fall "
                "back to mesh (up to 6 with video)."
            )
        config_dir = settings.DATA_DIR / "janus"
        try:
            media = janus_process.start_janus(config_from_settings(), config_dir, binary=binary)
        except OSError as exc:
            return None, f"  Media: Janus could not start ({exc}); workshops fall back to mesh."
        return media, (
            f"  Media: workshops run on Janus at {settings.MENTORLOOM_JANUS_URL[0]} "
            f"(log: {config_dir / 'janus.log'})"
        )

    def _banner(self, url: str, media_line: str = "") -> None:
        line = "-" * 64
        out = [line, f"  Mentorloom is running at {url}", f"  API docs: {url}api/v1/docs", ""]
        out.append("  Demo logins:")
        for role, email in DEMO_LOGINS:
            out.append(f"    {role:<8} {email}")
        out += ["", f"  Password: {DEMO_PASSWORD}", f"  Data directory: {settings.DATA_DIR}"]
        if media_line:
            out.append(media_line)
        out += ["  Press Ctrl-C to stop the server, the worker and the scheduler.", line]
        self.stdout.write("\n".join(out))
