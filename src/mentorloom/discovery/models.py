"""The search index's bookkeeping. The full-text index itself is backend-specific and created by
migration 0002: an FTS5 virtual table on SQLite, a tsvector column with a GIN index on
PostgreSQL (see discovery/fulltext.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from mentorloom.profiles.models import Profile


class SearchDocument(models.Model):
    """One per indexed mentor profile; kept current by services.refresh_search_document."""

    profile = models.OneToOneField(
        Profile, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    # WorkingHours.key ("Europe/Berlin|09:00|17:00|12345"): the overlap filter computes overlap
    # once per distinct schedule and then filters on this column instead of on every mentor.
    schedule_key = models.CharField(max_length=120, db_index=True)
    content_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"search document for profile {self.profile_id}"


class SearchTerm(models.Model):
    """Every word ever indexed: the vocabulary that typo-tolerant matching picks spellings from.

    Insert-only between rebuilds; a word that no profile uses any more only costs a widened
    query term that matches nothing.
    """

    term = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.term


class DirectoryChange(models.Model):
    """An append-only change counter for the per-process directory snapshot (snapshot.py).

    Anything that changes who is listed or a listed mentor's facets inserts a row; every
    request reads `max(id)` (one primary-key lookup) and rebuilds its snapshot when it moved.
    Inserting (rather than incrementing one row) never makes two writers wait on a row lock.
    Old rows are pruned when a snapshot is built.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"directory change {self.pk}"
