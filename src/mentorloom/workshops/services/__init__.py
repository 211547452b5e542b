"""Every write of the workshops app, one module per subject (as scheduling/services/):
each runs in one transaction under the workshop's row lock and announces (e-mail, live events,
Janus grants) only after commit. Callers write `services.join(...)`."""

from __future__ import annotations

from ._common import ROOM_CHAT_KIND
from .after import save_note, submit_feedback
from .breakouts import (
    assign_automatically,
    assign_by_hand,
    bring_everyone_back,
    choose_room,
    close_due_breakouts,
    create_breakouts,
    open_breakouts,
)
from .cancelling import cancel_facilitated_for_community_ban, cancel_workshop
from .controls import media_published, mute_all, room_state, set_stage, spotlight
from .live import (
    broadcast,
    close_open_attendance,
    close_orphaned_room_chats,
    close_room_chats_for_community_ban,
    close_room_chats_for_community_leave,
    join,
    leave,
    lower_signal,
    raise_signal,
    remove_participant,
    set_locked,
    take_out_for_community_ban,
    take_out_for_community_leave,
)
from .media import end_media_access, media_for, mesh_media
from .registration import (
    cancel_for_community_ban,
    cancel_for_community_leave,
    cancel_orphaned_registrations,
    cancel_registration,
    create_workshop,
    register,
    send_due_reminders,
)

__all__ = [
    "ROOM_CHAT_KIND",
    "assign_automatically",
    "assign_by_hand",
    "bring_everyone_back",
    "broadcast",
    "cancel_facilitated_for_community_ban",
    "cancel_for_community_ban",
    "cancel_for_community_leave",
    "cancel_orphaned_registrations",
    "cancel_registration",
    "cancel_workshop",
    "choose_room",
    "close_due_breakouts",
    "close_open_attendance",
    "close_orphaned_room_chats",
    "close_room_chats_for_community_ban",
    "close_room_chats_for_community_leave",
    "create_breakouts",
    "create_workshop",
    "end_media_access",
    "join",
    "leave",
    "lower_signal",
    "media_for",
    "media_published",
    "mesh_media",
    "mute_all",
    "open_breakouts",
    "raise_signal",
    "register",
    "remove_participant",
    "room_state",
    "save_note",
    "send_due_reminders",
    "set_locked",
    "set_stage",
    "spotlight",
    "submit_feedback",
    "take_out_for_community_ban",
    "take_out_for_community_leave",
]
