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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.core.timezones import canonical_zone
from mentorloom.mentorships.models import Mentorship
from mentorloom.notifications.services import notify

from . import display, ics, selectors
from . import slots as slot_engine
from .errors import (
    DurationNotOffered,
    IdempotencyKeyReused,
    MentorshipNotActive,
    OutsideAvailability,
    RuleOverlap,
    SessionAlreadyStarted,
    SessionNotBooked,
    SlotTaken,
    TooEarlyForNoShow,
)
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    IdempotentRequest,
    OverrideKind,
    SchedulingSettings,
    SentReminder,
    Session,
    SessionStatus,
)

NO_SHOW_GRACE = timedelta(minutes=10)
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))
SETTINGS_FIELDS = {
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
    if starts_at > now + timedelta(days=limits.horizon_days):
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
) -> bool:
    free = selectors.slots_for(
        mentorship.mentor,
        duration=duration,
        range_start=starts_at,
        range_end=starts_at + timedelta(microseconds=1),
        now=now,
        booker_id=mentorship.mentee_id,
        exclude_session_id=exclude_session_id,
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
    _check_bookable(mentorship, actor, starts_at, session.duration, now)
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        session = _locked_session(session)
        if session.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if session.starts_at <= now:
            raise SessionAlreadyStarted("A session that has started cannot be moved.")
        if not _is_free(mentorship, starts_at, session.duration, now, session.pk):
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
        _announce(session, actor, method="REQUEST", now=now, kind="session.moved")
    return session


def mark_no_show(actor, session: Session, *, now: datetime | None = None) -> Session:  # type: ignore[no-untyped-def]
    """Either side records that the *other* person did not come, from start + 10 minutes."""
    now = now or timezone.now()
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    with transaction.atomic():
        session = _locked_session(session)
        if session.status != SessionStatus.BOOKED:
            raise SessionNotBooked()
        if now < session.starts_at + NO_SHOW_GRACE:
            raise TooEarlyForNoShow()
        session.status = SessionStatus.NO_SHOW
        session.no_show_user_id = session.other(actor.pk)
        session.no_show_reported_by = actor
        session.save()
    return session


# --- Side effects ---------------------------------------------------------------------------


def _name(user) -> str:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    return getattr(profile, "name", None) or user.email


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
            "name": _name(person),
            "other_name": _name(other),
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
    label = "tomorrow" if kind == "24h" else "in 1 hour"
    for person in (session.mentor, session.mentee):
        other = session.mentee if person.pk == session.mentor_id else session.mentor
        zone = selectors.zone_name_of(person)
        notify(
            person,
            kind=f"session.reminder.{kind}",
            title=f"Reminder: session with {_name(other)} {label}",
            body=f"{display.when(session.starts_at, zone)}.",
            url=f"/schedule/{session.pk}/",
        )
