"""Scheduling's domain errors; core.api turns them into the shared error body."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, PermissionDenied


class SlotTaken(Conflict):
    code = "slot_taken"
    default_message = "That time is no longer free. Please pick another slot."


class OutsideAvailability(InvalidInput):
    code = "outside_availability"
    default_message = "That time is not one of the mentor's bookable slots."


class DurationNotOffered(InvalidInput):
    code = "duration_not_offered"
    default_message = "The mentor does not offer sessions of that length."


class RuleOverlap(InvalidInput):
    code = "rule_overlap"
    default_message = "That window overlaps another window on the same day."


class MentorshipNotActive(PermissionDenied):
    code = "mentorship_not_active"
    default_message = "Sessions can only be booked in an active mentorship."


class SessionNotBooked(Conflict):
    code = "session_not_booked"
    default_message = "This session is no longer booked."


class TooEarlyForNoShow(Conflict):
    code = "too_early_for_no_show"
    default_message = "A no-show can be reported from 10 minutes after the start."


class SessionAlreadyStarted(Conflict):
    code = "session_started"
    default_message = "This session has already started."


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used for a different request."


class SeriesConflict(Conflict):
    code = "series_conflict"
    default_message = "Some dates of the series clash with availability or other sessions."


class InvalidSeries(InvalidInput):
    code = "invalid_series"
    default_message = "The series is not valid."
