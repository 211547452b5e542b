"""Private helpers shared by the scheduling services: participant locks, slot checks,
the late-cancel window, open proposals and display names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q

from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.core.timezones import canonical_zone
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.safety.selectors import is_blocked_between

from .. import selectors
from ..errors import (
    BlockedPair,
    DurationNotOffered,
    MentorshipNotActive,
    OutsideAvailability,
    SessionAlreadyStarted,
    SessionNotBooked,
    SlotTaken,
)
from ..models import ProposalStatus, RescheduleProposal, SchedulingSettings, Session, SessionStatus


def late_cancel_window() -> timedelta:
    return timedelta(hours=getattr(settings, "MENTORLOOM_LATE_CANCEL_HOURS", 24))


def _lock(*user_ids: int) -> None:
    """Row-lock the participants' settings rows in id order (a fixed order cannot deadlock)."""
    ids = sorted(set(user_ids))
    for user_id in ids:
        SchedulingSettings.objects.get_or_create(user_id=user_id)
    list(SchedulingSettings.objects.select_for_update().filter(user_id__in=ids).order_by("user_id"))


def _lock_active(mentorship_id: int, mentor_id: int, mentee_id: int) -> None:
    """`_lock` the two, then the mentorship's row, and refuse (MentorshipNotActive) unless it
    is still active. The caller's copy was read before any lock: ending the mentorship locks
    its row, marks it ended and cancels its upcoming sessions in one transaction, so a booking
    that read "active" meanwhile must wait for that and look again, or it would stay booked
    in an ended mentorship. FOR NO KEY UPDATE, so the new session's deferred foreign-key check
    (FOR KEY SHARE on the same row) never waits on it. Lock order: settings rows, then the
    mentorship row, then session rows; ending takes the mentorship row, then session rows."""
    _lock(mentor_id, mentee_id)
    status = (
        Mentorship.objects.select_for_update(no_key=True)
        .filter(pk=mentorship_id)
        .values_list("status", flat=True)
        .first()
    )
    if status != MentorshipStatus.ACTIVE:
        raise MentorshipNotActive()


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise InvalidInput(fields={"start": ["Give the time with its UTC offset."]})
    return instant.astimezone(UTC)


def _zone(name: str) -> str:
    """The current IANA name of the zone a time was given in; InvalidInput (tz) if unknown."""
    zone_name = canonical_zone(name)
    if zone_name is None:
        raise InvalidInput(fields={"tz": ["Unknown time zone."]})
    return zone_name


def _check_not_blocked(mentorship: Mentorship) -> None:
    """BlockedPair when either of the two blocked the other: a booking, a series or a new time
    would reach the other person (e-mail with .ics, a notice), as chat no longer may."""
    if is_blocked_between(mentorship.mentor_id, mentorship.mentee_id):
        raise BlockedPair()


def _check_bookable(
    mentorship: Mentorship,
    actor,
    starts_at: datetime,
    duration: timedelta,
    now: datetime,  # type: ignore[no-untyped-def]
    check_horizon: bool = True,
) -> None:
    if actor.pk not in mentorship.participant_ids():
        raise PermissionDenied()
    if not mentorship.is_active:
        raise MentorshipNotActive()
    _check_not_blocked(mentorship)
    if int(duration.total_seconds() // 60) not in selectors.session_lengths(
        mentorship.mentor, mentorship
    ):
        raise DurationNotOffered(fields={"duration": ["Choose one of the offered lengths."]})
    if not selectors.is_within_rules(mentorship.mentor, starts_at, duration):
        raise OutsideAvailability(fields={"start": ["Pick one of the offered slots."]})
    limits = selectors.settings_for(mentorship.mentor)
    if starts_at < now + timedelta(minutes=limits.min_notice_minutes):
        raise OutsideAvailability(
            "That is too soon: the mentor needs more notice.",
            fields={"start": ["Too soon for this mentor's minimum notice."]},
        )
    if check_horizon and starts_at > now + timedelta(days=limits.horizon_days):
        raise OutsideAvailability(
            "That is too far ahead to book yet.",
            fields={"start": ["Beyond this mentor's booking horizon."]},
        )


def _is_free(
    mentorship: Mentorship,
    starts_at: datetime,
    duration: timedelta,
    now: datetime,
    exclude_session_id: int | None = None,
    *,
    exclude_session_ids: tuple[int, ...] = (),
    ignore_horizon: bool = False,
) -> bool:
    free = selectors.slots_for(
        mentorship.mentor,
        duration=duration,
        range_start=starts_at,
        range_end=starts_at + timedelta(microseconds=1),
        now=now,
        booker_id=mentorship.mentee_id,
        exclude_session_id=exclude_session_id,
        exclude_session_ids=exclude_session_ids,
        ignore_horizon=ignore_horizon,
    )
    return starts_at in free


def _locked_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("mentor__profile", "mentee__profile", "mentorship")
        .get(pk=session.pk)
    )


def _upcoming(session: Session, now: datetime, *, verb: str) -> Session:
    """`session` if it is still booked and has not started; `verb` ("cancelled", "moved") words
    SessionAlreadyStarted."""
    if session.status != SessionStatus.BOOKED:
        raise SessionNotBooked()
    if session.starts_at <= now:
        raise SessionAlreadyStarted(f"A session that has started cannot be {verb}.")
    return session


def _expire_stale_proposals(session_id: int, now: datetime) -> None:
    """Marks open proposals whose session (or proposed time) has started as expired."""
    RescheduleProposal.objects.filter(session_id=session_id, status=ProposalStatus.OPEN).filter(
        Q(expires_at__lte=now) | Q(starts_at__lte=now)
    ).update(status=ProposalStatus.EXPIRED, decided_at=now)


def _close_open_proposals(session_ids, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """A session cancelled or moved another way makes its open proposal moot."""
    RescheduleProposal.objects.filter(
        session_id__in=list(session_ids), status=ProposalStatus.OPEN
    ).update(status=ProposalStatus.SUPERSEDED, decided_at=now)


def _check_no_overlap_with_sessions(session: Session, starts_at: datetime) -> None:
    """Both people agree to a proposal, so availability, buffers and limits do not apply;
    a clash with another booked session of either person still does."""
    clash = selectors.overlapping_sessions(
        session.participant_ids(),
        starts_at,
        starts_at + session.duration,
        exclude_session_id=session.pk,
    )
    if clash.exists():
        raise SlotTaken("One of you already has a session at that time.")
