"""Media for a room: Janus when it answers (a token admitted to that room only), mesh otherwise."""

from __future__ import annotations

import logging
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.http import Http404

from mentorloom.calls.errors import MediaServerRefused, MediaServerUnavailable
from mentorloom.core.realtime.lifetime import session_tag

from .. import errors, selectors
from ..models import (
    MESH_STAGE_SIZE,
    MESH_VIDEO_LIMIT,
    MediaGrant,
    Room,
    RoomAssignment,
    RoomKind,
)
from ._common import _drop_grant, _evict_now, _evict_on_commit, _locked
from .controls import room_state

logger = logging.getLogger(__name__)

# How long a page in mesh mode waits before asking again for a Janus that did not answer.
SFU_RETRY_SECONDS = 10


def media_for(  # type: ignore[no-untyped-def]
    user, room: Room, *, session_key: str | None = None, asked_at: int | None = None
) -> dict:
    """What the room page needs to send and receive media in `room` (already authorised by
    selectors.get_room_for; Http404 if the person is no longer in it). With Janus: a
    short-lived token minted for this admission and admitted to this room only (the token
    they held before is evicted from the room it opened, `_record_grant`). Without: mesh
    mode, video up to 6 people. `session_key`: the signed-in session asking, whose sign-out
    ends the grant (`end_media_access`). `asked_at`: when the page asked, by its own clock
    (ms); a request that page made before the one its grant now holds is refused
    (StaleMediaRequest) instead of taking the grant, and its token, away from the newer room.

    Race-free against a take-out (a ban, the facilitator's remove, a move), which runs under
    the workshop's row lock, clears the room from the person's grant and evicts its token from
    Janus after commit. The caller's check is not enough: a take-out committing after it found
    no room on the grant to evict, and the token stayed in. So:
    1. under that lock the person's place in `room` is checked again and the room recorded on
       their grant (`_record_grant`): a take-out that committed before is seen (404, nothing
       let in); one that commits after finds the grant and evicts;
    2. Janus lets the token in, outside the lock (no network call holds the workshop);
    3. under the lock again the grant must still name `room` and the person still be in it
       (`_confirm_grant`). A take-out between 1 and 3 may have evicted before 2 let the token
       in, so its eviction is repeated here (404); one after 3 evicts after 2 by itself."""
    from mentorloom.calls.janus.controller import browser_config, controller_for_room

    workshop = room.workshop
    try:
        controller = controller_for_room(room.media_room_id)
        controller.ensure_room(room.media_room_id, publishers=max(6, workshop.capacity + 1))
        grant = _record_grant(user, room, session_tag(session_key) or "", asked_at)
        controller.admit(room.media_room_id, grant.token)
        _confirm_grant(user, room, grant)
        return {
            "mode": "sfu",
            "janus": browser_config(
                room.media_room_id, grant.token, grant.feed_id, user_id=user.pk
            ),
            **room_state(room),
        }
    except MediaServerUnavailable as exc:
        if not janus_expected():
            return mesh_media(room, user=user, reason=exc.message)
        # Janus should be there but did not answer this request (down, restarting, or slower
        # than MENTORLOOM_JANUS_TIMEOUT once): the others in the room may well be on it, so the
        # page is told to ask again rather than stay apart from them in mesh mode.
        _warn_unanswered(room, exc.message)
        return mesh_media(room, user=user, reason=exc.message, retry_after=SFU_RETRY_SECONDS)
    except MediaServerRefused as exc:
        # Janus answered, with a refusal (a wrong secret, say): asking again would not help.
        logger.error("janus refused; mesh mode", extra={"room": room.pk, "reason": exc.message})
        return mesh_media(room, user=user, reason=exc.message)


def janus_expected() -> bool:
    """Whether a Janus should be answering: its URLs were set explicitly, or `make run` starts
    the embedded one and the `janus` binary is installed. Without (the embedded default on a
    machine with no Janus) mesh mode is simply the mode, and pages do not ask again."""
    from mentorloom.calls.janus.process import janus_binary

    if not settings.MENTORLOOM_JANUS_URL:
        return False
    return not settings.MENTORLOOM_JANUS_EMBEDDED or janus_binary() is not None


_last_warning = 0.0


def _warn_unanswered(room: Room, reason: str) -> None:
    """At most one warning a minute per process: every page asks while Janus is down."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning(
            "janus did not answer; mesh for now", extra={"room": room.pk, "reason": reason}
        )


def _record_grant(  # type: ignore[no-untyped-def]
    user, room: Room, session: str = "", asked_at: int | None = None
) -> MediaGrant:
    """Step 1 of media_for: under the workshop's lock, `user` is still in `room` (else
    Http404) and their grant (made on first use) names it, with a token minted for this
    admission. The token it held before is evicted after commit from the room it was let into
    (`_evict_on_commit`: off that room's allowed list, feed kicked, forgotten by Janus),
    whether that room is another one (a recall moved them back to the main room, the
    facilitator visits another room: before, the old room kept letting the old token in) or
    this one (a page asking again). So one token opens one room, once; a second tab of the
    same person takes over (they share one feed id anyway).

    Requests of one page may reach us out of order (the facilitator's page asks for the main
    room, then a visit to a breakout room overtakes it): a request the same session asked
    earlier than the one the grant holds is refused (StaleMediaRequest), or its eviction would
    throw the page out of the room it is in now."""
    from mentorloom.calls.janus.controller import participant_token

    with transaction.atomic():
        workshop = _locked(room.workshop_id)
        selectors.get_room_for(user, room.pk)
        token = participant_token()
        grant, created = MediaGrant.objects.get_or_create(
            workshop=workshop,
            user=user,
            defaults={
                "token": token,
                "feed_id": secrets.randbelow(2**52) + 1,
                "room": room,
                "session_tag": session,
                "asked_at": asked_at,
            },
        )
        if not created:
            if (
                asked_at is not None
                and grant.asked_at is not None
                and grant.session_tag == session
                and asked_at < grant.asked_at
            ):
                raise errors.StaleMediaRequest()
            if grant.room_id is not None:
                _evict_on_commit(Room(pk=grant.room_id), grant.token, grant.feed_id)
            grant.token = token
            grant.room = room
            grant.session_tag = session
            grant.asked_at = asked_at
            grant.save(update_fields=["token", "room", "session_tag", "asked_at"])
    return grant


def _confirm_grant(user, room: Room, grant: MediaGrant) -> None:  # type: ignore[no-untyped-def]
    """Step 3 of media_for, after Janus let the token in: under the workshop's lock the grant
    still names `room` with this token and `user` is still in it; otherwise the room is taken
    off the grant (if it still names it with this token), the token evicted at once (Janus may
    have let it in after a take-out's or a newer request's eviction) and Http404 raised."""
    with transaction.atomic():
        _locked(room.workshop_id)
        # The same token too: another request of theirs may have replaced it meanwhile, and
        # its eviction of this one may have reached Janus before the admit.
        mine = MediaGrant.objects.filter(pk=grant.pk, room=room, token=grant.token)
        still_in = mine.exists()
        if still_in:
            try:
                selectors.get_room_for(user, room.pk)
            except Http404:
                still_in = False
                mine.update(room=None)
    if still_in:
        return
    _evict_now(room, grant.token, grant.feed_id)
    raise Http404


def end_media_access(user_id: int, reason: str, session_key: str | None = None) -> None:
    """`user_id`'s access ended (connected to core.realtime.lifetime.access_ended, called in
    the caller's transaction): a sign-out, a password change or reset, deactivation, a site
    ban, a deletion request, staff in the admin. Their grants still naming a room are taken off
    it under each workshop's lock, as a take-out does (`_drop_grant`; a `_record_grant` racing
    this is seen, or sees it), and after commit Janus evicts each token from its room (feed
    kicked) and forgets it. Their place and stay are untouched: signed in again, the room page
    asks for media anew and gets a fresh token.

    A sign-out of one session (`session_key` set) evicts only grants that session asked for.
    A grant is one per person and workshop and follows the last page that asked (the token
    before it is evicted then, `_record_grant`), so a room page open on their other signed-in
    device holds it and keeps its media, as it keeps its sockets; evicted, that page would be
    kicked from Janus and would not ask again (workshop_room.js re-enters a room only when
    moved). Every other reason closes all their sessions' sockets, so all their grants go.
    `reason` is not needed beyond that."""
    grants = MediaGrant.objects.filter(user_id=user_id, room__isnull=False)
    if session_key:
        grants = grants.filter(session_tag=session_tag(session_key))
    with transaction.atomic():
        for workshop_id in sorted(set(grants.values_list("workshop_id", flat=True))):
            workshop = _locked(workshop_id)
            if session_key and not grants.filter(workshop=workshop).exists():
                continue  # another session of theirs asked meanwhile: its grant stays
            _drop_grant(workshop, user_id)


def mesh_media(  # type: ignore[no-untyped-def]
    room: Room, *, user=None, reason: str = "", retry_after: int | None = None
) -> dict:
    """Mesh mode: everyone sends video up to MESH_VIDEO_LIMIT people; beyond, only the stage
    (the facilitator and the speakers they put on it). `on_stage` tells the page whether to
    send video at all: the page opens no video sender otherwise (workshop_room.js).
    `retry_after` (seconds): Janus is configured but did not answer, so the page asks again."""
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
        "retry_after": retry_after,
        **state,
    }


def _room_size(room: Room) -> int:
    if room.kind == RoomKind.BREAKOUT:
        return RoomAssignment.objects.filter(room=room).count() + 1
    return len(selectors.present_user_ids(room.workshop)) or 1
