"""The live workshop: joining (window, lock, late placement), attendance, removal, broadcasts,
raised hands and help requests."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mentorloom.core.realtime.live import publish_to_user, publish_to_users

from .. import errors, selectors
from ..models import (
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
    _evict_on_commit,
    _join_chat,
    _live_audience,
    _locked,
    _place_late_joiner,
    _promote_waiting,
    _require_facilitator,
)


def join(user, workshop: Workshop | int, *, now: datetime | None = None) -> Room:  # type: ignore[no-untyped-def]
    """Enter the live workshop; returns the room `user` is in. Only the facilitator and
    registered participants, from 10 minutes before the start to the end, and not while the
    facilitator has locked it (they themselves always may). A late joiner during breakouts is
    placed in the smallest room holding nobody they blocked. Records attendance."""
    now = now or timezone.now()
    with transaction.atomic():
        workshop = _locked(workshop)
        is_facilitator = user.pk == workshop.facilitator_id
        if not is_facilitator and not selectors.is_registered(user, workshop):
            raise errors.NotRegistered()
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


def leave(user, workshop: Workshop | int, *, now: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    pk = workshop.pk if isinstance(workshop, Workshop) else workshop
    Attendance.objects.filter(workshop_id=pk, user=user, left_at__isnull=True).update(left_at=now)


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
    """Facilitator only: the person leaves the room, loses their place (status removed) and
    is kicked from the media server after commit."""
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        registration = Registration.objects.filter(workshop=workshop, user_id=user_id).first()
        if registration is None:
            raise errors.NotRegistered("That person is not registered.")
        registration.status = RegistrationStatus.REMOVED
        registration.save(update_fields=["status"])
        RoomAssignment.objects.filter(workshop=workshop, user_id=user_id).delete()
        Attendance.objects.filter(workshop=workshop, user_id=user_id, left_at__isnull=True).update(
            left_at=timezone.now()
        )
        grant = MediaGrant.objects.filter(workshop=workshop, user_id=user_id).first()
        if grant is not None and grant.room_id is not None:
            old = Room.objects.get(pk=grant.room_id)
            _evict_on_commit(old, grant.token, grant.feed_id)
        publish_to_user(user_id, {"type": "workshop.removed", "workshop": workshop.pk})
        _promote_waiting(workshop)


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
        if not selectors.is_registered(user, workshop):
            raise errors.NotRegistered()
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
