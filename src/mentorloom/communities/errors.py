"""Communities' domain errors, each with a stable code for API bodies and form errors."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, PermissionDenied, RateLimited


class NotAMember(PermissionDenied):
    code = "not_a_member"
    default_message = "Join the community first."


class NotAModerator(PermissionDenied):
    code = "not_a_moderator"
    default_message = "Only the community's moderators can do that."


class NotTheOwner(PermissionDenied):
    code = "not_the_owner"
    default_message = "Only the community's owner can do that."


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = "You are already a member."


class JoinNeedsApproval(Conflict):
    code = "needs_approval"
    default_message = "This community approves new members: send a request instead."


class InviteOnly(PermissionDenied):
    code = "invite_only"
    default_message = "This community is invite only: ask a member for an invite link."


class RequestPending(Conflict):
    code = "request_pending"
    default_message = "Your request to join is waiting for a moderator."


class RequestDecided(Conflict):
    code = "request_decided"
    default_message = "This request was already decided."


class InviteExpired(Conflict):
    code = "invite_expired"
    default_message = "This invite link has expired. Ask for a new one."


class InviteRevoked(Conflict):
    code = "invite_revoked"
    default_message = "This invite link was revoked. Ask for a new one."


class Banned(PermissionDenied):
    code = "banned"
    default_message = "You are banned from this community."


class Muted(PermissionDenied):
    code = "muted"
    default_message = "A moderator muted you here for now; you can read but not post."


class SlowMode(RateLimited):
    code = "slow_mode"
    default_message = "This channel is in slow mode. Wait a little before posting again."


class PostTooLong(InvalidInput):
    code = "post_too_long"
    default_message = "Posts can be at most 4,000 characters."


class BlockedReply(PermissionDenied):
    code = "blocked"
    default_message = "You cannot reply to this person."


class CannotMention(InvalidInput):
    code = "cannot_mention"
    default_message = "Someone you mentioned cannot be mentioned here."


class TooManyMentions(RateLimited):
    code = "too_many_mentions"
    default_message = (
        "You have mentioned a lot of people in the last few minutes. "
        "Wait a little before mentioning more."
    )


class OwnerCannotLeave(Conflict):
    code = "owner_cannot_leave"
    default_message = "Hand the community to another owner before leaving."


class SlugTaken(Conflict):
    code = "slug_taken"
    default_message = "That address is taken; pick another."


class ChannelNameTaken(Conflict):
    code = "channel_name_taken"
    default_message = "A channel with that name exists already."


class AlreadyPosted(Conflict):
    code = "already_posted"
    default_message = "This occurrence was posted already."


class NotAMentor(PermissionDenied):
    code = "not_a_mentor"
    default_message = "Only mentors can publish stories."


class NotTheAuthor(PermissionDenied):
    code = "not_the_author"
    default_message = "Only the story's author can edit it."


class PostIsAStory(Conflict):
    code = "post_is_a_story"
    default_message = "This post is a story: edit its title and text as a story."
