"""API schemas for the mentor directory."""

from __future__ import annotations

from ninja import Schema


class MentorOut(Schema):
    user_id: int
    name: str
    headline: str
    photo_url: str | None
    country: str
    country_name: str
    skills: list[str]
    topics: list[str]
    languages: list[str]
    time_zone: str | None
    local_time: str | None
    overlap_hours: float | None
    capacity_left: int
    accepting_requests: bool
    paused: bool
    profile_url: str


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    param: str
    label: str
    values: list[FacetValueOut]


class DirectoryOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    next: str | None
    previous: str | None
    results: list[MentorOut]
    facets: list[FacetOut]
