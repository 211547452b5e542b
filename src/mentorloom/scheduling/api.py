"""Scheduling API: slots, availability, booking and session changes under /api/v1/."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Header, Query, Router
from ninja.responses import Status

from mentorloom.core.errors import InvalidInput
from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id
from mentorloom.core.timezones import canonical_zone
from mentorloom.mentorships.access import get_mentorship_for

from . import selectors, services
from .access import get_mentor_for
from .errors import DurationNotOffered
from .models import ProposalStatus, RescheduleProposal, Session
from .schemas import (
    MAX_DURATION_MINUTES,
    AvailabilityOut,
    BookIn,
    CalendarIn,
    CalendarOut,
    CancelIn,
    FeedOut,
    OverrideIn,
    OverrideOut,
    PreviewOut,
    ProposalOut,
    RescheduleIn,
    RuleIn,
    RuleOut,
    RulesIn,
    SeriesIn,
    SeriesOut,
    SessionOut,
    SettingsIn,
    SettingsOut,
    SlotsOut,
)

router = Router(tags=["scheduling"])
MAX_RANGE_DAYS = 90


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, last+1 00:00) in `zone` as UTC instants."""
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _zone_param(name: str, field: str = "tz") -> str:
    zone = canonical_zone(name)
    if zone is None:
        raise InvalidInput("Unknown time zone.", fields={field: [f"{name!r} is not an IANA zone."]})
    return zone


@router.get("/mentors/{mentor_id}/slots", response={200: SlotsOut, **READ_ERRORS})
def mentor_slots(
    request: HttpRequest,
    mentor_id: Id,
    start: date,
    end: date,
    duration: int = Query(..., ge=1, le=MAX_DURATION_MINUTES),
    tz: str = Query("UTC"),
) -> dict:
    """Free start instants between two dates (inclusive, in `tz`) for a session of `duration`.
    404 for anyone the directory would not show the viewer (access.get_mentor_for)."""
    zone_name = _zone_param(tz)
    mentor = get_mentor_for(request.user, mentor_id)
    if end < start:
        raise InvalidInput(
            "The end is before the start.", fields={"end": ["Must not be before start."]}
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            fields={"end": [f"The range may span at most {MAX_RANGE_DAYS} days."]},
        )
    if duration not in selectors.session_lengths(mentor):
        raise DurationNotOffered(
            fields={
                "duration": [f"Offered: {', '.join(map(str, selectors.session_lengths(mentor)))}."]
            }
        )
    zone = ZoneInfo(zone_name)
    range_start, range_end = day_bounds(start, end, zone)
    mentor_zone = selectors.zone_of(mentor)
    length = timedelta(minutes=duration)
    found = selectors.slots_for(
        mentor,
        duration=length,
        range_start=range_start,
        range_end=range_end,
        now=timezone.now(),
        booker_id=request.user.pk,
    )
    return {
        "mentor_id": mentor.pk,
        "tz": zone_name,
        "mentor_tz": mentor_zone.key,
        "duration": duration,
        "slots": [
            {
                "start": s.astimezone(zone).isoformat(),
                "end": (s + length).astimezone(zone).isoformat(),
                "start_utc": s.isoformat().replace("+00:00", "Z"),
                "mentor_local": s.astimezone(mentor_zone).isoformat(),
            }
            for s in found
        ],
    }


# --- Availability (the signed-in person's own) ----------------------------------------------


def _availability(user) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tz": selectors.zone_name_of(user),
        "session_lengths": selectors.session_lengths(user),
        "rules": list(user.availability_rules.all()),
        "overrides": list(user.availability_overrides.all()),
        "settings": selectors.settings_for(user),
    }


@router.get("/availability", response={200: AvailabilityOut, **READ_ERRORS})
def get_availability(request: HttpRequest) -> dict:
    return _availability(request.user)


@router.put("/availability/rules", response={200: list[RuleOut], **WRITE_ERRORS})
def put_rules(request: HttpRequest, payload: RulesIn) -> list:
    return services.replace_rules(
        request.user, [(r.weekday, r.start, r.end) for r in payload.rules]
    )


@router.post("/availability/rules", response={**WRITE_ERRORS, 201: RuleOut})
def post_rule(request: HttpRequest, payload: RuleIn) -> Status:
    rule = services.add_rule(
        request.user, weekday=payload.weekday, start=payload.start, end=payload.end
    )
    return Status(201, rule)


@router.delete("/availability/rules/{rule_id}", response={**WRITE_ERRORS, 204: None})
def delete_rule(request: HttpRequest, rule_id: Id) -> Status:
    get_object_or_404(request.user.availability_rules, pk=rule_id)
    services.delete_rule(request.user, rule_id)
    return Status(204, None)


@router.post("/availability/overrides", response={**WRITE_ERRORS, 201: OverrideOut})
def post_override(request: HttpRequest, payload: OverrideIn) -> Status:
    override = services.add_override(
        request.user,
        day=payload.date,
        kind=payload.kind,
        start=payload.start,
        end=payload.end,
        note=payload.note,
    )
    return Status(201, override)


@router.delete("/availability/overrides/{override_id}", response={**WRITE_ERRORS, 204: None})
def delete_override(request: HttpRequest, override_id: Id) -> Status:
    get_object_or_404(request.user.availability_overrides, pk=override_id)
    services.delete_override(request.user, override_id)
    return Status(204, None)


@router.patch("/availability/settings", response={200: SettingsOut, **WRITE_ERRORS})
def patch_settings(request: HttpRequest, payload: SettingsIn) -> object:
    changes = payload.dict(exclude_unset=True)
    return services.update_settings(request.user, **changes)


# --- Sessions -------------------------------------------------------------------------------


def session_out(session: Session, viewer) -> dict:  # type: ignore[no-untyped-def]
    zone = selectors.zone_of(viewer)
    return {
        "id": session.pk,
        "uid": str(session.uid),
        "mentorship_id": session.mentorship_id,
        "mentor_id": session.mentor_id,
        "mentee_id": session.mentee_id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "zone": session.zone,
        "start_local": session.starts_at.astimezone(zone).isoformat(),
        "status": session.status,
        "agenda": session.agenda,
        "late_cancel": session.late_cancel,
        "cancel_reason": session.cancel_reason,
        "ics_sequence": session.ics_sequence,
        "series_id": session.series_id,
        "series_index": session.series_index,
    }


@router.post(
    "/mentorships/{mentorship_id}/sessions",
    response={**WRITE_ERRORS, 200: SessionOut, 201: SessionOut},
)
def book(
    request: HttpRequest,
    mentorship_id: Id,
    payload: BookIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """Books a slot. 409 `slot_taken` if someone was faster; a retried Idempotency-Key
    returns the first result (200) instead of booking again."""
    mentorship = get_mentorship_for(request.user, mentorship_id)
    session, replayed = services.book_session(
        request.user,
        mentorship,
        starts_at=payload.start,
        duration_minutes=payload.duration,
        zone=payload.tz,
        agenda=payload.agenda,
        idempotency_key=(idempotency_key or "").strip() or None,
    )
    return Status(200 if replayed else 201, session_out(session, request.user))


@router.get("/sessions", response={200: list[SessionOut], **READ_ERRORS})
def list_sessions(request: HttpRequest, upcoming: bool = False) -> list[dict]:
    qs = selectors.sessions_for(request.user, upcoming_only=upcoming, now=timezone.now())
    return [session_out(s, request.user) for s in qs[:500]]


@router.get("/sessions/{session_id}", response={200: SessionOut, **READ_ERRORS})
def get_session(request: HttpRequest, session_id: Id) -> dict:
    return session_out(selectors.get_session_for(request.user, session_id), request.user)


def _scope(value: str) -> str:
    if value not in ("this", "following"):
        raise InvalidInput(fields={"scope": ["Use 'this' or 'following'."]})
    return value


@router.post("/sessions/{session_id}/cancel", response={200: SessionOut, **WRITE_ERRORS})
def cancel(request: HttpRequest, session_id: Id, payload: CancelIn) -> dict:
    """Cancels this session, or with scope=following also every later one of its series
    (the answer is the session asked about)."""
    session = selectors.get_session_for(request.user, session_id)
    if _scope(payload.scope) == "following":
        changed = services.cancel_following(request.user, session, reason=payload.reason)
        return session_out(changed[0], request.user)
    return session_out(
        services.cancel_session(request.user, session, reason=payload.reason), request.user
    )


@router.post(
    "/sessions/{session_id}/reschedule",
    response={**WRITE_ERRORS, 200: SessionOut, 202: ProposalOut},
)
def reschedule(request: HttpRequest, session_id: Id, payload: RescheduleIn) -> Status:
    """Moves this session (200, the session) when the mentee moves it into a free slot outside
    the late-cancellation window; otherwise proposes the time to the other side (202, the
    proposal). With scope=following every later occurrence of its series moves by the same
    wall-clock change (all or nothing: 409 `series_conflict` lists the clashing ones)."""
    session = selectors.get_session_for(request.user, session_id)
    if _scope(payload.scope) == "following":
        moved = services.move_following(request.user, session, starts_at=payload.start)
        return Status(200, session_out(moved[0], request.user))
    result = services.request_reschedule(
        request.user, session, starts_at=payload.start, zone=payload.tz, message=payload.message
    )
    if isinstance(result, RescheduleProposal):
        return Status(202, proposal_out(result, request.user))
    return Status(200, session_out(result, request.user))


def proposal_out(proposal: RescheduleProposal, viewer) -> dict:  # type: ignore[no-untyped-def]
    now = timezone.now()
    expired = proposal.status == ProposalStatus.OPEN and not (
        now < proposal.expires_at and now < proposal.starts_at
    )
    return {
        "id": proposal.pk,
        "session_id": proposal.session_id,
        "proposed_by_id": proposal.proposed_by_id,
        "starts_at": proposal.starts_at,
        "ends_at": proposal.ends_at,
        "zone": proposal.zone,
        "start_local": proposal.starts_at.astimezone(selectors.zone_of(viewer)).isoformat(),
        "message": proposal.message,
        "status": ProposalStatus.EXPIRED if expired else proposal.status,
        "created_at": proposal.created_at,
        "expires_at": proposal.expires_at,
        "decided_at": proposal.decided_at,
    }


@router.get(
    "/sessions/{session_id}/reschedule-proposals", response={200: list[ProposalOut], **READ_ERRORS}
)
def list_proposals(request: HttpRequest, session_id: Id) -> list[dict]:
    """Every proposal to move this session, newest first (at most one is open)."""
    session = selectors.get_session_for(request.user, session_id)
    return [proposal_out(p, request.user) for p in selectors.proposals_of(session)[:100]]


@router.get("/reschedule-proposals/{proposal_id}", response={200: ProposalOut, **READ_ERRORS})
def get_proposal(request: HttpRequest, proposal_id: Id) -> dict:
    return proposal_out(selectors.get_proposal_for(request.user, proposal_id), request.user)


@router.post(
    "/reschedule-proposals/{proposal_id}/accept", response={200: SessionOut, **WRITE_ERRORS}
)
def accept_proposal(request: HttpRequest, proposal_id: Id) -> dict:
    """The other side accepts: the moved session. 409 `slot_taken` if the time was booked
    meanwhile, `proposal_expired` / `proposal_closed`; 403 `own_proposal` for the proposer."""
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    return session_out(services.accept_proposal(request.user, proposal), request.user)


@router.post(
    "/reschedule-proposals/{proposal_id}/decline", response={200: ProposalOut, **WRITE_ERRORS}
)
def decline_proposal(request: HttpRequest, proposal_id: Id) -> dict:
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    return proposal_out(services.decline_proposal(request.user, proposal), request.user)


@router.post(
    "/reschedule-proposals/{proposal_id}/withdraw", response={200: ProposalOut, **WRITE_ERRORS}
)
def withdraw_proposal(request: HttpRequest, proposal_id: Id) -> dict:
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    return proposal_out(services.withdraw_proposal(request.user, proposal), request.user)


# --- Recurring series -----------------------------------------------------------------------


def _rule_fields(payload: SeriesIn) -> dict:
    return {
        "frequency": payload.frequency,
        "first_date": payload.first_date,
        "wall_time": payload.time,
        "alt_time": payload.alt_time,
        "count": payload.count,
        "until": payload.until,
        "nth": payload.nth,
    }


def series_out(series, viewer, skipped: list | None = None) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": series.pk,
        "mentorship_id": series.mentorship_id,
        "organiser_id": series.organiser_id,
        "zone": series.zone,
        "frequency": series.frequency,
        "summary": services.series_summary(series),
        "first_date": series.first_date,
        "time": series.time,
        "alt_time": series.alt_time,
        "count": series.count,
        "until": series.until,
        "duration": series.duration_minutes,
        "sessions": [session_out(s, viewer) for s in series.sessions.order_by("starts_at")],
        "skipped": skipped or [],
    }


@router.post(
    "/mentorships/{mentorship_id}/series/preview", response={200: PreviewOut, **WRITE_ERRORS}
)
def preview_series(request: HttpRequest, mentorship_id: Id, payload: SeriesIn) -> dict:
    """Every date of a proposed series with both people's local times and any clash."""
    mentorship = get_mentorship_for(request.user, mentorship_id)
    found = services.preview_series(
        request.user,
        mentorship,
        duration_minutes=payload.duration,
        zone=payload.tz,
        **_rule_fields(payload),
    )
    return {"occurrences": found}


@router.post("/mentorships/{mentorship_id}/series", response={**WRITE_ERRORS, 201: SeriesOut})
def create_series(request: HttpRequest, mentorship_id: Id, payload: SeriesIn) -> Status:
    """Books each free date as its own session; clashing dates are skipped (listed in
    `skipped`), or with skip_conflicts=false the series is refused (409 `series_conflict`)."""
    mentorship = get_mentorship_for(request.user, mentorship_id)
    series, _created, skipped = services.create_series(
        request.user,
        mentorship,
        duration_minutes=payload.duration,
        zone=payload.tz,
        agenda=payload.agenda,
        skip_conflicts=payload.skip_conflicts,
        **_rule_fields(payload),
    )
    return Status(201, series_out(series, request.user, skipped))


@router.get("/series/{series_id}", response={200: SeriesOut, **READ_ERRORS})
def get_series(request: HttpRequest, series_id: Id) -> dict:
    return series_out(selectors.get_series_for(request.user, series_id), request.user)


@router.post("/sessions/{session_id}/no-show", response={200: SessionOut, **WRITE_ERRORS})
def no_show(request: HttpRequest, session_id: Id) -> dict:
    session = selectors.get_session_for(request.user, session_id)
    return session_out(services.mark_no_show(request.user, session), request.user)


@router.post("/calendar/feed", response={200: FeedOut, **WRITE_ERRORS})
def regenerate_feed(request: HttpRequest) -> dict:
    """A new private feed URL; the old one stops working."""
    token = services.regenerate_feed_token(request.user)
    return {"url": request.build_absolute_uri(f"/calendar/{token}.ics")}


@router.delete("/calendar/feed", response={200: FeedOut, **WRITE_ERRORS})
def revoke_feed(request: HttpRequest) -> dict:
    services.revoke_feed_token(request.user)
    return {"url": None}


# --- External busy calendars ----------------------------------------------------------------


@router.get("/calendars", response={200: list[CalendarOut], **READ_ERRORS})
def list_calendars(request: HttpRequest) -> list:
    return list(selectors.calendars_for(request.user))


@router.post("/calendars", response={**WRITE_ERRORS, 201: CalendarOut})
def add_calendar(request: HttpRequest, payload: CalendarIn) -> Status:
    """Adds an ICS URL or CalDAV account and queues its first fetch (`fetching` is true until
    the worker has fetched it). A refused URL is 422 on `url`; a failed fetch is not an
    error: see `last_error`."""
    calendar = services.add_calendar(request.user, **payload.dict())
    return Status(201, calendar)


@router.post("/calendars/{calendar_id}/refresh", response={202: CalendarOut, **WRITE_ERRORS})
def refresh_calendar(request: HttpRequest, calendar_id: Id) -> Status:
    """Queues a fetch of the calendar for the worker (`fetching`; poll the calendar until it
    is false). At most services.FETCHES_PER_HOUR a user asks for (429); asking again while a
    fetch waits queues nothing more and is not counted."""
    return Status(202, services.request_fetch(request.user, calendar_id))


@router.delete("/calendars/{calendar_id}", response={**WRITE_ERRORS, 204: None})
def delete_calendar(request: HttpRequest, calendar_id: Id) -> Status:
    get_object_or_404(selectors.calendars_for(request.user), pk=calendar_id)
    services.delete_calendar(request.user, calendar_id)
    return Status(204, None)
