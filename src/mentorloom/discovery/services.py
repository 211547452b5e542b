"""Writes to the search index. Only mentors with an active account are indexed.

Call `refresh_search_document(profile.pk)` after any change to a profile (text, tags, hours,
mentor flag) and `rebuild_search_index()` after bulk imports (`manage.py rebuild_search_index`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from mentorloom.profiles.models import Profile
from mentorloom.profiles.selectors import profiles_with_tags

from . import fulltext
from .models import SearchDocument, SearchTerm
from .overlap import WorkingHours
from .snapshot import record_change
from .text import normalise, tokens

BATCH_SIZE = 500
MAX_TERM_LENGTH = 64


def schedule_of(profile: Profile) -> WorkingHours:
    return WorkingHours.of(
        profile.time_zone, profile.work_start, profile.work_end, profile.work_days
    )


def document_fields(profile: Profile) -> dict[str, str]:
    """The indexed text of a profile, per field, normalised (uses the tag prefetch cache)."""

    def names(field: str) -> str:
        return " ; ".join(t.name for t in getattr(profile, field).all())

    raw = {
        "name": profile.name,
        "headline": profile.headline,
        "bio": profile.bio,
        "skills": names("skills"),
        "topics": names("topics"),
        "industries": names("industries"),
        "expertise": profile.expertise,
        "interests": names("interests"),
    }
    return {field: normalise(text) for field, text in raw.items()}


def _indexable(profile: Profile) -> bool:
    return profile.is_mentor and profile.user.is_active


def _hash(fields: dict[str, str], schedule_key: str) -> str:
    payload = json.dumps([fields, schedule_key], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _add_terms(words: Iterable[str]) -> None:
    new = {w for w in words if len(w) <= MAX_TERM_LENGTH}
    if new:
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=w) for w in sorted(new)], ignore_conflicts=True, batch_size=BATCH_SIZE
        )


def profile_changed(profile_id: int) -> None:
    """Listener for profiles.services.profile_changed: refresh the search document once the
    profile's transaction commits (connected in DiscoveryConfig.ready)."""
    transaction.on_commit(lambda: refresh_search_document(profile_id))


def account_access_ended(user_id: int, reason: str, session_key: str | None) -> None:
    """Listener for core.realtime.lifetime.access_ended (connected in DiscoveryConfig.ready).
    A ban and a deactivation (a deletion request, an erasure) write is_active with
    QuerySet.update(), which sends no post_save, before they close the sockets; so when the
    account is inactive now, the snapshot is told inside the caller's transaction and the
    person's search document is refreshed (taken out) once it commits. Read from the account,
    not from `reason`, so no list of reasons can fall behind. A sign-out changes nothing."""
    profile_id = (
        Profile.objects.filter(user_id=user_id, user__is_active=False)
        .values_list("pk", flat=True)
        .first()
    )
    if profile_id is None:
        return
    record_change()
    transaction.on_commit(lambda: refresh_search_document(profile_id))


def refresh_search_document(profile_id: int) -> bool:
    """Bring one profile's index entry up to date; returns whether it is now indexed.

    Profiles that are not mentors, or whose account is inactive, are taken out of the index.
    Unchanged text and hours (same content hash) write nothing. Safe to call for any id.
    """
    with transaction.atomic():
        profile = profiles_with_tags().filter(pk=profile_id).first()
        if profile is None or not _indexable(profile):
            # On SQLite a trigger removes the FTS row with the document (migration 0002).
            if SearchDocument.objects.filter(profile_id=profile_id).delete()[0]:
                record_change()
            return False
        fields = document_fields(profile)
        key = schedule_of(profile).key
        digest = _hash(fields, key)
        document = SearchDocument.objects.select_for_update().filter(profile_id=profile_id)
        current = document.first()
        if current is not None and current.content_hash == digest:
            return True
        SearchDocument.objects.update_or_create(
            profile_id=profile_id,
            defaults={"schedule_key": key, "content_hash": digest, "updated_at": timezone.now()},
        )
        fulltext.write(profile_id, fields)
        _add_terms(w for text in fields.values() for w in tokens(text))
        record_change()  # the schedule key the overlap filter reads may have moved
    fulltext.forget_vocabulary()
    return True


def _batches(queryset) -> Iterator[list[Profile]]:  # type: ignore[no-untyped-def]
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        yield list(profiles_with_tags().filter(pk__in=chunk).order_by("pk"))


def rebuild_search_index(progress=None) -> int:  # type: ignore[no-untyped-def]
    """Empty and refill the index from every mentor profile; returns how many were indexed.

    `progress(done, total)` is called after each batch (the management command prints it).
    """
    mentors = Profile.objects.filter(is_mentor=True, user__is_active=True)
    total = mentors.count()
    done = 0
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        fulltext.clear()
        SearchTerm.objects.all().delete()
        for batch in _batches(mentors):
            documents, words = [], set()
            rows: list[tuple[int, dict[str, str]]] = []
            for profile in batch:
                fields = document_fields(profile)
                key = schedule_of(profile).key
                documents.append(
                    SearchDocument(
                        profile_id=profile.pk, schedule_key=key, content_hash=_hash(fields, key)
                    )
                )
                rows.append((profile.pk, fields))
                words.update(w for text in fields.values() for w in tokens(text))
            SearchDocument.objects.bulk_create(documents, batch_size=BATCH_SIZE)
            fulltext.write_many(rows)
            _add_terms(words)
            done += len(batch)
            if progress:
                progress(done, total)
        record_change()
    fulltext.forget_vocabulary()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE discovery_searchdocument")
    return done
