"""Availability, sessions and everything that hangs off a session (reminders, proposals).

Instants are stored in UTC with the IANA zone they were meant in; availability is stored as
local wall times and is only ever interpreted in the mentor's profile zone (slots.py).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorloom.accounts.models import User

WEEKDAY_CHOICES = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
]


class SchedulingSettings(models.Model):
    """Per-person scheduling knobs. Its row is also the booking lock for that person."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduling_settings"
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(240)]
    )
    min_notice_minutes = models.PositiveIntegerField(
        default=12 * 60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(48)]
    )
    max_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    # Reminders this person wants (in-app + e-mail); the other side's choice is their own.
    remind_24h = models.BooleanField(default=True)
    remind_1h = models.BooleanField(default=True)
    # Private calendar feed; blank = no feed. Regenerating invalidates the old URL.
    feed_token = models.CharField(max_length=64, blank=True, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"scheduling settings of {self.user_id}"

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    @staticmethod
    def new_feed_token() -> str:
        return secrets.token_urlsafe(32)


class AvailabilityRule(models.Model):
    """A weekly window in the mentor's zone: ISO weekday + local wall times (end 00:00 = 24:00)."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_rules"
    )
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="availability_rule_weekday"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")) | Q(end="00:00"),
                name="availability_rule_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class OverrideKind(models.TextChoices):
    AVAILABLE = "available", "Available (replaces the usual hours)"
    BLOCKED = "blocked", "Blocked"


class AvailabilityOverride(models.Model):
    """A date's own hours, or a blocked date (no times) / blocked hours on a date."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_overrides"
    )
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=OverrideKind.choices)
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date", "start"]
        indexes = [models.Index(fields=["mentor", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True)
                | (
                    Q(start__isnull=False, end__isnull=False)
                    & (Q(end__gt=models.F("start")) | Q(end="00:00"))
                ),
                name="availability_override_times",
            ),
            models.CheckConstraint(
                condition=Q(kind="blocked") | Q(start__isnull=False),
                name="availability_override_available_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class SeriesFrequency(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly on the same weekday"


class ParticipantReliability(User):  # type: ignore[misc,valid-type]
    """Read-only admin view of people with their no-show and late-cancellation counts."""

    class Meta:
        proxy = True
        verbose_name = "participant reliability"
        verbose_name_plural = "participant reliability (no-shows)"


class SessionSeries(models.Model):
    """A recurring coffee chat: a rule at a fixed wall time in the organiser's zone.

    Each occurrence is a real Session (series + series_index), so it can be moved or cancelled
    alone; the rule is kept to show and explain the series (recurrence.py expands it).
    """

    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="session_series"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    zone = models.CharField(max_length=64)  # the organiser's IANA zone; wall times live here
    frequency = models.CharField(max_length=10, choices=SeriesFrequency.choices)
    nth = models.SmallIntegerField(null=True, blank=True)  # monthly: 1..4 or -1 (last)
    first_date = models.DateField()
    time = models.TimeField()
    alt_time = models.TimeField(null=True, blank=True)  # fairness rotation
    duration_minutes = models.PositiveSmallIntegerField()
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    agenda = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"series {self.pk} {self.frequency} {self.time:%H:%M} {self.zone}"


class SessionStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


class Session(models.Model):
    """One meeting of a mentorship: a real UTC interval plus the zone it was booked in."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # ICS UID
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="sessions"
    )
    # Denormalised from the mentorship so the mentor's calendar is one indexed range query.
    # SET_NULL: a session stays on the other side's calendar and history (shown "Deleted user").
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="sessions_as_mentor",
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="sessions_as_mentee",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    zone = models.CharField(max_length=64)  # IANA zone the booking was made in
    agenda = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.BOOKED
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the current time was set (booking or last reschedule): a reminder whose moment had
    # already passed then is skipped rather than sent late.
    scheduled_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=500, blank=True)
    late_cancel = models.BooleanField(default=False)
    no_show_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    no_show_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ics_sequence = models.PositiveIntegerField(default=0)
    series = models.ForeignKey(
        SessionSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    series_index = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["mentor", "status", "starts_at"]),
            models.Index(fields=["mentee", "status", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_starts_before_ends"
            ),
            # Backstop under the row lock in services.book_session: the database itself
            # refuses two live sessions of one mentor starting at the same instant.
            models.UniqueConstraint(
                fields=["mentor", "starts_at"],
                condition=Q(status="booked"),
                name="one_booked_session_per_mentor_start",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} {self.starts_at:%Y-%m-%d %H:%M}Z ({self.status})"

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_booked(self) -> bool:
        return self.status == SessionStatus.BOOKED

    def participant_ids(self) -> tuple[int, int]:
        return (self.mentor_id, self.mentee_id)

    def other(self, user_id: int) -> int:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id


class CalendarKind(models.TextChoices):
    ICS = "ics", "ICS address (read-only link)"
    CALDAV = "caldav", "CalDAV account"


class ExternalCalendar(models.Model):
    """Someone's outside calendar whose events block their slots (fetched by a periodic task)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_calendars"
    )
    kind = models.CharField(max_length=8, choices=CalendarKind.choices)
    name = models.CharField(max_length=80, blank=True)
    url = models.URLField(max_length=1000)
    username = models.CharField(max_length=200, blank=True)
    password_encrypted = models.TextField(blank=True)  # credentials.encrypt(app password)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    busy_count = models.PositiveIntegerField(default=0)
    # A fetch someone asked for (adding it, "Fetch now") waits for the worker since then; the
    # web process never downloads or reads a calendar itself. Cleared by the next fetch.
    fetch_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} calendar {self.pk} of {self.user_id}"


class ExternalBusy(models.Model):
    """One busy interval imported from an ExternalCalendar (replaced wholesale on each fetch)."""

    calendar = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="busy")
    # Denormalised so slots_for reads a person's busy times with one indexed range query.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "starts_at"])]

    def __str__(self) -> str:
        return f"busy {self.starts_at:%Y-%m-%d %H:%M}Z–{self.ends_at:%H:%M}Z"


class SentReminder(models.Model):
    """One row per reminder sent; the unique key makes a second worker's attempt a no-op.

    The key includes the start time, so a moved session gets fresh reminders.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8)  # "24h" / "1h"
    starts_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "starts_at"], name="one_reminder_per_session_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder for session {self.session_id}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    # The session was cancelled or moved another way while the proposal was open.
    SUPERSEDED = "superseded", "No longer relevant"


class RescheduleProposal(models.Model):
    """One participant asks to move a booked session; the other side accepts or declines.

    It expires at the session's start (`expires_at`, copied when proposed); an open one past
    that moment is treated as expired on read and marked so on the next write.
    """

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="reschedule_proposals"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    zone = models.CharField(max_length=64)  # the proposer's IANA zone
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="reschedule_proposal_starts_before_ends",
            ),
            # Only one open proposal per session: a second one is refused by the database too.
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(status="open"),
                name="one_open_reschedule_proposal_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} for session {self.session_id} ({self.status})"

    def is_open_at(self, now) -> bool:  # type: ignore[no-untyped-def]
        return self.status == ProposalStatus.OPEN and now < self.expires_at
