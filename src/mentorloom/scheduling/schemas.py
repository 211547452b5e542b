"""Ninja schemas for the scheduling API."""

from __future__ import annotations

from datetime import date, datetime, time

from ninja import Schema
from pydantic import Field

from mentorloom.core.schemas import Int32, LocalTime

# A session is at most a day long; bounds keep absurd numbers out of date arithmetic.
MAX_DURATION_MINUTES = 24 * 60

# Series have a field named `time`; annotations below it must not see the field.
WallTime = time


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
    start: LocalTime
    end: LocalTime = Field(
        description="Local wall time; 00:00 means midnight at the end of the day"
    )


class RuleOut(RuleIn):
    id: int


class RulesIn(Schema):
    rules: list[RuleIn]


class OverrideIn(Schema):
    date: date
    kind: str = Field(description="available | blocked")
    start: LocalTime | None = None
    end: LocalTime | None = None
    note: str = ""


class OverrideOut(OverrideIn):
    id: int


class SettingsIn(Schema):
    remind_24h: bool | None = None
    remind_1h: bool | None = None
    buffer_before_minutes: Int32 | None = None
    buffer_after_minutes: Int32 | None = None
    min_notice_minutes: Int32 | None = None
    horizon_days: Int32 | None = None
    max_per_day: Int32 | None = None
    max_per_week: Int32 | None = None


class SettingsOut(Schema):
    remind_24h: bool
    remind_1h: bool
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
    duration: int = Field(ge=1, le=MAX_DURATION_MINUTES, description="Minutes")
    tz: str = Field(description="IANA zone the booking is made in")
    agenda: str = Field(default="", max_length=2000)


class RescheduleIn(Schema):
    start: datetime
    tz: str
    scope: str = Field(default="this", description="this | following (the rest of its series)")
    message: str = Field(
        default="", max_length=500, description="Shown to the other side if it becomes a proposal"
    )


class CancelIn(Schema):
    reason: str = Field(default="", max_length=500)
    scope: str = Field(default="this", description="this | following (the rest of its series)")


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
    series_id: int | None = None
    series_index: int | None = None


class FeedOut(Schema):
    url: str | None


class SeriesIn(Schema):
    frequency: str = Field(description="weekly | biweekly | monthly (n-th weekday of first_date)")
    first_date: date = Field(description="Local date of the first session in `tz`")
    time: LocalTime = Field(description="Wall time in `tz`")
    alt_time: LocalTime | None = Field(default=None, description="Fairness rotation: every other")
    count: Int32 | None = None
    until: date | None = None
    nth: int | None = Field(default=None, ge=-1, le=5, description="monthly: 1..4 or -1 (last)")
    duration: int = Field(ge=1, le=MAX_DURATION_MINUTES, description="Minutes")
    tz: str = Field(description="The organiser's IANA zone; wall times are kept in it")
    agenda: str = Field(default="", max_length=2000)
    skip_conflicts: bool = Field(default=True, description="false: refuse if any date clashes")


class OccurrenceOut(Schema):
    index: int
    date: date
    wall: WallTime
    start: datetime
    mentor_local: datetime
    mentee_local: datetime
    mentor_hour: str  # "early" | "late" | ""
    mentee_hour: str
    problem: str  # "" | outside_availability | too_soon | busy
    problem_message: str
    clock_shift_minutes: int = Field(
        default=0, description="> 0: the wall time falls in a spring-forward gap; moved by this"
    )
    clock_note: str = ""


class PreviewOut(Schema):
    occurrences: list[OccurrenceOut]


class SkippedOut(Schema):
    index: int
    date: date
    wall: WallTime
    problem: str


class SeriesOut(Schema):
    id: int
    mentorship_id: int
    organiser_id: int | None
    zone: str
    frequency: str
    summary: str
    first_date: date
    time: WallTime
    alt_time: WallTime | None
    count: int | None
    until: date | None
    duration: int
    sessions: list[SessionOut]
    skipped: list[SkippedOut] = []


class CalendarIn(Schema):
    kind: str = Field(description="ics | caldav")
    url: str = Field(max_length=1000)
    name: str = Field(default="", max_length=80)
    username: str = Field(default="", max_length=200)
    password: str = Field(
        default="", max_length=500, description="Stored encrypted; never returned"
    )


class CalendarOut(Schema):
    id: int
    kind: str
    name: str
    url: str
    username: str
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    busy_count: int
    fetching: bool  # a fetch asked for waits for the worker; fields above are from the last one

    @staticmethod
    def resolve_fetching(obj) -> bool:  # type: ignore[no-untyped-def]
        return obj.fetch_queued_at is not None


class ProposalOut(Schema):
    id: int
    session_id: int
    proposed_by_id: int
    starts_at: datetime
    ends_at: datetime
    zone: str
    start_local: str  # in the viewer's zone
    message: str
    status: str  # open | accepted | declined | withdrawn | expired | superseded
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None
