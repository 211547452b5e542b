"""The directory's per-process snapshot: every listable mentor's filterable attributes as numpy
arrays, so a directory request filters, counts facets and paginates in memory (a few ms at
20,000 mentors) instead of re-running joins and subqueries for every facet.

Held per process and rebuilt when the stamp moves: `max(DirectoryChange.id)` (one primary-key
lookup; a row is inserted by the signal handlers in signals.py whenever a profile, its tags, an
account or a mentorship changes, and by the search-index services) plus a token in the cache
(a cleared cache — every test — forces a rebuild). Full-text matching, blocks and the viewer's
own data are still read from the database on every request: they are cheap indexed lookups and
must never be stale.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.profiles.models import TAG_MODELS, Profile

from .filters import TAG_FACETS
from .models import DirectoryChange
from .overlap import WorkingHours

TOKEN_KEY = "discovery:snapshot-token"
# Change rows kept when pruning; only max(id) is read, the rest are history.
KEEP_CHANGES = 100
# Full-text results (ids only: at 20k mentors a few hundred KB at most) and viewers' own tags
# remembered per snapshot.
MATCHES_KEPT = 512
# Card facts (names, headline, tags: a few hundred bytes each) remembered per snapshot.
CARDS_KEPT = 4096

T = TypeVar("T")
_lock = threading.Lock()
_matches_lock = threading.Lock()
_current: Snapshot | None = None


def record_change() -> None:
    """Tell every process that listed mentors changed (visible when this transaction commits)."""
    change = DirectoryChange.objects.create()
    if change.pk % KEEP_CHANGES == 0:  # prune now and then; only max(id) is ever read
        DirectoryChange.objects.filter(id__lt=change.pk - KEEP_CHANGES).delete()


def _token() -> str:
    token = cache.get(TOKEN_KEY)
    if token is None:
        cache.add(TOKEN_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(TOKEN_KEY, "")
    return str(token)


def current_stamp() -> tuple[Any, ...]:
    latest = DirectoryChange.objects.order_by("-id").values_list("id", flat=True).first()
    return (str(connection.settings_dict["NAME"]), _token(), latest or 0)


@dataclass(frozen=True)
class TagColumn:
    """Which mentor has which tag: parallel arrays of snapshot rows and tag ids."""

    rows: np.ndarray  # int64 row per (mentor, tag) pair
    tags: np.ndarray  # int64 index into tag_ids per pair (compact, so bincount counts them)
    tag_ids: np.ndarray  # int64 tag primary keys, ascending
    info: list[tuple[str, str]]  # (key, name) per index


@dataclass(frozen=True)
class Snapshot:
    stamp: tuple[Any, ...]
    ids: np.ndarray  # profile ids, ascending: row i is profile ids[i]
    user_ids: np.ndarray  # int64 user id per row
    user_rows: dict[int, int]  # user id -> row
    accepting: np.ndarray  # bool
    paused_until: np.ndarray  # int64 date ordinal, 0 = not paused
    capacity_left: np.ndarray  # int64 capacity - active mentorships as mentor (may be < 0)
    country: np.ndarray  # int64 index into countries
    countries: tuple[str, ...]
    schedule: np.ndarray  # int64 index into schedules, -1 = not indexed yet
    schedules: tuple[WorkingHours | None, ...]
    name_order: np.ndarray  # int64 position in ORDER BY display_name, id (database collation)
    tags: dict[str, TagColumn]  # facet param -> memberships
    # Full-text answers for this stamp: they only change with the documents, which record a
    # change (services.refresh_search_document), so paging and facet clicks reuse them.
    matches: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    # What a directory card shows that only changes with the profile, its tags or its account
    # (each of which records a change, so a new stamp and an empty memo): profile id -> facts.
    cards: OrderedDict[int, Any] = field(default_factory=OrderedDict)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """`compute()` once per stamp and key (full-text answers, a viewer's own tags)."""
        with _matches_lock:
            found = self.matches.get(key)
            if found is not None:
                self.matches.move_to_end(key)
                return found
        found = compute()  # outside the lock: two threads may both compute, both are right
        with _matches_lock:
            self.matches[key] = found
            while len(self.matches) > MATCHES_KEPT:
                self.matches.popitem(last=False)
        return found

    def cards_for(
        self, profile_ids: list[int], load: Callable[[list[int]], dict[int, Any]]
    ) -> dict[int, Any]:
        """Cards (their profile part) for `profile_ids` that exist, from the memo or `load`."""
        with _matches_lock:
            found = {i: self.cards[i] for i in profile_ids if i in self.cards}
        missing = [i for i in profile_ids if i not in found]
        if missing:
            loaded = load(missing)
            found.update(loaded)
            with _matches_lock:
                self.cards.update(loaded)
                while len(self.cards) > CARDS_KEPT:
                    self.cards.popitem(last=False)
        return found

    @property
    def size(self) -> int:
        return len(self.ids)

    def rows_of(self, profile_ids: Iterable[int]) -> np.ndarray:
        """Rows of the given profile ids, in the given order, skipping unknown ids."""
        wanted = np.fromiter(profile_ids, dtype=np.int64)
        if not len(wanted) or not self.size:
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(self.ids, wanted).clip(0, self.size - 1)
        return pos[self.ids[pos] == wanted]

    def mask_of(self, profile_ids: Iterable[int]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.rows_of(profile_ids)] = True
        return mask

    def listed(self, hidden_user_ids: Iterable[int], include_unavailable: bool, today: date):
        """Mentors the viewer may see (see selectors.listed rules)."""
        mask = np.ones(self.size, dtype=bool)
        hidden = [self.user_rows[u] for u in hidden_user_ids if u in self.user_rows]
        mask[hidden] = False
        if not include_unavailable:
            not_paused = (self.paused_until == 0) | (self.paused_until <= today.toordinal())
            mask &= self.accepting & not_paused & (self.capacity_left > 0)
        return mask

    def with_tags(self, param: str, tag_ids: Iterable[int]) -> np.ndarray:
        column = self.tags[param]
        mask = np.zeros(self.size, dtype=bool)
        wanted = np.isin(column.tag_ids, list(tag_ids))
        mask[column.rows[wanted[column.tags]]] = True
        return mask

    def tag_counts(self, param: str, scope: np.ndarray) -> list[tuple[int, str, str]]:
        """(count, key, name) of every tag some mentor in `scope` has."""
        column = self.tags[param]
        counts = np.bincount(column.tags[scope[column.rows]], minlength=len(column.info))
        return [(int(counts[i]), *column.info[i]) for i in np.flatnonzero(counts).tolist()]

    def in_countries(self, codes: Iterable[str]) -> np.ndarray:
        wanted = [i for i, c in enumerate(self.countries) if c in set(codes)]
        return np.isin(self.country, wanted)

    def country_counts(self, scope: np.ndarray) -> dict[str, int]:
        counts = np.bincount(self.country[scope], minlength=len(self.countries))
        return {c: int(n) for c, n in zip(self.countries, counts, strict=True) if c and n}

    def schedule_mask(self, good: list[bool]) -> np.ndarray:
        """Rows whose schedule index is marked good; -1 (no schedule) never is."""
        return np.array([*good, False], dtype=bool)[self.schedule]


def _pairs(param: str, snapshot_ids: np.ndarray) -> TagColumn:
    model_field = TAG_FACETS[param]
    through = getattr(Profile, model_field).through
    column = "industry" if model_field == "industries" else model_field.removesuffix("s")
    pairs = np.array(
        list(through.objects.values_list("profile_id", f"{column}_id")), dtype=np.int64
    ).reshape(-1, 2)
    rows = np.searchsorted(snapshot_ids, pairs[:, 0]).clip(0, max(len(snapshot_ids) - 1, 0))
    keep = snapshot_ids[rows] == pairs[:, 0] if len(snapshot_ids) else np.zeros(0, dtype=bool)
    used, compact = np.unique(pairs[keep, 1], return_inverse=True)
    names = dict(
        (pk, (key, name))
        for pk, key, name in TAG_MODELS[model_field]
        .objects.values_list("pk", "key", "name")
        .iterator()
    )
    info = [names[pk] for pk in used.tolist()]
    return TagColumn(rows[keep], compact.astype(np.int64), used, info)


def build(stamp: tuple[Any, ...]) -> Snapshot:
    rows = list(
        Profile.objects.filter(is_mentor=True, user__is_active=True)
        .order_by("id")
        .values_list(
            "id",
            "user_id",
            "accepting_requests",
            "paused_until",
            "capacity",
            "country",
            "search_document__schedule_key",
        )
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    user_rows = {r[1]: i for i, r in enumerate(rows)}
    active = dict(
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE)
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "n")
    )
    countries = tuple(sorted({r[5] for r in rows}))
    country_index = {c: i for i, c in enumerate(countries)}
    keys = sorted({r[6] for r in rows if r[6]})
    key_index = {k: i for i, k in enumerate(keys)}
    order = Profile.objects.filter(is_mentor=True, user__is_active=True).order_by(
        "display_name", "pk"
    )
    name_order = np.empty(len(ids), dtype=np.int64)
    positions = np.searchsorted(ids, np.array(list(order.values_list("pk", flat=True)), np.int64))
    name_order[positions] = np.arange(len(ids))
    snapshot = Snapshot(
        stamp=stamp,
        ids=ids,
        user_ids=np.array([r[1] for r in rows], dtype=np.int64),
        user_rows=user_rows,
        accepting=np.array([r[2] for r in rows], dtype=bool),
        paused_until=np.array([r[3].toordinal() if r[3] else 0 for r in rows], dtype=np.int64),
        capacity_left=np.array([r[4] - active.get(r[1], 0) for r in rows], dtype=np.int64),
        country=np.array([country_index[r[5]] for r in rows], dtype=np.int64),
        countries=countries,
        schedule=np.array([key_index[r[6]] if r[6] else -1 for r in rows], dtype=np.int64),
        schedules=tuple(WorkingHours.from_key(k) for k in keys),
        name_order=name_order,
        tags={param: _pairs(param, ids) for param in TAG_FACETS},
    )
    return snapshot


def current() -> Snapshot:
    """This process's snapshot, rebuilt first if anything changed since it was built."""
    global _current
    stamp = current_stamp()
    snapshot = _current
    if snapshot is not None and snapshot.stamp == stamp:
        return snapshot
    with _lock:
        if _current is None or _current.stamp != stamp:
            _current = build(stamp)
        return _current


def invalidate() -> None:
    global _current
    _current = None
