"""Messaging's domain errors, each with a stable code for API bodies and socket error frames."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, PermissionDenied, RateLimited


class EmptyMessage(InvalidInput):
    code = "empty_message"
    default_message = "Write something before sending."


class MessageTooLong(InvalidInput):
    code = "message_too_long"
    default_message = "Messages can be at most 10,000 characters."


class BlockedConversation(PermissionDenied):
    code = "blocked"
    default_message = "You cannot message this person."


class ConversationClosed(Conflict):
    code = "conversation_closed"
    default_message = "This mentorship has ended; its conversation is read-only."


class RequestClosed(Conflict):
    """A request's conversation after the request was declined, withdrawn or expired: both
    people can still read it, nobody can post."""

    code = "request_closed"
    default_message = "This request is closed; its conversation is read-only."

    _BY_STATUS = {
        "declined": "This request was declined; its conversation is read-only.",
        "withdrawn": "This request was withdrawn; its conversation is read-only.",
        "expired": "This request expired; its conversation is read-only.",
        "accepted": "This request was accepted; continue in the mentorship's conversation.",
    }

    @classmethod
    def for_status(cls, status: str) -> RequestClosed:
        return cls(cls._BY_STATUS.get(status))


class EditWindowClosed(Conflict):
    code = "edit_window_closed"
    default_message = "Messages can only be changed within 15 minutes of sending."


class EditInCommunity(Conflict):
    code = "edit_in_community"
    default_message = (
        "Community posts are edited in their channel (or through the communities API), where "
        "the channel's rules and mentions apply."
    )


class NotYourMessage(PermissionDenied):
    code = "not_your_message"
    default_message = "You can only change your own messages."


class TooManyMessages(RateLimited):
    code = "rate_limited"
    default_message = "You are sending messages too quickly. Wait a few seconds and try again."


class UnsupportedAttachment(InvalidInput):
    code = "unsupported_file"
    default_message = "Attach a JPEG, PNG or WebP image or a PDF."


class AttachmentTooLarge(InvalidInput):
    code = "file_too_large"
    default_message = "Attachments can be at most 10 MB."


class UnknownReaction(InvalidInput):
    code = "unknown_reaction"
    default_message = "Pick one of the offered reactions."


class MessageDeleted(Conflict):
    code = "message_deleted"
    default_message = "This message was deleted."


class NotAMentor(PermissionDenied):
    code = "not_a_mentor"
    default_message = "Only mentors can show that they are open for a quick chat."


class InvalidOpenDuration(InvalidInput):
    code = "invalid_duration"
    default_message = "Choose 30, 60 or 120 minutes."


class ClientIdReused(Conflict):
    code = "client_id_reused"
    default_message = (
        "This client_id was already used for a different message. Use a new client_id for a "
        "new message; reuse one only to retry the very same message."
    )
