"""Reschedule proposals: asking the other side to agree to a new time, and answering."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core.errors import DomainError, InvalidInput, PermissionDenied
from mentorloom.notifications.services import notify

from .. import display, selectors
from ..errors import (
    MentorshipNotActive,
    NotProposer,
    OwnProposal,
    ProposalAlreadyOpen,
    ProposalExpired,
    ProposalNotOpen,
    SessionNotBooked,
    SlotTaken,
)
from ..models import ProposalStatus, RescheduleProposal, Session, SessionStatus
from ._common import (
    _check_bookable,
    _check_no_overlap_with_sessions,
    _check_not_blocked,
    _expire_stale_proposals,
    _is_free,
    _lock,
    _locked_session,
    _upcoming,
    _utc,
    _zone,
    late_cancel_window,
)
from .booking import reschedule_session
from .invitations import _announce

PROPOSAL_MAX_AHEAD = timedelta(days=365)


def can_move_directly(
    actor,  # type: ignore[no-untyped-def]
    session: Session,
    starts_at: datetime,
    now: datetime,
) -> bool:
    """The rule for moving without asking (docs/scheduling.md): the mentee moves into a free
    slot of the mentor's availability, outside the late-cancellation window of the session's
    current start. Anything else needs the other side's agreement (a proposal)."""
    if actor.pk != session.mentee_id:
        return False
    if session.starts_at - now < late_cancel_window():
        return False
    in_series = session.series_id is not None
    try:
        _check_bookable(
            session.mentorship,
            actor,
            starts_at,
            session.duration,
            now,
            check_horizon=not in_series,
        )
    except DomainError:
        return False
    return _is_free(
        session.mentorship,
        starts_at,
        session.duration,
        now,
        session.pk,
        ignore_horizon=in_series,
    )


def request_reschedule(
    actor,  # type: ignore[no-untyped-def]
    session: Session,
    *,
    starts_at: datetime,
    zone: str,
    message: str = "",
    now: datetime | None = None,
) -> Session | RescheduleProposal:
    """Moves the session directly when `can_move_directly` allows it (returns the Session);
    otherwise proposes the new time to the other side (returns the RescheduleProposal).

    Errors: InvalidInput (zone, a time in the past or the current time), PermissionDenied,
    MentorshipNotActive, BlockedPair, SessionNotBooked, SessionAlreadyStarted, SlotTaken (the time
    overlaps another booked session of either person), ProposalAlreadyOpen, EmailUnverified.
    """
    require_verified(actor)
    now = now or timezone.now()
    zone_name = _zone(zone)
    starts_at = _utc(starts_at)
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    if not session.mentorship.is_active:
        raise MentorshipNotActive()
    _check_not_blocked(session.mentorship)
    _upcoming(session, now, verb="moved")
    if can_move_directly(actor, session, starts_at, now):
        return reschedule_session(actor, session, starts_at=starts_at, zone=zone_name, now=now)
    return _propose(actor, session, starts_at=starts_at, zone=zone_name, message=message, now=now)


def _propose(
    actor,  # type: ignore[no-untyped-def]
    session: Session,
    *,
    starts_at: datetime,
    zone: str,
    message: str,
    now: datetime,
) -> RescheduleProposal:
    if starts_at <= now:
        raise InvalidInput(fields={"start": ["Propose a time in the future."]})
    if starts_at > now + PROPOSAL_MAX_AHEAD:
        raise InvalidInput(fields={"start": ["Propose a time within the next year."]})
    if starts_at == session.starts_at:
        raise InvalidInput(fields={"start": ["That is the session's current time."]})
    _expire_stale_proposals(session.pk, now)
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        current = _upcoming(_locked_session(session), now, verb="moved")
        if RescheduleProposal.objects.filter(session=current, status=ProposalStatus.OPEN).exists():
            raise ProposalAlreadyOpen()
        _check_no_overlap_with_sessions(current, starts_at)
        try:
            with transaction.atomic():
                proposal = RescheduleProposal.objects.create(
                    session=current,
                    proposed_by=actor,
                    starts_at=starts_at,
                    ends_at=starts_at + current.duration,
                    zone=zone,
                    message=message.strip()[:500],
                    created_at=now,
                    expires_at=current.starts_at,
                )
        except IntegrityError as exc:  # the partial unique index: one open per session
            raise ProposalAlreadyOpen() from exc
        other = current.mentee if actor.pk == current.mentor_id else current.mentor
        zone_name = selectors.zone_name_of(other)
        notify(
            other,
            kind="session.reschedule_proposed",
            title=f"{actor.get_full_name()} asks to move your session",
            body=(
                f"From {display.when(current.starts_at, zone_name)} "
                f"to {display.when(starts_at, zone_name)}."
                + (f"\n\n“{proposal.message}”" if proposal.message else "")
            ),
            url=f"/schedule/{current.pk}/",
        )
    return proposal


def _locked_proposal(proposal: RescheduleProposal) -> RescheduleProposal:
    return RescheduleProposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)


def _decide(proposal: RescheduleProposal, status: str, actor, now: datetime) -> None:  # type: ignore[no-untyped-def]
    proposal.status = status
    proposal.decided_at = now
    proposal.decided_by = actor
    proposal.save(update_fields=["status", "decided_at", "decided_by"])


def _session_to_answer(actor, proposal: RescheduleProposal, now: datetime) -> Session:  # type: ignore[no-untyped-def]
    """The proposal's session, when `actor` is its other participant (not the proposer); the
    session's stale proposals are expired first, so an answer finds them expired."""
    session = proposal.session
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    if actor.pk == proposal.proposed_by_id:
        raise OwnProposal()
    _expire_stale_proposals(session.pk, now)
    return session


def _locked_answerable(
    session: Session, proposal: RescheduleProposal, now: datetime
) -> tuple[Session, RescheduleProposal]:
    """The session and the proposal as locked now (inside a transaction), if the proposal can
    still be answered."""
    current = _locked_session(session)
    locked = _locked_proposal(proposal)
    _check_answerable(locked, current, now)
    return current, locked


def _check_answerable(proposal: RescheduleProposal, session: Session, now: datetime) -> None:
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.EXPIRED):
        raise ProposalNotOpen()
    if proposal.status == ProposalStatus.EXPIRED or not (
        now < proposal.expires_at and now < proposal.starts_at
    ):
        raise ProposalExpired()
    if session.status != SessionStatus.BOOKED:
        raise SessionNotBooked()


def accept_proposal(
    actor,  # type: ignore[no-untyped-def]
    proposal: RescheduleProposal,
    *,
    now: datetime | None = None,
) -> Session:
    """The other side accepts: the session moves to the proposed time.

    Re-checked under the same locks booking uses (both people's settings rows, then the
    session row), so a session booked meanwhile wins and this raises SlotTaken (the proposal
    stays open to be declined). Errors: OwnProposal, ProposalNotOpen, ProposalExpired,
    SessionNotBooked, MentorshipNotActive, BlockedPair, SlotTaken.
    Side effects after commit: REQUEST invitations with SEQUENCE+1 to both, a notice to the
    proposer; reminders start afresh for the new time.
    """
    now = now or timezone.now()
    session = _session_to_answer(actor, proposal, now)
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        current, locked = _locked_answerable(session, proposal, now)
        if not current.mentorship.is_active:
            raise MentorshipNotActive()
        _check_not_blocked(current.mentorship)
        _check_no_overlap_with_sessions(current, locked.starts_at)
        current.starts_at = locked.starts_at
        current.ends_at = locked.ends_at
        current.zone = locked.zone
        current.scheduled_at = now
        current.ics_sequence += 1
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError as exc:
            raise SlotTaken() from exc
        _decide(locked, ProposalStatus.ACCEPTED, actor, now)
        _announce(current, actor, method="REQUEST", now=now, kind="session.moved")
    return current


def decline_proposal(
    actor,  # type: ignore[no-untyped-def]
    proposal: RescheduleProposal,
    *,
    now: datetime | None = None,
) -> RescheduleProposal:
    """The other side declines: the session stays where it is; the proposer is told.

    Errors: OwnProposal, ProposalNotOpen, ProposalExpired, SessionNotBooked.
    """
    now = now or timezone.now()
    session = _session_to_answer(actor, proposal, now)
    with transaction.atomic():
        current, locked = _locked_answerable(session, proposal, now)
        _decide(locked, ProposalStatus.DECLINED, actor, now)
        proposer = current.mentor if locked.proposed_by_id == current.mentor_id else current.mentee
        stays = display.when(current.starts_at, selectors.zone_name_of(proposer))
        notify(
            proposer,
            kind="session.reschedule_declined",
            title=f"{actor.get_full_name()} declined moving your session",
            body=f"It stays at {stays}.",
            url=f"/schedule/{current.pk}/",
        )
    return locked


def withdraw_proposal(
    actor,  # type: ignore[no-untyped-def]
    proposal: RescheduleProposal,
    *,
    now: datetime | None = None,
) -> RescheduleProposal:
    """The proposer takes the proposal back (so they can propose another time).

    Errors: NotProposer, ProposalNotOpen, ProposalExpired, SessionNotBooked.
    """
    now = now or timezone.now()
    session = proposal.session
    if actor.pk != proposal.proposed_by_id:
        raise NotProposer()
    _expire_stale_proposals(session.pk, now)
    with transaction.atomic():
        current, locked = _locked_answerable(session, proposal, now)
        _decide(locked, ProposalStatus.WITHDRAWN, actor, now)
        other = current.mentee if actor.pk == current.mentor_id else current.mentor
        notify(
            other,
            kind="session.reschedule_withdrawn",
            title=f"{actor.get_full_name()} withdrew their proposal to move your session",
            url=f"/schedule/{current.pk}/",
            email=False,
        )
    return locked
