"""Every write of the workshops app: schedule, register (waitlist), join/leave, breakouts,
signals, notes, feedback. Each runs in one transaction under the workshop's row lock, and
announces (e-mail, live events, Janus grants) only after commit."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.realtime.live import publish_to_user
from mentorloom.messaging.models import Conversation, Participant
from mentorloom.messaging.services import create_conversation
from mentorloom.safety.models import Block
from mentorloom.scheduling import display
from mentorloom.scheduling.selectors import zone_name_of

from . import assignment, errors, ics, selectors
from .models import (
    MESH_STAGE_SIZE,
    MESH_VIDEO_LIMIT,
    RECALL_SECONDS,
    Attendance,
    Feedback,
    HandSignal,
    MediaGrant,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    RoomKind,
    SignalKind,
    Workshop,
)

logger = logging.getLogger(__name__)

INVITATION_TASK = "mentorloom.scheduling.tasks.deliver_invitation"
# A room chat is one more messaging conversation (kind kept short for messaging's column).
ROOM_CHAT_KIND = "workshop"
MAX_BREAKOUTS = 50
REMINDER_BEFORE = timedelta(hours=1)


# --- scheduling a workshop ------------------------------------------------------------------


def _locked(workshop: Workshop | int) -> Workshop:
    pk = workshop.pk if isinstance(workshop, Workshop) else workshop
    return Workshop.objects.select_for_update().get(pk=pk)


def _require_facilitator(user, workshop: Workshop) -> None:  # type: ignore[no-untyped-def]
    if user.pk != workshop.facilitator_id:
        raise errors.NotFacilitator()


def create_workshop(
    facilitator,  # type: ignore[no-untyped-def]
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    zone: str = "",
    description: str = "",
    agenda: str = "",
    is_public: bool = True,
) -> Workshop:
    """Schedule a workshop (times are aware instants; `zone` defaults to the facilitator's).
    Raises BadWorkshop for an empty title, an end not after the start, a past start or a
    capacity outside 1..500. Creates the main room and its chat."""
    fields: dict[str, list[str]] = {}
    title = (title or "").strip()
    zone = zone or zone_name_of(facilitator)
    if not title:
        fields["title"] = ["Give the workshop a title."]
    if starts_at is None or timezone.is_naive(starts_at):
        fields["starts_at"] = ["Give a start time."]
    elif starts_at <= timezone.now():
        fields["starts_at"] = ["The start must be in the future."]
    if ends_at is None or (starts_at is not None and ends_at <= starts_at):
        fields["ends_at"] = ["The end must be after the start."]
    if not isinstance(capacity, int) or not 1 <= capacity <= 500:
        fields["capacity"] = ["Capacity is between 1 and 500."]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        fields["zone"] = ["Unknown time zone."]
    if fields:
        raise errors.BadWorkshop(fields=fields)
    with transaction.atomic():
        workshop = Workshop.objects.create(
            facilitator=facilitator,
            title=title[:120],
            description=description,
            agenda=agenda,
            starts_at=starts_at,
            ends_at=ends_at,
            zone=zone,
            capacity=capacity,
            is_public=is_public,
        )
        _create_room(workshop, RoomKind.MAIN, 0, "Main room", [facilitator])
    return workshop


def _create_room(workshop: Workshop, kind: str, number: int, name: str, users: list) -> Room:
    conversation = create_conversation(ROOM_CHAT_KIND, users)
    return Room.objects.create(
        workshop=workshop, kind=kind, number=number, name=name, conversation=conversation
    )


def _join_chat(room: Room, user_ids: list[int]) -> None:
    if room.conversation_id is None:
        return
    existing = set(
        Participant.objects.filter(conversation_id=room.conversation_id).values_list(
            "user_id", flat=True
        )
    )
    Participant.objects.bulk_create(
        [
            Participant(conversation_id=room.conversation_id, user_id=uid)
            for uid in user_ids
            if uid not in existing
        ]
    )


# --- registration and the waitlist ----------------------------------------------------------


def _send_invitation(workshop: Workshop, user, *, method: str, template: str) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "workshop": workshop,
        "when": display.when(workshop.starts_at, zone_name_of(user)),
        "path": f"/workshops/{workshop.pk}/",
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    enqueue_on_commit(
        INVITATION_TASK,
        to=[user.email],
        subject=subject,
        body=body,
        ics=ics.invitation(workshop, method=method, now=now).decode(),
        method=method,
        filename="workshop.ics",
    )


def register(user, workshop: Workshop | int) -> Registration:  # type: ignore[no-untyped-def]
    """Register `user`: a place while any is left, else the end of the waitlist. Registering
    again is idempotent (a cancelled registration comes back). The facilitator and people
    removed by them cannot register. Side effects: the .ics invitation for a place."""
    with transaction.atomic():
        workshop = _locked(workshop)
        if timezone.now() >= workshop.ends_at:
            raise errors.AlreadyStarted()
        if user.pk == workshop.facilitator_id:
            raise errors.BadWorkshop("You facilitate this workshop.")
        if Block.objects.filter(
            blocker_id__in=[user.pk, workshop.facilitator_id],
            blocked_id__in=[user.pk, workshop.facilitator_id],
        ).exists():
            raise errors.NotRegistered("You cannot register for this workshop.")
        existing = Registration.objects.filter(workshop=workshop, user=user).first()
        if existing and existing.status in (
            RegistrationStatus.REGISTERED,
            RegistrationStatus.WAITLISTED,
        ):
            return existing
        if existing and existing.status == RegistrationStatus.REMOVED:
            raise errors.NotRegistered("The facilitator removed you from this workshop.")
        full = selectors.registered_count(workshop) >= workshop.capacity
        status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
        registration = existing or Registration(workshop=workshop, user=user)
        registration.status = status
        registration.queued_at = timezone.now()
        registration.save()
        if status == RegistrationStatus.REGISTERED:
            _send_invitation(workshop, user, method="REQUEST", template="workshops/emails/invite")
    return registration


def cancel_registration(user, workshop: Workshop | int) -> Registration | None:  # type: ignore[no-untyped-def]
    """Give up a place (or leave the waitlist); the first person waiting is promoted and gets
    the invitation. Returns the promoted registration, if any."""
    with transaction.atomic():
        workshop = _locked(workshop)
        registration = Registration.objects.filter(workshop=workshop, user=user).first()
        if registration is None or registration.status not in (
            RegistrationStatus.REGISTERED,
            RegistrationStatus.WAITLISTED,
        ):
            raise errors.NotRegistered("You are not registered for this workshop.")
        had_place = registration.status == RegistrationStatus.REGISTERED
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
        if had_place:
            _send_invitation(workshop, user, method="CANCEL", template="workshops/emails/cancel")
        return _promote_waiting(workshop)


def _promote_waiting(workshop: Workshop) -> Registration | None:
    """Under the workshop's lock: fill a free place from the head of the waitlist."""
    if workshop.ends_at <= timezone.now():
        return None
    if selectors.registered_count(workshop) >= workshop.capacity:
        return None
    head = selectors.waitlist(workshop).select_related("user").first()
    if head is None:
        return None
    head.status = RegistrationStatus.REGISTERED
    head.promoted_at = timezone.now()
    head.save(update_fields=["status", "promoted_at"])
    _send_invitation(workshop, head.user, method="REQUEST", template="workshops/emails/promoted")
    publish_to_user(head.user_id, {"type": "workshop.promoted", "workshop": workshop.pk})
    return head


def send_due_reminders(*, now: datetime | None = None) -> int:
    """E-mail registered people once, about an hour before each workshop starts."""
    now = now or timezone.now()
    sent = 0
    due = Workshop.objects.filter(
        reminder_sent_at__isnull=True, starts_at__gt=now, starts_at__lte=now + REMINDER_BEFORE
    )
    for workshop_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            workshop = _locked(workshop_id)
            if workshop.reminder_sent_at is not None:
                continue
            workshop.reminder_sent_at = now
            workshop.save(update_fields=["reminder_sent_at"])
            for registration in workshop.registrations.filter(
                status=RegistrationStatus.REGISTERED
            ).select_related("user__profile"):
                from mentorloom.core.email import queue_email

                queue_email(
                    registration.user.email,
                    "workshops/emails/reminder",
                    {
                        "workshop": workshop,
                        "when": display.when(workshop.starts_at, zone_name_of(registration.user)),
                    },
                )
                sent += 1
    return sent


# --- the live room --------------------------------------------------------------------------


def _room_event(workshop: Workshop, room: Room, *, now: datetime) -> dict:
    return {
        "type": "workshop.room",
        "workshop": workshop.pk,
        "room": {"id": room.pk, "name": room.name, "kind": room.kind, "number": room.number},
        "prompt": workshop.breakout_prompt if room.kind == RoomKind.BREAKOUT else "",
        "ends_at": workshop.breakouts_end_at.isoformat() if workshop.breakouts_end_at else None,
        "recall_at": workshop.recall_at.isoformat() if workshop.recall_at else None,
        "chat": room.conversation_id,
    }


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


def _blocked_pairs(user_ids: list[int]) -> set[frozenset[int]]:
    pairs = Block.objects.filter(blocker_id__in=user_ids, blocked_id__in=user_ids).values_list(
        "blocker_id", "blocked_id"
    )
    return {frozenset(p) for p in pairs}


def _place_late_joiner(workshop: Workshop, user_id: int) -> Room | None:
    by_room = selectors.assignments_by_room(workshop)
    room_ids = list(by_room)
    if not room_ids:
        return None
    everyone = [uid for members in by_room.values() for uid in members] + [user_id]
    index = assignment.place_late(
        [by_room[r] for r in room_ids], user_id, blocked=_blocked_pairs(everyone)
    )
    if index is None:
        return None  # stays in the main room; the facilitator can place them by hand
    room = Room.objects.get(pk=room_ids[index])
    RoomAssignment.objects.create(workshop=workshop, room=room, user_id=user_id)
    _join_chat(room, [user_id])
    return room


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


# --- breakout rooms -------------------------------------------------------------------------


def create_breakouts(user, workshop: Workshop | int, count: int) -> list[Room]:  # type: ignore[no-untyped-def]
    """Facilitator: make `count` breakout rooms (replacing unopened ones; not while open)."""
    if not isinstance(count, int) or not 1 <= count <= MAX_BREAKOUTS:
        raise errors.BadWorkshop(fields={"count": [f"Between 1 and {MAX_BREAKOUTS} rooms."]})
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        if workshop.breakouts_live():
            raise errors.BadWorkshop("Bring everyone back before making new rooms.")
        RoomAssignment.objects.filter(workshop=workshop).delete()
        # Old rooms keep their notes and chats for their members: they are renumbered away.
        old = Room.objects.filter(workshop=workshop, kind=RoomKind.BREAKOUT)
        base = (old.order_by("-number").values_list("number", flat=True).first() or 0) + 1000
        for room in old:
            if room.number < 1000:
                room.number += base
                room.save(update_fields=["number"])
        workshop.breakouts_opened_at = None
        workshop.recall_at = None
        workshop.breakouts_end_at = None
        workshop.save(update_fields=["breakouts_opened_at", "recall_at", "breakouts_end_at"])
        return [
            _create_room(workshop, RoomKind.BREAKOUT, n, f"Room {n}", [workshop.facilitator])
            for n in range(1, count + 1)
        ]


def _participants_present_or_registered(workshop: Workshop) -> list[int]:
    present = set(selectors.present_user_ids(workshop))
    registered = set(
        workshop.registrations.filter(status=RegistrationStatus.REGISTERED).values_list(
            "user_id", flat=True
        )
    )
    # Who is in the room now, if anyone; before anyone joined, everyone registered.
    chosen = (present & registered) or registered
    return sorted(chosen)


def _met_pairs(user_ids: list[int]) -> set[frozenset[int]]:
    """People who already shared a breakout room in an earlier workshop."""
    rows = RoomAssignment.objects.filter(user_id__in=user_ids).values_list("room_id", "user_id")
    by_room: dict[int, list[int]] = {}
    for room_id, uid in rows:
        by_room.setdefault(room_id, []).append(uid)
    pairs: set[frozenset[int]] = set()
    for members in by_room.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.add(frozenset((a, b)))
    return pairs


def assign_automatically(
    user, workshop: Workshop | int, *, mix: bool = False
) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    """Facilitator: balanced rooms, never a blocked pair together, optionally spreading people
    who have met before. Raises BreakoutsNotReady or CannotAssign."""
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        rooms = selectors.breakout_rooms(workshop)
        if not rooms:
            raise errors.BreakoutsNotReady()
        people = _participants_present_or_registered(workshop)
        met = _met_pairs(people) if mix else set()
        try:
            plan = assignment.assign(
                people, len(rooms), blocked=_blocked_pairs(people), met=met, seed=workshop.pk
            )
        except assignment.Unassignable as exc:
            raise errors.CannotAssign() from exc
        return _apply_plan(
            workshop, {room.pk: members for room, members in zip(rooms, plan, strict=False)}
        )


def _apply_plan(workshop: Workshop, plan: dict[int, list[int]]) -> dict[int, list[int]]:
    before = dict(
        RoomAssignment.objects.filter(workshop=workshop).values_list("user_id", "room_id")
    )
    RoomAssignment.objects.filter(workshop=workshop).delete()
    now = timezone.now()
    RoomAssignment.objects.bulk_create(
        [
            RoomAssignment(workshop=workshop, room_id=room_id, user_id=uid, assigned_at=now)
            for room_id, members in plan.items()
            for uid in members
        ]
    )
    rooms = {room.pk: room for room in Room.objects.filter(pk__in=list(plan))}
    for room_id, members in plan.items():
        _join_chat(rooms[room_id], members)
    if workshop.breakouts_live():
        moved = {
            uid: room_id
            for room_id, members in plan.items()
            for uid in members
            if before.get(uid) != room_id
        }
        _announce_moves(workshop, moved, previous=before)
    return plan


def assign_by_hand(user, workshop: Workshop | int, user_id: int, room_id: int) -> RoomAssignment:  # type: ignore[no-untyped-def]
    """Facilitator: put one registered person in one breakout room (refused next to someone
    either of them blocked)."""
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        return _assign_one(workshop, user_id, room_id)


def _assign_one(workshop: Workshop, user_id: int, room_id: object) -> RoomAssignment:
    try:
        room = Room.objects.get(pk=int(room_id), workshop=workshop, kind=RoomKind.BREAKOUT)  # type: ignore[call-overload]
    except (Room.DoesNotExist, TypeError, ValueError):
        raise errors.BadWorkshop(fields={"room": ["No such breakout room."]}) from None
    if not Registration.objects.filter(
        workshop=workshop, user_id=user_id, status=RegistrationStatus.REGISTERED
    ).exists():
        raise errors.NotRegistered("That person is not registered.")
    others = list(
        RoomAssignment.objects.filter(room=room)
        .exclude(user_id=user_id)
        .values_list("user_id", flat=True)
    )
    if _blocked_pairs([*others, user_id]) & {frozenset((user_id, o)) for o in others}:
        raise errors.BlockedTogether()
    before = dict(
        RoomAssignment.objects.filter(workshop=workshop, user_id=user_id).values_list(
            "user_id", "room_id"
        )
    )
    RoomAssignment.objects.filter(workshop=workshop, user_id=user_id).delete()
    placed = RoomAssignment.objects.create(workshop=workshop, room=room, user_id=user_id)
    _join_chat(room, [user_id])
    if workshop.breakouts_live():
        _announce_moves(workshop, {user_id: room.pk}, previous=before)
    return placed


def choose_room(user, workshop: Workshop | int, room_id: object) -> RoomAssignment:  # type: ignore[no-untyped-def]
    """A participant picks their breakout room when the facilitator lets people choose."""
    with transaction.atomic():
        workshop = _locked(workshop)
        if not workshop.participants_choose:
            raise errors.ChoosingClosed()
        return _assign_one(workshop, user.pk, room_id)


def open_breakouts(
    user,  # type: ignore[no-untyped-def]
    workshop: Workshop | int,
    *,
    minutes: int | None = None,
    prompt: str = "",
    participants_choose: bool = False,
    now: datetime | None = None,
) -> Workshop:
    """Facilitator: open the rooms (with an optional timer and prompt); everyone assigned is
    moved to their room's media and chat live. Unassigned people present are placed."""
    now = now or timezone.now()
    if minutes is not None and (not isinstance(minutes, int) or not 1 <= minutes <= 180):
        raise errors.BadWorkshop(fields={"minutes": ["Between 1 and 180 minutes."]})
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        if not selectors.breakout_rooms(workshop):
            raise errors.BreakoutsNotReady()
        workshop.breakouts_opened_at = now
        workshop.recall_at = None
        workshop.breakouts_end_at = now + timedelta(minutes=minutes) if minutes else None
        workshop.breakout_prompt = (prompt or "").strip()[:300]
        workshop.participants_choose = bool(participants_choose)
        workshop.save()
        if not participants_choose:
            assigned = set(
                RoomAssignment.objects.filter(workshop=workshop).values_list("user_id", flat=True)
            )
            registered = set(
                workshop.registrations.filter(status=RegistrationStatus.REGISTERED).values_list(
                    "user_id", flat=True
                )
            )
            for uid in selectors.present_user_ids(workshop):
                if uid in registered and uid not in assigned:
                    _place_late_joiner(workshop, uid)
        _announce_moves(workshop, dict(selectors.assignment_pairs(workshop)), now=now)
    return workshop


def bring_everyone_back(user, workshop: Workshop | int, *, now: datetime | None = None) -> Workshop:  # type: ignore[no-untyped-def]
    """Facilitator: every room sees a 60-second countdown; at its end everyone is in the main
    room again (current_room_for derives it; close_due_breakouts pushes the move)."""
    now = now or timezone.now()
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        if not workshop.breakouts_live(now):
            raise errors.BreakoutsNotReady("Breakout rooms are not open.")
        workshop.recall_at = now + timedelta(seconds=RECALL_SECONDS)
        workshop.save(update_fields=["recall_at"])
        for uid in _live_audience(workshop):
            publish_to_user(
                uid,
                {
                    "type": "workshop.recall",
                    "workshop": workshop.pk,
                    "recall_at": workshop.recall_at.isoformat(),
                    "seconds": RECALL_SECONDS,
                },
            )
    return workshop


def close_due_breakouts(*, now: datetime | None = None) -> int:
    """Periodic (and called by the room page when its countdown ends): breakouts whose recall
    time or timer has passed close, and everyone is moved back to the main room."""
    now = now or timezone.now()
    closed = 0
    due = Workshop.objects.filter(breakouts_opened_at__isnull=False).filter(
        Q(recall_at__lte=now) | Q(recall_at__isnull=True, breakouts_end_at__lte=now)
    )
    for workshop_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            workshop = _locked(workshop_id)
            if workshop.breakouts_opened_at is None:
                continue
            deadline = workshop.recall_at or workshop.breakouts_end_at
            if deadline is None or deadline > now:
                continue
            moved = dict(selectors.assignment_pairs(workshop))
            workshop.breakouts_opened_at = None
            workshop.recall_at = None
            workshop.breakouts_end_at = None
            workshop.save(update_fields=["breakouts_opened_at", "recall_at", "breakouts_end_at"])
            main = selectors.main_room(workshop)
            # The facilitator comes back too, from whichever room they were visiting.
            back = {uid: main.pk for uid in [*moved, workshop.facilitator_id]}
            _announce_moves(workshop, back, now=now, previous=moved)
            closed += 1
    return closed


def _live_audience(workshop: Workshop) -> list[int]:
    return sorted(set(selectors.present_user_ids(workshop)) | {workshop.facilitator_id})


def _announce_moves(
    workshop: Workshop,
    moves: dict[int, int],
    *,
    now: datetime | None = None,
    previous: dict[int, int] | None = None,
) -> None:
    """Push each moved person their new room (after commit), close their signalling socket in
    the room they leave (`previous`, the main room by default) and move their media grant."""
    now = now or timezone.now()
    rooms = {r.pk: r for r in Room.objects.filter(pk__in=set(moves.values()))}
    grants = {
        g.user_id: g for g in MediaGrant.objects.filter(workshop=workshop, user_id__in=list(moves))
    }
    main_id = selectors.main_room(workshop).pk
    previous = previous or {}
    for uid, room_id in moves.items():
        room = rooms[room_id]
        publish_to_user(uid, _room_event(workshop, room, now=now))
        old = previous.get(uid, main_id)
        if old != room_id:
            _revoke_on_commit(old, uid)
        grant = grants.get(uid)
        if grant is not None and grant.room_id != room.pk:
            if grant.room_id is not None:
                _evict_on_commit(Room(pk=grant.room_id), grant.token, grant.feed_id)
            grant.room = None  # admitted again when the page asks for its new room's media
            grant.save(update_fields=["room"])
    publish_to_user(workshop.facilitator_id, {"type": "workshop.rooms", "workshop": workshop.pk})


def _revoke_on_commit(room_id: int, user_id: int) -> None:
    """Close the moved person's mesh signalling sockets in the room they left."""

    def send() -> None:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                f"workshop.room.{room_id}", {"type": "room.revoke", "user_id": user_id}
            )
        except Exception:  # a dropped hint must never fail the move that caused it
            logger.exception("room revoke failed", extra={"room": room_id})

    transaction.on_commit(send)


def _evict_on_commit(room: Room, token: str, feed_id: int | None) -> None:
    def evict() -> None:
        from mentorloom.calls.janus.controller import controller_for_room

        try:
            controller_for_room(room.media_room_id).evict(room.media_room_id, token, feed_id)
        except (MediaServerUnavailable, MediaServerRefused):
            # The token is no longer allowed in Django's view; a down Janus forgets rooms anyway.
            logger.info("janus evict skipped", extra={"room": room.pk})

    transaction.on_commit(evict)


def broadcast(user, workshop: Workshop | int, text: str) -> int:  # type: ignore[no-untyped-def]
    """Facilitator: a message shown in every room now; returns how many people it reached."""
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise errors.BadWorkshop(fields={"text": ["Write 1 to 500 characters."]})
    with transaction.atomic():
        workshop = _locked(workshop)
        _require_facilitator(user, workshop)
        audience = _live_audience(workshop)
        for uid in audience:
            publish_to_user(
                uid, {"type": "workshop.broadcast", "workshop": workshop.pk, "text": text}
            )
    return len(audience)


# --- hands, help, notes, feedback -----------------------------------------------------------


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


def save_note(user, room: Room, text: str) -> Room:  # type: ignore[no-untyped-def]
    """Save a breakout room's shared note; members of its chat (everyone ever assigned) may."""
    if len(text or "") > 20_000:
        raise errors.BadWorkshop(fields={"note": ["At most 20,000 characters."]})
    if (
        room.kind != RoomKind.BREAKOUT
        or not Participant.objects.filter(conversation_id=room.conversation_id, user=user).exists()
    ):
        raise errors.NotRegistered("Only the room's members can edit its note.")
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(note=text or "", note_updated_at=timezone.now())
        room.refresh_from_db()
        for uid in RoomAssignment.objects.filter(room=room).values_list("user_id", flat=True):
            if uid != user.pk:
                publish_to_user(uid, {"type": "workshop.note", "room": room.pk})
    return room


def submit_feedback(user, workshop: Workshop, rating: object, comment: str = "") -> Feedback:  # type: ignore[no-untyped-def]
    """After the end, once per attendee (a second answer replaces the first)."""
    try:
        rating = int(rating)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:  # type: ignore[operator]
        raise errors.BadWorkshop(fields={"rating": ["Choose 1 to 5."]})
    if timezone.now() < workshop.ends_at or not selectors.attended(user, workshop):
        raise errors.FeedbackNotOpen()
    feedback, _ = Feedback.objects.update_or_create(
        workshop=workshop, user=user, defaults={"rating": rating, "comment": (comment or "")[:2000]}
    )
    return feedback


# --- media: Janus when it answers, mesh otherwise --------------------------------------------


def media_for(user, room: Room) -> dict:  # type: ignore[no-untyped-def]
    """What the room page needs to send and receive media in `room` (already authorised by
    selectors.get_room_for). With Janus: a short-lived token admitted to this room only (the
    previous room was taken away on the move). Without: mesh mode, video up to 6 people."""
    from mentorloom.calls.janus.controller import (
        browser_config,
        controller_for_room,
        participant_token,
    )

    workshop = room.workshop
    try:
        controller = controller_for_room(room.media_room_id)
        controller.ensure_room(room.media_room_id, publishers=max(6, workshop.capacity + 1))
        grant = MediaGrant.objects.filter(workshop=workshop, user=user).first()
        if grant is None:
            grant = MediaGrant.objects.create(
                workshop=workshop,
                user=user,
                token=participant_token(),
                feed_id=secrets.randbelow(2**52) + 1,
            )
        controller.admit(room.media_room_id, grant.token)
        MediaGrant.objects.filter(pk=grant.pk).update(room=room)
        return {
            "mode": "sfu",
            "janus": browser_config(
                room.media_room_id, grant.token, grant.feed_id, user_id=user.pk
            ),
        }
    except (MediaServerUnavailable, MediaServerRefused) as exc:
        return mesh_media(room, reason=exc.message)


def mesh_media(room: Room, *, reason: str = "") -> dict:
    size = _room_size(room)
    video = size <= MESH_VIDEO_LIMIT
    notice = ""
    if not video:
        notice = (
            f"This room has more than {MESH_VIDEO_LIMIT} people and no media server: the "
            f"facilitator and up to {MESH_STAGE_SIZE - 1} speakers are on video, everyone else "
            "listens with audio only."
        )
    return {"mode": "mesh", "video": video, "notice": notice, "reason": reason}


def _room_size(room: Room) -> int:
    if room.kind == RoomKind.BREAKOUT:
        return RoomAssignment.objects.filter(room=room).count() + 1
    return len(selectors.present_user_ids(room.workshop)) or 1


def room_conversation(room: Room) -> Conversation | None:
    return room.conversation
