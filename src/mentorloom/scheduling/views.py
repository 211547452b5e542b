"""HTML pages: availability editor, booking page, my schedule, session page, calendar feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from mentorloom.core.errors import DomainError
from mentorloom.core.forms import add_domain_errors
from mentorloom.core.one_click import act_then_redirect
from mentorloom.mentorships.access import get_mentorship_for
from mentorloom.mentorships.timefit import is_night, profile_of, time_fit
from mentorloom.safety.selectors import is_blocked_between

from . import display, ics, selectors, services
from .api import day_bounds
from .forms import (
    CancelForm,
    ExternalCalendarForm,
    OverrideForm,
    ReminderForm,
    RuleForm,
    SeriesForm,
    SettingsForm,
)
from .models import RescheduleProposal, SchedulingSettings, SessionStatus

WEEK_DAYS = 7
FEED_PAST = timedelta(days=60)
FEED_FUTURE = timedelta(days=365)


# --- Availability ---------------------------------------------------------------------------


def _availability_page(request: HttpRequest, status: int = 200, **forms: object) -> HttpResponse:
    user = request.user
    current = selectors.settings_for(user)
    rules = list(user.availability_rules.all())
    context = {
        "zone": selectors.zone_name_of(user),
        "rules": rules,
        "grid_blocks": [
            {
                "rule": r,
                "x": (r.weekday - 1) * 100 + 4,
                "y": r.start.hour * 20 + r.start.minute // 3,
                "height": max(
                    4,
                    ((r.end.hour or 24) * 60 + r.end.minute - r.start.hour * 60 - r.start.minute)
                    // 3,
                ),
            }
            for r in rules
        ],
        "hours": [{"hour": h, "y": h * 20} for h in range(0, 24, 3)],
        "days": [{"name": n, "x": i * 100 + 50} for i, n in enumerate(display.WEEKDAY_SHORT)],
        "overrides": user.availability_overrides.filter(date__gte=timezone.localdate()),
        "rule_form": forms.get("rule_form") or RuleForm(),
        "override_form": forms.get("override_form") or OverrideForm(),
        "settings_form": forms.get("settings_form")
        or SettingsForm(
            initial={
                name: getattr(current, name)
                for name in SettingsForm.base_fields
                if hasattr(current, name)
            }
        ),
        "session_lengths": selectors.session_lengths(user),
    }
    return render(request, "scheduling/availability.html", context, status=status)


@login_required
@require_GET
def availability(request: HttpRequest) -> HttpResponse:
    return _availability_page(request)


def _apply(request: HttpRequest, form_name: str, form, action) -> HttpResponse:  # type: ignore[no-untyped-def]
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "Your availability is saved.")
            return redirect("scheduling:availability")
    return _availability_page(request, status=422, **{form_name: form})


@login_required
@require_POST
def add_rule(request: HttpRequest) -> HttpResponse:
    return _apply(
        request,
        "rule_form",
        RuleForm(request.POST),
        lambda d: services.add_rule(
            request.user, weekday=d["weekday"], start=d["start"], end=d["end"]
        ),
    )


@login_required
@require_POST
def delete_rule(request: HttpRequest, rule_id: int) -> HttpResponse:
    services.delete_rule(request.user, rule_id)
    messages.success(request, "The window is removed.")
    return redirect("scheduling:availability")


@login_required
@require_POST
def add_override(request: HttpRequest) -> HttpResponse:
    return _apply(
        request,
        "override_form",
        OverrideForm(request.POST),
        lambda d: services.add_override(
            request.user,
            day=d["date"],
            kind=d["kind"],
            start=d["start"],
            end=d["end"],
            note=d["note"],
        ),
    )


@login_required
@require_POST
def delete_override(request: HttpRequest, override_id: int) -> HttpResponse:
    services.delete_override(request.user, override_id)
    messages.success(request, "The date is removed.")
    return redirect("scheduling:availability")


@login_required
@require_POST
def save_settings(request: HttpRequest) -> HttpResponse:
    return _apply(
        request,
        "settings_form",
        SettingsForm(request.POST),
        lambda d: services.update_settings(request.user, **d),
    )


# --- Booking --------------------------------------------------------------------------------


def _hours(user) -> tuple:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    if profile is None:
        return (datetime.min.time(), datetime.min.time(), [])
    return (profile.work_start, profile.work_end, list(profile.work_days or []))


@login_required
def book(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = get_mentorship_for(request.user, mentorship_id)
    user = request.user
    mentor = mentorship.mentor
    other = mentorship.mentee if user.pk == mentor.pk else mentor
    my_zone, other_zone = selectors.zone_name_of(user), selectors.zone_name_of(other)
    lengths = selectors.session_lengths(mentor, mentorship)
    # The agreement's length is the default: "45 minutes" agreed means 45 offered first.
    default = selectors.default_session_length(mentorship)
    source = request.POST if request.method == "POST" else request.GET
    try:
        duration = int(source.get("duration", default))
    except ValueError:
        duration = default
    if duration not in lengths:
        duration = default
    moving = None
    if source.get("reschedule"):
        moving = selectors.get_session_for(user, int(source["reschedule"] or 0))
        if moving.mentorship_id != mentorship.pk or moving.status != SessionStatus.BOOKED:
            raise Http404
        duration = int(moving.duration.total_seconds() // 60)
    following = (
        moving is not None and moving.series_id is not None and (source.get("scope") == "following")
    )
    error = None
    status = 200
    if request.method == "POST":
        try:
            starts_at = datetime.fromisoformat(request.POST.get("start", ""))
        except ValueError:
            starts_at = None
        try:
            if starts_at is None:
                raise services.InvalidInput("Pick one of the slots below.")
            if moving is not None and following:
                session = services.move_following(user, moving, starts_at=starts_at)[0]
                messages.success(
                    request, "This and the following sessions are moved; invitations are updated."
                )
            elif moving is not None:
                result = services.request_reschedule(
                    user,
                    moving,
                    starts_at=starts_at,
                    zone=my_zone,
                    message=request.POST.get("message", ""),
                )
                if isinstance(result, RescheduleProposal):
                    session = moving
                    messages.success(
                        request,
                        f"{other.get_full_name()} is asked to agree to the new time; the "
                        "session stays where it is until then.",
                    )
                else:
                    session = result
                    messages.success(
                        request, "The session is moved; both of you get an updated invitation."
                    )
            else:
                session, _ = services.book_session(
                    user,
                    mentorship,
                    starts_at=starts_at,
                    duration_minutes=duration,
                    zone=my_zone,
                    agenda=request.POST.get("agenda", ""),
                )
                messages.success(request, "Booked. The invitation is on its way to both of you.")
            return redirect("scheduling:session", session_id=session.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
    today = timezone.now().astimezone(ZoneInfo(my_zone)).date()
    try:
        first = (
            date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else today
        )
    except ValueError:
        first = today
    first = max(first, today)
    last = first + timedelta(days=WEEK_DAYS - 1)
    range_start, range_end = day_bounds(first, last, ZoneInfo(my_zone))
    found = []
    # After a block neither side reads the other's free times (as the slots API answers 404).
    blocked = is_blocked_between(mentorship.mentor_id, mentorship.mentee_id)
    if mentorship.is_active and not blocked:
        found = selectors.slots_for(
            mentor,
            duration=timedelta(minutes=duration),
            range_start=range_start,
            range_end=range_end,
            now=timezone.now(),
            booker_id=mentorship.mentee_id,
            exclude_session_id=moving.pk if moving else None,
        )
    slots = [
        {
            "utc": s.isoformat(),
            "mine": display.clock(s, my_zone),
            "theirs": display.clock(s, other_zone),
            "day": display.local(s, my_zone).date(),
            "their_day_differs": display.local(s, other_zone).date()
            != display.local(s, my_zone).date(),
            "their_weekday": f"{display.local(s, other_zone):%a}",
            "night": is_night(s, my_zone),
        }
        for s in found
    ]
    # Night-time slots (22:00–07:00 for the viewer) are listed after the day-time ones.
    days = [
        {"day": day, "slots": sorted(items, key=lambda x: x["night"])}
        for day, items in groupby(slots, key=lambda x: x["day"])
    ]
    strip = display.overlap_strip(first, my_zone, _hours(user), other_zone, _hours(other))
    context = {
        "mentorship": mentorship,
        "other": other,
        "other_name": other.get_full_name(),
        # The strip's row label has room for a first name only.
        "other_first_name": other.get_full_name().split(" ")[0],
        "my_zone": my_zone,
        "other_zone": other_zone,
        "lengths": lengths,
        "duration": duration,
        "days": days,
        "first": first,
        "last": last,
        "prev": first - timedelta(days=WEEK_DAYS) if first > today else None,
        "next": last + timedelta(days=1),
        "strip": strip,
        "fit": time_fit(
            profile_of(user),
            profile_of(other),
            timezone.now(),
            mentee=profile_of(mentorship.mentee),
        ),
        "strip_hours": [{"label": f"{h:02d}", "x": h * 2} for h in range(0, 24, 3)],
        "error": error,
        "blocked": blocked,
        "moving": moving,
        "following": following,
        "moving_when": display.when(moving.starts_at, my_zone) if moving else "",
        "needs_agreement": moving is not None and _needs_agreement(user, moving, timezone.now()),
    }
    return render(request, "scheduling/book.html", context, status=status)


def _needs_agreement(user, session, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    """Whether moving will (at best) be a proposal: the mentor, or inside the late window."""
    return user.pk != session.mentee_id or session.starts_at - now < services.late_cancel_window()


# --- My schedule and a session --------------------------------------------------------------


@login_required
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    sessions = selectors.sessions_for(request.user)
    upcoming = [
        selectors.session_row(s, request.user)
        for s in sessions.filter(ends_at__gt=now, status=SessionStatus.BOOKED)
    ]
    past = [
        selectors.session_row(s, request.user)
        for s in sessions.exclude(ends_at__gt=now, status=SessionStatus.BOOKED).order_by(
            "-starts_at"
        )[:50]
    ]
    return render(
        request,
        "scheduling/schedule.html",
        {"upcoming": upcoming, "past": past, "no_shows": selectors.no_show_counts(request.user.pk)},
    )


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, session_id)
    now = timezone.now()
    proposal = selectors.open_proposal_for(session, now) if session.is_booked else None
    context = {
        **selectors.session_row(session, request.user),
        "proposal": proposal,
        "proposal_mine": proposal is not None and proposal.proposed_by_id == request.user.pk,
        "proposal_when": display.when(proposal.starts_at, selectors.zone_name_of(request.user))
        if proposal
        else "",
        "proposal_when_other": display.when(
            proposal.starts_at, selectors.zone_name_of(_other_of(session, request.user))
        )
        if proposal
        else "",
        "needs_agreement": _needs_agreement(request.user, session, now),
        "clock_note": selectors.clock_note_for(session),
        **_call_context(session, request.user, now),
        "cancel_form": CancelForm(),
        "can_change": session.is_booked and session.starts_at > now,
        "can_no_show": now >= session.starts_at + services.NO_SHOW_GRACE
        and (
            session.is_booked
            or (
                session.status == SessionStatus.COMPLETED
                and now <= session.ends_at + timedelta(days=services.NO_SHOW_REPORT_DAYS)
            )
        ),
        "late_window_hours": int(services.late_cancel_window().total_seconds() // 3600),
        "is_late": session.starts_at - now < services.late_cancel_window(),
    }
    return render(request, "scheduling/session.html", context)


CALL_OPENS_BEFORE = timedelta(minutes=10)


def _call_context(session, user, now: datetime) -> dict:  # type: ignore[no-untyped-def]
    """The "Join video call" button: enabled from 10 minutes before the start until the end
    (issue #9: the call room opens 10 minutes before for both); before that, when it opens
    in the viewer's zone. No button once the session is over or not booked."""
    if not session.is_booked or now >= session.ends_at or not session.mentorship.is_active:
        return {"call_state": None}
    opens = session.starts_at - CALL_OPENS_BEFORE
    return {
        "call_state": "open" if now >= opens else "waiting",
        "call_opens": display.when(opens, selectors.zone_name_of(user)),
        # session.js enables the button at this instant, so nobody has to reload.
        "call_opens_at": opens.isoformat(),
    }


def _other_of(session, user):  # type: ignore[no-untyped-def]
    return session.mentee if user.pk == session.mentor_id else session.mentor


def _answer(request: HttpRequest, proposal_id: int, action, done: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    return act_then_redirect(
        request,
        lambda: action(request.user, proposal),
        done,
        "scheduling:session",
        session_id=proposal.session_id,
    )


@login_required
@require_POST
def accept_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _answer(
        request,
        proposal_id,
        services.accept_proposal,
        "The session is moved; both of you get an updated invitation.",
    )


@login_required
@require_POST
def decline_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _answer(
        request, proposal_id, services.decline_proposal, "Declined; the session stays as it is."
    )


@login_required
@require_POST
def withdraw_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _answer(request, proposal_id, services.withdraw_proposal, "Your proposal is withdrawn.")


@login_required
@require_POST
def cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, session_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    following = request.POST.get("scope") == "following"
    cancel_one_or_following = services.cancel_following if following else services.cancel_session
    return act_then_redirect(
        request,
        lambda: cancel_one_or_following(request.user, session, reason=reason),
        "The session is cancelled and the time is free again.",
        "scheduling:session",
        session_id=session.pk,
    )


@login_required
@require_POST
def no_show(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, session_id)
    return act_then_redirect(
        request,
        lambda: services.mark_no_show(request.user, session),
        "Recorded as a no-show.",
        "scheduling:session",
        session_id=session.pk,
    )


# --- Calendar feed --------------------------------------------------------------------------


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_feed_token(request.user)
            messages.success(request, "The feed is switched off; the old address no longer works.")
        else:
            services.regenerate_feed_token(request.user)
            messages.success(request, "Here is your new feed address; the old one no longer works.")
        return redirect("scheduling:calendar")
    return _calendar_page(request)


def _calendar_page(
    request: HttpRequest, form: ExternalCalendarForm | None = None, status: int = 200
) -> HttpResponse:
    current = selectors.settings_for(request.user)
    token = current.feed_token
    url = request.build_absolute_uri(reverse("scheduling:feed", args=[token])) if token else None
    zone = selectors.zone_name_of(request.user)
    context = {
        "feed_url": url,
        "zone": zone,
        "calendars": _calendar_rows(request.user, selectors.calendars_for(request.user), zone),
        "calendar_form": form or ExternalCalendarForm(),
        "reminder_form": ReminderForm(
            initial={
                "remind_24h": current.remind_24h,
                "remind_1h": current.remind_1h,
            }
        ),
    }
    return render(request, "scheduling/calendar.html", context, status=status)


def _calendar_rows(user, calendars, zone: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each calendar with the next busy times it imported, on the viewer's clock, and whether
    a fetch asked for is waiting (`fetching`) or has waited so long that its worker seems lost
    (`stalled`: the page stops following it)."""
    now = timezone.now()
    busy = selectors.upcoming_busy_by_calendar(user, now)
    rows = []
    for calendar in calendars:
        queued = calendar.fetch_queued_at
        stalled = queued is not None and queued <= now - services.QUEUED_FOR
        rows.append(
            {
                "c": calendar,
                "fetching": queued is not None and not stalled,
                "stalled": stalled,
                "next_busy": [
                    f"{display.when(start, zone)} – {display.clock(end, zone)}"
                    for start, end in busy.get(calendar.pk, [])
                ],
            }
        )
    return rows


# htmx stops polling an element when its answer has this status (and still swaps it in).
STOP_POLLING = 286


@require_GET
def calendar_status(request: HttpRequest, calendar_id: int) -> HttpResponse:
    """One calendar's fetch state, polled by htmx while a fetch waits for the worker. Polling
    ends when the fetch lands, and also when the calendar is gone (removed in another tab) or
    the person was signed out meanwhile: those answer htmx with a short note instead of an
    error it would ask again for every two seconds. Anyone else's calendar is a 404."""
    polled = request.headers.get("HX-Request") == "true"
    if not request.user.is_authenticated:
        if polled:
            note = "You were signed out. Reload the page to sign in again."
            return HttpResponse(f'<p class="small muted">{note}</p>', status=STOP_POLLING)
        return redirect_to_login(request.get_full_path())
    calendars = selectors.calendars_for(request.user).filter(pk=calendar_id)
    if not calendars:
        if polled:
            return HttpResponse('<p class="small muted">Removed.</p>', status=STOP_POLLING)
        raise Http404
    zone = selectors.zone_name_of(request.user)
    row = _calendar_rows(request.user, calendars, zone)[0]
    # Once the fetch has landed the fragment carries no hx-trigger: polling ends with it.
    return render(request, "scheduling/_calendar_status.html", {"row": row, "zone": zone})


def _fetch_message(request: HttpRequest, calendar, first: bool) -> None:  # type: ignore[no-untyped-def]
    """What the person is told after asking for a fetch: its outcome when it ran already (tasks
    run at once without a worker), else that it runs in the background."""
    if calendar.fetch_queued_at is not None:
        messages.info(
            request,
            ("Added. " if first else "")
            + "Its busy times are being fetched; this page shows them when they arrive.",
        )
    elif calendar.last_error:
        lead = "Saved, but the first fetch failed" if first else "The fetch failed"
        messages.warning(request, f"{lead}: {calendar.last_error}")
    elif first:
        messages.success(request, f"Added: {calendar.busy_count} busy times imported.")
    else:
        messages.success(request, "Fetched again.")


@login_required
@require_POST
def add_calendar(request: HttpRequest) -> HttpResponse:
    """Adds a busy calendar and queues its first fetch; a fetch problem is shown, never a 500."""
    form = ExternalCalendarForm(request.POST)
    if form.is_valid():
        try:
            calendar = services.add_calendar(request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            _fetch_message(request, calendar, first=True)
            return redirect("scheduling:calendar")
    return _calendar_page(request, form, status=422)


@login_required
@require_POST
def delete_calendar(request: HttpRequest, calendar_id: int) -> HttpResponse:
    services.delete_calendar(request.user, calendar_id)
    messages.success(request, "The calendar is removed; its busy times no longer block slots.")
    return redirect("scheduling:calendar")


@login_required
@require_POST
def refresh_calendar(request: HttpRequest, calendar_id: int) -> HttpResponse:
    try:
        calendar = services.request_fetch(request.user, calendar_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("scheduling:calendar")
    _fetch_message(request, calendar, first=False)
    return redirect("scheduling:calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the token is the credential, so no session cookie is needed."""
    if len(token) < 20:
        raise Http404
    # An inactive (deactivated, banned, being erased) account's feed answers as no feed at all.
    owner = (
        SchedulingSettings.objects.filter(feed_token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if owner is None:
        raise Http404
    now = timezone.now()
    sessions = (
        selectors.sessions_for(owner.user)
        .filter(starts_at__gte=now - FEED_PAST, starts_at__lte=now + FEED_FUTURE)
        .exclude(status=SessionStatus.NO_SHOW)
        .select_related("series")  # for the clock-change note of gap-shifted occurrences
    )
    body = ics.feed(sessions, name="Mentorloom sessions", now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Recurring series -----------------------------------------------------------------------


@login_required
def new_series(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    """Set up a recurring chat: "Preview" lists every date with both local times and any
    clash; "Book the series" books the free dates (clashing ones are skipped)."""
    mentorship = get_mentorship_for(request.user, mentorship_id)
    user = request.user
    other = mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor
    zone = selectors.zone_name_of(user)
    lengths = selectors.session_lengths(mentorship.mentor, mentorship)
    form = SeriesForm(
        request.POST or None,
        lengths=lengths,
        initial={"duration": selectors.default_session_length(mentorship)},
    )
    preview, status = None, 200
    if request.method == "POST" and form.is_valid():
        fields = {
            **form.rule_fields(),
            "duration_minutes": form.cleaned_data["duration"],
            "zone": zone,
        }
        try:
            if request.POST.get("action") == "create":
                series, created, skipped = services.create_series(
                    user, mentorship, agenda=form.cleaned_data["agenda"], **fields
                )
                note = f" {len(skipped)} clashing date(s) were skipped." if skipped else ""
                messages.success(request, f"{len(created)} sessions are booked.{note}")
                return redirect("scheduling:series", series_id=series.pk)
            preview = _preview_rows(services.preview_series(user, mentorship, **fields), user)
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields or not any(f in form.fields for f in exc.fields):
                form.add_error(None, exc.message)
            status = exc.status
    elif request.method == "POST":
        status = 422
    blocked = is_blocked_between(mentorship.mentor_id, mentorship.mentee_id)
    context = {
        "mentorship": mentorship,
        "form": form,
        "preview": preview,
        "free_count": sum(1 for p in preview or [] if not p["problem"]),
        "zone": zone,
        "other_name": other.get_full_name(),
        # After a block nothing of the other's time shows (as on the booking page).
        "other_zone": "" if blocked else selectors.zone_name_of(other),
        "i_am_mentor": user.pk == mentorship.mentor_id,
    }
    return render(request, "scheduling/series_new.html", context, status=status)


def _preview_rows(found: list[dict], user) -> list[dict]:  # type: ignore[no-untyped-def]
    """Preview rows as the viewer reads them: "mine" and "theirs" instead of mentor/mentee."""
    rows = []
    for item in found:
        rows.append(
            {
                **item,
                "mine": item["start"],
                "mentor_clock": f"{item['mentor_local']:%a %H:%M}",
                "mentee_clock": f"{item['mentee_local']:%a %H:%M}",
            }
        )
    return rows


@login_required
@require_GET
def series_detail(request: HttpRequest, series_id: int) -> HttpResponse:
    series = selectors.get_series_for(request.user, series_id)
    return render(
        request,
        "scheduling/series.html",
        {
            "series": series,
            "summary": services.series_summary(series),
            "rows": selectors.series_rows(series, request.user),
            "problems": services.PROBLEM_MESSAGES,
        },
    )


@login_required
@require_POST
def save_reminders(request: HttpRequest) -> HttpResponse:
    form = ReminderForm(request.POST)
    if form.is_valid():
        services.ensure_settings(request.user)
        services.update_settings(request.user, **form.cleaned_data)
        messages.success(request, "Your reminder choices are saved.")
    return redirect("scheduling:calendar")
