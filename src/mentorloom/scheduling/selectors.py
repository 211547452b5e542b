"""Reads for scheduling: load a mentor's availability, hand it to slots.py, list sessions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from mentorloom.core.timezones import canonical_zone
from mentorloom.mentorships.selectors import agreed_session_minutes

from . import recurrence
from . import slots as slot_engine
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    ExternalBusy,
    ProposalStatus,
    RescheduleProposal,
    SchedulingSettings,
    Session,
    SessionSeries,
    SessionStatus,
)

DEFAULT_SESSION_LENGTHS = [30, 60]


def sessions_held(mentor_ids: Iterable[int]) -> dict[int, int]:
    """Mentor user id -> sessions they held as mentor (completed: cancelled, no-show and
    upcoming ones do not count). Mentors with none are absent."""
    ids = list(mentor_ids)
    if not ids:
        return {}
    rows = (
        Session.objects.filter(mentor_id__in=ids, status=SessionStatus.COMPLETED)
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    )
    return dict(rows)


def settings_for(user) -> SchedulingSettings:  # type: ignore[no-untyped-def]
    """The saved settings, or unsaved defaults (reads never write)."""
    found = SchedulingSettings.objects.filter(user=user).first()
    return found or SchedulingSettings(user=user)


def zone_name_of(user) -> str:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    return canonical_zone(getattr(profile, "time_zone", "") or "") or "UTC"


def zone_of(user) -> ZoneInfo:  # type: ignore[no-untyped-def]
    return ZoneInfo(zone_name_of(user))


def session_lengths(mentor, mentorship=None) -> list[int]:  # type: ignore[no-untyped-def]
    """The lengths offered for booking: the mentor's, plus (within a mentorship) the length
    the pair's agreement names, which is also the default (see `default_session_length`)."""
    profile = getattr(mentor, "profile", None)
    lengths = [int(x) for x in (getattr(profile, "session_lengths", None) or []) if int(x) > 0]
    lengths = sorted(set(lengths)) or list(DEFAULT_SESSION_LENGTHS)
    agreed = agreed_session_minutes(mentorship) if mentorship is not None else None
    return sorted({*lengths, agreed}) if agreed else lengths


def default_session_length(mentorship) -> int:  # type: ignore[no-untyped-def]
    """The agreement's session length when it names one, else the mentor's shortest."""
    agreed = agreed_session_minutes(mentorship)
    return agreed or session_lengths(mentorship.mentor)[0]


def rules_for(mentor) -> list[slot_engine.WeeklyRule]:  # type: ignore[no-untyped-def]
    return [
        slot_engine.WeeklyRule(r.weekday, r.start, r.end)
        for r in AvailabilityRule.objects.filter(mentor=mentor)
    ]


def overrides_for(mentor, first=None, last=None) -> list[slot_engine.DateOverride]:  # type: ignore[no-untyped-def]
    qs = AvailabilityOverride.objects.filter(mentor=mentor)
    if first is not None:
        qs = qs.filter(date__gte=first, date__lte=last)
    return [slot_engine.DateOverride(o.date, o.kind, o.start, o.end) for o in qs]


def limits_for(settings: SchedulingSettings) -> slot_engine.Limits:
    return slot_engine.Limits(
        buffer_before=settings.buffer_before,
        buffer_after=settings.buffer_after,
        min_notice=timedelta(minutes=settings.min_notice_minutes),
        horizon=timedelta(days=settings.horizon_days),
        max_per_day=settings.max_per_day,
        max_per_week=settings.max_per_week,
    )


def booked_sessions_of(user_id: int) -> QuerySet[Session]:
    return Session.objects.filter(
        Q(mentor_id=user_id) | Q(mentee_id=user_id), status=SessionStatus.BOOKED
    )


def _intervals(qs: QuerySet[Session]) -> list[tuple[datetime, datetime]]:
    return list(qs.values_list("starts_at", "ends_at"))


def slots_for(
    mentor,  # type: ignore[no-untyped-def]
    *,
    duration: timedelta,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
    booker_id: int | None = None,
    exclude_session_id: int | None = None,
    exclude_session_ids: Iterable[int] = (),
    ignore_horizon: bool = False,
) -> list[datetime]:
    """Free start instants (UTC) for booking `mentor`, also avoiding the booker's sessions
    and both people's imported busy times. `ignore_horizon` serves recurring series, which
    may run past the booking horizon that limits one-off bookings."""
    zone = zone_of(mentor)
    settings = settings_for(mentor)
    # Limits count a whole local day/ISO week, so load sessions a week either side.
    pad = timedelta(days=8)
    window = Q(starts_at__lt=range_end + pad, ends_at__gt=range_start - pad)
    own = Session.objects.filter(window, mentor=mentor, status=SessionStatus.BOOKED)
    others = booked_sessions_of(mentor.pk).filter(window).exclude(mentor=mentor)
    if booker_id is not None and booker_id != mentor.pk:
        others = others | booked_sessions_of(booker_id).filter(window).exclude(mentor=mentor)
    excluded = {*exclude_session_ids, *([exclude_session_id] if exclude_session_id else [])}
    if excluded:
        own = own.exclude(pk__in=excluded)
        others = others.exclude(pk__in=excluded)
    limits = limits_for(settings)
    if ignore_horizon:
        limits = replace(limits, horizon=range_end - now + timedelta(days=1))
    imported = ExternalBusy.objects.filter(
        user_id__in={mentor.pk, *([booker_id] if booker_id else [])},
        starts_at__lt=range_end + pad,
        ends_at__gt=range_start - pad,
    ).values_list("starts_at", "ends_at")
    local_first = range_start.astimezone(zone).date() - timedelta(days=2)
    local_last = range_end.astimezone(zone).date() + timedelta(days=2)
    return slot_engine.free_slots(
        zone=zone,
        rules=rules_for(mentor),
        overrides=overrides_for(mentor, local_first, local_last),
        sessions=_intervals(own),
        busy=_intervals(others.distinct()) + list(imported),
        limits=limits,
        duration=duration,
        range_start=range_start,
        range_end=range_end,
        now=now,
    )


def is_within_rules(mentor, start: datetime, duration: timedelta) -> bool:  # type: ignore[no-untyped-def]
    """Whether `start` is on the mentor's availability grid at all (ignoring bookings)."""
    zone = zone_of(mentor)
    day = start.astimezone(zone).date()
    candidates = slot_engine.candidate_starts(
        zone=zone,
        rules=rules_for(mentor),
        overrides=overrides_for(mentor, day - timedelta(days=2), day + timedelta(days=2)),
        duration=duration,
        range_start=start,
        range_end=start + timedelta(microseconds=1),
    )
    return start in candidates


def sessions_for(
    user, *, upcoming_only: bool = False, now: datetime | None = None
) -> QuerySet[Session]:  # type: ignore[no-untyped-def]
    qs = Session.objects.filter(Q(mentor=user) | Q(mentee=user)).select_related(
        "mentor__profile", "mentee__profile", "mentorship"
    )
    if upcoming_only and now is not None:
        qs = qs.filter(ends_at__gt=now, status=SessionStatus.BOOKED)
    return qs


def get_session_for(user, session_id: int) -> Session:  # type: ignore[no-untyped-def]
    """The session if `user` takes part in it; otherwise 404."""
    from django.http import Http404

    if user is None or not user.is_authenticated:
        raise Http404
    found = sessions_for(user).filter(pk=session_id).first()
    if found is None:
        raise Http404
    return found


def no_show_counts(user_id: int) -> int:
    return Session.objects.filter(status=SessionStatus.NO_SHOW, no_show_user_id=user_id).count()


def session_row(session: Session, user) -> dict:  # type: ignore[no-untyped-def]
    """A session as one person sees it: their local time, the other's, and the length."""
    from . import display

    other = session.mentee if user.pk == session.mentor_id else session.mentor
    return {
        "session": session,
        "other_name": other.get_full_name(),
        "mine": display.when(session.starts_at, zone_name_of(user)),
        "theirs": display.when(session.starts_at, zone_name_of(other)),
        "minutes": int(session.duration.total_seconds() // 60),
    }


def upcoming_rows_for_mentorship(mentorship, user, now: datetime, limit: int = 5) -> list[dict]:  # type: ignore[no-untyped-def]
    sessions = sessions_for(user, upcoming_only=True, now=now).filter(mentorship=mentorship)
    return [session_row(s, user) for s in sessions.order_by("starts_at")[:limit]]


def get_series_for(user, series_id: int) -> SessionSeries:  # type: ignore[no-untyped-def]
    """The series if `user` is one of its mentorship's two people; otherwise 404."""
    from django.http import Http404

    if user is None or not user.is_authenticated:
        raise Http404
    found = (
        SessionSeries.objects.filter(
            Q(mentorship__mentor=user) | Q(mentorship__mentee=user), pk=series_id
        )
        .select_related("mentorship__mentor__profile", "mentorship__mentee__profile")
        .first()
    )
    if found is None:
        raise Http404
    return found


def series_rule(series: SessionSeries) -> recurrence.SeriesRule:
    return recurrence.SeriesRule(
        frequency=series.frequency,
        first_date=series.first_date,
        time=series.time,
        count=series.count,
        until=series.until,
        alt_time=series.alt_time,
        nth=series.nth,
    )


def series_occurrences(series: SessionSeries) -> list[recurrence.Occurrence]:
    return recurrence.occurrences(series_rule(series), ZoneInfo(series.zone))


def rule_occurrence(session: Session) -> recurrence.Occurrence | None:
    """The series occurrence `session` still sits on (same index and instant), else None —
    a session moved on its own is no longer where the rule put it."""
    if session.series is None or session.series_index is None:
        return None
    found = series_occurrences(session.series)
    if session.series_index >= len(found):
        return None
    occ = found[session.series_index]
    return occ if occ.start == session.starts_at else None


def clock_note_for(session: Session) -> str:
    """'Moved by the clock change: …' for a series session the spring-forward gap shifted."""
    occ = rule_occurrence(session)
    return recurrence.clock_note(occ, session.series.zone) if occ and session.series else ""


def series_rows(series: SessionSeries, user) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each occurrence of the rule, with its session (if one was booked) as `user` sees it."""
    rule = series_rule(series)
    by_index = {
        s.series_index: s
        for s in series.sessions.select_related("mentor__profile", "mentee__profile", "mentorship")
    }
    rows = []
    for occ in recurrence.occurrences(rule, ZoneInfo(series.zone)):
        session = by_index.get(occ.index)
        rows.append(
            {
                "occurrence": occ,
                "row": session_row(session, user) if session else None,
                "clock_note": recurrence.clock_note(occ, series.zone)
                if session is None or session.starts_at == occ.start
                else "",
            }
        )
    return rows


def calendars_for(user) -> QuerySet:  # type: ignore[no-untyped-def]
    return user.external_calendars.all()


def overlapping_sessions(
    user_ids: Iterable[int], start: datetime, end: datetime, *, exclude_session_id: int
) -> QuerySet[Session]:
    """Booked sessions of any of `user_ids` that overlap [start, end), except one."""
    ids = list(user_ids)
    return (
        Session.objects.filter(
            Q(mentor_id__in=ids) | Q(mentee_id__in=ids),
            status=SessionStatus.BOOKED,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(pk=exclude_session_id)
        .distinct()
    )


def get_proposal_for(user, proposal_id: int) -> RescheduleProposal:  # type: ignore[no-untyped-def]
    """The proposal if `user` takes part in its session; otherwise 404."""
    from django.http import Http404

    if user is None or not user.is_authenticated:
        raise Http404
    found = (
        RescheduleProposal.objects.filter(
            Q(session__mentor=user) | Q(session__mentee=user), pk=proposal_id
        )
        .select_related(
            "session__mentor__profile", "session__mentee__profile", "session__mentorship"
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def open_proposal_for(session: Session, now: datetime) -> RescheduleProposal | None:
    """The session's open, unexpired proposal (an open one past its expiry counts as gone)."""
    return (
        RescheduleProposal.objects.filter(
            session=session,
            status=ProposalStatus.OPEN,
            expires_at__gt=now,
            starts_at__gt=now,
        )
        .select_related("proposed_by__profile")
        .first()
    )


def proposals_of(session: Session) -> QuerySet[RescheduleProposal]:
    return RescheduleProposal.objects.filter(session=session).order_by("-created_at", "-id")


def upcoming_busy_by_calendar(
    user, now: datetime, per_calendar: int = 5
) -> dict[int, list[tuple[datetime, datetime]]]:  # type: ignore[no-untyped-def]
    """The next few imported busy intervals of each of `user`'s calendars (for the settings
    page, so people can see what was imported)."""
    out: dict[int, list[tuple[datetime, datetime]]] = {}
    rows = (
        ExternalBusy.objects.filter(user=user, ends_at__gt=now)
        .order_by("starts_at")
        .values_list("calendar_id", "starts_at", "ends_at")[:500]
    )
    for calendar_id, start, end in rows:
        found = out.setdefault(calendar_id, [])
        if len(found) < per_calendar:
            found.append((start, end))
    return out
