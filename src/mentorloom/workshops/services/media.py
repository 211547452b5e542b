"""Media for a room: Janus when it answers (a token admitted to that room only), mesh otherwise."""

from __future__ import annotations

import secrets

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable

from .. import selectors
from ..models import (
    MESH_STAGE_SIZE,
    MESH_VIDEO_LIMIT,
    MediaGrant,
    Room,
    RoomAssignment,
    RoomKind,
)
from .controls import room_state


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
            **room_state(room),
        }
    except (MediaServerUnavailable, MediaServerRefused) as exc:
        return mesh_media(room, user=user, reason=exc.message)


def mesh_media(room: Room, *, user=None, reason: str = "") -> dict:  # type: ignore[no-untyped-def]
    """Mesh mode: everyone sends video up to MESH_VIDEO_LIMIT people; beyond, only the stage
    (the facilitator and the speakers they put on it). `on_stage` tells the page whether to
    send video at all: the page opens no video sender otherwise (workshop_room.js)."""
    size = _room_size(room)
    video = size <= MESH_VIDEO_LIMIT
    notice = ""
    if not video:
        notice = (
            f"This room has more than {MESH_VIDEO_LIMIT} people and no media server: the "
            f"facilitator and up to {MESH_STAGE_SIZE - 1} speakers are on video, everyone else "
            "listens with audio only."
        )
    state = room_state(room)
    on_stage = user is not None and (
        user.pk == room.workshop.facilitator_id or user.pk in state["stage"]
    )
    return {
        "mode": "mesh",
        "video": video,
        "on_stage": on_stage,
        "notice": notice,
        "reason": reason,
        **state,
    }


def _room_size(room: Room) -> int:
    if room.kind == RoomKind.BREAKOUT:
        return RoomAssignment.objects.filter(room=room).count() + 1
    return len(selectors.present_user_ids(room.workshop)) or 1
