"""Writes for requests, mentorships, agreements, goals and the waitlist.

Every service validates, locks the rows whose state it depends on, writes, and leaves e-mail and
tasks to `transaction.on_commit` (the notification service already defers its e-mail), so nobody
hears about a change that was rolled back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.notifications.models import Notification
from mentorloom.notifications.services import notify
from mentorloom.profiles.hours import format_days
from mentorloom.profiles.models import CareerGoal, Profile
from mentorloom.safety.selectors import is_blocked_between

from .errors import (
    AlreadyMentoring,
    InvalidTransition,
    MentorAtCapacity,
    MentorNotAccepting,
    MentorPaused,
    MentorUnavailable,
    RequestAlreadyOpen,
    SelfRequest,
    StaleAgreementVersion,
)
from .models import (
    AGREEMENT_FIELDS,
    MESSAGE_MAX,
    MESSAGE_MIN,
    OPEN_REQUEST_STATUSES,
    AgreementVersion,
    Cadence,
    Goal,
    GoalStatus,
    HistoryEvent,
    MeetingFormat,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    Milestone,
    ProgressUpdate,
    Reflection,
    RequestMessage,
    RequestStatus,
    WaitlistEntry,
)

REMINDER_AFTER = timedelta(hours=48)
AUTO_PAUSE_AFTER_EXPIRED = 3

DECLINE_TEMPLATES = [
    "Thank you for reaching out. My mentoring places are full right now; please try again in a "
    "few months.",
    "Thank you for your message. I don't think I'm the best fit for these goals; another mentor "
    "with closer experience will help you more.",
    "Thank you for thinking of me. I can't commit the time a mentorship deserves at the moment.",
]


def expiry_days() -> int:
    return int(getattr(settings, "MENTORLOOM_REQUEST_EXPIRY_DAYS", 7))


def _url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def similar_mentors_url(mentor_id: int) -> str:
    """Where an expired request points the mentee: the directory (from the Discovery issue)."""
    try:
        return reverse("discovery:directory") + f"?similar_to={mentor_id}"
    except NoReverseMatch:
        return f"/mentors/?similar_to={mentor_id}"


def live_mentorship_count(mentor_id: int) -> int:
    # Paused mentorships still hold their place: the pair intends to resume.
    return (
        Mentorship.objects.filter(mentor_id=mentor_id).exclude(status=MentorshipStatus.ENDED)
    ).count()


def free_places(profile: Profile) -> int:
    return max(0, profile.capacity - live_mentorship_count(profile.user_id))


# --- Sending a request --------------------------------------------------------------------


def _mentor_profile(mentee, mentor_id: int, *, lock: bool = False) -> Profile:  # type: ignore[no-untyped-def]
    """The mentor's profile if the mentee may address them at all (else 404-like errors)."""
    if mentee.pk == mentor_id:
        raise SelfRequest(fields={"mentor_id": ["That is you."]})
    qs = Profile.objects.select_related("user")
    if lock:
        qs = qs.select_for_update()
    profile = qs.filter(user_id=mentor_id, is_mentor=True, user__is_active=True).first()
    # A block hides the two people from each other, so a blocked mentor looks like no mentor.
    if profile is None or is_blocked_between(mentee.pk, mentor_id):
        raise MentorUnavailable()
    return profile


def check_can_request(mentee, mentor_id: int) -> Profile:  # type: ignore[no-untyped-def]
    """Raises the error a request to this mentor would meet now; returns the mentor profile."""
    profile = _mentor_profile(mentee, mentor_id)
    if profile.is_paused:
        raise MentorPaused(
            f"{profile.name} is taking a break and is back on {profile.paused_until:%-d %B %Y}.",
        )
    if not profile.accepting_requests:
        raise MentorNotAccepting(f"{profile.name} is not accepting requests right now.")
    if (
        Mentorship.objects.filter(mentor_id=mentor_id, mentee=mentee)
        .exclude(status=MentorshipStatus.ENDED)
        .exists()
    ):
        raise AlreadyMentoring()
    if MentorshipRequest.objects.filter(
        mentor_id=mentor_id, mentee=mentee, status__in=OPEN_REQUEST_STATUSES
    ).exists():
        raise RequestAlreadyOpen()
    if free_places(profile) == 0:
        raise MentorAtCapacity(
            f"{profile.name} has no free places right now. You can join their waitlist and we "
            "will tell you when a place frees."
        )
    return profile


def _clean_message(text: str, field: str = "message") -> str:
    text = (text or "").strip()
    if len(text) < MESSAGE_MIN:
        raise InvalidInput(
            fields={field: [f"Please write at least {MESSAGE_MIN} characters ({len(text)} now)."]}
        )
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(
            fields={field: [f"Please keep it under {MESSAGE_MAX} characters ({len(text)} now)."]}
        )
    return text


def _clean_short(text: str, field: str, *, limit: int = MESSAGE_MAX) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={field: ["Please write something."]})
    if len(text) > limit:
        raise InvalidInput(fields={field: [f"Please keep it under {limit} characters."]})
    return text


def send_request(
    mentee,  # type: ignore[no-untyped-def]
    mentor_id: int,
    *,
    message: str,
    goal_ids: list[int] | None = None,
    preferred_format: str = MeetingFormat.BOTH,
    cadence: str = Cadence.FORTNIGHTLY,
) -> MentorshipRequest:
    """Send a connection request.

    Errors: SelfRequest, MentorUnavailable (unknown/blocked), MentorPaused, MentorNotAccepting,
    AlreadyMentoring, RequestAlreadyOpen, MentorAtCapacity (offer the waitlist), InvalidInput.
    Side effects: the mentor is notified; the mentee leaves the mentor's waitlist.
    """
    text = _clean_message(message)
    if preferred_format not in MeetingFormat.values:
        raise InvalidInput(fields={"preferred_format": ["Choose chat, video or both."]})
    if cadence not in Cadence.values:
        raise InvalidInput(fields={"cadence": ["Choose how often you would like to meet."]})
    own_goals = set(CareerGoal.objects.filter(profiles__user=mentee).values_list("pk", flat=True))
    wanted = set(goal_ids or [])
    if wanted - own_goals:
        raise InvalidInput(fields={"goal_ids": ["Choose goals from your own profile."]})
    with transaction.atomic():
        profile = check_can_request(mentee, mentor_id)
        now = timezone.now()
        try:
            with transaction.atomic():
                request = MentorshipRequest.objects.create(
                    mentee=mentee,
                    mentor_id=mentor_id,
                    message=text,
                    preferred_format=preferred_format,
                    cadence=cadence,
                    created_at=now,
                    updated_at=now,
                    expires_at=now + timedelta(days=expiry_days()),
                )
        except IntegrityError as exc:  # a concurrent submit won the partial unique index
            raise RequestAlreadyOpen() from exc
        request.goals.set(wanted)
        WaitlistEntry.objects.filter(
            mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
        ).delete()
        notify(
            profile.user,
            kind="request.received",
            title=f"{mentee.get_full_name()} asked you to be their mentor",
            body=text[:300],
            url=_url("mentorships:request_detail", request.pk),
        )
    return request


# --- Answering a request ------------------------------------------------------------------


def _locked(request: MentorshipRequest) -> MentorshipRequest:
    return MentorshipRequest.objects.select_for_update().get(pk=request.pk)


def _require_open(request: MentorshipRequest, action: str) -> None:
    if request.status not in OPEN_REQUEST_STATUSES:
        raise InvalidTransition(
            f"You cannot {action} a request that is {request.get_status_display().lower()}."
        )


def _require_mentor(user, request: MentorshipRequest) -> None:  # type: ignore[no-untyped-def]
    if user.pk != request.mentor_id:
        raise PermissionDenied("Only the mentor can do that.")


def _require_mentee(user, request: MentorshipRequest) -> None:  # type: ignore[no-untyped-def]
    if user.pk != request.mentee_id:
        raise PermissionDenied("Only the person who sent the request can do that.")


def _mark_answered(request: MentorshipRequest, now: datetime) -> None:
    if request.first_response_at is None:
        request.first_response_at = now


def ask_for_info(user, request: MentorshipRequest, body: str) -> RequestMessage:  # type: ignore[no-untyped-def]
    """Mentor asks for more information: pending/info_requested → info_requested."""
    _require_mentor(user, request)
    text = _clean_short(body, "body")
    with transaction.atomic():
        request = _locked(request)
        _require_open(request, "ask about")
        now = timezone.now()
        _mark_answered(request, now)
        request.status = RequestStatus.INFO_REQUESTED
        request.updated_at = now
        request.save(update_fields=["status", "updated_at", "first_response_at"])
        msg = RequestMessage.objects.create(request=request, author=user, body=text)
        notify(
            request.mentee,
            kind="request.info_requested",
            title=f"{user.get_full_name()} would like to know more before answering",
            body=text[:300],
            url=_url("mentorships:request_detail", request.pk),
        )
    return msg


def answer_info(user, request: MentorshipRequest, body: str) -> RequestMessage:  # type: ignore[no-untyped-def]
    """Mentee answers: info_requested → pending, and the mentor gets a fresh expiry window."""
    _require_mentee(user, request)
    text = _clean_short(body, "body")
    with transaction.atomic():
        request = _locked(request)
        if request.status != RequestStatus.INFO_REQUESTED:
            raise InvalidTransition("The mentor has not asked anything that needs an answer.")
        now = timezone.now()
        request.status = RequestStatus.PENDING
        request.updated_at = now
        request.expires_at = max(request.expires_at, now + timedelta(days=expiry_days()))
        request.save(update_fields=["status", "updated_at", "expires_at"])
        msg = RequestMessage.objects.create(request=request, author=user, body=text)
        notify(
            request.mentor,
            kind="request.info_answered",
            title=f"{user.get_full_name()} answered your question",
            body=text[:300],
            url=_url("mentorships:request_detail", request.pk),
        )
    return msg


def _agreement_suggestions(request: MentorshipRequest) -> dict[str, str]:
    """A sensible first draft the pair can edit: from the request and both profiles."""
    mentor_p = getattr(request.mentor, "profile", None)
    mentee_p = getattr(request.mentee, "profile", None)

    def hours(p: Profile | None) -> str:
        if p is None or not p.time_zone:
            return f"{p.user.get_full_name() if p else 'Unknown'}: not set yet"
        return (
            f"{p.name}: no messages expected outside {format_days(p.work_days)} "
            f"{p.work_start:%H:%M}–{p.work_end:%H:%M} ({p.time_zone})"
        )

    goal_names = ", ".join(request.goals.order_by("name").values_list("name", flat=True))
    channels = {
        MeetingFormat.CHAT: "Chat in Mentorloom",
        MeetingFormat.VIDEO: "Video calls in Mentorloom",
        MeetingFormat.BOTH: "Video calls for sessions, chat in between",
    }[MeetingFormat(request.preferred_format)]
    return {
        "goals": goal_names or "To be agreed in our first session.",
        "cadence": Cadence(request.cadence).label,
        "session_length": "45 minutes",
        "review_date": "Review together after 3 months",
        "channels": channels,
        "response_times": "Within 2 working days",
        "quiet_hours": "\n".join(hours(p) for p in (mentor_p, mentee_p)),
        "boundaries": "",
        "confidentiality": (
            "What we discuss stays between us unless we both agree otherwise, or someone's "
            "safety is at risk."
        ),
        "feedback": "A short check-in at the end of each session: what helped, what to change.",
    }


def accept_request(user, request: MentorshipRequest) -> Mentorship:  # type: ignore[no-untyped-def]
    """Mentor accepts: open → accepted, creating the Mentorship and a draft agreement.

    Capacity is checked with the mentor's profile row locked (select_for_update; SQLite runs
    IMMEDIATE transactions, which serialise writers the same way), so two accepts racing for
    the last place cannot both succeed. Errors: InvalidTransition (already answered),
    MentorAtCapacity, AlreadyMentoring.
    """
    _require_mentor(user, request)
    with transaction.atomic():
        # Lock order everywhere: mentor profile, then request — no deadlocks between accepts.
        profile = Profile.objects.select_for_update().get(user_id=request.mentor_id)
        request = _locked(request)
        _require_open(request, "accept")
        if free_places(profile) == 0:
            raise MentorAtCapacity(
                "All your places are taken. End or finish a mentorship, or raise your capacity "
                "in your profile, before accepting."
            )
        if (
            Mentorship.objects.filter(mentor_id=request.mentor_id, mentee_id=request.mentee_id)
            .exclude(status=MentorshipStatus.ENDED)
            .exists()
        ):
            raise AlreadyMentoring()
        now = timezone.now()
        mentorship = Mentorship.objects.create(
            mentor_id=request.mentor_id, mentee_id=request.mentee_id, started_at=now
        )
        _mark_answered(request, now)
        request.status = RequestStatus.ACCEPTED
        request.closed_at = now
        request.updated_at = now
        request.mentorship = mentorship
        request.save()
        AgreementVersion.objects.create(
            mentorship=mentorship, number=1, **_agreement_suggestions(request)
        )
        HistoryEvent.objects.create(
            mentorship=mentorship, actor=user, text=f"{user.get_full_name()} accepted the request."
        )
        notify(
            request.mentee,
            kind="request.accepted",
            title=f"{user.get_full_name()} accepted your request",
            body="Your mentorship has started. Review and confirm your agreement together.",
            url=_url("mentorships:detail", mentorship.pk),
        )
    return mentorship


def decline_request(user, request: MentorshipRequest, reason: str = "") -> MentorshipRequest:  # type: ignore[no-untyped-def]
    _require_mentor(user, request)
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise InvalidInput(fields={"reason": ["Please keep it under 1000 characters."]})
    with transaction.atomic():
        request = _locked(request)
        _require_open(request, "decline")
        now = timezone.now()
        _mark_answered(request, now)
        request.status = RequestStatus.DECLINED
        request.decline_reason = reason
        request.closed_at = now
        request.updated_at = now
        request.save()
        notify(
            request.mentee,
            kind="request.declined",
            title=f"{user.get_full_name()} can't take on your request",
            body=reason or "They did not give a reason. Other mentors may be a good fit.",
            url=_url("mentorships:request_detail", request.pk),
        )
    return request


def withdraw_request(user, request: MentorshipRequest) -> MentorshipRequest:  # type: ignore[no-untyped-def]
    _require_mentee(user, request)
    with transaction.atomic():
        request = _locked(request)
        _require_open(request, "withdraw")
        now = timezone.now()
        request.status = RequestStatus.WITHDRAWN
        request.closed_at = now
        request.updated_at = now
        request.save()
        notify(
            request.mentor,
            kind="request.withdrawn",
            title=f"{user.get_full_name()} withdrew their request",
            url=_url("mentorships:requests"),
            email=False,
        )
    return request


def withdraw_requests_between(a_id: int, b_id: int) -> int:
    """Withdraw every open request between two people (used when one blocks the other).

    Nobody is notified: telling the blocked person would reveal the block.
    """
    now = timezone.now()
    with transaction.atomic():
        pair = Q(mentor_id=a_id, mentee_id=b_id) | Q(mentor_id=b_id, mentee_id=a_id)
        count = MentorshipRequest.objects.filter(pair, status__in=OPEN_REQUEST_STATUSES).update(
            status=RequestStatus.WITHDRAWN, closed_at=now, updated_at=now
        )
        WaitlistEntry.objects.filter(pair, notified_at__isnull=True).delete()
    return count


# --- Expiry, reminders, auto-pause --------------------------------------------------------


def expire_request(request_id: int, now: datetime | None = None) -> bool:
    """Expire one overdue open request; False if it was answered or already expired.

    Runs exactly once per request: the state is re-checked under the row lock, so a duplicate
    task or an overlapping periodic run finds it closed and does nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            MentorshipRequest.objects.select_for_update(of=("self",))
            .select_related("mentor__profile")
            .filter(pk=request_id)
            .first()
        )
        if request is None or not request.is_open or request.expires_at > now:
            return False
        request.status = RequestStatus.EXPIRED
        request.closed_at = now
        request.updated_at = now
        request.save(update_fields=["status", "closed_at", "updated_at"])
        notify(
            request.mentee,
            kind="request.expired",
            title=f"Your request to {request.mentor.get_full_name()} expired",
            body="They did not answer in time. These mentors have similar experience.",
            url=similar_mentors_url(request.mentor_id),
        )
        auto_pause_if_unresponsive(request.mentor_id, now)
    return True


def auto_pause_if_unresponsive(mentor_id: int, now: datetime | None = None) -> bool:
    """Stop new requests to a mentor whose last 3 closed requests all expired unanswered."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = (
            Profile.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(user_id=mentor_id)
        )
        if not profile.accepting_requests:
            return False
        # Only requests closed since the last automatic pause count, so resuming gives a
        # mentor a clean slate instead of being paused again by the same old requests.
        last_pause = (
            Notification.objects.filter(user_id=mentor_id, kind="mentor.auto_paused")
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        closed = MentorshipRequest.objects.filter(mentor_id=mentor_id, closed_at__isnull=False)
        if last_pause:
            closed = closed.filter(closed_at__gt=last_pause)
        last = list(closed.order_by("-created_at", "-id")[:AUTO_PAUSE_AFTER_EXPIRED])
        if len(last) < AUTO_PAUSE_AFTER_EXPIRED or any(
            r.status != RequestStatus.EXPIRED or r.first_response_at for r in last
        ):
            return False
        profile.accepting_requests = False
        profile.updated_at = now
        profile.save(update_fields=["accepting_requests", "updated_at"])
        notify(
            profile.user,
            kind="mentor.auto_paused",
            title="We paused new requests to you",
            body=(
                f"Your last {AUTO_PAUSE_AFTER_EXPIRED} requests expired without an answer, so "
                "mentees no longer see you as accepting requests. To resume, switch on "
                "“Accepting requests” in your profile."
            ),
            url=_url("profiles:edit"),
        )
    return True


def remind_request(request_id: int, now: datetime | None = None) -> bool:
    """Remind the mentor once about a request left unanswered for 48 hours."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            MentorshipRequest.objects.select_for_update(of=("self",))
            .select_related("mentee__profile")
            .filter(pk=request_id)
            .first()
        )
        if (
            request is None
            or request.status != RequestStatus.PENDING
            or request.first_response_at is not None
            or request.reminded_at is not None
            or request.created_at > now - REMINDER_AFTER
            or request.expires_at <= now
        ):
            return False
        request.reminded_at = now
        request.save(update_fields=["reminded_at"])
        days_left = max(0, (request.expires_at - now).days)
        notify(
            request.mentor,
            kind="request.reminder",
            title=f"{request.mentee.get_full_name()} is waiting for your answer",
            body=f"The request expires in {days_left} day{'s' if days_left != 1 else ''}.",
            url=_url("mentorships:request_detail", request.pk),
        )
    return True


def expire_due_requests(now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = MentorshipRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES, expires_at__lte=now
    ).values_list("pk", flat=True)
    return sum(expire_request(pk, now) for pk in list(ids))


def send_due_reminders(now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = MentorshipRequest.objects.filter(
        status=RequestStatus.PENDING,
        first_response_at__isnull=True,
        reminded_at__isnull=True,
        created_at__lte=now - REMINDER_AFTER,
        expires_at__gt=now,
    ).values_list("pk", flat=True)
    return sum(remind_request(pk, now) for pk in list(ids))


def run_periodic_jobs(now: datetime | None = None) -> dict[str, int]:
    """One pass of the time-driven work. Safe to run as often and as concurrently as you like."""
    now = now or timezone.now()
    return {"expired": expire_due_requests(now), "reminded": send_due_reminders(now)}


# --- Waitlist -------------------------------------------------------------------------------


def join_waitlist(mentee, mentor_id: int) -> WaitlistEntry:  # type: ignore[no-untyped-def]
    """Queue for a full mentor. Errors: as for a request, except being full is the point."""
    profile = _mentor_profile(mentee, mentor_id)
    if (
        Mentorship.objects.filter(mentor_id=mentor_id, mentee=mentee)
        .exclude(status=MentorshipStatus.ENDED)
        .exists()
    ):
        raise AlreadyMentoring()
    existing = WaitlistEntry.objects.filter(
        mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
    ).first()
    if existing:
        return existing
    if free_places(profile) > 0:
        raise InvalidInput(
            f"{profile.name} has a free place: send a request instead.",
            fields={"mentor_id": ["This mentor has a free place."]},
        )
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(mentor_id=mentor_id, mentee=mentee)
    except IntegrityError:  # a concurrent join for the same pair
        return WaitlistEntry.objects.get(
            mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
        )


def leave_waitlist(mentee, mentor_id: int) -> None:  # type: ignore[no-untyped-def]
    WaitlistEntry.objects.filter(
        mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
    ).delete()


def offer_freed_place(mentor_id: int) -> WaitlistEntry | None:
    """Tell the first person waiting that a place is free (called once per freed place).

    The profile lock serialises overlapping calls, and a told entry leaves the queue, so each
    freed place reaches exactly one person, in the order they joined.
    """
    with transaction.atomic():
        profile = (
            Profile.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(user_id=mentor_id)
        )
        if free_places(profile) == 0 or not profile.accepting_requests or profile.is_paused:
            return None
        entry = (
            WaitlistEntry.objects.select_for_update()
            .filter(mentor_id=mentor_id, notified_at__isnull=True)
            .order_by("created_at", "id")
            .first()
        )
        if entry is None:
            return None
        entry.notified_at = timezone.now()
        entry.save(update_fields=["notified_at"])
        notify(
            entry.mentee,
            kind="waitlist.place_free",
            title=f"{profile.name} has a free place",
            body="You were first on the waitlist. Send your request soon.",
            url=_url("mentorships:request_create", mentor_id),
        )
    return entry


# --- Mentorship: pause, resume, end -------------------------------------------------------


def _locked_mentorship(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentor__profile", "mentee__profile")
        .get(pk=mentorship.pk)
    )


def _require_participant(user, mentorship: Mentorship) -> None:  # type: ignore[no-untyped-def]
    if user.pk not in mentorship.participant_ids():
        raise PermissionDenied()


def _other_user(user, mentorship: Mentorship):  # type: ignore[no-untyped-def]
    return mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor


def pause_mentorship(user, mentorship: Mentorship, until: date, note: str = "") -> Mentorship:  # type: ignore[no-untyped-def]
    """active → paused until a return date (tomorrow to one year ahead)."""
    _require_participant(user, mentorship)
    today = timezone.localdate()
    if until is None or until <= today or until > today + timedelta(days=366):
        raise InvalidInput(fields={"until": ["Choose a return date within the next year."]})
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status != MentorshipStatus.ACTIVE:
            raise InvalidTransition("Only an active mentorship can be paused.")
        mentorship.status = MentorshipStatus.PAUSED
        mentorship.paused_until = until
        mentorship.save(update_fields=["status", "paused_until"])
        extra = f" ({note.strip()[:200]})" if note.strip() else ""
        HistoryEvent.objects.create(
            mentorship=mentorship,
            actor=user,
            text=f"{user.get_full_name()} paused the mentorship until {until:%-d %B %Y}{extra}.",
        )
        notify(
            _other_user(user, mentorship),
            kind="mentorship.paused",
            title=f"{user.get_full_name()} paused your mentorship until {until:%-d %B %Y}",
            body=note.strip()[:300],
            url=_url("mentorships:detail", mentorship.pk),
        )
    return mentorship


def resume_mentorship(user, mentorship: Mentorship) -> Mentorship:  # type: ignore[no-untyped-def]
    _require_participant(user, mentorship)
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status != MentorshipStatus.PAUSED:
            raise InvalidTransition("Only a paused mentorship can be resumed.")
        mentorship.status = MentorshipStatus.ACTIVE
        mentorship.paused_until = None
        mentorship.save(update_fields=["status", "paused_until"])
        HistoryEvent.objects.create(
            mentorship=mentorship,
            actor=user,
            text=f"{user.get_full_name()} resumed the mentorship.",
        )
        notify(
            _other_user(user, mentorship),
            kind="mentorship.resumed",
            title=f"{user.get_full_name()} resumed your mentorship",
            url=_url("mentorships:detail", mentorship.pk),
        )
    return mentorship


def end_mentorship(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    went_well: str = "",
    outcome_reached: bool | None = None,
    would_recommend: bool | None = None,
    text: str = "",
) -> Reflection:
    """active/paused → ended with the author's private reflection; frees the mentor's place."""
    _require_participant(user, mentorship)
    if len(went_well) > 2000 or len(text) > 4000:
        raise InvalidInput(fields={"text": ["Please keep the reflection shorter."]})
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status == MentorshipStatus.ENDED:
            raise InvalidTransition("This mentorship has already ended.")
        mentorship.status = MentorshipStatus.ENDED
        mentorship.ended_at = timezone.now()
        mentorship.paused_until = None
        mentorship.save(update_fields=["status", "ended_at", "paused_until"])
        reflection = Reflection.objects.create(
            mentorship=mentorship,
            author=user,
            went_well=went_well.strip(),
            outcome_reached=outcome_reached,
            would_recommend=would_recommend,
            text=text.strip(),
        )
        HistoryEvent.objects.create(
            mentorship=mentorship, actor=user, text=f"{user.get_full_name()} ended the mentorship."
        )
        notify(
            _other_user(user, mentorship),
            kind="mentorship.ended",
            title=f"{user.get_full_name()} ended your mentorship",
            body="Thank you for the time you spent together.",
            url=_url("mentorships:detail", mentorship.pk),
        )
        mentor_id = mentorship.mentor_id

        def _offer() -> None:
            from .tasks import offer_freed_place_task

            offer_freed_place_task.enqueue(mentor_id=mentor_id)

        transaction.on_commit(_offer)
    return reflection


# --- Agreement ------------------------------------------------------------------------------


def _clean_agreement(values: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, _label in AGREEMENT_FIELDS:
        value = str(values.get(name) or "").strip()
        limit = AgreementVersion._meta.get_field(name).max_length or 2000
        if len(value) > limit:
            errors[name] = [f"Please keep it under {limit} characters."]
        cleaned[name] = value
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def propose_agreement(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    values: dict[str, Any],
    *,
    base_number: int,
) -> AgreementVersion:
    """A change to the agreement: a new version, confirmed by its proposer only.

    `base_number` is the version the proposer edited; if someone changed it meanwhile we refuse
    (StaleAgreementVersion) rather than silently overwrite their proposal.
    """
    _require_participant(user, mentorship)
    cleaned = _clean_agreement(values)
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status == MentorshipStatus.ENDED:
            raise InvalidTransition("This mentorship has ended.")
        latest = mentorship.agreement_versions.order_by("-number").first()
        latest_number = latest.number if latest else 0
        if base_number != latest_number:
            raise StaleAgreementVersion()
        if latest is not None and latest.values() == cleaned:
            raise InvalidInput("Nothing changed.", fields={"__all__": ["Nothing changed."]})
        now = timezone.now()
        confirmed = {
            "mentor_confirmed_at" if user.pk == mentorship.mentor_id else "mentee_confirmed_at": now
        }
        version = AgreementVersion.objects.create(
            mentorship=mentorship,
            number=latest_number + 1,
            proposed_by=user,
            created_at=now,
            **cleaned,
            **confirmed,
        )
        HistoryEvent.objects.create(
            mentorship=mentorship,
            actor=user,
            text=f"{user.get_full_name()} proposed agreement version {version.number}.",
        )
        notify(
            _other_user(user, mentorship),
            kind="agreement.changed",
            title=f"{user.get_full_name()} proposed a change to your agreement",
            body="Review the changes and confirm them; until then the last confirmed version "
            "stays in force.",
            url=_url("mentorships:detail", mentorship.pk) + "#agreement",
        )
    return version


def confirm_agreement(user, mentorship: Mentorship, number: int) -> AgreementVersion:  # type: ignore[no-untyped-def]
    """Confirm version `number`; only the newest version can be confirmed (else 409)."""
    _require_participant(user, mentorship)
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        latest = mentorship.agreement_versions.order_by("-number").first()
        if latest is None or latest.number != number:
            raise StaleAgreementVersion()
        field = "mentor_confirmed_at" if user.pk == mentorship.mentor_id else "mentee_confirmed_at"
        if getattr(latest, field) is None:
            setattr(latest, field, timezone.now())
            latest.save(update_fields=[field])
            if latest.is_confirmed:
                HistoryEvent.objects.create(
                    mentorship=mentorship,
                    actor=user,
                    text=f"Agreement version {latest.number} confirmed by both.",
                )
            notify(
                _other_user(user, mentorship),
                kind="agreement.confirmed",
                title=(
                    f"Your agreement (version {latest.number}) is confirmed by both of you"
                    if latest.is_confirmed
                    else f"{user.get_full_name()} confirmed agreement version {latest.number}"
                ),
                url=_url("mentorships:detail", mentorship.pk) + "#agreement",
            )
    return latest


# --- Goals ----------------------------------------------------------------------------------


def _clean_goal_fields(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title or len(title) > 200:
            raise InvalidInput(fields={"title": ["Give the goal a title (up to 200 characters)."]})
        out["title"] = title
    if "description" in values:
        desc = (values["description"] or "").strip()
        if len(desc) > 2000:
            raise InvalidInput(fields={"description": ["Please keep it under 2000 characters."]})
        out["description"] = desc
    if "target_date" in values:
        out["target_date"] = values["target_date"]
    if "status" in values:
        if values["status"] not in GoalStatus.values:
            raise InvalidInput(fields={"status": ["Unknown status."]})
        out["status"] = values["status"]
    if "is_private" in values:
        out["is_private"] = bool(values["is_private"])
    return out


def create_goal(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    title: str,
    description: str = "",
    target_date: date | None = None,
    is_private: bool = False,
    milestones: list[str] | None = None,
) -> Goal:
    _require_participant(user, mentorship)
    fields = _clean_goal_fields(
        {
            "title": title,
            "description": description,
            "target_date": target_date,
            "is_private": is_private,
        }
    )
    names = [m.strip() for m in (milestones or []) if m and m.strip()]
    if any(len(n) > 200 for n in names):
        raise InvalidInput(fields={"milestones": ["Keep each milestone under 200 characters."]})
    with transaction.atomic():
        if mentorship.status == MentorshipStatus.ENDED:
            raise InvalidTransition("This mentorship has ended.")
        goal = Goal.objects.create(mentorship=mentorship, owner=user, **fields)
        for name in names:
            Milestone.objects.create(goal=goal, title=name)
        if not goal.is_private:
            notify(
                _other_user(user, mentorship),
                kind="goal.added",
                title=f"{user.get_full_name()} added a goal: {goal.title}",
                url=_url("mentorships:detail", mentorship.pk) + "#goals",
                email=False,
            )
    return goal


def update_goal(user, goal: Goal, **values: Any) -> Goal:  # type: ignore[no-untyped-def]
    """Owner edits a goal (title, description, target date, status, privacy)."""
    if user.pk != goal.owner_id:
        raise PermissionDenied("Only the goal's owner can change it.")
    fields = _clean_goal_fields(values)
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.save(update_fields=list(fields) or None)
    return goal


def add_milestone(user, goal: Goal, title: str, due_date: date | None = None) -> Milestone:  # type: ignore[no-untyped-def]
    title = _clean_short(title, "title", limit=200)
    return Milestone.objects.create(goal=goal, title=title, due_date=due_date)


def set_milestone_done(user, milestone: Milestone, done: bool = True) -> Milestone:  # type: ignore[no-untyped-def]
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done_at"])
    return milestone


def record_progress(user, goal: Goal, progress: int, note: str = "") -> ProgressUpdate:  # type: ignore[no-untyped-def]
    """A timestamped progress update (0–100); reaching 100 marks the goal done."""
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise InvalidInput(fields={"progress": ["Progress is a whole number from 0 to 100."]})
    if len(note or "") > 500:
        raise InvalidInput(fields={"note": ["Please keep the note under 500 characters."]})
    with transaction.atomic():
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        update = ProgressUpdate.objects.create(
            goal=goal, author=user, progress=progress, note=(note or "").strip()
        )
        goal.progress = progress
        if progress == 100:
            goal.status = GoalStatus.DONE
        elif goal.status in (GoalStatus.NOT_STARTED, GoalStatus.DONE):
            goal.status = GoalStatus.IN_PROGRESS if progress > 0 else GoalStatus.NOT_STARTED
        goal.save(update_fields=["progress", "status"])
    return update
