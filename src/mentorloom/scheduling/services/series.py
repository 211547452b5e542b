"""Recurring series: preview, create, and cancelling or moving this-and-following."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core.errors import PermissionDenied
from mentorloom.mentorships.models import Mentorship

from .. import display, ics, recurrence, selectors
from ..errors import (
    DurationNotOffered,
    InvalidSeries,
    MentorshipNotActive,
    ProposalNeeded,
    SeriesConflict,
    SlotTaken,
)
from ..models import Session, SessionSeries, SessionStatus
from ._common import (
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
from .booking import cancel_session, reschedule_session, session_booked
from .invitations import _announce, _invite_both

PROBLEM_MESSAGES = {
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


def _expand(rule: recurrence.SeriesRule, zone_name: str) -> list[recurrence.Occurrence]:
    """The rule's occurrences; a series made only of dates whose wall time the clocks skip is
    refused: it would never meet at the time that was asked for."""
    found = recurrence.occurrences(rule, ZoneInfo(zone_name))
    if all(occ.moved_by_clock_change for occ in found):
        raise InvalidSeries(
            "Every date of this series falls in a clock change gap.",
            fields={
                "time": [
                    f"{rule.time:%H:%M} does not exist on any of these dates in {zone_name} "
                    "(the clocks go forward); choose another time."
                ]
            },
        )
    return found


def occurrence_problem(
    mentorship: Mentorship,
    start: datetime,
    duration: timedelta,
    now: datetime,
    exclude_session_ids: tuple[int, ...] = (),
) -> str:
    """'' if a series occurrence can be booked, else a PROBLEM_MESSAGES key."""
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
    _check_not_blocked(mentorship)
    if duration_minutes not in selectors.session_lengths(mentorship.mentor, mentorship):
        raise DurationNotOffered(fields={"duration": ["Choose one of the offered lengths."]})
    return _zone(zone)


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
    for occ in _expand(rule, zone_name):
        problem = occurrence_problem(mentorship, occ.start, duration, now)
        out.append(
            {
                "index": occ.index,
                "date": occ.day,
                "wall": occ.wall,
                "start": occ.start,
                "mentor_local": occ.start.astimezone(mentor_zone),
                "mentee_local": occ.start.astimezone(mentee_zone),
                "mentor_hour": recurrence.hour_quality(occ.start, mentor_zone),
                "mentee_hour": recurrence.hour_quality(occ.start, mentee_zone),
                "clock_shift_minutes": int(occ.shift.total_seconds() // 60),
                "clock_note": recurrence.clock_note(occ, zone_name),
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

    Conflicting occurrences (outside availability, too soon, busy) are skipped and
    returned; with skip_conflicts=False any conflict refuses the whole series (SeriesConflict).
    A series with no free occurrence at all is refused too. Checked again inside the booking
    lock, so a concurrent booking cannot be double-booked.
    Side effects after commit: one e-mail per person with every session (METHOD:PUBLISH) and
    one in-app notice to the other side. EmailUnverified (403) for an unverified actor.
    """
    require_verified(actor)
    now = now or timezone.now()
    zone_name = _check_series_input(actor, mentorship, duration_minutes, zone)
    rule = _series_rule(**rule_fields)  # type: ignore[arg-type]
    found = _expand(rule, zone_name)
    duration = timedelta(minutes=duration_minutes)
    with transaction.atomic():
        _lock_active(mentorship.pk, mentorship.mentor_id, mentorship.mentee_id)
        _check_not_blocked(mentorship)  # again under the lock a new block takes too
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
        for occ in found:
            problem = occurrence_problem(mentorship, occ.start, duration, now)
            if not problem:
                try:
                    with transaction.atomic():
                        session = Session.objects.create(
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
                        session_booked(session)
                    created.append(session)
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
    notes = {s.pk: selectors.clock_note_for(s) for s in sessions}
    mentorship = series.mentorship
    summary = series_summary(series)

    def context_for(person, other, zone: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
        return {
            "organiser_name": actor.get_full_name(),
            "summary": summary,
            "lines": [
                display.when(s.starts_at, zone) + (f" — {notes[s.pk]}" if notes[s.pk] else "")
                for s in sessions
            ],
            "skipped": skipped,
        }

    _invite_both(
        mentorship.mentor,
        mentorship.mentee,
        actor,
        template="scheduling/emails/series",
        context_for=context_for,
        path=f"/schedule/series/{series.pk}/",
        ics_payload=ics.publish_series(series, sessions, now=now).decode(),
        method="PUBLISH",
        kind="session.series",
        notice_for=lambda _body: f"{len(sessions)} sessions, {summary}.",
        filename="sessions.ics",
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
        current = _upcoming(_locked_session(session), now, verb="cancelled")
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
    require_verified(actor)
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
    _check_not_blocked(mentorship)
    # The direct-move rule (see can_move_directly) holds for a whole series too; there are no
    # series-wide proposals, so the other cases move (propose) one occurrence at a time.
    if actor.pk != session.mentee_id or session.starts_at - now < late_cancel_window():
        raise ProposalNeeded()
    with transaction.atomic():
        _lock(session.mentor_id, session.mentee_id)
        current = _upcoming(_locked_session(session), now, verb="moved")
        rule_walls = {
            occ.start: datetime.combine(occ.day, occ.wall)
            for occ in selectors.series_occurrences(series)
        }

        def wall_of(item: Session) -> datetime:
            # An occurrence the spring gap pushed on (02:30 → 03:30) is still "02:30" to people.
            found = rule_walls.get(item.starts_at)
            return found or item.starts_at.astimezone(zone).replace(tzinfo=None)

        old_wall = wall_of(current)
        new_wall = starts_at.astimezone(zone).replace(tzinfo=None)
        items = _following(current, now)
        ids = tuple(s.pk for s in items)
        plan: list[tuple[Session, datetime]] = [
            (s, recurrence.resolve(wall_of(s) + (new_wall - old_wall), zone)[0]) for s in items
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
