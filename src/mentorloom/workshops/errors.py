from mentorloom.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class NotFacilitator(PermissionDenied):
    code = "not_facilitator"
    default_message = "Only the facilitator can do that."


class NotRegistered(PermissionDenied):
    code = "not_registered"
    default_message = "Register for this workshop to join it."


class NotOpenYet(Conflict):
    code = "workshop_not_open"
    default_message = "The room opens 10 minutes before the start."


class WorkshopOver(Conflict):
    code = "workshop_over"
    default_message = "This workshop has ended."


class WorkshopCancelled(Conflict):
    code = "workshop_cancelled"
    default_message = "This workshop was cancelled."


class WorkshopLocked(Conflict):
    code = "workshop_locked"
    default_message = "The facilitator has locked the room."


class AlreadyStarted(Conflict):
    code = "workshop_started"
    default_message = "Registration closes when the workshop ends."


class BreakoutsNotReady(Conflict):
    code = "breakouts_not_ready"
    default_message = "Create breakout rooms first."


class BlockedTogether(Conflict):
    code = "blocked_together"
    default_message = "That room holds someone this person blocked, or who blocked them."


class CannotAssign(Conflict):
    code = "cannot_assign"
    default_message = "No balanced assignment keeps every blocked pair apart."


class ChoosingClosed(Conflict):
    code = "choosing_closed"
    default_message = "The facilitator assigns rooms in this workshop."


class FeedbackNotOpen(Conflict):
    code = "feedback_not_open"
    default_message = "Feedback opens when the workshop ends, for people who attended."


class FeedbackClosed(Conflict):
    code = "feedback_closed"
    default_message = "Feedback on this workshop has closed."


class BadWorkshop(InvalidInput):
    code = "invalid"


class NotInRoom(InvalidInput):
    code = "not_in_room"
    default_message = "That person is not in this room now."


class StageFull(Conflict):
    code = "stage_full"
    default_message = (
        "The stage holds the facilitator and up to 3 speakers: take someone off first."
    )


class NotCommunityModerator(PermissionDenied):
    code = "not_community_moderator"
    default_message = "Only the community's owner and moderators can schedule its workshops."


class RoomNotOpen(NotFound):
    """A registered person asked for a room's media outside the join window (a 404, as every
    refusal of a room is: the media endpoint and the mesh socket treat them alike)."""

    code = "room_not_open"
    default_message = "The rooms are open from 10 minutes before the start until the end."


class NotJoined(NotFound):
    code = "not_joined"
    default_message = "Join the workshop to see and hear its rooms."


class StaleMediaRequest(Conflict):
    code = "stale_media_request"
    default_message = (
        "This page asked for another room's media since; this older request was not used."
    )
