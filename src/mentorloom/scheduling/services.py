"""Every scheduling write: availability, booking, moving, cancelling, no-shows, reminders.

Booking serialises on the participants' SchedulingSettings rows (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions already admit one writer at a time) and re-checks
the slot inside that lock, so buffers and daily limits hold under concurrency too — which a
bare range constraint could not guarantee. A unique (mentor, starts_at) constraint backs it up.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from mentorloom.core.errors import DomainError, InvalidInput, PermissionDenied
from mentorloom.core.timezones import canonical_zone
from mentorloom.mentorships.models import Mentorship
from mentorloom.notifications.services import notify

from . import credentials, display, external, ics, recurrence, selectors
from . import slots as slot_engine
from .errors import (
    DurationNotOffered,
    IdempotencyKeyReused,
    InvalidSeries,
    MentorshipNotActive,
    NotProposer,
    OutsideAvailability,
    OwnProposal,
    ProposalAlreadyOpen,
    ProposalExpired,
    ProposalNeeded,
    ProposalNotOpen,
    RuleOverlap,
    SeriesConflict,
    SessionAlreadyStarted,
    SessionNotBooked,
    SlotTaken,
    TooEarlyForNoShow,
)
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    CalendarKind,
    ExternalBusy,
    ExternalCalendar,
    IdempotentRequest,
    OverrideKind,
    ProposalStatus,
    RescheduleProposal,
    SchedulingSettings,
    SentReminder,
    Session,
    SessionSeries,
    SessionStatus,
)

NO_SHOW_GRACE = timedelta(minutes=10)
NO_SHOW_REPORT_DAYS = 7
COMPLETE_AFTER = timedelta(minutes=30)  # after the end, so an overrunning call is not cut
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))
SETTINGS_FIELDS = {
    "remind_24h",
    "remind_1h",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "max_per_day",
    "max_per_week",
}


def late_cancel_window() -> timedelta:
    return timedelta(hours=getattr(settings, "MENTORLOOM_LATE_CANCEL_HOURS", 24))


def ensure_settings(user) -> SchedulingSettings:  # type: ignore[no-untyped-def]
    found, _ = SchedulingSettings.objects.get_or_create(user=user)
    return found


def _lock(*user_ids: int) -> None:
    """Row-lock the participants' settings rows in id order (a fixed order cannot deadlock)."""
    ids = sorted(set(user_ids))
    for user_id in ids:
        SchedulingSettings.objects.get_or_create(user_id=user_id)
    list(SchedulingSettings.objects.select_for_update().filter(user_id__in=ids).order_by("user_id"))


# --- Availability ---------------------------------------------------------------------------


def _check_window(start: time, end: time, field_prefix: str = "") -> None:
    if not slot_engine.is_valid_window(start, end):
        raise InvalidInput(
            "The end must be after the start.",
            fields={f"{field_prefix}end": ["The end must be after the start (00:00 = midnight)."]},
        )


def _check_no_overlap(windows: list[tuple[int, time, time]]) -> None:
    for i, (day_a, start_a, end_a) in enumerate(windows):
        for day_b, start_b, end_b in windows[i + 1 :]:
            if day_a == day_b and slot_engine.windows_overlap(start_a, end_a, start_b, end_b):
                raise RuleOverlap(
                    f"{start_a:%H:%M}–{end_a:%H:%M} overlaps {start_b:%H:%M}–{end_b:%H:%M}.",
                    fields={"start": ["This window overlaps another one on the same day."]},
                )


def add_rule(mentor, *, weekday: int, start: time, end: time) -> AvailabilityRule:  # type: ignore[no-untyped-def]
    """Adds a weekly window. Raises InvalidInput (bad window) or RuleOverlap."""
    if weekday not in range(1, 8):
        raise InvalidInput(fields={"weekday": ["Choose a day from Monday to Sunday."]})
    _check_window(start, end)
    ensure_settings(mentor)
    with transaction.atomic():
        _lock(mentor.pk)
        existing = [(r.weekday, r.start, r.end) for r in mentor.availability_rules.all()]
        _check_no_overlap([(weekday, start, end), *existing])
        return AvailabilityRule.objects.create(mentor=mentor, weekday=weekday, start=start, end=end)


def replace_rules(mentor, windows: list[tuple[int, time, time]]) -> list[AvailabilityRule]:  # type: ignore[no-untyped-def]
    """Replaces the whole weekly schedule (the API's PUT). All or nothing."""
    for index, (weekday, start, end) in enumerate(windows):
        if weekday not in range(1, 8):
            raise InvalidInput(fields={f"rules.{index}.weekday": ["Use 1 (Monday) to 7."]})
        _check_window(start, end, f"rules.{index}.")
    _check_no_overlap(windows)
    ensure_settings(mentor)
    with transaction.atomic():
        _lock(mentor.pk)
        AvailabilityRule.objects.filter(mentor=mentor).delete()
        return AvailabilityRule.objects.bulk_create(
            AvailabilityRule(mentor=mentor, weekday=d, start=s, end=e) for d, s, e in windows
        )


def delete_rule(mentor, rule_id: int) -> None:  # type: ignore[no-untyped-def]
    AvailabilityRule.objects.filter(mentor=mentor, pk=rule_id).delete()


def add_override(
    mentor,  # type: ignore[no-untyped-def]
    *,
    day: date,
    kind: str,
    start: time | None = None,
    end: time | None = None,
    note: str = "",
) -> AvailabilityOverride:
    """A date's own hours (kind=available, times required) or a blocked date/part of it."""
    if kind not in OverrideKind.values:
        raise InvalidInput(fields={"kind": ["Choose available or blocked."]})
    if (start is None) != (end is None):
        raise InvalidInput(fields={"end": ["Give both a start and an end, or neither."]})
    if kind == OverrideKind.AVAILABLE and start is None:
        raise InvalidInput(fields={"start": ["Extra hours need a start and an end."]})
    if start is not None and end is not None:
        _check_window(start, end)
    ensure_settings(mentor)
    with transaction.atomic():
        _lock(mentor.pk)
        if start is not None and end is not None:
            same_day = AvailabilityOverride.objects.filter(
                mentor=mentor, date=day, kind=kind, start__isnull=False
            )
            _check_no_overlap([(1, start, end), *[(1, o.start, o.end) for o in same_day]])
        return AvailabilityOverride.objects.create(
            mentor=mentor, date=day, kind=kind, start=start, end=end, note=note[:120]
        )


def delete_override(mentor, override_id: int) -> None:  # type: ignore[no-untyped-def]
    AvailabilityOverride.objects.filter(mentor=mentor, pk=override_id).delete()


def update_settings(user, **changes: object) -> SchedulingSettings:  # type: ignore[no-untyped-def]
    """Updates buffers, notice, horizon and limits; InvalidInput with per-field messages."""
    unknown = set(changes) - SETTINGS_FIELDS
    if unknown:
        raise InvalidInput(fields={name: ["Unknown setting."] for name in sorted(unknown)})
    with transaction.atomic():
        _lock(user.pk)
        current = SchedulingSettings.objects.get(user=user)
        for name, value in changes.items():
            setattr(current, name, value)
        try:
            current.full_clean(exclude=["user", "feed_token"])
        except ValidationError as exc:
            raise InvalidInput(
                fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            ) from exc
        current.updated_at = timezone.now()
        current.save()
        return current


def regenerate_feed_token(user) -> str:  # type: ignore[no-untyped-def]
    current = ensure_settings(user)
    current.feed_token = SchedulingSettings.new_feed_token()
    current.save(update_fields=["feed_token"])
    return current.feed_token


def revoke_feed_token(user) -> None:  # type: ignore[no-untyped-def]
    SchedulingSettings.objects.filter(user=user).update(feed_token="")


# --- Booking --------------------------------------------------------------------------------


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise InvalidInput(fields={"start": ["Give the time with its UTC offset."]})
    return instant.astimezone(UTC)


def _fingerprint(payload: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


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
    if int(duration.total_seconds() // 60) not in selectors.session_lengths(mentorship.mentor):
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

    Errors: PermissionDenied, MentorshipNotActive, DurationNotOffered, OutsideAvailability,
    SlotTaken (someone else got it first), IdempotencyKeyReused.
    Side effects after commit: .ics invitations to both, an in-app notice to the other side.
    """
    now = now or timezone.now()
    zone_name = canonical_zone(zone)
    if zone_name is None:
        raise InvalidInput(fields={"tz": ["Unknown time zone."]})
    duration = timedelta(minutes=duration_minutes)
    starts_at = _utc(starts_at)
    fingerprint = _fingerprint(
        {"m": mentorship.pk, "s": starts_at.isoformat(), "d": duration_minutes, "a": agenda}
    )
    if idempotency_key:
        replay = _replay(actor, idempotency_key, fingerprint)
        if replay is not None:
            return replay, True
    _check_bookable(mentorship, actor, starts_at, duration, now)
    with transaction.atomic():
        _lock(mentorship.mentor_id, mentorship.mentee_id)
        if idempotency_key:
            # Re-checked inside the lock: a concurrent retry waits here for the first attempt.
            replay = _replay(actor, idempotency_key, fingerprint)
            if replay is not None:
                return replay, True
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
        if idempotency_key:
            IdempotentRequest.objects.create(
                user=actor,
                key=idempotency_key[:200],
                scope="book_session",
                fingerprint=fingerprint,
                status=201,
                body={"session_id": session.pk},
            )
        _announce(session, actor, method="REQUEST", now=now, kind="session.booked")
    return session, False


def _replay(actor, key: str, fingerprint: str) -> Session | None:  # type: ignore[no-untyped-def]
    found = IdempotentRequest.objects.filter(user=actor, key=key[:200]).first()
    if found is None:
        return None
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(fields={"Idempotency-Key": ["Use a new key for a new request."]})
    return Session.objects.select_related("mentor__profile", "mentee__profile").get(
        pk=found.body["session_id"]
    )


def _locked_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("mentor__profile", "mentee__profile", "mentorship")
        .get(pk=session.pk)
    )


def cancel_session(
    actor, session: Session, *, reason: str = "", now: datetime | None = None
) -> Session:  # type: ignore[no-untyped-def]
    """Cancels a booked session and frees its slot at once.

    Inside MENTORLOOM_LATE_CANCEL_HOURS (default 24) of the start it is marked late.
    Errors: PermissionDenied, SessionNotBooked, SessionAlreadyStarted.
    """
    now = now or timezone.now()
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    with transaction.atomic():
        session = _locked_session(session)
        if session.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if session.starts_at <= now:
            raise SessionAlreadyStarted("A session that has started cannot be cancelled.")
        session.status = SessionStatus.CANCELLED
        session.cancelled_at = now
        session.cancelled_by = actor
        session.cancel_reason = reason.strip()[:500]
        session.late_cancel = session.starts_at - now < late_cancel_window()
        session.ics_sequence += 1
        session.save()
        _close_open_proposals([session.pk], now)
        _announce(session, actor, method="CANCEL", now=now, kind="session.cancelled")
    return session


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
    """
    now = now or timezone.now()
    zone_name = canonical_zone(zone)
    if zone_name is None:
        raise InvalidInput(fields={"tz": ["Unknown time zone."]})
    starts_at = _utc(starts_at)
    mentorship = session.mentorship
    in_series = session.series_id is not None
    _check_bookable(
        mentorship, actor, starts_at, session.duration, now, check_horizon=not in_series
    )
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        session = _locked_session(session)
        if session.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if session.starts_at <= now:
            raise SessionAlreadyStarted("A session that has started cannot be moved.")
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


# --- Reschedule proposals -------------------------------------------------------------------

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
    MentorshipNotActive, SessionNotBooked, SessionAlreadyStarted, SlotTaken (the time
    overlaps another booked session of either person), ProposalAlreadyOpen.
    """
    now = now or timezone.now()
    zone_name = canonical_zone(zone)
    if zone_name is None:
        raise InvalidInput(fields={"tz": ["Unknown time zone."]})
    starts_at = _utc(starts_at)
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    if not session.mentorship.is_active:
        raise MentorshipNotActive()
    if session.status != SessionStatus.BOOKED:
        raise SessionNotBooked()
    if session.starts_at <= now:
        raise SessionAlreadyStarted("A session that has started cannot be moved.")
    if can_move_directly(actor, session, starts_at, now):
        return reschedule_session(actor, session, starts_at=starts_at, zone=zone_name, now=now)
    return _propose(actor, session, starts_at=starts_at, zone=zone_name, message=message, now=now)


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
        current = _locked_session(session)
        if current.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if current.starts_at <= now:
            raise SessionAlreadyStarted("A session that has started cannot be moved.")
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
    SessionNotBooked, MentorshipNotActive, SlotTaken.
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


def mark_no_show(actor, session: Session, *, now: datetime | None = None) -> Session:  # type: ignore[no-untyped-def]
    """Either side records that the *other* person did not come, from start + 10 minutes."""
    now = now or timezone.now()
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    with transaction.atomic():
        session = _locked_session(session)
        # Auto-completion must not take the chance to report away: a completed session may
        # still be reported for NO_SHOW_REPORT_DAYS after its end.
        reportable = session.status == SessionStatus.BOOKED or (
            session.status == SessionStatus.COMPLETED
            and now <= session.ends_at + timedelta(days=NO_SHOW_REPORT_DAYS)
        )
        if not reportable:
            raise SessionNotBooked()
        if now < session.starts_at + NO_SHOW_GRACE:
            raise TooEarlyForNoShow()
        session.status = SessionStatus.NO_SHOW
        session.no_show_user_id = session.other(actor.pk)
        session.no_show_reported_by = actor
        session.save()
    return session


# --- Side effects ---------------------------------------------------------------------------


def _announce(session: Session, actor, *, method: str, now: datetime, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Invitation e-mails with .ics to both participants and an in-app notice to the other;
    queued on commit, so a rolled-back booking announces nothing."""
    from .tasks import deliver_invitation

    payload = ics.invitation(session, method=method, now=now).decode()
    path = f"/schedule/{session.pk}/"
    for person in (session.mentor, session.mentee):
        other = session.mentee if person.pk == session.mentor_id else session.mentor
        zone = selectors.zone_name_of(person)
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "name": person.get_full_name(),
            "other_name": other.get_full_name(),
            "when": display.when(session.starts_at, zone),
            "other_when": display.when(session.starts_at, selectors.zone_name_of(other)),
            "method": method,
            "sequence": session.ics_sequence,
            "reason": session.cancel_reason,
            "path": path,
        }
        subject = " ".join(
            render_to_string("scheduling/emails/invitation_subject.txt", context).split()
        )
        body = render_to_string("scheduling/emails/invitation.txt", context)
        to = person.email

        def send(to=to, subject=subject, body=body) -> None:
            deliver_invitation.enqueue(
                to=[to], subject=subject, body=body, ics=payload, method=method
            )

        transaction.on_commit(send)
        if person.pk != actor.pk:
            notify(
                person, kind=kind, title=subject, body=body.split("\n\n")[1], url=path, email=False
            )


# --- Reminders ------------------------------------------------------------------------------


def send_due_reminders(*, now: datetime) -> int:
    """Sends each due 24 h / 1 h reminder exactly once; returns how many were sent.

    A reminder is due from its moment until the next one (24 h until 1 h before, 1 h until the
    start), only if the session's time was set before that moment. The SentReminder row keyed
    by (session, kind, starts_at) is inserted in the same transaction as the notification, so
    a second worker or a retry after a crash inserts nothing and sends nothing.
    """
    sent = 0
    for index, (kind, lead) in enumerate(REMINDERS):
        next_lead = REMINDERS[index + 1][1] if index + 1 < len(REMINDERS) else timedelta(0)
        already = SentReminder.objects.filter(
            session=OuterRef("pk"), kind=kind, starts_at=OuterRef("starts_at")
        )
        due = (
            Session.objects.filter(
                status=SessionStatus.BOOKED,
                starts_at__gt=now + next_lead,
                starts_at__lte=now + lead,
            )
            .exclude(Exists(already))
            .select_related("mentor__profile", "mentee__profile")
        )
        for session in due:
            if session.scheduled_at > session.starts_at - lead:
                continue  # booked or moved after this reminder's moment: it would be noise
            try:
                with transaction.atomic():
                    SentReminder.objects.create(
                        session=session, kind=kind, starts_at=session.starts_at, sent_at=now
                    )
                    _remind(session, kind)
            except IntegrityError:
                continue  # another worker sent it
            sent += 1
    return sent


def _remind(session: Session, kind: str) -> None:
    # Imported here: the sessions app builds on scheduling's models (import cycle otherwise).
    from mentorloom.sessions.selectors import agenda_text

    label = "tomorrow" if kind == "24h" else "in 1 hour"
    agenda = agenda_text(session)
    # Each person's own choice (SchedulingSettings.remind_24h / remind_1h; default on).
    wanted = {
        row["user_id"]: row[f"remind_{kind}"]
        for row in SchedulingSettings.objects.filter(user_id__in=session.participant_ids()).values(
            "user_id", f"remind_{kind}"
        )
    }
    for person in (session.mentor, session.mentee):
        if not wanted.get(person.pk, True):
            continue
        other = session.mentee if person.pk == session.mentor_id else session.mentor
        zone = selectors.zone_name_of(person)
        body = f"{display.when(session.starts_at, zone)}."
        if agenda:
            body += f"\n\nAgenda:\n{agenda}"
        notify(
            person,
            kind=f"session.reminder.{kind}",
            title=f"Reminder: session with {other.get_full_name()} {label}",
            body=body,
            url=f"/schedule/{session.pk}/",
        )


# --- Recurring series -----------------------------------------------------------------------

PROBLEM_MESSAGES = {
    "gap": "This wall time does not exist on that date (the clocks go forward).",
    "outside_availability": "Outside the mentor's availability.",
    "too_soon": "Too soon for the mentor's minimum notice.",
    "busy": "Clashes with another session, a busy time or a daily/weekly limit.",
}


def _series_rule(
    *,
    frequency: str,
    first_date: date,
    wall_time: time,
    count: int | None,
    until: date | None,
    alt_time: time | None,
    nth: int | None,
) -> recurrence.SeriesRule:
    rule = recurrence.SeriesRule(
        frequency=frequency,
        first_date=first_date,
        time=wall_time,
        count=count,
        until=until,
        alt_time=alt_time,
        nth=nth if frequency == recurrence.MONTHLY else None,
    )
    errors = recurrence.validate(rule)
    if errors:
        raise InvalidSeries(fields={k: [v] for k, v in errors.items()})
    return rule


def occurrence_problem(
    mentorship: Mentorship,
    start: datetime | None,
    duration: timedelta,
    now: datetime,
    exclude_session_ids: tuple[int, ...] = (),
) -> str:
    """'' if a series occurrence can be booked, else a PROBLEM_MESSAGES key."""
    if start is None:
        return "gap"
    if not selectors.is_within_rules(mentorship.mentor, start, duration):
        return "outside_availability"
    notice = selectors.settings_for(mentorship.mentor).min_notice_minutes
    if start < now + timedelta(minutes=notice):
        return "too_soon"
    if not _is_free(
        mentorship,
        start,
        duration,
        now,
        exclude_session_ids=exclude_session_ids,
        ignore_horizon=True,
    ):
        return "busy"
    return ""


def _check_series_input(actor, mentorship: Mentorship, duration_minutes: int, zone: str) -> str:  # type: ignore[no-untyped-def]
    if actor.pk not in mentorship.participant_ids():
        raise PermissionDenied()
    if not mentorship.is_active:
        raise MentorshipNotActive()
    if duration_minutes not in selectors.session_lengths(mentorship.mentor):
        raise DurationNotOffered(fields={"duration": ["Choose one of the offered lengths."]})
    zone_name = canonical_zone(zone)
    if zone_name is None:
        raise InvalidInput(fields={"tz": ["Unknown time zone."]})
    return zone_name


def preview_series(
    actor,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    duration_minutes: int,
    zone: str,
    now: datetime | None = None,
    **rule_fields: object,
) -> list[dict[str, object]]:
    """Every occurrence with both people's local times and what (if anything) blocks it.

    Reads only; the same checks `create_series` applies, so the preview is what will happen.
    """
    now = now or timezone.now()
    zone_name = _check_series_input(actor, mentorship, duration_minutes, zone)
    rule = _series_rule(**rule_fields)  # type: ignore[arg-type]
    duration = timedelta(minutes=duration_minutes)
    mentor_zone, mentee_zone = (
        selectors.zone_of(mentorship.mentor),
        selectors.zone_of(mentorship.mentee),
    )
    out = []
    for occ in recurrence.occurrences(rule, ZoneInfo(zone_name)):
        problem = occurrence_problem(mentorship, occ.start, duration, now)
        out.append(
            {
                "index": occ.index,
                "date": occ.day,
                "wall": occ.wall,
                "start": occ.start,
                "mentor_local": occ.start.astimezone(mentor_zone) if occ.start else None,
                "mentee_local": occ.start.astimezone(mentee_zone) if occ.start else None,
                "mentor_hour": recurrence.hour_quality(occ.start, mentor_zone) if occ.start else "",
                "mentee_hour": recurrence.hour_quality(occ.start, mentee_zone) if occ.start else "",
                "problem": problem,
                "problem_message": PROBLEM_MESSAGES.get(problem, ""),
            }
        )
    return out


def create_series(
    actor,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    duration_minutes: int,
    zone: str,
    agenda: str = "",
    skip_conflicts: bool = True,
    now: datetime | None = None,
    **rule_fields: object,
) -> tuple[SessionSeries, list[Session], list[dict[str, object]]]:
    """Books every free occurrence of a recurring series as its own Session.

    Conflicting occurrences (gap, outside availability, too soon, busy) are skipped and
    returned; with skip_conflicts=False any conflict refuses the whole series (SeriesConflict).
    A series with no free occurrence at all is refused too. Checked again inside the booking
    lock, so a concurrent booking cannot be double-booked.
    Side effects after commit: one e-mail per person with every session (METHOD:PUBLISH) and
    one in-app notice to the other side.
    """
    now = now or timezone.now()
    zone_name = _check_series_input(actor, mentorship, duration_minutes, zone)
    rule = _series_rule(**rule_fields)  # type: ignore[arg-type]
    duration = timedelta(minutes=duration_minutes)
    with transaction.atomic():
        _lock(mentorship.mentor_id, mentorship.mentee_id)
        series = SessionSeries.objects.create(
            mentorship=mentorship,
            organiser=actor,
            zone=zone_name,
            frequency=rule.frequency,
            nth=rule.nth,
            first_date=rule.first_date,
            time=rule.time,
            alt_time=rule.alt_time,
            duration_minutes=duration_minutes,
            count=rule.count,
            until=rule.until,
            agenda=agenda[:2000],
            created_at=now,
        )
        created: list[Session] = []
        skipped: list[dict[str, object]] = []
        for occ in recurrence.occurrences(rule, ZoneInfo(zone_name)):
            problem = occurrence_problem(mentorship, occ.start, duration, now)
            if not problem and occ.start is not None:
                try:
                    with transaction.atomic():
                        created.append(
                            Session.objects.create(
                                mentorship=mentorship,
                                mentor_id=mentorship.mentor_id,
                                mentee_id=mentorship.mentee_id,
                                booked_by=actor,
                                starts_at=occ.start,
                                ends_at=occ.start + duration,
                                zone=zone_name,
                                agenda=agenda[:2000],
                                created_at=now,
                                scheduled_at=now,
                                series=series,
                                series_index=occ.index,
                            )
                        )
                    continue
                except IntegrityError:
                    problem = "busy"
            skipped.append(
                {"index": occ.index, "date": occ.day, "wall": occ.wall, "problem": problem}
            )
        if skipped and not skip_conflicts:
            raise SeriesConflict(
                fields={
                    f"occurrences.{s['index']}": [PROBLEM_MESSAGES[str(s["problem"])]]
                    for s in skipped
                }
            )
        if not created:
            raise SeriesConflict("None of the dates in this series is free.")
        _announce_series(series, created, actor, skipped=len(skipped), now=now)
    return series, created, skipped


def series_summary(series: SessionSeries) -> str:
    """'every week at 09:00 / 18:00 (Europe/Berlin)'."""
    times = f"{series.time:%H:%M}" + (f" / {series.alt_time:%H:%M}" if series.alt_time else "")
    if series.frequency == recurrence.MONTHLY:
        nth = series.nth if series.nth is not None else recurrence.nth_of(series.first_date)
        ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[nth]
        how = f"on the {ordinal} {series.first_date:%A} of each month"
    else:
        how = "every week" if series.frequency == recurrence.WEEKLY else "every two weeks"
    return f"{how} at {times} ({series.zone})"


def _announce_series(
    series: SessionSeries,
    sessions: list[Session],
    actor,  # type: ignore[no-untyped-def]
    *,
    skipped: int,
    now: datetime,
) -> None:
    from .tasks import deliver_invitation

    payload = ics.publish(sessions, now=now).decode()
    mentorship = series.mentorship
    path = f"/schedule/series/{series.pk}/"
    summary = series_summary(series)
    for person in (mentorship.mentor, mentorship.mentee):
        other = mentorship.mentee if person.pk == mentorship.mentor_id else mentorship.mentor
        zone = selectors.zone_name_of(person)
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "name": person.get_full_name(),
            "other_name": other.get_full_name(),
            "organiser_name": actor.get_full_name(),
            "summary": summary,
            "lines": [display.when(s.starts_at, zone) for s in sessions],
            "skipped": skipped,
            "path": path,
        }
        subject = " ".join(
            render_to_string("scheduling/emails/series_subject.txt", context).split()
        )
        body = render_to_string("scheduling/emails/series.txt", context)
        to = person.email

        def send(to=to, subject=subject, body=body) -> None:
            deliver_invitation.enqueue(
                to=[to],
                subject=subject,
                body=body,
                ics=payload,
                method="PUBLISH",
                filename="sessions.ics",
            )

        transaction.on_commit(send)
        if person.pk != actor.pk:
            notify(
                person,
                kind="session.series",
                title=subject,
                body=f"{len(sessions)} sessions, {summary}.",
                url=path,
                email=False,
            )


def _following(session: Session, now: datetime) -> list[Session]:
    """This occurrence and every later booked, not-yet-started one of its series."""
    if session.series_id is None:
        return [session]
    return list(
        Session.objects.select_for_update(of=("self",))
        .select_related("mentor__profile", "mentee__profile", "mentorship")
        .filter(
            series_id=session.series_id,
            status=SessionStatus.BOOKED,
            starts_at__gte=session.starts_at,
            starts_at__gt=now,
        )
        .order_by("starts_at")
    )


def cancel_following(
    actor, session: Session, *, reason: str = "", now: datetime | None = None
) -> list[Session]:  # type: ignore[no-untyped-def]
    """Cancels this occurrence and every later one of its series ("this and following").

    Each is cancelled as by cancel_session (late flag, CANCEL invitation).
    """
    now = now or timezone.now()
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    with transaction.atomic():
        current = _locked_session(session)
        if current.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if current.starts_at <= now:
            raise SessionAlreadyStarted("A session that has started cannot be cancelled.")
        cancelled = []
        for item in _following(current, now):
            cancelled.append(cancel_session(actor, item, reason=reason, now=now))
    return cancelled


def move_following(
    actor,  # type: ignore[no-untyped-def]
    session: Session,
    *,
    starts_at: datetime,
    now: datetime | None = None,
) -> list[Session]:
    """Moves this occurrence to `starts_at` and every later one by the same wall-clock change
    in the series' zone ("this and following"), keeping each date's own DST offset.

    All or nothing: if any moved occurrence would not be free, SeriesConflict lists them.
    """
    now = now or timezone.now()
    starts_at = _utc(starts_at)
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    if session.series_id is None:
        return [reschedule_session(actor, session, starts_at=starts_at, zone=session.zone, now=now)]
    series = session.series
    assert series is not None
    zone = ZoneInfo(series.zone)
    mentorship = session.mentorship
    if not mentorship.is_active:
        raise MentorshipNotActive()
    # The direct-move rule (see can_move_directly) holds for a whole series too; there are no
    # series-wide proposals, so the other cases move (propose) one occurrence at a time.
    if actor.pk != session.mentee_id or session.starts_at - now < late_cancel_window():
        raise ProposalNeeded()
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        current = _locked_session(session)
        if current.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if current.starts_at <= now:
            raise SessionAlreadyStarted("A session that has started cannot be moved.")
        old_wall = current.starts_at.astimezone(zone).replace(tzinfo=None)
        new_wall = starts_at.astimezone(zone).replace(tzinfo=None)
        items = _following(current, now)
        ids = tuple(s.pk for s in items)
        plan: list[tuple[Session, datetime | None]] = [
            (s, recurrence.shifted(s.starts_at, old_wall, new_wall, zone)) for s in items
        ]
        problems = {}
        for item, new_start in plan:
            problem = occurrence_problem(mentorship, new_start, item.duration, now, ids)
            if problem:
                problems[f"occurrences.{item.series_index}"] = [PROBLEM_MESSAGES[problem]]
        if problems:
            raise SeriesConflict(
                "Some of the moved dates clash; nothing was moved.", fields=problems
            )
        # Move in two steps so the (mentor, starts_at) constraint never sees two rows
        # briefly sharing a start while the series slides onto its own old times.
        for item, new_start in plan:
            assert new_start is not None
            length = item.duration
            item.starts_at = new_start
            item.ends_at = new_start + length
            item.scheduled_at = now
            item.ics_sequence += 1
        try:
            with transaction.atomic():
                Session.objects.filter(pk__in=ids).update(status=SessionStatus.CANCELLED)
                for item, _ in plan:
                    item.save()
        except IntegrityError as exc:
            raise SlotTaken() from exc
        _close_open_proposals(ids, now)
        for item, _ in plan:
            _announce(item, actor, method="REQUEST", now=now, kind="session.moved")
    return [item for item, _ in plan]


# --- External busy calendars ----------------------------------------------------------------

MAX_CALENDARS_PER_USER = 10
REFRESH_EVERY = timedelta(minutes=15)


def _allow_private_urls() -> bool:
    return bool(getattr(settings, "MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS", False))


def add_calendar(
    user,  # type: ignore[no-untyped-def]
    *,
    kind: str,
    url: str,
    username: str = "",
    password: str = "",
    name: str = "",
    now: datetime | None = None,
) -> ExternalCalendar:
    """Saves an ICS URL or CalDAV account and fetches it once right away.

    The URL is checked first (http(s) only, no private addresses): InvalidInput on `url`.
    A failed first fetch is not an error here — it is stored in last_error and shown.
    """
    url = url.strip()
    if kind not in CalendarKind.values:
        raise InvalidInput(fields={"kind": ["Choose an ICS address or a CalDAV account."]})
    if len(url) > 1000:
        raise InvalidInput(fields={"url": ["That address is too long."]})
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    try:
        external.check_url(url, allow_private=_allow_private_urls())
    except external.FetchError as exc:
        raise InvalidInput(str(exc), fields={"url": [str(exc)]}) from exc
    if user.external_calendars.count() >= MAX_CALENDARS_PER_USER:
        raise InvalidInput(fields={"url": [f"At most {MAX_CALENDARS_PER_USER} calendars."]})
    calendar = ExternalCalendar.objects.create(
        user=user,
        kind=kind,
        url=url,
        name=name.strip()[:80],
        username=username.strip()[:200],
        password_encrypted=credentials.encrypt(password),
        created_at=now or timezone.now(),
    )
    refresh_calendar(calendar, now=now)
    calendar.refresh_from_db()
    return calendar


def delete_calendar(user, calendar_id: int) -> None:  # type: ignore[no-untyped-def]
    ExternalCalendar.objects.filter(user=user, pk=calendar_id).delete()


def refresh_calendar(calendar: ExternalCalendar, *, now: datetime | None = None) -> bool:
    """Fetches one calendar and replaces its busy times; True on success.

    Never raises for a remote problem: the message goes to last_error (shown on the settings
    page) and the previous busy times stay, so a flaky server does not open up booked hours.
    """
    now = now or timezone.now()
    start, end = external.window(now)
    allow_private = _allow_private_urls()
    try:
        password = credentials.decrypt(calendar.password_encrypted)
        if password is None:
            raise external.FetchError("The saved password can no longer be read; enter it again.")
        auth = (
            external.Credentials(calendar.username, password)
            if calendar.username or password
            else None
        )
        if calendar.kind == CalendarKind.CALDAV:
            documents = external.fetch_caldav(
                calendar.url, credentials=auth, start=start, end=end, allow_private=allow_private
            )
        else:
            documents = [
                external.fetch_ics(calendar.url, allow_private=allow_private, credentials=auth)
            ]
        intervals = external.busy_intervals(
            documents,
            start=start,
            end=end,
            zone=selectors.zone_of(calendar.user),
            skip_uid_suffix=f"@{ics._host()}",
        )
    except external.FetchError as exc:
        ExternalCalendar.objects.filter(pk=calendar.pk).update(
            last_fetched_at=now, last_error=str(exc)[:300]
        )
        return False
    with transaction.atomic():
        ExternalBusy.objects.filter(calendar=calendar).delete()
        ExternalBusy.objects.bulk_create(
            ExternalBusy(calendar=calendar, user_id=calendar.user_id, starts_at=s, ends_at=e)
            for s, e in intervals
        )
        ExternalCalendar.objects.filter(pk=calendar.pk).update(
            last_fetched_at=now, last_success_at=now, last_error="", busy_count=len(intervals)
        )
    return True


def refresh_due_calendars(*, now: datetime | None = None, limit: int = 200) -> int:
    """Refreshes calendars not fetched in the last 15 minutes (oldest first); returns count."""
    now = now or timezone.now()
    due = ExternalCalendar.objects.filter(
        Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lte=now - REFRESH_EVERY)
    ).select_related("user__profile")
    done = 0
    for calendar in due.order_by(F("last_fetched_at").asc(nulls_first=True))[:limit]:
        refresh_calendar(calendar, now=now)
        done += 1
    return done


# --- Completion -----------------------------------------------------------------------------


def complete_past_sessions(*, now: datetime | None = None) -> int:
    """Marks booked sessions completed 30 minutes after they end; returns how many.

    One UPDATE guarded by status=booked, so it is idempotent and never overwrites a
    cancellation or a no-show recorded meanwhile (either side may still report a no-show
    for NO_SHOW_REPORT_DAYS).
    """
    now = now or timezone.now()
    return Session.objects.filter(
        status=SessionStatus.BOOKED, ends_at__lte=now - COMPLETE_AFTER
    ).update(status=SessionStatus.COMPLETED)
