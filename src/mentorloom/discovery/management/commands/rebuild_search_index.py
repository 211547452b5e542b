"""`manage.py rebuild_search_index`: refill the directory's full-text index from every mentor."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mentorloom.discovery.services import rebuild_search_index


class Command(BaseCommand):
    help = "Rebuild the mentor directory's full-text search index."

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 0

        def progress(done: int, total: int) -> None:
            if verbose:
                self.stdout.write(f"\rIndexed {done}/{total} mentors", ending="")
                self.stdout.flush()

        count = rebuild_search_index(progress=progress)
        if verbose:
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {count} mentors."))
