"""ninja schemas for the profile API. Value rules live in services, shared with the HTML form."""

from __future__ import annotations

from datetime import date

from ninja import Schema
from pydantic import ConfigDict

from mentorloom.core.schemas import Int32, LocalTime


class ProfileOut(Schema):
    user_id: int
    name: str
    display_name: str
    pronouns: str
    headline: str
    bio: str
    bio_html: str
    photo_url: str | None
    time_zone: str
    local_time: str | None  # "HH:MM" in the profile's own zone, when it has one
    utc_offset: str | None  # "UTC+9"
    work_start: str  # "HH:MM", wall time in time_zone
    work_end: str
    work_days: list[int]
    country: str
    links: list[str]
    languages: list[str]
    skills: list[str]
    industries: list[str]
    career_goals: list[str]
    interests: list[str]
    is_mentor: bool
    expertise: str
    years_experience: int | None
    topics: list[str]
    session_lengths: list[int]
    capacity: int
    accepting_requests: bool
    paused_until: date | None


class MyProfileOut(ProfileOut):
    visibility: str
    help_with: str = ""  # private: never in the public profile
    meets_outside_hours: bool


class MeOut(Schema):
    email: str
    email_verified: bool
    profile: MyProfileOut


class ProfilePatch(Schema):
    """Every field optional: only the fields sent are changed (PATCH semantics)."""

    # Unknown keys are an error rather than silently ignored, so typos do not look like success.
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = None
    pronouns: str | None = None
    headline: str | None = None
    bio: str | None = None
    time_zone: str | None = None
    work_start: LocalTime | None = None
    work_end: LocalTime | None = None
    work_days: list[Int32] | None = None
    country: str | None = None
    links: list[str] | None = None
    visibility: str | None = None
    languages: list[str] | None = None
    skills: list[str] | None = None
    industries: list[str] | None = None
    career_goals: list[str] | None = None
    interests: list[str] | None = None
    help_with: str | None = None
    is_mentor: bool | None = None
    expertise: str | None = None
    years_experience: Int32 | None = None
    topics: list[str] | None = None
    session_lengths: list[Int32] | None = None
    capacity: Int32 | None = None
    accepting_requests: bool | None = None
    paused_until: date | None = None
    meets_outside_hours: bool | None = None
