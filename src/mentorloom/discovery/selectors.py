"""Reads for the mentor directory: filtered, searched, counted, paginated.

Selectors load data; pure modules decide (overlap.py for time, text.py for words); the SQL of
the full-text index stays in fulltext.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.profiles.countries import COUNTRIES
from mentorloom.profiles.models import Profile
from mentorloom.profiles.selectors import tag_names, zone_or_none
from mentorloom.safety.selectors import hidden_user_ids

from . import fulltext
from .filters import FACET_LABELS, KEYWORD_FACETS, TAG_FACETS, DirectoryQuery
from .models import SearchDocument
from .overlap import WorkingHours, format_hours, overlap_hours
from .services import schedule_of
from .text import expand_terms, goal_keywords, query_terms

FACET_VALUES_SHOWN = 12


def free_slots_filter() -> Callable[[QuerySet[Profile], int], QuerySet[Profile]] | None:
    """Hook for "has free slots in the next N days" (the Scheduling issue).

    Return a function (mentors, days) -> mentors with at least one bookable slot in the next
    `days` days. While it returns None the filter is hidden in the page and the API, and the
    `free_within_days` parameter is ignored like any unknown parameter.
    """
    return None


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    hours: WorkingHours | None  # None when the viewer has no time zone
    zone: ZoneInfo
    goals: tuple[tuple[str, str], ...] = ()  # (key, name) of the viewer's career goals
    interests: tuple[tuple[str, str], ...] = ()

    @property
    def has_zone(self) -> bool:
        return self.hours is not None


def viewer_for(user: Any, fallback_zone: ZoneInfo) -> Viewer:
    profile = Profile.objects.filter(user_id=user.pk).prefetch_related(*KEYWORD_FACETS.values())
    profile = profile.first()
    if profile is None:
        return Viewer(user.pk, None, fallback_zone)
    zone = zone_or_none(profile.time_zone)
    return Viewer(
        user.pk,
        schedule_of(profile) if zone else None,
        zone or fallback_zone,
        goals=tuple((t.key, t.name) for t in profile.career_goals.all()),
        interests=tuple((t.key, t.name) for t in profile.interests.all()),
    )


# --- The result set -----------------------------------------------------------------------


def listed_mentors(viewer: Viewer, include_unavailable: bool = False) -> QuerySet[Profile]:
    """Mentors the viewer may see: active accounts, never the viewer, never anyone on either
    side of a block; by default only those accepting requests, not paused and not full."""
    active = (
        Mentorship.objects.filter(mentor_id=OuterRef("user_id"), status=MentorshipStatus.ACTIVE)
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    hidden = hidden_user_ids(viewer.user_id) | ({viewer.user_id} if viewer.user_id else set())
    mentors = (
        Profile.objects.filter(is_mentor=True, user__is_active=True)
        .exclude(user_id__in=hidden)
        .annotate(
            active_mentees=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
            capacity_left=F("capacity") - F("active_mentees"),
        )
    )
    if not include_unavailable:
        today = timezone.localdate()
        mentors = mentors.filter(
            Q(paused_until__isnull=True) | Q(paused_until__lte=today),
            accepting_requests=True,
            capacity_left__gt=0,
        )
    return mentors


def _tag_column(model_field: str) -> str:
    """Name of the tag's foreign key on the M2M table: skills -> skill, industries -> industry."""
    return "industry" if model_field == "industries" else model_field.removesuffix("s")


def _tag_filter(model_field: str, tag_ids: list[int]) -> Q:
    through = getattr(Profile, model_field).through
    column = _tag_column(model_field)
    rows = through.objects.filter(**{f"{column}_id__in": tag_ids}).values("profile_id")
    return Q(pk__in=rows)


def _text_filter(groups: list[list[str]], fields: tuple[str, ...] | None = None) -> Q:
    sql, params = fulltext.match_sql(groups, fields)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 - fulltext builds it from [^\W_]+ words


def _keyword_filter(names: list[str]) -> Q:
    words = list(dict.fromkeys(w for name in names for w in goal_keywords(name)))
    if not words:
        return Q(pk__in=[])  # a goal with no subject words ("Get a job") matches nobody
    return _text_filter([words], fulltext.SUBJECT_FIELDS)


def _overlap_filter(viewer: Viewer, minimum: float, on: date) -> Q:
    assert viewer.hours is not None
    keys = SearchDocument.objects.values_list("schedule_key", flat=True).distinct()
    good = []
    for key in keys:
        theirs = WorkingHours.from_key(key)
        if theirs is not None and overlap_hours(viewer.hours, theirs, on) >= minimum:
            good.append(key)
    return Q(search_document__schedule_key__in=good)


def search_terms(q: str) -> list[list[str]]:
    words = fulltext.vocabulary()
    terms = expand_terms(
        query_terms(q),
        has_prefix=lambda w: fulltext.has_prefix(words, w),
        candidates=lambda w: fulltext.spelling_candidates(words, w),
    )
    return fulltext.term_groups(terms)


def _filters(query: DirectoryQuery, viewer: Viewer, groups: list[list[str]]) -> dict[str, Q]:
    """One Q per active facet, so facet counts can leave their own facet out."""
    filters: dict[str, Q] = {}
    for param, values in query.tags.items():
        filters[param] = _tag_filter(TAG_FACETS[param], [v.id for v in values])
    for param, values in query.keywords.items():
        filters[param] = _keyword_filter([v.name for v in values])
    if query.countries:
        filters["country"] = Q(country__in=query.countries)
    if query.min_overlap is not None and viewer.has_zone:
        on = timezone.now().astimezone(viewer.zone).date()
        filters["overlap"] = _overlap_filter(viewer, query.min_overlap, on)
    if query.min_capacity is not None:
        filters["capacity"] = Q(capacity_left__gte=query.min_capacity)
    if groups:
        filters["q"] = _text_filter(groups)
    return filters


def _apply(mentors: QuerySet[Profile], filters: dict[str, Q], leave_out: str = "") -> QuerySet:
    for name, condition in filters.items():
        if name != leave_out:
            mentors = mentors.filter(condition)
    return mentors


# Result sets up to this size are fetched once as ids and counted by id afterwards: far cheaper
# than re-running every filter (blocks, capacity, overlap, full text) for each facet.
ID_LIST_LIMIT = 2000


class Scopes:
    """The filtered result set, and the same with one facet's filter left out, each evaluated
    once per request."""

    def __init__(self, base: QuerySet[Profile], filters: dict[str, Q]) -> None:
        self.base = base
        self.filters = filters
        self._cache: dict[str, tuple[QuerySet[Profile], list[int] | None]] = {}

    def get(self, leave_out: str = "") -> tuple[QuerySet[Profile], list[int] | None]:
        key = leave_out if leave_out in self.filters else ""
        if key not in self._cache:
            filtered = _apply(self.base, self.filters, key)
            ids = list(filtered.values_list("pk", flat=True)[: ID_LIST_LIMIT + 1])
            if len(ids) <= ID_LIST_LIMIT:
                self._cache[key] = (Profile.objects.filter(fulltext.id_set(ids)), ids)
            else:
                self._cache[key] = (filtered, None)
        return self._cache[key]

    def scope(self, leave_out: str = "") -> QuerySet[Profile]:
        return self.get(leave_out)[0]


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


@dataclass(frozen=True)
class Facet:
    param: str
    label: str
    values: list[FacetValue]


def _tag_counts(
    param: str, mentors: QuerySet[Profile], selected: set[str]
) -> tuple[list[FacetValue], set[str]]:
    """Top values by count (plus the selected ones), and selected keys with no results."""
    model_field = TAG_FACETS[param]
    through = getattr(Profile, model_field).through
    tag = _tag_column(model_field)
    rows = (
        through.objects.filter(profile_id__in=mentors.values("pk"))
        .values(f"{tag}__key", f"{tag}__name")
        .annotate(n=Count("profile_id"))
        .order_by("-n", f"{tag}__key")
    )
    top = list(rows[:FACET_VALUES_SHOWN])
    shown = {r[f"{tag}__key"] for r in top}
    missing = selected - shown
    if missing:
        top += list(rows.filter(**{f"{tag}__key__in": missing}))
    values = [
        FacetValue(
            r[f"{tag}__name"], r[f"{tag}__name"], r["n"], r[f"{tag}__key"] in selected, param
        )
        for r in top
    ]
    found = {r[f"{tag}__key"] for r in top}
    return values, missing - found


def facet_counts(query: DirectoryQuery, viewer: Viewer, scopes: Scopes) -> list[Facet]:
    """Counts per value over the results with every OTHER facet's filter applied (so a count
    says how many results ticking that value adds — the usual disjunctive faceting)."""
    facets: list[Facet] = []
    for param in ("goal", "interest"):
        own = dict(viewer.goals if param == "goal" else viewer.interests)
        own.update({v.key: v.name for v in query.keywords.get(param, ())})
        if not own:
            continue
        scope = scopes.scope(param)
        selected = query.selected(param)
        values = [
            FacetValue(
                name, name, scope.filter(_keyword_filter([name])).count(), key in selected, param
            )
            for key, name in own.items()
        ]
        facets.append(Facet(param, FACET_LABELS[param], values))
    for param in TAG_FACETS:
        selected_values = {v.key: v for v in query.tags.get(param, ())}
        scope = scopes.scope(param)
        values, missing = _tag_counts(param, scope, set(selected_values))
        # A selected value with no results still shows (ticked, 0) so it can be unticked.
        values += [
            FacetValue(selected_values[k].name, selected_values[k].name, 0, True, param)
            for k in sorted(missing)
        ]
        if values:
            facets.append(Facet(param, FACET_LABELS[param], values))
    scope = scopes.scope("country")
    rows = (
        scope.exclude(country="")
        .order_by()
        .values("country")
        .annotate(n=Count("pk"))
        .order_by("-n", "country")
    )
    counted = {r["country"]: r["n"] for r in rows}
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
    profile: Profile
    user_id: int
    name: str
    initials: str
    headline: str
    photo_url: str | None
    country_code: str
    country: str
    skills: list[str]
    topics: list[str]
    languages: list[str]
    local_time: str | None  # "14:05"
    zone_name: str | None
    overlap: float | None  # hours; None when either side has no time zone
    overlap_label: str | None
    capacity_left: int
    is_paused: bool
    accepting_requests: bool


def _card(profile: Profile, viewer: Viewer, now: datetime) -> MentorCard:
    zone = zone_or_none(profile.time_zone)
    overlap = None
    if zone is not None and viewer.hours is not None:
        on = now.astimezone(viewer.zone).date()
        overlap = overlap_hours(viewer.hours, schedule_of(profile), on)
    return MentorCard(
        profile=profile,
        user_id=profile.user_id,
        name=profile.name,
        initials=profile.initials,
        headline=profile.headline,
        photo_url=profile.photo.url if profile.photo else None,
        country_code=profile.country,
        country=COUNTRIES.get(profile.country, ""),
        skills=tag_names(profile, "skills"),
        topics=tag_names(profile, "topics"),
        languages=tag_names(profile, "languages"),
        local_time=f"{now.astimezone(zone):%H:%M}" if zone else None,
        zone_name=zone.key if zone else None,
        overlap=overlap,
        overlap_label=format_hours(overlap) if overlap is not None else None,
        capacity_left=max(profile.capacity_left, 0),
        is_paused=profile.is_paused,
        accepting_requests=profile.accepting_requests,
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
    if not query.include_unavailable:
        label = "Include paused mentors and mentors who are full"
        relax.append(Relaxation(label, query.params() + ("&" if query.params() else "") + "all=1"))
    return relax


def mentors_for_directory(
    viewer: Viewer, query: DirectoryQuery, *, with_facets: bool = True
) -> DirectoryPage:
    """One page of the directory for `viewer`: results in relevance order when there is search
    text (else by name), the total, facet counts and, when empty, ways to relax the search."""
    base = listed_mentors(viewer, query.include_unavailable)
    groups = search_terms(query.q) if query.q else []
    scopes = Scopes(base, _filters(query, viewer, groups))
    results, ids = scopes.get()
    count = len(ids) if ids is not None else results.count()
    pages = max(1, -(-count // query.page_size))
    offset = (query.page - 1) * query.page_size
    if groups:
        within = results.values("pk").query.sql_with_params()
        ranked = fulltext.ranked_page(groups, within, query.page_size, offset)
        by_id = {p.pk: p for p in _with_tags(base.filter(pk__in=ranked))}
        profiles = [by_id[i] for i in ranked if i in by_id]
    else:
        ordered = base.filter(pk__in=results.values("pk")).order_by("display_name", "pk")
        profiles = list(_with_tags(ordered)[offset : offset + query.page_size])
    now = timezone.now()
    cards = [_card(p, viewer, now) for p in profiles]
    page = DirectoryPage(query, cards, count, query.page, pages)
    if with_facets:
        page.facets = facet_counts(query, viewer, scopes)
    if count == 0:
        page.relax = _relaxations(query)
    return page


def _with_tags(mentors: QuerySet[Profile]) -> QuerySet[Profile]:
    return mentors.select_related("user").prefetch_related("skills", "topics", "languages")
