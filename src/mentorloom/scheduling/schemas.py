"""Ninja schemas for the scheduling API."""

from __future__ import annotations

from datetime import date, datetime, time

from ninja import Schema
from pydantic import Field


class SlotOut(Schema):
    start: str  # ISO 8601 with the requested zone's offset
    end: str
    start_utc: str
    mentor_local: str  # the same instant in the mentor's zone


class SlotsOut(Schema):
    mentor_id: int
    tz: str
    mentor_tz: str
    duration: int
    slots: list[SlotOut]


class RuleIn(Schema):
    weekday: int = Field(ge=1, le=7, description="ISO weekday, 1 = Monday")
    start: time
    end: time = Field(description="Local wall time; 00:00 means midnight at the end of the day")


class RuleOut(RuleIn):
    id: int


class RulesIn(Schema):
    rules: list[RuleIn]


class OverrideIn(Schema):
    date: date
    kind: str = Field(description="available | blocked")
    start: time | None = None
    end: time | None = None
    note: str = ""


class OverrideOut(OverrideIn):
    id: int


class SettingsIn(Schema):
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    min_notice_minutes: int | None = None
    horizon_days: int | None = None
    max_per_day: int | None = None
    max_per_week: int | None = None


class SettingsOut(Schema):
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_minutes: int
    horizon_days: int
    max_per_day: int | None
    max_per_week: int | None


class AvailabilityOut(Schema):
    tz: str
    session_lengths: list[int]
    rules: list[RuleOut]
    overrides: list[OverrideOut]
    settings: SettingsOut


class BookIn(Schema):
    start: datetime = Field(description="Slot start with its UTC offset")
    duration: int
    tz: str = Field(description="IANA zone the booking is made in")
    agenda: str = Field(default="", max_length=2000)


class RescheduleIn(Schema):
    start: datetime
    tz: str


class CancelIn(Schema):
    reason: str = Field(default="", max_length=500)


class SessionOut(Schema):
    id: int
    uid: str
    mentorship_id: int
    mentor_id: int
    mentee_id: int
    starts_at: datetime
    ends_at: datetime
    zone: str
    start_local: str  # in the viewer's zone
    status: str
    agenda: str
    late_cancel: bool
    cancel_reason: str
    ics_sequence: int


class FeedOut(Schema):
    url: str | None
