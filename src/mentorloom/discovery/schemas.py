"""API schemas for the mentor directory."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


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
    # First free slot (UTC) in the next 14 days when checked in the last 10 minutes, else null.
    next_free_slot: datetime | None
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
    free_slots_pending: int = Field(
        0,
        description="With free_within_days: matching mentors whose calendars were not checked "
        "yet in this request (left out; a later request checks them).",
    )
    next: str | None
    previous: str | None
    results: list[MentorOut]
    facets: list[FacetOut]
