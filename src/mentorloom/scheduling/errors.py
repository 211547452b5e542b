"""Scheduling's domain errors; core.api turns them into the shared error body."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, PermissionDenied, RateLimited


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


class BlockedPair(PermissionDenied):
    """One of the two blocked the other; worded like chat's refusal ("You cannot message this
    person."), which tells the blocked person no more than chat already does."""

    code = "blocked"
    default_message = "You cannot book sessions with this person."


class SessionNotBooked(Conflict):
    code = "session_not_booked"
    default_message = "This session is no longer booked."


class TooEarlyForNoShow(Conflict):
    code = "too_early_for_no_show"
    default_message = "A no-show can be reported from 10 minutes after the start."


class SessionAlreadyStarted(Conflict):
    code = "session_started"
    default_message = "This session has already started."


class SeriesConflict(Conflict):
    code = "series_conflict"
    default_message = "Some dates of the series clash with availability or other sessions."


class InvalidSeries(InvalidInput):
    code = "invalid_series"
    default_message = "The series is not valid."


class ProposalAlreadyOpen(Conflict):
    code = "proposal_open"
    default_message = (
        "There is already an open proposal to move this session; it must be answered first."
    )


class ProposalNotOpen(Conflict):
    code = "proposal_closed"
    default_message = "This proposal has already been answered or withdrawn."


class ProposalExpired(Conflict):
    code = "proposal_expired"
    default_message = "This proposal has expired: the session (or the proposed time) has started."


class OwnProposal(PermissionDenied):
    code = "own_proposal"
    default_message = "You made this proposal; the other person accepts or declines it."


class NotProposer(PermissionDenied):
    code = "not_proposer"
    default_message = "Only the person who made a proposal can withdraw it."


class ProposalNeeded(Conflict):
    code = "proposal_needed"
    default_message = (
        "Only the mentee can move a series directly, and not within the late-cancellation "
        "window; move one session at a time to propose a new time instead."
    )


class CalendarFetchesTooFast(RateLimited):
    code = "calendar_fetch_rate_limited"
    default_message = (
        "You have fetched your calendars many times this hour. They are also fetched every"
        " 15 minutes on their own; please try again later."
    )
