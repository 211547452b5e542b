"""`manage.py reindex_embeddings`: recompute stale profile embeddings with a progress bar."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mentorloom.matching import embeddings, services
from mentorloom.matching.index import invalidate

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Recompute profile embeddings whose text or model changed (all of them with --force)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=services.DEFAULT_BATCH_SIZE)
        parser.add_argument("--force", action="store_true", help="recompute every embedding")

    def handle(self, *args: Any, batch_size: int, force: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not embeddings.semantic_enabled():
            # Not an error: `make run SEMANTIC=0` calls this too, and lexical needs no index.
            self.stdout.write(
                "Embeddings are off (install mentorloom[semantic], MENTORLOOM_SEMANTIC=1); "
                "recommendations use lexical similarity and need no index."
            )
            return
        started = time.monotonic()
        # The model loads (offline) only if some profile's text changed since the last run.
        tty = self.stdout.isatty()

        def progress(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            line = f"[{bar}] {done}/{total} profiles"
            # A redrawn line on a terminal; one line per batch in logs and pipes.
            self.stdout.write(f"\r{line}" if tty else line, ending="" if tty else "\n")
            self.stdout.flush()

        result = services.reindex_embeddings(batch_size=batch_size, force=force, progress=progress)
        if tty:
            self.stdout.write("")
        invalidate()
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {result.profiles} profiles: {result.computed} embeddings computed, "
                f"{result.removed} removed in {time.monotonic() - started:.1f} s."
            )
        )
