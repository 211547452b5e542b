"""Sending a mentorship request and answering it: ask for info, accept, decline, withdraw.

Every service validates, locks the rows whose state it depends on, writes, and leaves e-mail and
tasks to `transaction.on_commit` (the notification service already defers its e-mail), so nobody
hears about a change that was rolled back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core import ratelimit
from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.core.hooks import Hook
from mentorloom.notifications.models import Notification
from mentorloom.notifications.services import mark_subject_read, notify
from mentorloom.profiles.hours import format_days
from mentorloom.profiles.models import CareerGoal, Profile
from mentorloom.safety.selectors import is_blocked_between
from mentorloom.safety.services import lock_pair

from ..errors import (
    AlreadyMentoring,
    BlockedPair,
    InvalidTransition,
    MentorAtCapacity,
    MentorNotAccepting,
    MentorPaused,
    RequestAlreadyOpen,
    RequestsTooFast,
    TooManyOpenRequests,
)
from ..models import (
    MESSAGE_MAX,
    MESSAGE_MIN,
    OPEN_REQUEST_STATUSES,
    AgreementVersion,
    Cadence,
    HistoryEvent,
    MeetingFormat,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    RequestMessage,
    RequestStatus,
    WaitlistEntry,
)
from ._common import _clean_short, _mentor_profile, _url, expiry_days, free_places

# Abuse limits (issue 22): one account once sent 42 requests in half a second, and a withdraw →
# resend loop gave one mentor 30 notifications. Open requests are capped per mentee; sends are
# rate-limited per sender and per (sender, mentor) pair; a mentor gets one e-mail per pair a day.
MAX_OPEN_REQUESTS = 5
SENDS_PER_HOUR = 10
SENDS_PER_PAIR_PER_DAY = 3
PAIR_EMAIL_WINDOW = timedelta(days=1)

DECLINE_TEMPLATES = [
    "Thank you for reaching out. My mentoring places are full right now; please try again in a "
    "few months.",
    "Thank you for your message. I don't think I'm the best fit for these goals; another mentor "
    "with closer experience will help you more.",
    "Thank you for thinking of me. I can't commit the time a mentorship deserves at the moment.",
]


# Called inside the accepting transaction with the new Mentorship. Messaging (a layer above)
# connects to it so the pair's conversation exists from the first moment: the inbox lists it
# before anyone opens the mentorship page.
mentorship_started = Hook("mentorships.mentorship_started")

# Called inside the sending transaction with the new MentorshipRequest. Messaging connects to
# it so the pair's request conversation exists at once: both can clarify before an answer.
request_sent = Hook("mentorships.request_sent")


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

    Errors: EmailUnverified, RequestsTooFast (per sender and per pair), SelfRequest,
    MentorUnavailable (unknown/blocked), MentorPaused, MentorNotAccepting, AlreadyMentoring,
    RequestAlreadyOpen, TooManyOpenRequests, MentorAtCapacity (offer the waitlist), InvalidInput.
    Side effects: the mentor is notified (by e-mail at most once per pair a day); the mentee
    leaves the mentor's waitlist.
    """
    require_verified(mentee)
    _limit_sends(mentee, mentor_id)
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
        # The sender's row lock serialises their concurrent sends, so the cap holds under a flood;
        # the mentor's, so a block between the two (block_user takes both) cannot slip past.
        lock_pair(mentee.pk, mentor_id)
        profile = check_can_request(mentee, mentor_id)
        if (
            MentorshipRequest.objects.filter(
                mentee=mentee, status__in=OPEN_REQUEST_STATUSES
            ).count()
            >= MAX_OPEN_REQUESTS
        ):
            raise TooManyOpenRequests()
        now = timezone.now()
        # A resend after a withdraw (or an expiry) the same day is no news worth another e-mail.
        emailed_recently = MentorshipRequest.objects.filter(
            mentee=mentee, mentor_id=mentor_id, created_at__gte=now - PAIR_EMAIL_WINDOW
        ).exists()
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
        request_sent(request)
        WaitlistEntry.objects.filter(
            mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
        ).delete()
        notify(
            profile.user,
            kind="request.received",
            title=f"{mentee.get_full_name()} asked you to be their mentor",
            body=text[:300],
            url=_url("mentorships:request_detail", request.pk),
            email=not emailed_recently,
        )
    return request


def _limit_sends(mentee, mentor_id: int) -> None:  # type: ignore[no-untyped-def]
    """Raise RequestsTooFast past SENDS_PER_HOUR sends by this person, or past
    SENDS_PER_PAIR_PER_DAY to this mentor (each attempt counts, refused ones too)."""
    if not ratelimit.allow(
        "request.send", str(mentee.pk), limit=SENDS_PER_HOUR, window_seconds=3600
    ):
        raise RequestsTooFast()
    if not ratelimit.allow(
        "request.send.pair",
        f"{mentee.pk}:{mentor_id}",
        limit=SENDS_PER_PAIR_PER_DAY,
        window_seconds=86400,
    ):
        raise RequestsTooFast(
            "You have sent this mentor several requests today. Please wait until tomorrow."
        )


def _require_party(user, request: MentorshipRequest, role: str) -> None:  # type: ignore[no-untyped-def]
    """Only the request's mentor (role "mentor") or its sender ("mentee") may act on it."""
    if role == "mentor" and user.pk != request.mentor_id:
        raise PermissionDenied("Only the mentor can do that.")
    if role == "mentee" and user.pk != request.mentee_id:
        raise PermissionDenied("Only the person who sent the request can do that.")


def _lock_open(
    request: MentorshipRequest,
    action: str,
    *,
    allowed: tuple[str, ...] = OPEN_REQUEST_STATUSES,
    refusal: str = "",
) -> MentorshipRequest:
    """Re-read the request under its row lock and check it may still take this transition.

    Call inside the transition's `transaction.atomic()`: the status a concurrent accept,
    decline, withdraw or expiry wrote is seen here, so only one of them wins. Raises
    InvalidTransition (`refusal`, or "You cannot <action> a request that is <status>.").
    """
    locked = MentorshipRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status not in allowed:
        raise InvalidTransition(
            refusal
            or f"You cannot {action} a request that is {locked.get_status_display().lower()}."
        )
    return locked


def _dealt_with(user, request: MentorshipRequest) -> None:
    """`user` acted on the request: their notifications about it are no longer news."""
    mark_subject_read([user.pk], _url("mentorships:request_detail", request.pk))


def _mark_answered(request: MentorshipRequest, now: datetime) -> None:
    if request.first_response_at is None:
        request.first_response_at = now


def _post_message(
    user,  # type: ignore[no-untyped-def]
    request: MentorshipRequest,
    text: str,
    *,
    to,
    kind: str,
    title: str,
) -> RequestMessage:
    """A question or an answer on the request's thread; `to`, the other side, is notified."""
    msg = RequestMessage.objects.create(request=request, author=user, body=text)
    _dealt_with(user, request)
    notify(
        to,
        kind=kind,
        title=title,
        body=text[:300],
        url=_url("mentorships:request_detail", request.pk),
    )
    return msg


def ask_for_info(user, request: MentorshipRequest, body: str) -> RequestMessage:  # type: ignore[no-untyped-def]
    """Mentor asks for more information: pending/info_requested → info_requested."""
    _require_party(user, request, "mentor")
    text = _clean_short(body, "body")
    with transaction.atomic():
        request = _lock_open(request, "ask about")
        now = timezone.now()
        _mark_answered(request, now)
        request.status = RequestStatus.INFO_REQUESTED
        request.updated_at = now
        request.save(update_fields=["status", "updated_at", "first_response_at"])
        return _post_message(
            user,
            request,
            text,
            to=request.mentee,
            kind="request.info_requested",
            title=f"{user.get_full_name()} would like to know more before answering",
        )


def answer_info(user, request: MentorshipRequest, body: str) -> RequestMessage:  # type: ignore[no-untyped-def]
    """Mentee answers: info_requested → pending, and the mentor gets a fresh expiry window."""
    _require_party(user, request, "mentee")
    text = _clean_short(body, "body")
    with transaction.atomic():
        request = _lock_open(
            request,
            "answer",
            allowed=(RequestStatus.INFO_REQUESTED,),
            refusal="The mentor has not asked anything that needs an answer.",
        )
        now = timezone.now()
        request.status = RequestStatus.PENDING
        request.updated_at = now
        request.expires_at = max(request.expires_at, now + timedelta(days=expiry_days()))
        request.save(update_fields=["status", "updated_at", "expires_at"])
        return _post_message(
            user,
            request,
            text,
            to=request.mentor,
            kind="request.info_answered",
            title=f"{user.get_full_name()} answered your question",
        )


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
    MentorAtCapacity, AlreadyMentoring, BlockedPair (either blocked the other).
    """
    _require_party(user, request, "mentor")
    with transaction.atomic():
        # Lock order everywhere: both people's user rows (as block_user), mentor profile, then
        # request — no deadlocks between accepts, and a block meanwhile is seen.
        lock_pair(request.mentor_id, request.mentee_id)
        profile = Profile.objects.select_for_update().get(user_id=request.mentor_id)
        request = _lock_open(request, "accept")
        if is_blocked_between(request.mentor_id, request.mentee_id):
            raise BlockedPair()
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
        mentorship_started(mentorship)
        _dealt_with(user, request)
        notify(
            request.mentee,
            kind="request.accepted",
            title=f"{user.get_full_name()} accepted your request",
            body="Your mentorship has started. Review and confirm your agreement together.",
            url=_url("mentorships:detail", mentorship.pk),
        )
    return mentorship


def decline_request(user, request: MentorshipRequest, reason: str = "") -> MentorshipRequest:  # type: ignore[no-untyped-def]
    _require_party(user, request, "mentor")
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise InvalidInput(fields={"reason": ["Please keep it under 1000 characters."]})
    with transaction.atomic():
        request = _lock_open(request, "decline")
        now = timezone.now()
        _mark_answered(request, now)
        request.status = RequestStatus.DECLINED
        request.decline_reason = reason
        request.closed_at = now
        request.updated_at = now
        request.save()
        _dealt_with(user, request)
        notify(
            request.mentee,
            kind="request.declined",
            title=f"{user.get_full_name()} can't take on your request",
            body=reason or "They did not give a reason. Other mentors may be a good fit.",
            url=_url("mentorships:request_detail", request.pk),
        )
    return request


def withdraw_request(user, request: MentorshipRequest) -> MentorshipRequest:  # type: ignore[no-untyped-def]
    _require_party(user, request, "mentee")
    with transaction.atomic():
        request = _lock_open(request, "withdraw")
        now = timezone.now()
        request.status = RequestStatus.WITHDRAWN
        request.closed_at = now
        request.updated_at = now
        request.save()
        # If the mentor has not read about the request yet, it simply disappears: a withdraw →
        # resend loop then leaves one notification, not two per round.
        unseen = Notification.objects.filter(
            user_id=request.mentor_id,
            kind="request.received",
            url=_url("mentorships:request_detail", request.pk),
            read_at__isnull=True,
        ).delete()[0]
        if not unseen:
            # Nothing is left for the mentor to answer: their "asked you" notices are moot.
            _dealt_with(request.mentor, request)
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
