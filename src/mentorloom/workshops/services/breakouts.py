"""Breakout rooms: create, assign (automatic, by hand, by choice), open with a timer and prompt,
bring everyone back with a countdown, close when due."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentorloom.core.realtime.live import publish_to_users

from .. import assignment, errors, selectors
from ..models import (
    ARCHIVED_ROOM_NUMBER,
    RECALL_SECONDS,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    RoomKind,
    Workshop,
)
from ._common import (
    _announce_moves,
    _blocked_pairs,
    _create_room,
    _join_chat,
    _live_audience,
    _locked,
    _place_late_joiner,
    _require_facilitator,
)

MAX_BREAKOUTS = 50


def _clear_round(workshop: Workshop) -> None:
    """Clear (and save) all a round of breakouts sets on its workshop: when it closes, and
    when new rooms replace unopened ones."""
    workshop.breakouts_opened_at = None
    workshop.recall_at = None
    workshop.breakouts_end_at = None
    workshop.participants_choose = False
    fields = ["breakouts_opened_at", "recall_at", "breakouts_end_at", "participants_choose"]
    workshop.save(update_fields=fields)


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
        highest = old.order_by("-number").values_list("number", flat=True).first() or 0
        base = highest + ARCHIVED_ROOM_NUMBER
        for room in old:
            if room.number < ARCHIVED_ROOM_NUMBER:
                room.number += base
                room.save(update_fields=["number"])
        _clear_round(workshop)
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
    # Who is in the room now, if anyone; before anyone joined, everyone registered. A place
    # kept by someone the community no longer lets in puts nobody in a breakout room's chat.
    chosen = (present & registered) or registered
    return sorted(selectors.let_in_among(workshop, sorted(chosen)))


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
        room = Room.objects.get(
            pk=int(room_id),  # type: ignore[call-overload]
            workshop=workshop,
            kind=RoomKind.BREAKOUT,
            number__lt=ARCHIVED_ROOM_NUMBER,  # an earlier round's room is its members' only
        )
    except (Room.DoesNotExist, TypeError, ValueError):
        raise errors.BadWorkshop(fields={"room": ["No such breakout room."]}) from None
    if not Registration.objects.filter(
        workshop=workshop, user_id=user_id, status=RegistrationStatus.REGISTERED
    ).exists() or not selectors.let_in_among(workshop, [user_id]):
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
    """A participant picks their breakout room while the facilitator lets people choose: the
    rooms are open and the workshop is on (not called off, not over)."""
    with transaction.atomic():
        workshop = _locked(workshop)
        if not workshop.participants_choose:
            raise errors.ChoosingClosed()
        over = workshop.cancelled_at is not None or workshop.ends_at <= timezone.now()
        if over or not workshop.breakouts_live():
            raise errors.ChoosingClosed("Breakout rooms are not open now.")
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
        publish_to_users(
            _live_audience(workshop),
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
            _clear_round(workshop)
            main = selectors.main_room(workshop)
            # The facilitator comes back too, from whichever room they were visiting.
            back = {uid: main.pk for uid in [*moved, workshop.facilitator_id]}
            _announce_moves(workshop, back, now=now, previous=moved)
            closed += 1
    return closed
