"""Enqueue due periodic tasks, once (`--once`, e.g. from cron) or every few seconds."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from mentorloom.core.periodic import enqueue_due_tasks


class Command(BaseCommand):
    help = "Enqueue periodic tasks (settings.MENTORLOOM_PERIODIC_TASKS) when they are due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, once: bool, tick: float, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            for path in enqueue_due_tasks():
                self.stdout.write(f"enqueued {path}")
            if once:
                return
            deadline = time.monotonic() + tick
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
