"""Time-driven request transitions: expiry, 48 h reminders and auto-pause of a mentor who
lets requests expire."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from mentorloom.notifications.models import Notification
from mentorloom.notifications.services import notify
from mentorloom.profiles.models import Profile

from ..models import OPEN_REQUEST_STATUSES, MentorshipRequest, RequestStatus
from ._common import _url

REMINDER_AFTER = timedelta(hours=48)
AUTO_PAUSE_AFTER_EXPIRED = 3


def similar_mentors_url(mentor_id: int) -> str:
    """Where an expired request points the mentee: the directory (from the Discovery issue)."""
    try:
        return reverse("discovery:directory") + f"?similar_to={mentor_id}"
    except NoReverseMatch:
        return f"/mentors/?similar_to={mentor_id}"


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
