"""Booking, cancelling and moving a single session.

Booking serialises on the participants' SchedulingSettings rows (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions already admit one writer at a time) and re-checks
the slot inside that lock, so buffers and daily limits hold under concurrency too — which a
bare range constraint could not guarantee. A unique (mentor, starts_at) constraint backs it up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core import idempotency
from mentorloom.core.errors import PermissionDenied
from mentorloom.core.hooks import Hook
from mentorloom.mentorships.models import Mentorship

from ..errors import SlotTaken
from ..models import Session, SessionStatus
from ._common import (
    _check_bookable,
    _check_not_blocked,
    _close_open_proposals,
    _is_free,
    _lock,
    _lock_active,
    _locked_session,
    _upcoming,
    _utc,
    _zone,
    late_cancel_window,
)
from .invitations import _announce

IDEMPOTENCY_SCOPE = "session.book"

# Called inside the booking transaction with each new session. The sessions app (which owns the
# structured agenda) connects to it, so the agenda typed while booking becomes the session's
# agenda: one source of truth for "Prepare and reflect", the call room and the invitations.
session_booked = Hook("scheduling.session_booked")


def book_session(
    actor,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    starts_at: datetime,
    duration_minutes: int,
    zone: str,
    agenda: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Session, bool]:
    """Books a slot for a participant of an active mentorship. Returns (session, replayed).

    Errors: PermissionDenied, MentorshipNotActive, BlockedPair (either blocked the other),
    DurationNotOffered, OutsideAvailability,
    SlotTaken (someone else got it first), KeyReused (409: the Idempotency-Key was used with
    another body; core.idempotency, the same rule as every create), InvalidInput (key too long).
    Side effects after commit: .ics invitations to both, an in-app notice to the other side.
    EmailUnverified (403) if the actor's e-mail address is not verified.
    """
    require_verified(actor)
    now = now or timezone.now()
    zone_name = _zone(zone)
    duration = timedelta(minutes=duration_minutes)
    starts_at = _utc(starts_at)
    key = idempotency.clean_key(idempotency_key)
    fingerprint = idempotency.fingerprint(
        {"m": mentorship.pk, "s": starts_at.isoformat(), "d": duration_minutes, "a": agenda}
    )
    if key:
        replay = _replay(actor, key, fingerprint)
        if replay is not None:
            return replay, True
    _check_bookable(mentorship, actor, starts_at, duration, now)
    with transaction.atomic():
        _lock_active(mentorship.pk, mentorship.mentor_id, mentorship.mentee_id)
        if key:
            # Re-checked inside the lock: a concurrent retry waits here for the first attempt.
            replay = _replay(actor, key, fingerprint)
            if replay is not None:
                return replay, True
        # Again under the lock a new block takes too (cancel_upcoming_on_block): a block
        # committed meanwhile refuses this booking, or cancels it if it commits first.
        _check_not_blocked(mentorship)
        if not _is_free(mentorship, starts_at, duration, now):
            raise SlotTaken()
        try:
            with transaction.atomic():
                session = Session.objects.create(
                    mentorship=mentorship,
                    mentor_id=mentorship.mentor_id,
                    mentee_id=mentorship.mentee_id,
                    booked_by=actor,
                    starts_at=starts_at,
                    ends_at=starts_at + duration,
                    zone=zone_name,
                    agenda=agenda[:2000],
                    created_at=now,
                    scheduled_at=now,
                )
        except IntegrityError as exc:
            raise SlotTaken() from exc
        session_booked(session)
        if key:
            try:
                with transaction.atomic():
                    idempotency.remember(
                        actor, IDEMPOTENCY_SCOPE, key, fingerprint, 201, {"session_id": session.pk}
                    )
            except IntegrityError as exc:
                # The same key won meanwhile for another mentorship (another lock): another body.
                raise idempotency.KeyReused() from exc
        _announce(session, actor, method="REQUEST", now=now, kind="session.booked")
    return session, False


def _replay(actor, key: str, fingerprint: str) -> Session | None:  # type: ignore[no-untyped-def]
    """The session the first request with this key booked (re-read: its state may have moved
    on since), None for a new key; KeyReused if the key came with another body."""
    found = idempotency.replay_of(actor, IDEMPOTENCY_SCOPE, key, fingerprint)
    if found is None:
        return None
    return Session.objects.select_related("mentor__profile", "mentee__profile").get(
        pk=found.response["session_id"]
    )


def cancel_session(
    actor,  # type: ignore[no-untyped-def]
    session: Session,
    *,
    reason: str = "",
    now: datetime | None = None,
    counts_as_late: bool = True,
) -> Session:
    """Cancels a booked session and frees its slot at once.

    Inside MENTORLOOM_LATE_CANCEL_HOURS (default 24) of the start it is marked late, unless
    `counts_as_late` is False (a session cancelled because the mentorship ended is no late
    cancellation on anyone's record).
    Errors: PermissionDenied, SessionNotBooked, SessionAlreadyStarted.
    """
    now = now or timezone.now()
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    with transaction.atomic():
        session = _upcoming(_locked_session(session), now, verb="cancelled")
        session.status = SessionStatus.CANCELLED
        session.cancelled_at = now
        session.cancelled_by = actor
        session.cancel_reason = reason.strip()[:500]
        session.late_cancel = counts_as_late and session.starts_at - now < late_cancel_window()
        session.ics_sequence += 1
        session.save()
        _close_open_proposals([session.pk], now)
        _announce(session, actor, method="CANCEL", now=now, kind="session.cancelled")
    return session


def cancel_upcoming_on_block(blocker_id: int, blocked_id: int) -> None:
    """Connected to safety's `block_created`, inside the block's transaction: every session of
    the two still booked and not started is cancelled (by the blocker) and its open proposal
    closed. A block ends contact, so no meeting stays in the diary. Nobody is told: no CANCEL
    invitation, no notice (telling the blocked person would reveal the block); the blocker's
    confirmation says upcoming sessions were cancelled. Returns None (it withdraws no request).
    """
    now = timezone.now()
    _lock(blocker_id, blocked_id)  # booking re-checks the block under this lock
    pair = Q(mentor_id=blocker_id, mentee_id=blocked_id) | Q(
        mentor_id=blocked_id, mentee_id=blocker_id
    )
    ids = list(
        Session.objects.filter(pair, status=SessionStatus.BOOKED, starts_at__gt=now).values_list(
            "pk", flat=True
        )
    )
    Session.objects.filter(pk__in=ids).update(
        status=SessionStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_id=blocker_id,
        ics_sequence=F("ics_sequence") + 1,
    )
    _close_open_proposals(ids, now)


def cancel_upcoming_on_end(mentorship: Mentorship, actor) -> list[Session]:  # type: ignore[no-untyped-def]
    """Connected to mentorships' `mentorship_ended`, inside the ending transaction: the
    mentorship's sessions still booked and not started are cancelled by whoever ended it, each
    as by `cancel_session` (CANCEL invitations to both, a notice to the other side)."""
    now = timezone.now()
    upcoming = Session.objects.filter(
        mentorship=mentorship, status=SessionStatus.BOOKED, starts_at__gt=now
    ).order_by("starts_at")
    return [
        cancel_session(
            actor, session, reason="The mentorship ended.", now=now, counts_as_late=False
        )
        for session in upcoming
    ]


def reschedule_session(
    actor,  # type: ignore[no-untyped-def]
    session: Session,
    *,
    starts_at: datetime,
    zone: str,
    now: datetime | None = None,
) -> Session:
    """Moves a booked session to another free slot of the same length (applied directly).

    Errors as for booking, plus SessionNotBooked / SessionAlreadyStarted.
    Side effects: updated invitations (same UID, higher SEQUENCE); reminders start afresh.
    EmailUnverified for an unverified actor (the invitations reach the other person).
    """
    require_verified(actor)
    now = now or timezone.now()
    zone_name = _zone(zone)
    starts_at = _utc(starts_at)
    mentorship = session.mentorship
    in_series = session.series_id is not None
    _check_bookable(
        mentorship, actor, starts_at, session.duration, now, check_horizon=not in_series
    )
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        session = _upcoming(_locked_session(session), now, verb="moved")
        if not _is_free(
            mentorship, starts_at, session.duration, now, session.pk, ignore_horizon=in_series
        ):
            raise SlotTaken()
        duration = session.duration
        session.starts_at = starts_at
        session.ends_at = starts_at + duration
        session.zone = zone_name
        session.scheduled_at = now
        session.ics_sequence += 1
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError as exc:
            raise SlotTaken() from exc
        _close_open_proposals([session.pk], now)
        _announce(session, actor, method="REQUEST", now=now, kind="session.moved")
    return session
