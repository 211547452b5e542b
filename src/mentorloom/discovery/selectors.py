"""Reads for the mentor directory: filtered, searched, counted, paginated.

Selectors load data; pure modules decide (overlap.py for time, text.py for words); the SQL of
the full-text index stays in fulltext.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.utils import timezone

from mentorloom.profiles.countries import COUNTRIES
from mentorloom.profiles.models import TAG_MODELS, Profile
from mentorloom.profiles.selectors import zone_or_none
from mentorloom.safety.selectors import hidden_user_ids

from . import freeslots, fulltext, snapshot
from .filters import FACET_LABELS, KEYWORD_FACETS, TAG_FACETS, DirectoryQuery
from .overlap import WorkingHours, format_hours, overlap_hours
from .scope import UNRESTRICTED, DirectoryScope
from .services import schedule_of
from .snapshot import Snapshot
from .text import expand_terms, goal_keywords, query_terms

FACET_VALUES_SHOWN = 12


def free_slots_filter() -> Callable[..., freeslots.Check] | None:
    """ "Has free slots in the next N days" (on when scheduling has provided its cache).

    Returns `check(user_ids_in_display_order, days, now) -> Check(free, unchecked)`;
    None hides the filter in the page and the API."""
    source = freeslots.provider()
    return source.check if source is not None else None


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    hours: WorkingHours | None  # None when the viewer has no time zone
    zone: ZoneInfo
    profile_id: int | None = None  # whose career goals and interests the facets offer

    @property
    def has_zone(self) -> bool:
        return self.hours is not None


def viewer_for(user: Any, fallback_zone: ZoneInfo) -> Viewer:
    # The time-zone middleware has usually loaded the profile onto the user already.
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        return Viewer(user.pk, None, fallback_zone)
    zone = _zone(profile.time_zone)
    return Viewer(
        user.pk, schedule_of(profile) if zone else None, zone or fallback_zone, profile.pk
    )


def _own_keywords(snap: Snapshot, viewer: Viewer, param: str) -> dict[str, str]:
    """key -> name of the viewer's career goals ("goal") or interests ("interest"); remembered
    per snapshot, since they are profile tags and a change to them moves the stamp."""
    if viewer.profile_id is None:
        return {}
    tags = TAG_MODELS[KEYWORD_FACETS[param]].objects.filter(profiles=viewer.profile_id)
    rows = snap.memo(
        ("viewer-tags", viewer.profile_id, param),
        lambda: tuple(tags.order_by("pk").values_list("key", "name")),
    )
    return dict(rows)


# --- The result set -----------------------------------------------------------------------
# Everything below filters masks over the per-process snapshot (snapshot.py): one boolean per
# listable mentor. Full text and blocks come from the database on every request.


def _listed(
    snap: Snapshot, viewer: Viewer, include_unavailable: bool, scope: DirectoryScope
) -> np.ndarray:
    """Mentors the viewer may see: active accounts, never the viewer, never anyone on either
    side of a block, only those the scope allows (a program's people; never people private to
    a program the viewer is not in); by default only those accepting requests, not paused and
    not full (capacity minus active mentorships as mentor)."""
    hidden = hidden_user_ids(viewer.user_id) | ({viewer.user_id} if viewer.user_id else set())
    mask = snap.listed(hidden | scope.hidden_user_ids, include_unavailable, timezone.localdate())
    if scope.only_user_ids is not None:
        only = np.fromiter(scope.only_user_ids, dtype=np.int64, count=len(scope.only_user_ids))
        mask &= np.isin(snap.user_ids, only)
    return mask


def _keyword_ids(snap: Snapshot, names: list[str]) -> list[int]:
    words = list(dict.fromkeys(w for name in names for w in goal_keywords(name)))
    if not words:
        return []  # a goal with no subject words ("Get a job") matches nobody
    return snap.memo(
        ("subject", *words),
        lambda: fulltext.matching_ids([words], fulltext.SUBJECT_FIELDS),
    )


def _overlap_mask(snap: Snapshot, viewer: Viewer, minimum: float, on: date) -> np.ndarray:
    # Overlap once per distinct schedule (a few hundred at most), not per mentor.
    assert viewer.hours is not None
    good = [
        theirs is not None and overlap_hours(viewer.hours, theirs, on) >= minimum
        for theirs in snap.schedules
    ]
    return snap.schedule_mask(good)


def search_terms(q: str) -> list[list[str]]:
    words = fulltext.vocabulary()
    terms = expand_terms(
        query_terms(q),
        has_prefix=lambda w: fulltext.has_prefix(words, w),
        candidates=lambda w: fulltext.spelling_candidates(words, w),
    )
    return fulltext.term_groups(terms)


def search_ranking(q: str, groups: list[list[str]]) -> list[int]:
    """Profile ids found by the search box, best first.

    Mentors matching every word anywhere (name, headline, bio, tags) come first; then those
    the goal filter would find for the same words — any subject word (text.goal_keywords, with
    its spelling alternatives) beginning a word in their skills, topics, industries, expertise
    or interests. So searching a goal's words never finds fewer mentors than that goal's
    filter (issue 26: "engineering management" found 2 while the goal filter found 13)."""
    everything = fulltext.ranked_ids(groups)
    subject = set(goal_keywords(q))
    words = [w for g in groups if g[0] in subject for w in g]
    if not words:
        return everything
    seen = set(everything)
    extra = fulltext.ranked_ids([words], fulltext.SUBJECT_FIELDS)
    return everything + [i for i in extra if i not in seen]


def _filters(
    snap: Snapshot, query: DirectoryQuery, viewer: Viewer, ranked: list[int] | None
) -> dict[str, np.ndarray]:
    """One mask per active facet, so facet counts can leave their own facet out."""
    filters: dict[str, np.ndarray] = {}
    for param, values in query.tags.items():
        filters[param] = snap.with_tags(param, [v.id for v in values])
    for param, values in query.keywords.items():
        filters[param] = snap.mask_of(_keyword_ids(snap, [v.name for v in values]))
    if query.countries:
        filters["country"] = snap.in_countries(query.countries)
    if query.min_overlap is not None and viewer.has_zone:
        on = timezone.now().astimezone(viewer.zone).date()
        filters["overlap"] = _overlap_mask(snap, viewer, query.min_overlap, on)
    if query.min_capacity is not None:
        filters["capacity"] = snap.capacity_left >= query.min_capacity
    if ranked is not None:
        filters["q"] = snap.mask_of(ranked)
    return filters


class Scopes:
    """The filtered result set, and the same with one facet's filter left out (disjunctive
    faceting), each computed once per request."""

    def __init__(self, listed: np.ndarray, filters: dict[str, np.ndarray]) -> None:
        self.listed = listed
        self.filters = filters
        self._cache: dict[str, np.ndarray] = {}

    def scope(self, leave_out: str = "") -> np.ndarray:
        key = leave_out if leave_out in self.filters else ""
        if key not in self._cache:
            mask = self.listed.copy()
            for name, condition in self.filters.items():
                if name != key:
                    mask &= condition
            self._cache[key] = mask
        return self._cache[key]


# --- Facet counts -------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str  # what goes in the URL
    label: str
    count: int
    selected: bool
    param: str = ""

    @property
    def dom_id(self) -> str:
        # Stable across result sets, so htmx can give focus back to the box just ticked.
        digest = hashlib.sha1(self.value.casefold().encode(), usedforsecurity=False).hexdigest()
        return f"f-{self.param}-{digest[:10]}"


FACET_VALUES_BEFORE_SHOW_ALL = 6


@dataclass(frozen=True)
class Facet:
    param: str
    label: str
    values: list[FacetValue]

    # Long lists (countries) show the first few and put the rest behind "Show all": on a phone
    # every value is a line between the search box and the results.
    @property
    def shown(self) -> list[FacetValue]:
        return self.values[:FACET_VALUES_BEFORE_SHOW_ALL] if self.more else self.values

    @property
    def more(self) -> list[FacetValue]:
        if len(self.values) <= FACET_VALUES_BEFORE_SHOW_ALL + 2:  # never hide just one or two
            return []
        return self.values[FACET_VALUES_BEFORE_SHOW_ALL:]

    @property
    def more_selected(self) -> bool:
        return any(v.selected for v in self.more)


def _tag_counts(
    snap: Snapshot, param: str, scope: np.ndarray, selected: set[str]
) -> tuple[list[FacetValue], set[str]]:
    """Top values by count (plus the selected ones), and selected keys with no results."""
    counted = sorted(snap.tag_counts(param, scope), key=lambda row: (-row[0], row[1]))
    top = counted[:FACET_VALUES_SHOWN]
    top += [row for row in counted[FACET_VALUES_SHOWN:] if row[1] in selected]
    values = [FacetValue(name, name, n, key in selected, param) for n, key, name in top]
    return values, selected - {key for _, key, _ in top}


def facet_counts(
    snap: Snapshot, query: DirectoryQuery, viewer: Viewer, scopes: Scopes
) -> list[Facet]:
    """Counts per value over the results with every OTHER facet's filter applied (so a count
    says how many results ticking that value adds — the usual disjunctive faceting)."""
    facets: list[Facet] = []
    for param in ("goal", "interest"):
        own = _own_keywords(snap, viewer, param)
        own.update({v.key: v.name for v in query.keywords.get(param, ())})
        if not own:
            continue
        scope = scopes.scope(param)
        selected = query.selected(param)
        values = [
            FacetValue(
                name,
                name,
                int(np.count_nonzero(scope & snap.mask_of(_keyword_ids(snap, [name])))),
                key in selected,
                param,
            )
            for key, name in own.items()
        ]
        facets.append(Facet(param, FACET_LABELS[param], values))
    for param in TAG_FACETS:
        selected_values = {v.key: v for v in query.tags.get(param, ())}
        values, missing = _tag_counts(snap, param, scopes.scope(param), set(selected_values))
        # A selected value with no results still shows (ticked, 0) so it can be unticked.
        values += [
            FacetValue(selected_values[k].name, selected_values[k].name, 0, True, param)
            for k in sorted(missing)
        ]
        if values:
            facets.append(Facet(param, FACET_LABELS[param], values))
    counted = snap.country_counts(scopes.scope("country"))
    for code in query.countries:
        counted.setdefault(code, 0)
    countries = sorted(counted, key=lambda c: (-counted[c], COUNTRIES.get(c, c)))
    values = [
        FacetValue(c, COUNTRIES.get(c, c), counted[c], c in query.countries, "country")
        for c in countries
    ]
    if values:
        facets.append(Facet("country", FACET_LABELS["country"], values))
    return facets


# --- Cards --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentorCard:
    """A mentor as the directory shows them.

    The profile's part (up to `paused_until`) changes only with the profile, its tags or its
    account: it is loaded without the rest and memoised per snapshot
    (snapshot.Snapshot.cards_for), so a page of cards costs no query when warm. `_card` fills in
    the part that depends on the viewer and the moment for each request."""

    profile_id: int
    user_id: int
    name: str
    initials: str
    headline: str
    photo_url: str | None
    country_code: str
    country: str
    zone: ZoneInfo | None
    schedule: WorkingHours
    skills: list[str]
    topics: list[str]
    languages: list[str]
    accepting_requests: bool
    paused_until: date | None
    # Per viewer and moment:
    local_time: str | None = None  # "14:05"
    overlap: float | None = None  # hours; None when either side has no time zone
    overlap_label: str | None = None
    capacity_left: int = 0
    is_paused: bool = False
    next_free_slot: datetime | None = None  # UTC; None when not known (not checked lately)
    next_free_label: str | None = None  # "Tue 14 Jan, 09:30" in the viewer's zone

    @property
    def zone_name(self) -> str | None:
        return self.zone.key if self.zone else None


CARD_TAGS = ("skills", "topics", "languages")


def _card_tags(profile_ids: list[int]) -> dict[str, dict[int, list[str]]]:
    """Tag names per card, sorted like profiles.selectors.tag_names, as plain tuples (one
    query per field; building tag model instances through prefetch_related cost more than
    everything else on the page)."""
    tags: dict[str, dict[int, list[str]]] = {}
    for model_field in CARD_TAGS:
        through = getattr(Profile, model_field).through
        column = _tag_column(model_field)
        rows = through.objects.filter(profile_id__in=profile_ids).values_list(
            "profile_id", f"{column}__name"
        )
        names: dict[int, list[str]] = {}
        for profile_id, name in rows:
            names.setdefault(profile_id, []).append(name)
        tags[model_field] = {pid: sorted(n, key=str.casefold) for pid, n in names.items()}
    return tags


def _tag_column(model_field: str) -> str:
    """Name of the tag's foreign key on the M2M table: skills -> skill, industries -> industry."""
    return "industry" if model_field == "industries" else model_field.removesuffix("s")


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    return zone_or_none(name)


def _load_cards(profile_ids: list[int]) -> dict[int, MentorCard]:
    """The profile's part of each card (memoised per snapshot)."""
    tags = _card_tags(profile_ids)
    return {
        p.pk: MentorCard(
            profile_id=p.pk,
            user_id=p.user_id,
            name=p.name,
            initials=p.initials,
            headline=p.headline,
            photo_url=p.photo.url if p.photo else None,
            country_code=p.country,
            country=COUNTRIES.get(p.country, ""),
            zone=_zone(p.time_zone),
            schedule=schedule_of(p),
            skills=tags["skills"].get(p.pk, []),
            topics=tags["topics"].get(p.pk, []),
            languages=tags["languages"].get(p.pk, []),
            accepting_requests=p.accepting_requests,
            paused_until=p.paused_until,
        )
        for p in Profile.objects.filter(pk__in=profile_ids).select_related("user")
    }


def _card(
    card: MentorCard,
    viewer: Viewer,
    now: datetime,
    capacity_left: int,
    next_slot: freeslots.NextSlot | None = None,
) -> MentorCard:
    """The memoised card with the parts that depend on the viewer and the moment."""
    zone = card.zone
    overlap = None
    if zone is not None and viewer.hours is not None:
        on = now.astimezone(viewer.zone).date()
        overlap = overlap_hours(viewer.hours, card.schedule, on)
    today = timezone.localdate(now)
    return replace(
        card,
        local_time=f"{now.astimezone(zone):%H:%M}" if zone else None,
        overlap=overlap,
        overlap_label=format_hours(overlap) if overlap is not None else None,
        capacity_left=max(capacity_left, 0),
        is_paused=card.paused_until is not None and card.paused_until > today,
        next_free_slot=next_slot.at if next_slot else None,
        next_free_label=(
            f"{next_slot.at.astimezone(viewer.zone):%a %d %b, %H:%M}"
            if next_slot and next_slot.at
            else None
        ),
    )


# --- The page -----------------------------------------------------------------------------


@dataclass
class Relaxation:
    label: str
    params: str


@dataclass
class DirectoryPage:
    query: DirectoryQuery
    cards: list[MentorCard]
    count: int
    page: int
    pages: int
    facets: list[Facet] = field(default_factory=list)
    relax: list[Relaxation] = field(default_factory=list)
    # Mentors passing every other filter whose calendars were not checked yet (free-slot
    # filter only): left out for now, checked on later requests.
    free_slots_pending: int = 0

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def next_params(self) -> str:
        return self.query.params(page=self.page + 1)

    @property
    def previous_params(self) -> str:
        return self.query.params(page=self.page - 1)


def _relaxations(query: DirectoryQuery) -> list[Relaxation]:
    """Links that each drop one filter, offered when nothing matches."""
    relax: list[Relaxation] = []
    if query.q:
        relax.append(Relaxation(f"Search without “{query.q}”", query.params(drop=("q", None))))
    for facet, values in {**query.tags, **query.keywords}.items():
        for v in values:
            label = f"Remove {FACET_LABELS[facet].lower()}: {v.name}"
            relax.append(Relaxation(label, query.params(drop=(facet, v.key))))
    for code in query.countries:
        label = f"Any country, not only {COUNTRIES.get(code, code)}"
        relax.append(Relaxation(label, query.params(drop=("country", code))))
    if query.min_overlap is not None:
        label = f"Any time-zone overlap (not at least {query.min_overlap:g} h)"
        relax.append(Relaxation(label, query.params(drop=("overlap", None))))
    if query.min_capacity is not None:
        label = "Any number of free places"
        relax.append(Relaxation(label, query.params(drop=("capacity", None))))
    if query.free_within_days is not None:
        label = f"Any time, not only free in the next {query.free_within_days} days"
        relax.append(Relaxation(label, query.params(drop=("free_within_days", None))))
    if not query.include_unavailable:
        label = "Include paused mentors and mentors who are full"
        relax.append(Relaxation(label, query.params() + ("&" if query.params() else "") + "all=1"))
    return relax


def _in_order(snap: Snapshot, mask: np.ndarray, ranked: list[int] | None) -> np.ndarray:
    """Rows of `mask` in display order: relevance when searching, else by name."""
    if ranked is not None:
        rows = snap.rows_of(ranked)  # best first
        return rows[mask[rows]]
    rows = np.flatnonzero(mask)
    return rows[np.argsort(snap.name_order[rows], kind="stable")]


def _overlaps(snap: Snapshot, viewer: Viewer, now: datetime) -> np.ndarray:
    """Hours of overlap with the viewer per row (-1 without a schedule or viewer zone)."""
    if viewer.hours is None:
        return np.full(snap.size, -1.0)
    on = now.astimezone(viewer.zone).date()
    per_schedule = [
        overlap_hours(viewer.hours, theirs, on) if theirs is not None else -1.0
        for theirs in snap.schedules
    ]
    return np.array([*per_schedule, -1.0], dtype=float)[snap.schedule]


def _fit(snap: Snapshot, viewer: Viewer) -> np.ndarray:
    """How many of the viewer's own career goals and interests each mentor matches (by the
    goal filter's rule)."""
    score = np.zeros(snap.size, dtype=np.int64)
    for param in KEYWORD_FACETS:
        for name in _own_keywords(snap, viewer, param).values():
            score += snap.mask_of(_keyword_ids(snap, [name]))
    return score


def _sorted(
    snap: Snapshot, rows: np.ndarray, sort: str, viewer: Viewer, now: datetime
) -> np.ndarray:
    """`rows` (in the default order) reordered by `sort`; ties keep the default order."""
    if sort in ("", "relevance") or not len(rows):
        return rows
    position = np.arange(len(rows))
    if sort == "overlap":
        keys = (position, -_overlaps(snap, viewer, now)[rows])
    elif sort == "fit":
        keys = (position, -_overlaps(snap, viewer, now)[rows], -_fit(snap, viewer)[rows])
    else:  # soonest: calendars not checked yet (or with nothing free) come last
        source = freeslots.provider()
        user_ids = snap.user_ids[rows].tolist()
        if source is None:
            return rows
        source.check(user_ids, 14, now)  # computes the first ones within its budget
        known = source.known(user_ids, now)
        far = float("inf")
        starts = np.array(
            [
                known[u].at.timestamp() if u in known and known[u].at is not None else far
                for u in user_ids
            ]
        )
        keys = (position, starts)
    return rows[np.lexsort(keys)]


def _free_slots_mask(
    snap: Snapshot, scopes: Scopes, ranked: list[int] | None, days: int, now: datetime
) -> tuple[np.ndarray, int]:
    """Mentors with a free slot in the next `days` days, checked only among those that pass
    the other filters (in display order, so the first pages are decided first), then those
    the facet counts need (each facet's scope leaves its own filter out). Returns the mask
    and how many of the results-to-be could not be checked within this request's budget."""
    check = free_slots_filter()
    assert check is not None
    main = _in_order(snap, scopes.scope(), ranked)
    extra = np.zeros(snap.size, dtype=bool)
    for name in scopes.filters:
        extra |= scopes.scope(name)
    extra &= ~scopes.scope()
    rows = np.concatenate([main, _in_order(snap, extra, None)])
    user_ids = snap.user_ids[rows].tolist()
    found = check(user_ids, days, now)
    mask = np.isin(snap.user_ids, np.fromiter(found.free, dtype=np.int64, count=len(found.free)))
    # Pending among the main results only: those are the ones a reload may add.
    pending = sum(1 for u in user_ids[: len(main)] if u in found.unchecked)
    return mask, pending


def mentors_for_directory(
    viewer: Viewer,
    query: DirectoryQuery,
    *,
    with_facets: bool = True,
    scope: DirectoryScope = UNRESTRICTED,
) -> DirectoryPage:
    """One page of the directory for `viewer`: results in relevance order when there is search
    text (else by name), the total, facet counts and, when empty, ways to relax the search.
    `scope` (scope.scope_for(user, query.program)) limits whom it may list.

    Filtering, counting and ordering run over the in-memory snapshot; the database is asked
    only for full-text matches, blocks and the page's own profiles (LIMIT-sized, with tags)."""
    snap = snapshot.current()
    groups = search_terms(query.q) if query.q else []
    ranked = None
    if groups:
        key = ("ranked", tuple(goal_keywords(query.q)), *(tuple(g) for g in groups))
        ranked = snap.memo(key, lambda: search_ranking(query.q, groups))
    now = timezone.now()
    scopes = Scopes(
        _listed(snap, viewer, query.include_unavailable, scope),
        _filters(snap, query, viewer, ranked),
    )
    pending = 0
    if query.free_within_days is not None:
        free, pending = _free_slots_mask(snap, scopes, ranked, query.free_within_days, now)
        scopes = Scopes(scopes.listed, {**scopes.filters, "free": free})
    results = scopes.scope()
    count = int(np.count_nonzero(results))
    pages = max(1, -(-count // query.page_size))
    offset = (query.page - 1) * query.page_size
    ordered = _sorted(snap, _in_order(snap, results, ranked), query.sort, viewer, now)
    rows = ordered[offset : offset + query.page_size]
    page_ids = snap.ids[rows].tolist()
    capacity_left = dict(zip(page_ids, snap.capacity_left[rows].tolist(), strict=True))
    memo = snap.cards_for(page_ids, _load_cards)
    # Next free slot on the cards when some earlier request (or this one) has checked it.
    source = freeslots.provider()
    slots = source.known(snap.user_ids[rows].tolist(), now) if source is not None else {}
    cards = [
        _card(memo[i], viewer, now, capacity_left[i], slots.get(memo[i].user_id))
        for i in page_ids
        if i in memo
    ]
    page = DirectoryPage(query, cards, count, query.page, pages, free_slots_pending=pending)
    if with_facets:
        page.facets = facet_counts(snap, query, viewer, scopes)
    if count == 0:
        page.relax = _relaxations(query)
    return page
