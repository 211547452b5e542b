"""Helpers shared by the workshop services: row lock, rooms and their chats, invitations,
the waitlist promotion, and announcing moves (live events, socket revocation, Janus evictions)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.realtime.live import live_message, publish_all, publish_to_user
from mentorloom.messaging.models import ConversationKind, Participant
from mentorloom.messaging.services import create_conversation
from mentorloom.safety.models import Block
from mentorloom.scheduling import display
from mentorloom.scheduling.selectors import zone_name_of

from .. import assignment, errors, ics, selectors
from ..models import (
    MediaGrant,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    RoomKind,
    Workshop,
)

logger = logging.getLogger(__name__)

INVITATION_TASK = "mentorloom.scheduling.tasks.deliver_invitation"
# A room chat is one more messaging conversation (kind kept short for messaging's column).
ROOM_CHAT_KIND = ConversationKind.WORKSHOP


def _locked(workshop: Workshop | int) -> Workshop:
    pk = workshop.pk if isinstance(workshop, Workshop) else workshop
    return Workshop.objects.select_for_update().get(pk=pk)


def _require_facilitator(user, workshop: Workshop) -> None:  # type: ignore[no-untyped-def]
    """The facilitator's writes (rooms, breakouts, controls, removal, broadcast): theirs
    alone, and none on a cancelled workshop."""
    if user.pk != workshop.facilitator_id:
        raise errors.NotFacilitator()
    if workshop.cancelled_at is not None:
        raise errors.WorkshopCancelled()


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


def _blocked_pairs(user_ids: list[int]) -> set[frozenset[int]]:
    pairs = Block.objects.filter(blocker_id__in=user_ids, blocked_id__in=user_ids).values_list(
        "blocker_id", "blocked_id"
    )
    return {frozenset(p) for p in pairs}


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


def _promote_waiting(workshop: Workshop) -> Registration | None:
    """Under the workshop's lock: fill a free place from the head of the waitlist."""
    if workshop.ends_at <= timezone.now() or workshop.cancelled_at is not None:
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
    messages = []
    for uid, room_id in moves.items():
        room = rooms[room_id]
        messages.append(live_message(uid, _room_event(workshop, room, now=now)))
        old = previous.get(uid, main_id)
        if old != room_id:
            messages.append(_revoke_message(old, uid))
        grant = grants.get(uid)
        if grant is not None and grant.room_id != room.pk:
            if grant.room_id is not None:
                _evict_on_commit(Room(pk=grant.room_id), grant.token, grant.feed_id)
            grant.room = None  # admitted again when the page asks for its new room's media
            grant.save(update_fields=["room"])
    messages.append(
        live_message(workshop.facilitator_id, {"type": "workshop.rooms", "workshop": workshop.pk})
    )
    publish_all(messages)


def _revoke_message(room_id: int, user_id: int, *, reason: str = "") -> tuple[str, dict]:
    """Closes the person's mesh signalling sockets in a room: the one a move took them out of
    (no reason), or any room of a workshop they were taken out of (`reason`)."""
    event = {"type": "room.revoke", "user_id": user_id}
    if reason:
        event["reason"] = reason
    return f"workshop.room.{room_id}", event


def _drop_grant(workshop: Workshop | int, user_id: int) -> bool:
    """Under the workshop's lock: `user_id`'s media grant names no room any more, and after
    commit Janus evicts its token from the room it named (`_evict_on_commit`). Whether or not
    the workshop is live: a grant kept past a cancellation, a ban or leaving would let its
    holder into the room later. Returns whether there was a room to evict from."""
    grant = MediaGrant.objects.filter(
        workshop=workshop, user_id=user_id, room__isnull=False
    ).first()
    if grant is None:
        return False
    _evict_on_commit(Room(pk=grant.room_id), grant.token, grant.feed_id)
    grant.room = None
    grant.save(update_fields=["room"])
    return True


def _evict_on_commit(room: Room, token: str, feed_id: int | None) -> None:
    """After commit: Janus takes `room` away from `token` (off the allowed list, feed kicked)
    and forgets the token itself. A token opens one room once (`media._record_grant` mints a
    fresh one for every admission), so nothing else needs it."""

    transaction.on_commit(lambda: _evict_now(room, token, feed_id))


def _evict_now(room: Room, token: str, feed_id: int | None) -> None:
    """`_evict_on_commit`'s work, at once. Each step is tried alone: a room Janus no longer has
    (restarted) still lets the token be forgotten."""
    from mentorloom.calls.janus.controller import controller_for_room

    try:
        controller = controller_for_room(room.media_room_id)
    except MediaServerUnavailable:
        return  # no Janus configured: mesh mode, nothing was let in
    for step in (
        lambda: controller.evict(room.media_room_id, token, feed_id),
        lambda: controller.remove_token(token),
    ):
        try:
            step()
        except (MediaServerUnavailable, MediaServerRefused):
            # Refused: no such room or feed. Unavailable: Django no longer lets the token in,
            # and a Janus that is down forgets its rooms and tokens anyway (prune_tokens).
            logger.info("janus evict skipped", extra={"room": room.pk})
