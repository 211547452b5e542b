"""Call lifecycle: start (or join the live one), answer, decline, end."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core.realtime.live import publish_to_user
from mentorloom.mentorships.access import get_mentorship_for
from mentorloom.notifications.services import notify
from mentorloom.safety.selectors import is_blocked_between

from .errors import BlockedPair, CallEnded, MentorshipNotActive
from .models import LIVE_STATUSES, Call, CallStatus

# A call nobody answered within this time counts as missed; a new click starts afresh.
RING_TIMEOUT = timedelta(minutes=2)


def _expire_unanswered(mentorship_id: int) -> None:
    Call.objects.filter(
        mentorship_id=mentorship_id,
        status=CallStatus.RINGING,
        created_at__lt=timezone.now() - RING_TIMEOUT,
    ).update(status=CallStatus.MISSED, ended_at=timezone.now())


def start_call(user, mentorship_id: int) -> tuple[Call, bool]:  # type: ignore[no-untyped-def]
    """Start a call in the mentorship, or return the live one. Returns (call, created).

    Raises Http404 for outsiders, MentorshipNotActive, BlockedPair, EmailUnverified. Rings
    the other person (live event + in-app notification) after commit.
    """
    mentorship = get_mentorship_for(user, mentorship_id)
    require_verified(user)
    if not mentorship.is_active:
        raise MentorshipNotActive()
    other_id = mentorship.other(user.pk)
    if is_blocked_between(user.pk, other_id):
        raise BlockedPair()
    _expire_unanswered(mentorship.pk)
    live = Call.objects.filter(mentorship=mentorship, status__in=LIVE_STATUSES).first()
    if live is not None:
        return live, False
    try:
        with transaction.atomic():
            call = Call.objects.create(mentorship=mentorship, started_by=user)
            url = reverse("calls:room", args=[call.pk])
            caller = user.get_full_name()
            notify(
                mentorship.mentor if other_id == mentorship.mentor_id else mentorship.mentee,
                kind="call.incoming",
                title=f"{caller} is calling you",
                url=url,
                email=False,
            )
            publish_to_user(
                other_id,
                {"type": "call.incoming", "call_id": call.pk, "from": caller, "url": url},
            )
    except IntegrityError:  # the other person clicked at the same moment: join theirs
        live = Call.objects.filter(mentorship=mentorship, status__in=LIVE_STATUSES).first()
        if live is None:
            raise
        return live, False
    return call, True


def join_call(user, call: Call) -> Call:  # type: ignore[no-untyped-def]
    """Mark the call answered when the person who did not start it joins."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if not call.is_live:
            raise CallEnded()
        if call.status == CallStatus.RINGING and user.pk != call.started_by_id:
            call.status = CallStatus.ACTIVE
            call.answered_at = timezone.now()
            call.save(update_fields=["status", "answered_at"])
    return call


def decline_call(user, call: Call) -> Call:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.RINGING or user.pk == call.started_by_id:
            raise CallEnded("Only a ringing call can be declined by the person called.")
        call.status = CallStatus.DECLINED
        call.ended_at = timezone.now()
        call.ended_by = user
        call.save(update_fields=["status", "ended_at", "ended_by"])
        publish_to_user(call.started_by_id, {"type": "call.declined", "call_id": call.pk})
    return call


def end_call(user, call: Call) -> Call:  # type: ignore[no-untyped-def]
    """Hang up. Ending an already finished call is a no-op (both sides may hang up at once)."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.is_live:
            call.status = CallStatus.ENDED if call.answered_at else CallStatus.MISSED
            call.ended_at = timezone.now()
            call.ended_by = user
            call.save(update_fields=["status", "ended_at", "ended_by"])
    return call
