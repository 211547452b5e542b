"""What stays after a workshop: breakout notes and feedback."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mentorloom.core.realtime.live import publish_to_user
from mentorloom.messaging.models import Participant

from .. import errors, selectors
from ..models import (
    Feedback,
    Room,
    RoomAssignment,
    RoomKind,
    Workshop,
)


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
    """After the end and until the feedback window closes (selectors.feedback_closes_at), once
    per attendee (a second answer replaces the first). Errors: BadWorkshop (rating not 1-5),
    FeedbackNotOpen (before the end, or not an attendee), FeedbackClosed (after the window:
    the published average must not move by one answer)."""
    try:
        rating = int(rating)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:  # type: ignore[operator]
        raise errors.BadWorkshop(fields={"rating": ["Choose 1 to 5."]})
    if workshop.cancelled_at is not None:
        raise errors.WorkshopCancelled()
    if timezone.now() < workshop.ends_at or not selectors.attended(user, workshop):
        raise errors.FeedbackNotOpen()
    if not selectors.feedback_open(workshop):
        raise errors.FeedbackClosed()
    feedback, _ = Feedback.objects.update_or_create(
        workshop=workshop, user=user, defaults={"rating": rating, "comment": (comment or "")[:2000]}
    )
    return feedback
