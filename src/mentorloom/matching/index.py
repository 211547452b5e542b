"""The per-process mentor index: features, the embedding matrix and a lexical index in memory.

Rebuilt lazily when a cheap version stamp changes: a cache counter bumped by
services.profile_changed, plus the count and latest update of mentor profiles and of mentor
embeddings in the database (so a change made by another process or the task worker is seen even
with a per-process cache), plus today's date (pauses end and UTC offsets move with DST).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from mentorloom.profiles.models import Profile

from . import embeddings
from .documents import mentor_document
from .lexical import LexicalIndex
from .models import ProfileEmbedding, Side
from .ranking import MentorFeatures, MentorTable
from .vectors import PassageIndex, VectorIndex, from_bytes_rows

VERSION_KEY = "matching:index-version"
TAG_FIELDS = ("skills", "industries", "languages", "topics")

_lock = threading.Lock()
_current: MentorIndex | None = None


@dataclass
class MentorIndex:
    stamp: tuple[Any, ...]
    table: MentorTable
    documents: list[str]
    model_name: str
    vectors: VectorIndex | None  # None when the semantic extra is off
    missing_vectors: np.ndarray  # True where a mentor has no current embedding
    # Passage vectors (headline, bio sentences, topics) for max-sim; content hash per mentor.
    passages: PassageIndex | None = None
    hashes: list[str] = field(default_factory=list)
    dim: int = embeddings.DIMENSIONS
    _lexical: LexicalIndex | None = field(default=None, repr=False)

    def lexical(self) -> LexicalIndex:
        # Built on first need: with embeddings available most processes never use it.
        if self._lexical is None:
            self._lexical = LexicalIndex(self.documents)
        return self._lexical


def bump_version() -> None:
    """Tell every process sharing the cache that mentor data changed."""
    if not cache.add(VERSION_KEY, 1, timeout=None):
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # evicted between add and incr
            cache.set(VERSION_KEY, 1, timeout=None)


def _mentor_rows():
    return Profile.objects.filter(is_mentor=True, user__is_active=True)


def current_stamp(model_name: str | None) -> tuple[Any, ...]:
    profiles = _mentor_rows().aggregate(n=Count("id"), latest=Max("updated_at"), top=Max("id"))
    stored: dict[str, Any] = {}
    if model_name:
        stored = ProfileEmbedding.objects.filter(side=Side.MENTOR, model_name=model_name).aggregate(
            n=Count("id"), latest=Max("updated_at")
        )
    return (
        cache.get(VERSION_KEY, 0),
        timezone.localdate(),
        model_name,
        tuple(sorted(profiles.items())),
        tuple(sorted(stored.items())),
    )


def _tag_maps(field_name: str) -> dict[int, dict[str, str]]:
    """profile id -> {tag key: name} for every mentor, in one join query (no huge IN list)."""
    through = getattr(Profile, field_name).through
    tag = getattr(Profile, field_name).field.related_model._meta.model_name
    rows = (
        through.objects.filter(profile__is_mentor=True, profile__user__is_active=True)
        .order_by(f"{tag}__key")
        .values_list("profile_id", f"{tag}__key", f"{tag}__name")
    )
    maps: dict[int, dict[str, str]] = defaultdict(dict)
    for profile_id, key, name in rows:
        maps[profile_id][key] = name
    return maps


def build_index(stamp: tuple[Any, ...], model_name: str | None) -> MentorIndex:
    rows = list(
        _mentor_rows()
        .order_by("id")
        .values(
            "id",
            "user_id",
            "headline",
            "expertise",
            "bio",
            "capacity",
            "accepting_requests",
            "paused_until",
            "time_zone",
            "work_start",
            "work_end",
        )
    )
    tags = {name: _tag_maps(name) for name in TAG_FIELDS}
    features, documents = [], []
    for row in rows:
        pid = row["id"]
        mine = {name: tags[name].get(pid, {}) for name in TAG_FIELDS}
        topics = tuple(mine["topics"].values())
        features.append(
            MentorFeatures(
                user_id=row["user_id"],
                skills=mine["skills"],
                industries=mine["industries"],
                languages=mine["languages"],
                topics=topics,
                capacity=row["capacity"],
                accepting=row["accepting_requests"],
                paused_until=row["paused_until"],
                zone=row["time_zone"],
                work_start=row["work_start"],
                work_end=row["work_end"],
            )
        )
        documents.append(
            mentor_document(
                row["headline"],
                row["expertise"],
                row["bio"],
                mine["skills"].values(),
                topics,
                mine["industries"].values(),
            )
        )
    table = MentorTable(features, timezone.localdate())
    vectors = passages = None
    hashes: list[str] = []
    missing = np.ones(len(rows), dtype=bool)
    if model_name:
        dim = embeddings.DIMENSIONS
        stored = {
            pid: (digest, from_bytes_rows(vector, dim))
            for pid, digest, vector in ProfileEmbedding.objects.filter(
                side=Side.MENTOR, model_name=model_name, profile__is_mentor=True
            ).values_list("profile_id", "content_hash", "vector")
        }
        empty = np.zeros((0, dim), dtype=np.float32)
        ordered = [stored.get(row["id"], ("", empty)) for row in rows]
        matrix = np.zeros((len(rows), dim), dtype=np.float32)
        for i, (_, m) in enumerate(ordered):
            if len(m):
                matrix[i] = m[0]
        vectors = VectorIndex(matrix)
        passages = PassageIndex([m[1:] for _, m in ordered], dim)
        hashes = [digest for digest, _ in ordered]
        missing = np.fromiter((not len(m) for _, m in ordered), dtype=bool, count=len(rows))
    return MentorIndex(
        stamp, table, documents, model_name or "lexical", vectors, missing, passages, hashes
    )


def mentor_index() -> MentorIndex:
    """The current index, rebuilt if mentors, embeddings or the date changed since last use."""
    global _current
    model_name = embeddings.model_name() if embeddings.semantic_enabled() else None
    stamp = current_stamp(model_name)
    index = _current
    if index is not None and index.stamp == stamp:
        return index
    with _lock:
        if _current is None or _current.stamp != stamp:
            _current = build_index(stamp, model_name)
        return _current


def invalidate() -> None:
    """Forget this process's index (tests; and after a bulk reindex)."""
    global _current
    _current = None
