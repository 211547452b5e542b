"""The facilitator's controls inside one live room: mute all, spotlight a speaker, the mesh
stage. Each is stored on the Room (so a reload or a late joiner sees the same state) and pushed
to the people in that room only (selectors.people_in_room), after commit.

"Mute all" is enforced with Janus: the VideoRoom's `moderate` drops the muted audio streams
server-side until the facilitator lifts it, whatever a page does. In mesh mode there is no
server in the media path, so the pushed `workshop.muted` event is advisory: our page mutes the
microphone and disables its unmute button, a modified page could ignore it.
"""

from __future__ import annotations

import logging

from django.db import transaction

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable
from mentorloom.core.realtime.live import publish_to_user

from .. import errors, selectors
from ..models import MESH_STAGE_SIZE, MediaGrant, Room
from ._common import _locked, _require_facilitator

logger = logging.getLogger(__name__)


def room_state(room: Room) -> dict:
    """What every page in the room needs to draw the controls' effects."""
    return {"muted": room.muted, "spotlight": room.spotlight_id, "stage": list(room.stage or [])}


def _locked_room(user, room: Room) -> Room:  # type: ignore[no-untyped-def]
    """Under the workshop's row lock (every live decision is taken under it): the fresh room,
    after checking that `user` is its workshop's facilitator."""
    workshop = _locked(room.workshop_id)
    _require_facilitator(user, workshop)
    return Room.objects.select_related("workshop").get(pk=room.pk)


def _push(room: Room, kind: str, **fields: object) -> None:
    event = {"type": kind, "workshop": room.workshop_id, "room": room.pk, **fields}
    for uid in selectors.people_in_room(room):
        publish_to_user(uid, event)


def _moderate_on_commit(
    room: Room, *, mute: bool, keep: list[int] | None = None, only: list[int] | None = None
) -> None:
    def moderate() -> None:
        from mentorloom.calls.janus.controller import controller_for_room

        try:
            controller_for_room(room.media_room_id).moderate_audio(
                room.media_room_id, mute=mute, keep=keep or (), only=only
            )
        except (MediaServerUnavailable, MediaServerRefused):
            # Mesh mode, or Janus down (it forgets its rooms then): the pages got the event.
            logger.info("janus moderation skipped", extra={"room": room.pk})

    transaction.on_commit(moderate)


def mute_all(user, room: Room, muted: bool) -> Room:  # type: ignore[no-untyped-def]
    """Facilitator: mute every microphone in `room` but their own (held until `muted=False`,
    which lets people unmute themselves again; it does not unmute anyone)."""
    with transaction.atomic():
        room = _locked_room(user, room)
        room.muted = bool(muted)
        room.save(update_fields=["muted"])
        own = MediaGrant.objects.filter(workshop_id=room.workshop_id, user=user).values_list(
            "feed_id", flat=True
        )
        _moderate_on_commit(room, mute=room.muted, keep=list(own))
        _push(room, "workshop.muted", muted=room.muted)
    return room


def spotlight(user, room: Room, user_id: int | None) -> Room:  # type: ignore[no-untyped-def]
    """Facilitator: show `user_id` large on every page in the room (None: nobody).

    A spotlit speaker also goes on the mesh stage, or their tile would be black in a room too
    big for everyone to send video; a full stage makes room by dropping the speaker who has
    been on it longest (the facilitator is always on it and never counts). The one pushed
    event carries the stage too, so every page switches both at once."""
    with transaction.atomic():
        room = _locked_room(user, room)
        if user_id is not None and user_id not in selectors.people_in_room(room):
            raise errors.NotInRoom(fields={"user_id": [errors.NotInRoom.default_message]})
        room.spotlight_id = user_id
        stage = list(room.stage or [])
        if user_id is not None and user_id != room.workshop.facilitator_id:
            stage = stage_with(stage, user_id)
        room.stage = stage
        room.save(update_fields=["spotlight", "stage"])
        _push(room, "workshop.spotlight", user_id=user_id, stage=stage)
    return room


def stage_with(stage: list[int], user_id: int) -> list[int]:
    """`stage` with `user_id` on it: kept in place when already there, else appended after
    dropping the longest-standing speakers beyond MESH_STAGE_SIZE - 1 (the list is in the
    order people went on stage)."""
    if user_id in stage:
        return stage
    kept = MESH_STAGE_SIZE - 2  # speakers who stay beside the newcomer
    return [*stage[max(0, len(stage) - kept) :], user_id]


def set_stage(user, room: Room, user_id: int, on: bool) -> Room:  # type: ignore[no-untyped-def]
    """Facilitator: put a speaker on the mesh stage or take them off. Beyond MESH_VIDEO_LIMIT
    people without a media server only the stage sends video (the facilitator always does).
    Taking the spotlit speaker off the stage ends the spotlight (their tile would go black)."""
    with transaction.atomic():
        room = _locked_room(user, room)
        stage = [uid for uid in (room.stage or []) if uid != user_id]
        if on and user_id != room.workshop.facilitator_id:
            if user_id not in selectors.people_in_room(room):
                raise errors.NotInRoom(fields={"user_id": [errors.NotInRoom.default_message]})
            if len(stage) >= MESH_STAGE_SIZE - 1:
                raise errors.StageFull()
            stage.append(user_id)
        room.stage = stage
        fields = ["stage"]
        if not on and room.spotlight_id == user_id and user_id != room.workshop.facilitator_id:
            room.spotlight_id = None
            fields.append("spotlight")
        room.save(update_fields=fields)
        _push(room, "workshop.stage", stage=stage)
        if "spotlight" in fields:
            _push(room, "workshop.spotlight", user_id=None, stage=stage)
    return room


def media_published(user, room: Room) -> None:  # type: ignore[no-untyped-def]
    """The page says its feed is live in `room` (already authorised by get_room_for): while the
    room is muted, Janus mutes that feed's audio too (people who join after "mute all")."""
    if not room.muted or user.pk == room.workshop.facilitator_id:
        return
    grant = MediaGrant.objects.filter(workshop_id=room.workshop_id, user=user).first()
    if grant is None:
        return
    with transaction.atomic():
        _moderate_on_commit(room, mute=True, only=[grant.feed_id])
