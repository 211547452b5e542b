"""The live workshop: joining (window, lock, late placement), attendance, removal, broadcasts,
raised hands and help requests."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mentorloom.core.realtime.live import (
    live_message,
    publish_all,
    publish_to_user,
    publish_to_users,
)
from mentorloom.messaging import services as messaging
from mentorloom.messaging.models import Conversation

from .. import errors, selectors
from ..models import (
    JOIN_EARLY,
    Attendance,
    HandSignal,
    MediaGrant,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    SignalKind,
    Workshop,
)
from ._common import (
    _drop_grant,
    _join_chat,
    _live_audience,
    _locked,
    _place_late_joiner,
    _promote_waiting,
    _require_facilitator,
    _revoke_message,
)


def join(user, workshop: Workshop | int, *, now: datetime | None = None) -> Room:  # type: ignore[no-untyped-def]
    """Enter the live workshop; returns the room `user` is in. Only the facilitator and
    registered participants, from 10 minutes before the start to the end, and not while the
    facilitator has locked it (they themselves always may). A late joiner during breakouts is
    placed in the smallest room holding nobody they blocked. Records attendance. A community
    workshop also needs the community to let them in now (a member in good standing): a place
    kept by someone who left or was banned does not open its rooms or their chats."""
    now = now or timezone.now()
    with transaction.atomic():
        workshop = _locked(workshop)
        if workshop.cancelled_at is not None:
            raise errors.WorkshopCancelled()
        is_facilitator = user.pk == workshop.facilitator_id
        if not is_facilitator and not selectors.is_registered(user, workshop):
            raise errors.NotRegistered()
        if not selectors.community_lets_in(user, workshop):
            raise errors.NotRegistered(_FOR_MEMBERS)
        if now < workshop.joins_from:
            raise errors.NotOpenYet()
        if now >= workshop.ends_at:
            raise errors.WorkshopOver()
        present = Attendance.objects.filter(workshop=workshop, user=user, left_at__isnull=True)
        if workshop.locked and not is_facilitator and not present.exists():
            raise errors.WorkshopLocked()
        if not present.exists():
            Attendance.objects.create(workshop=workshop, user=user, joined_at=now)
        main = selectors.main_room(workshop)
        _join_chat(main, [user.pk])
        if (
            not is_facilitator
            and workshop.breakouts_live(now)
            and not RoomAssignment.objects.filter(workshop=workshop, user=user).exists()
        ):
            _place_late_joiner(workshop, user.pk)
        return selectors.current_room_for(user, workshop, now=now)


_FOR_MEMBERS = "This workshop is for the community's members."


def leave(user, workshop: Workshop | int, *, now: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    """Leave the live workshop: the open stay ends, and with it the room's media (media needs
    an open stay, `selectors.get_room_for`): the grant is evicted from Janus after commit.
    Joining again lets them back in."""
    now = now or timezone.now()
    with transaction.atomic():
        workshop = _locked(workshop)
        Attendance.objects.filter(workshop=workshop, user=user, left_at__isnull=True).update(
            left_at=now
        )
        _drop_grant(workshop, user.pk)


def close_open_attendance(*, now: datetime | None = None) -> int:
    """Periodic: stays still open after a workshop ended end at its end."""
    now = now or timezone.now()
    total = 0
    for workshop in Workshop.objects.filter(
        ends_at__lte=now, attendance__left_at__isnull=True
    ).distinct():
        total += Attendance.objects.filter(workshop=workshop, left_at__isnull=True).update(
            left_at=workshop.ends_at
        )
    return total


def set_locked(user, workshop: Workshop | int, locked: bool) -> Workshop:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        workshop.locked = bool(locked)
        workshop.save(update_fields=["locked"])
    return workshop


def remove_participant(user, workshop: Workshop | int, user_id: int) -> None:  # type: ignore[no-untyped-def]
    """Facilitator only: the person loses their place (status removed, so they cannot register
    again) and leaves the room at once (`_take_out`: their room sockets close, the media server
    kicks them, and they are out of the rooms' chats, open chat sockets included)."""
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        registration = Registration.objects.filter(workshop=workshop, user_id=user_id).first()
        if registration is None:
            raise errors.NotRegistered("That person is not registered.")
        registration.status = RegistrationStatus.REMOVED
        registration.save(update_fields=["status"])
        _take_out(workshop, user_id, reason="removed")
        _promote_waiting(workshop)


def take_out_for_community_ban(community_id: int, user, until: datetime) -> list:  # type: ignore[no-untyped-def]
    """`user` was banned from the community: out of every live room of its workshops and out
    of those rooms' chats now, as the facilitator's "remove" takes someone out (`_take_out`; a
    banned member reads and writes nothing of the community). Coming back is refused by
    `selectors.get_room_for` and `join` (their place went with the ban,
    `cancel_for_community_ban`, and they are not in good standing). Connected to
    communities.services.member_banned after `cancel_for_community_ban`; runs inside the ban's
    transaction. Returns [] (nothing more to name in the ban's notification)."""
    _take_out_of_live(community_id, user, reason="banned")
    return []


def take_out_for_community_leave(community_id: int, user) -> list:  # type: ignore[no-untyped-def]
    """`user` left the community: out of its live workshops' rooms and chats now, as after a
    ban. Connected to communities.services.member_left after `cancel_for_community_leave`;
    runs inside the leaving's transaction."""
    _take_out_of_live(community_id, user, reason="left")
    return []


def _take_out_of_live(community_id: int, user, *, reason: str) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    live = (
        Workshop.objects.filter(
            community_id=community_id, starts_at__lte=now + JOIN_EARLY, ends_at__gt=now
        )
        .exclude(facilitator=user)
        .values_list("pk", flat=True)
    )
    for workshop_id in list(live):
        workshop = _locked(workshop_id)
        was_there = (
            Registration.objects.filter(workshop=workshop, user=user).exists()
            or Attendance.objects.filter(workshop=workshop, user=user).exists()
        )
        if not was_there:
            continue
        _take_out(workshop, user.pk, reason=reason)
    # A grant naming a room of a workshop that is not live (made while it was, before it was
    # moved later, say) would still open that room on Janus: evicted too, quietly.
    granted = (
        MediaGrant.objects.filter(
            user=user, workshop__community_id=community_id, room__isnull=False
        )
        .exclude(workshop__facilitator=user)
        .values_list("workshop_id", flat=True)
    )
    for workshop_id in sorted(set(granted)):
        _drop_grant(_locked(workshop_id), user.pk)


def close_room_chats_for_community_ban(community_id: int, user, until: datetime) -> list:  # type: ignore[no-untyped-def]
    """`user` was banned from the community: out of the room chats (main and breakout) of
    every one of its workshops, past ones included, so they neither read nor write them any
    more (a ban outlived the live rooms only before). Connected to
    communities.services.member_banned; runs inside the ban's transaction. Returns []."""
    _close_room_chats(community_id, user, reason="banned")
    return []


def close_room_chats_for_community_leave(community_id: int, user) -> list:  # type: ignore[no-untyped-def]
    """`user` left the community: out of its workshops' room chats as after a ban (they no
    longer read its channels either). Connected to communities.services.member_left."""
    _close_room_chats(community_id, user, reason="left")
    return []


def close_orphaned_room_chats() -> int:
    """One-time tidy-up (`manage.py tidy_workshop_registrations`): people who left a community,
    or were banned from it, before leaving and a ban took them out of its workshops' room chats
    (`selectors.room_chat_outsiders`) are taken out now, as leaving or the ban would have
    (`_close_room_chats`). One transaction per community and person, in which their standing is
    read again (they may have rejoined meanwhile). Idempotent. Returns how many people were
    taken out of a community's room chats."""
    from django.contrib.auth import get_user_model

    closed = 0
    for community_id, user_id, _banned in selectors.room_chat_outsiders():
        with transaction.atomic():
            still = selectors.room_chat_outsiders(community_id=community_id, user_id=user_id)
            if not still:
                continue
            user = get_user_model().objects.get(pk=user_id)
            _close_room_chats(community_id, user, reason="banned" if still[0][2] else "left")
            closed += 1
    return closed


def _close_room_chats(community_id: int, user, *, reason: str) -> None:  # type: ignore[no-untyped-def]
    # Workshops they facilitate stay theirs (community_lets_in lets a facilitator in).
    conversations = Conversation.objects.filter(
        workshop_room__workshop__community_id=community_id
    ).exclude(workshop_room__workshop__facilitator=user)
    # One path with a community's channels: their open chat sockets unsubscribe after commit.
    messaging.remove_participant(user.pk, conversations, reason=reason)


def _take_out(workshop: Workshop, user_id: int, *, reason: str) -> None:
    """Under the workshop's lock: `user_id` leaves the live workshop now. Their breakout place,
    open stay and raised hands end, and so does their part in its rooms' chats (the main
    room's and every breakout room's: one path with a community's channels,
    `messaging.remove_participant`, so a chat socket subscribed to one stops receiving it and
    cannot subscribe or post again). After commit their mesh signalling sockets in its rooms
    close (`room.revoke`), Janus kicks their feed and forgets their token, and their pages
    hear `workshop.removed` with `reason` ("removed" by the facilitator, "banned")."""
    now = timezone.now()
    RoomAssignment.objects.filter(workshop=workshop, user_id=user_id).delete()
    Attendance.objects.filter(workshop=workshop, user_id=user_id, left_at__isnull=True).update(
        left_at=now
    )
    if HandSignal.objects.filter(
        workshop=workshop, user_id=user_id, lowered_at__isnull=True
    ).update(lowered_at=now):
        _hands_changed(workshop, user_id)
    _drop_grant(workshop, user_id)
    messaging.remove_participant(
        user_id, Conversation.objects.filter(workshop_room__workshop=workshop), reason=reason
    )
    rooms = Room.objects.filter(workshop=workshop).values_list("pk", flat=True)
    event = {"type": "workshop.removed", "workshop": workshop.pk, "reason": reason}
    publish_all(
        [_revoke_message(room_id, user_id, reason=reason) for room_id in rooms]
        + [live_message(user_id, event)]
    )


def broadcast(user, workshop: Workshop | int, text: str) -> int:  # type: ignore[no-untyped-def]
    """Facilitator: a message shown in every room now; returns how many people it reached."""
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise errors.BadWorkshop(fields={"text": ["Write 1 to 500 characters."]})
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        audience = _live_audience(workshop)
        publish_to_users(
            audience, {"type": "workshop.broadcast", "workshop": workshop.pk, "text": text}
        )
    return len(audience)


def raise_signal(user, workshop: Workshop | int, kind: str) -> HandSignal:  # type: ignore[no-untyped-def]
    """Raise a hand or ask for help (from the room `user` is in); idempotent while raised."""
    if kind not in SignalKind.values:
        raise errors.BadWorkshop(fields={"kind": ["hand or help"]})
    with transaction.atomic():
        workshop = _locked(workshop)
        if workshop.cancelled_at is not None:
            raise errors.WorkshopCancelled()
        if not selectors.is_registered(user, workshop):
            raise errors.NotRegistered()
        if not selectors.community_lets_in(user, workshop):
            raise errors.NotRegistered(_FOR_MEMBERS)
        existing = HandSignal.objects.filter(
            workshop=workshop, user=user, kind=kind, lowered_at__isnull=True
        ).first()
        if existing:
            return existing
        room = selectors.current_room_for(user, workshop)
        signal = HandSignal.objects.create(workshop=workshop, user=user, kind=kind, room=room)
        publish_to_user(
            workshop.facilitator_id,
            {"type": "workshop.signal", "workshop": workshop.pk, "kind": kind, "room": room.name},
        )
        _hands_changed(workshop, user.pk)
    return signal


def lower_signal(user, workshop: Workshop | int, signal_id: int) -> None:  # type: ignore[no-untyped-def]
    """The person who raised it or the facilitator lowers a hand / closes a help request."""
    with transaction.atomic():
        workshop = _locked(workshop)
        signal = HandSignal.objects.filter(pk=signal_id, workshop=workshop).first()
        if signal is None or user.pk not in (signal.user_id, workshop.facilitator_id):
            raise errors.NotFacilitator()
        if signal.lowered_at is None:
            signal.lowered_at = timezone.now()
            signal.save(update_fields=["lowered_at"])
            _hands_changed(workshop, signal.user_id)


def _hands_changed(workshop: Workshop, user_id: int) -> None:
    """The hand list changed: the facilitator's list and the person's own button refresh."""
    for uid in {workshop.facilitator_id, user_id}:
        publish_to_user(uid, {"type": "workshop.hands", "workshop": workshop.pk})
