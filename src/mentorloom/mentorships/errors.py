"""Domain errors for requests and mentorships, each with a stable code (see core.errors)."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited


class MentorUnavailable(NotFound):
    """Unknown person, not a mentor, or blocked either way: all look the same (no probing)."""

    code = "mentor_not_found"
    default_message = "There is no mentor with that id."


class MentorNotAccepting(Conflict):
    code = "mentor_not_accepting"
    default_message = "This mentor is not accepting requests right now."


class MentorPaused(Conflict):
    code = "mentor_paused"
    default_message = "This mentor is paused."


class MentorAtCapacity(Conflict):
    code = "mentor_at_capacity"
    default_message = (
        "This mentor has no free places right now. You can join their waitlist and we will tell "
        "you when a place frees."
    )


class RequestAlreadyOpen(Conflict):
    code = "request_already_open"
    default_message = "You already have an open request with this mentor."


class AlreadyMentoring(Conflict):
    code = "already_in_mentorship"
    default_message = "You already have a mentorship with this mentor."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = "That is not possible in the request's current state."


class StaleAgreementVersion(Conflict):
    code = "stale_agreement_version"
    default_message = "A newer version of the agreement exists; please review it first."


class SelfRequest(InvalidInput):
    code = "self_request"
    default_message = "You cannot send a request to yourself."


class TooManyOpenRequests(Conflict):
    code = "too_many_open_requests"
    default_message = (
        "You already have 5 requests waiting for an answer. Withdraw one, or wait until a mentor "
        "answers, before sending another."
    )


class RequestsTooFast(RateLimited):
    code = "request_rate_limited"
    default_message = (
        "You have sent too many requests in a short time. Please wait a while and try again."
    )


class BlockedPair(PermissionDenied):
    """One of the two blocked the other: pausing, resuming, the agreement and shared goals all
    reach the other person (notices, e-mail, the shared page), so they are refused with chat's
    own words, which tell no more than chat already does. Ending stays open to both."""

    code = "blocked"
    default_message = "You cannot message this person."
