"""Call lifecycle: start (or join the live one), answer, decline, end; who is connected; the
sweep that ends calls everyone left without pressing "Leave call" (a closed tab)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core.realtime.live import publish_all, publish_to_user
from mentorloom.mentorships.access import get_mentorship_for
from mentorloom.notifications.services import mark_subject_read, notify
from mentorloom.safety.selectors import is_blocked_between

from .errors import BlockedPair, CallEnded, MentorshipNotActive
from .models import LIVE_STATUSES, Call, CallConnection, CallStatus

# A call nobody answered within this time counts as missed; a new click starts afresh.
RING_TIMEOUT = timedelta(minutes=2)
# A live call nobody has been connected to for this long is over (a closed tab, a lost phone):
# long enough to ride out a page reload or a network switch, short enough that the next
# "Start video call" is not dropped into it.
EMPTY_GRACE = timedelta(seconds=30)


def call_group(call_id: int) -> str:
    """The channel-layer group of a call's signalling sockets (consumers.CallConsumer)."""
    return f"call.{call_id}"


def _pair_may_talk(call: Call) -> bool:
    """Are the call's two people still able to talk: the mentorship active, no block?"""
    mentorship = call.mentorship
    return mentorship.is_active and not is_blocked_between(
        mentorship.mentor_id, mentorship.mentee_id
    )


def call_may_go_on(call: Call) -> bool:
    """The call is on and its two people may still talk (not an old call, an ended mentorship
    or after a block): what staying in its signalling group and TURN credentials (the
    operator's relay bandwidth) need."""
    return call.is_live and _pair_may_talk(call)


def _expire_unanswered(mentorship_id: int) -> None:
    Call.objects.filter(
        mentorship_id=mentorship_id,
        status=CallStatus.RINGING,
        created_at__lt=timezone.now() - RING_TIMEOUT,
    ).update(status=CallStatus.MISSED, ended_at=timezone.now())


def _ring(user, call: Call, other) -> None:  # type: ignore[no-untyped-def]
    """The other person's ring: an in-app notification and a live event (after commit)."""
    url = reverse("calls:room", args=[call.pk])
    caller = user.get_full_name()
    notify(other, kind="call.incoming", title=f"{caller} is calling you", url=url, email=False)
    publish_to_user(
        other.pk, {"type": "call.incoming", "call_id": call.pk, "from": caller, "url": url}
    )


def _finish(call: Call, by=None, now=None) -> None:  # type: ignore[no-untyped-def]
    """Close a live call (locked by the caller) and clear its ring for both people. After
    commit its signalling sockets hear `ended` and relay nothing more, however it ended (a
    hang-up, the API, the sweep, a block)."""
    call.status = CallStatus.ENDED if call.answered_at else CallStatus.MISSED
    call.ended_at = now or timezone.now()
    call.ended_by = by
    call.save(update_fields=["status", "ended_at", "ended_by"])
    mentorship = call.mentorship
    mark_subject_read(
        [mentorship.mentor_id, mentorship.mentee_id],
        reverse("calls:room", args=[call.pk]),
        kinds=["call.incoming"],
    )
    for user_id in (mentorship.mentor_id, mentorship.mentee_id):
        publish_to_user(user_id, {"type": "call.ended", "call_id": call.pk})
    ended = {"type": "ended", "by": by.pk if by else None, "duration": call.duration_seconds}
    publish_all([(call_group(call.pk), {"type": "signal.relay", "frame": ended, "sender": ""})])


def _someone_waiting(call: Call, user_id: int) -> bool:
    """Is `user_id` in this call now? Connected, or (having just started it) on the way in."""
    if CallConnection.objects.filter(call=call, user_id=user_id).exists():
        return True
    just_started = call.empty_since is not None and call.empty_since == call.created_at
    return (
        call.started_by_id == user_id
        and just_started
        and call.created_at > timezone.now() - EMPTY_GRACE
    )


def start_call(user, mentorship_id: int) -> tuple[Call, bool]:  # type: ignore[no-untyped-def]
    """Start a call in the mentorship and ring the other person. Returns (call, created).

    If the other person is in a live call of the mentorship (or has just started one), this
    joins it. A live call the other person is not in never swallows the click: if you are
    still in it (another tab) it rings again, otherwise it is ended as abandoned and a new one
    rings. Raises Http404 for outsiders, MentorshipNotActive, BlockedPair, EmailUnverified.
    The ring (live event + in-app notification) goes out after commit.
    """
    mentorship = get_mentorship_for(user, mentorship_id)
    require_verified(user)
    if not mentorship.is_active:
        raise MentorshipNotActive()
    other_id = mentorship.other(user.pk)
    if is_blocked_between(user.pk, other_id):
        raise BlockedPair()
    other = mentorship.mentor if other_id == mentorship.mentor_id else mentorship.mentee
    _expire_unanswered(mentorship.pk)
    try:
        with transaction.atomic():
            # Again, inside the transaction: a block that landed meanwhile refuses. (No lock is
            # shared with the block: its other listeners lock sessions before the mentorship,
            # ending a mentorship the other way round. A call started in the instant of a
            # block may still ring; joining it is refused, `join_call`.)
            if is_blocked_between(user.pk, other_id):
                raise BlockedPair()
            live = (
                Call.objects.select_for_update()
                .filter(mentorship=mentorship, status__in=LIVE_STATUSES)
                .first()
            )
            if live is not None:
                if _someone_waiting(live, other_id):
                    return live, False
                if _someone_waiting(live, user.pk):  # another tab, or a double click
                    _ring(user, live, other)
                    return live, False
                _finish(live)  # abandoned: nobody (else) is in it any more
            call = Call.objects.create(mentorship=mentorship, started_by=user)
            call.empty_since = call.created_at
            call.save(update_fields=["empty_since"])
            _ring(user, call, other)
    except IntegrityError:  # the other person clicked at the same moment: join theirs
        live = Call.objects.filter(mentorship=mentorship, status__in=LIVE_STATUSES).first()
        if live is None:
            raise
        return live, False
    return call, True


def join_call(user, call: Call) -> Call:  # type: ignore[no-untyped-def]
    """Mark the call answered when the person who did not start it joins. A call whose two
    people may no longer talk (the mentorship ended, a block) ends instead: CallEnded."""
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("mentorship").get(pk=call.pk)
        if not call.is_live:
            raise CallEnded()
        may_talk = _pair_may_talk(call)
        if not may_talk:
            _finish(call)  # kept: the refusal below is raised once this has committed
        elif call.status == CallStatus.RINGING and user.pk != call.started_by_id:
            call.status = CallStatus.ACTIVE
            call.answered_at = timezone.now()
            call.save(update_fields=["status", "answered_at"])
            # Answered: the ring is no longer news.
            mark_subject_read([user.pk], reverse("calls:room", args=[call.pk]))
    if not may_talk:
        raise CallEnded()
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
        mark_subject_read([user.pk], reverse("calls:room", args=[call.pk]))
        publish_to_user(call.started_by_id, {"type": "call.declined", "call_id": call.pk})
    return call


def end_call(user, call: Call) -> Call:  # type: ignore[no-untyped-def]
    """Hang up. Ending an already finished call is a no-op (both sides may hang up at once)."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.is_live:
            _finish(call, by=user)
    return call


def call_connected(user, call: Call, channel_name: str) -> None:  # type: ignore[no-untyped-def]
    """A call socket of `user` opened: the call is no longer empty."""
    with transaction.atomic():
        CallConnection.objects.create(call=call, user=user, channel_name=channel_name)
        Call.objects.filter(pk=call.pk).update(empty_since=None)


def _left(call_id: int, connections, now) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        connections.delete()
        if not CallConnection.objects.filter(call_id=call_id).exists():
            Call.objects.filter(pk=call_id, status__in=LIVE_STATUSES, empty_since=None).update(
                empty_since=now
            )


def call_disconnected(call_id: int, channel_name: str) -> None:
    """A call socket closed (Leave call, a closed tab, a dropped network). The last one out
    starts the grace period after which `end_abandoned_calls` ends the call."""
    connections = CallConnection.objects.filter(call_id=call_id, channel_name=channel_name)
    _left(call_id, connections, timezone.now())


def leave_call(user, call: Call) -> None:  # type: ignore[no-untyped-def]
    """The page's unload beacon: `user` left, even if their socket's close never arrives.

    Only sockets opened before now are dropped, so a reload's new socket stays."""
    now = timezone.now()
    connections = CallConnection.objects.filter(call=call, user=user, connected_at__lte=now)
    _left(call.pk, connections, now)


def _finish_live(where: Q, by=None) -> None:  # type: ignore[no-untyped-def]
    calls = Call.objects.select_for_update().select_related("mentorship")
    for call in calls.filter(where, status__in=LIVE_STATUSES):
        _finish(call, by=by)


def end_calls_between(user_id: int, other_id: int) -> None:
    """safety.block_created: a block ends the two people's live calls at once (their pages and
    sockets hear `ended`, as after a hang-up). Returns None: it withdraws no request."""
    _finish_live(
        Q(mentorship__mentor_id=user_id, mentorship__mentee_id=other_id)
        | Q(mentorship__mentor_id=other_id, mentorship__mentee_id=user_id)
    )


def end_calls_of_ended_mentorship(mentorship, user) -> None:  # type: ignore[no-untyped-def]
    """mentorships.mentorship_ended: the mentorship's live call ends with it (ended by the
    person who ended the mentorship), and its sockets hear `ended`."""
    _finish_live(Q(mentorship=mentorship), by=user)


def end_abandoned_calls(now: datetime | None = None) -> int:
    """End live calls nobody has been connected to for EMPTY_GRACE (the periodic sweep).

    Returns how many were ended. Each is re-checked under its row lock, so a reconnect that
    lands meanwhile keeps its call."""
    now = now or timezone.now()
    ended = 0
    candidates = Call.objects.filter(
        status__in=LIVE_STATUSES, empty_since__lt=now - EMPTY_GRACE
    ).values_list("pk", flat=True)
    for call_id in list(candidates):
        with transaction.atomic():
            call = (
                Call.objects.select_for_update()
                .select_related("mentorship")
                .filter(pk=call_id, status__in=LIVE_STATUSES, empty_since__lt=now - EMPTY_GRACE)
                .first()
            )
            if call is None or CallConnection.objects.filter(call=call).exists():
                continue
            _finish(call, now=now)
            ended += 1
    return ended
