"""Writes for matching: keeping stored embeddings in step with profile text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.profiles.models import TAG_MODELS, Profile

from . import embeddings
from .documents import content_hash
from .index import bump_version
from .models import ProfileEmbedding
from .selectors import load_tags_in_entry_order, texts_by_side
from .vectors import to_bytes

DEFAULT_BATCH_SIZE = 64


def profile_changed(profile_id: int) -> None:
    """Call after a profile's text, tags or availability changed (inside its transaction).

    Once the transaction commits: every process's mentor index is marked stale, and, when
    embeddings are enabled, the background task recomputes this profile's vectors. Nothing
    happens for a rolled-back change, and the request never waits for the model.
    """
    transaction.on_commit(bump_version)
    if embeddings.semantic_enabled():
        enqueue_on_commit("mentorloom.matching.tasks.compute_profile_embeddings", profile_id)


@dataclass(frozen=True)
class Pending:
    profile_id: int
    side: str
    rows: list[str]  # document first, then passages (see documents.py)
    digest: str


def _pending(profiles: list[Profile], model_name: str, force: bool) -> tuple[list[Pending], int]:
    """Sides whose stored vector is missing or stale; also deletes vectors of dropped sides."""
    existing = {
        (pid, side): digest
        for pid, side, digest in ProfileEmbedding.objects.filter(
            profile__in=profiles, model_name=model_name
        ).values_list("profile_id", "side", "content_hash")
    }
    todo: list[Pending] = []
    removed = 0
    load_tags_in_entry_order(profiles)  # two queries for the batch, not two per profile
    for profile in profiles:
        sides = texts_by_side(profile)
        for side, rows in sides.items():
            digest = content_hash(model_name, rows)
            if force or existing.get((profile.pk, side)) != digest:
                todo.append(Pending(profile.pk, side, rows, digest))
        stale = {side for (pid, side) in existing if pid == profile.pk} - set(sides)
        if stale:
            removed += ProfileEmbedding.objects.filter(profile=profile, side__in=stale).delete()[0]
    return todo, removed


def _store(pending: list[Pending], model_name: str, batch_size: int) -> int:
    if not pending:
        return 0
    # One encode call for every row of every pending side: the model sorts them by length.
    vectors = embeddings.encode([row for p in pending for row in p.rows], batch_size=batch_size)
    now = timezone.now()
    at = 0
    with transaction.atomic():
        for item in pending:
            vector = vectors[at : at + len(item.rows)]
            at += len(item.rows)
            ProfileEmbedding.objects.update_or_create(
                profile_id=item.profile_id,
                side=item.side,
                model_name=model_name,
                defaults={
                    "content_hash": item.digest,
                    "vector": to_bytes(vector),
                    "updated_at": now,
                },
            )
    return len(pending)


def refresh_embeddings(profile_id: int, *, force: bool = False) -> int:
    """Recompute the profile's embeddings whose text or model changed; returns how many.

    A no-op (0) when the semantic extra is off or the profile no longer exists.
    """
    if not embeddings.semantic_enabled():
        return 0
    profile = Profile.objects.prefetch_related(*TAG_MODELS).filter(pk=profile_id).first()
    if profile is None:
        return 0
    model_name = embeddings.model_name()
    pending, _ = _pending([profile], model_name, force)
    return _store(pending, model_name, DEFAULT_BATCH_SIZE)


@dataclass(frozen=True)
class ReindexResult:
    profiles: int
    computed: int
    removed: int


def reindex_embeddings(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReindexResult:
    """Bring every profile's embeddings up to date, `batch_size` profiles at a time.

    `progress(done, total)` is called after each batch. Raises RuntimeError if the semantic
    extra is not available.
    """
    if not embeddings.semantic_enabled():
        raise RuntimeError("Embeddings are off (see MENTORLOOM_SEMANTIC).")
    model_name = embeddings.model_name()
    ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True))
    computed = removed = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        chunk = list(Profile.objects.prefetch_related(*TAG_MODELS).filter(pk__in=batch))
        pending, gone = _pending(chunk, model_name, force)
        computed += _store(pending, model_name, batch_size)
        removed += gone
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids))
    if progress and not ids:
        progress(0, 0)
    bump_version()
    return ReindexResult(len(ids), computed, removed)
