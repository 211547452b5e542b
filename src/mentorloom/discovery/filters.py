"""The directory's query string: one parser shared by the page and the API.

Parameter names are the URL's (shareable, survive reload); repeat a parameter for OR within a
facet (`?skill=python&skill=sql`). Unknown parameter names are ignored (campaign tags, old
links); unknown VALUES of a known facet are errors, so a typo never silently widens a search.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from mentorloom.core.errors import InvalidInput
from mentorloom.core.params import int_param
from mentorloom.profiles.countries import COUNTRIES
from mentorloom.profiles.models import TAG_MODELS, tag_key

from .text import MAX_QUERY_LENGTH

# Choices for "has free slots in the next N days" (freeslots.py caches one value per mentor
# that answers all of them).
FREE_WITHIN_DAYS = (3, 7, 14)

PAGE_SIZE = 20
# `sort`: how results are ordered. "" = relevance when there is search text, else by name.
SORTS: dict[str, str] = {
    "relevance": "Relevance",
    "fit": "Best fit for my goals",
    "soonest": "Soonest free time",
    "overlap": "Most overlap with my hours",
}
MAX_PAGE_SIZE = 50
MAX_VALUES_PER_FACET = 20
MAX_PAGE = 10_000
MAX_ID = 2**63 - 1

# URL parameter -> Profile tag field. Exact tag matches (OR within, AND across facets).
TAG_FACETS: dict[str, str] = {
    "skill": "skills",
    "industry": "industries",
    "topic": "topics",
    "language": "languages",
}
# URL parameter -> vocabulary they are chosen from. Matched by subject words (text.goal_keywords)
# against the mentor's skills, topics, industries, expertise and interests: mentors describe
# what they help with, mentees describe where they want to go, and the words rarely coincide.
KEYWORD_FACETS: dict[str, str] = {"goal": "career_goals", "interest": "interests"}
FACET_LABELS = {
    "skill": "Skills",
    "industry": "Industries",
    "topic": "Topics they help with",
    "language": "Languages",
    "goal": "Your career goals",
    "interest": "Your interests",
    "country": "Country",
}
NOUNS = {
    "skill": "skill",
    "industry": "industry",
    "topic": "topic",
    "language": "language",
    "goal": "career goal",
    "interest": "interest",
}


@dataclass(frozen=True)
class TagValue:
    id: int
    key: str
    name: str


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    tags: dict[str, tuple[TagValue, ...]] = field(default_factory=dict)  # facet -> values
    keywords: dict[str, tuple[TagValue, ...]] = field(default_factory=dict)  # goal/interest
    countries: tuple[str, ...] = ()
    min_overlap: float | None = None
    min_capacity: int | None = None
    free_within_days: int | None = None  # "has free slots in the next N days"
    include_unavailable: bool = False
    sort: str = ""  # a key of SORTS, or "" for the default order
    program: int | None = None  # only this program's people (scope.py decides who they are)
    page: int = 1
    page_size: int = PAGE_SIZE

    def params(self, *, drop: tuple[str, str | None] | None = None, page: int | None = None) -> str:
        """This query as a URL query string; `drop=(param, value)` removes one filter (value
        None removes the whole parameter). Used for pagination and 'relax this filter' links."""
        pairs: list[tuple[str, str]] = []

        def keep(name: str, value: str) -> bool:
            return drop is None or drop[0] != name or (drop[1] is not None and drop[1] != value)

        if self.q and keep("q", self.q):
            pairs.append(("q", self.q))
        for facet, values in {**self.tags, **self.keywords}.items():
            pairs += [(facet, v.name) for v in values if keep(facet, v.key)]
        pairs += [("country", c) for c in self.countries if keep("country", c)]
        if self.min_overlap is not None and keep("overlap", str(self.min_overlap)):
            pairs.append(("overlap", f"{self.min_overlap:g}"))
        if self.min_capacity is not None and keep("capacity", str(self.min_capacity)):
            pairs.append(("capacity", str(self.min_capacity)))
        if self.free_within_days is not None and keep("free_within_days", "x"):
            pairs.append(("free_within_days", str(self.free_within_days)))
        if self.include_unavailable and keep("all", "1"):
            pairs.append(("all", "1"))
        if self.sort and keep("sort", self.sort):
            pairs.append(("sort", self.sort))
        if self.program is not None and keep("program", str(self.program)):
            pairs.append(("program", str(self.program)))
        if self.page_size != PAGE_SIZE:
            pairs.append(("page_size", str(self.page_size)))
        if page and page > 1:
            pairs.append(("page", str(page)))
        return urlencode(pairs)

    @property
    def active_filters(self) -> int:
        return (
            sum(len(v) for v in self.tags.values())
            + sum(len(v) for v in self.keywords.values())
            + len(self.countries)
            + (self.min_overlap is not None)
            + (self.min_capacity is not None)
            + (self.free_within_days is not None)
            + bool(self.q)
        )

    @property
    def filter_count(self) -> int:
        """Filters set in the "Filters" panel (not the search text), for its button."""
        return self.active_filters - bool(self.q) + self.include_unavailable

    def selected(self, facet: str) -> set[str]:
        if facet == "country":
            return set(self.countries)
        return {v.key for v in (self.tags.get(facet) or self.keywords.get(facet) or ())}

    def with_page(self, page: int) -> DirectoryQuery:
        return replace(self, page=page)


def _getlist(params: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        raw = params.get(name)
        values = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    return [str(v) for v in values if str(v).strip()]


def _number(raw: str, *, low: float, high: float, integer: bool) -> float | int:
    value = float(raw) if not integer else int(raw)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError
    return value


def parse_query(
    params: Mapping[str, Any], *, allow_page_size: bool = False, viewer_has_zone: bool = True
) -> DirectoryQuery:
    """Validate the query string. Raises InvalidInput(fields={param: [message]}) listing every
    problem at once; the API answers 422 with it and the page shows it next to the fields."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    q = " ".join(" ".join(_getlist(params, "q")).split())
    if len(q) > MAX_QUERY_LENGTH:
        error("q", f"Search text can be at most {MAX_QUERY_LENGTH} characters.")

    def tag_values(param: str, model_field: str) -> tuple[TagValue, ...]:
        names = _getlist(params, param)
        if len(names) > MAX_VALUES_PER_FACET:
            error(param, f"Choose at most {MAX_VALUES_PER_FACET} values.")
            return ()
        keys = list(dict.fromkeys(tag_key(n) for n in names if tag_key(n)))
        if not keys:
            return ()
        found = {
            key: TagValue(pk, key, name)
            for pk, key, name in TAG_MODELS[model_field]
            .objects.filter(key__in=keys)
            .values_list("pk", "key", "name")
        }
        for key in keys:
            if key not in found:
                error(param, f"There is no {NOUNS[param]} called “{key}”.")
        return tuple(found[k] for k in keys if k in found)

    tags = {p: v for p, f in TAG_FACETS.items() if (v := tag_values(p, f))}
    keywords = {p: v for p, f in KEYWORD_FACETS.items() if (v := tag_values(p, f))}

    countries = tuple(dict.fromkeys(c.strip().upper() for c in _getlist(params, "country")))
    for code in countries:
        if code not in COUNTRIES:
            error("country", f"“{code}” is not a country code we know (use ISO codes like DE).")

    min_overlap = None
    raw = (_getlist(params, "overlap") or [""])[0].strip()
    if raw:
        try:
            min_overlap = float(_number(raw, low=0, high=24, integer=False))
        except ValueError:
            error("overlap", "Enter a number of hours between 0 and 24, such as 2 or 1.5.")
        else:
            if not viewer_has_zone:
                error("overlap", "Set your time zone on your profile to filter by overlap.")
            min_overlap = min_overlap or None  # 0 hours is no filter at all

    min_capacity = None
    raw = (_getlist(params, "capacity") or [""])[0].strip()
    if raw:
        try:
            min_capacity = int(_number(raw, low=1, high=50, integer=True))
        except ValueError:
            error("capacity", "Enter a whole number of free places between 1 and 50.")

    free_within_days = None
    raw = (_getlist(params, "free_within_days") or [""])[0].strip()
    if raw:
        choices = FREE_WITHIN_DAYS
        if int_param(raw) in choices:
            free_within_days = int_param(raw)
        else:
            allowed = ", ".join(map(str, choices[:-1])) + f" or {choices[-1]}"
            error("free_within_days", f"Choose free slots within {allowed} days.")

    include_unavailable = (_getlist(params, "all") or [""])[0].lower() in {"1", "on", "true"}

    sort = (_getlist(params, "sort") or [""])[0].strip().lower()
    if sort and sort not in SORTS:
        error("sort", "Sort by " + ", ".join(SORTS) + ".")
        sort = ""
    elif sort == "overlap" and not viewer_has_zone:
        error("sort", "Set your time zone on your profile to sort by overlap.")

    program = None
    raw = (_getlist(params, "program") or [""])[0].strip()
    if raw:
        try:
            program = int(_number(raw, low=1, high=MAX_ID, integer=True))
        except ValueError:
            error("program", "Program must be a program's number, as in its link.")

    page = 1
    raw = (_getlist(params, "page") or [""])[0].strip()
    if raw:
        try:
            page = int(_number(raw, low=1, high=MAX_PAGE, integer=True))
        except ValueError:
            error("page", f"Page must be a whole number from 1 to {MAX_PAGE}.")

    page_size = PAGE_SIZE
    raw = (_getlist(params, "page_size") or [""])[0].strip() if allow_page_size else ""
    if raw:
        try:
            page_size = int(_number(raw, low=1, high=MAX_PAGE_SIZE, integer=True))
        except ValueError:
            error("page_size", f"Page size must be a whole number from 1 to {MAX_PAGE_SIZE}.")

    if errors:
        raise InvalidInput("Some filters are not valid.", fields=errors)
    return DirectoryQuery(
        q=q,
        tags=tags,
        keywords=keywords,
        countries=countries,
        min_overlap=min_overlap,
        min_capacity=min_capacity,
        free_within_days=free_within_days,
        include_unavailable=include_unavailable,
        sort=sort,
        program=program,
        page=page,
        page_size=page_size,
    )
