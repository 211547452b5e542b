"""Domain errors for agendas, notes, action items and feedback (each with a stable code)."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, PermissionDenied

from .merge import Overlap


class StaleNotes(Conflict):
    """The save was based on an older version: someone else saved in between."""

    code = "stale_notes"
    default_message = "These notes changed since you opened them. Merge both versions and save."

    def __init__(
        self,
        current_body: str,
        current_version: int,
        merged: str | None = None,
        overlaps: list[Overlap] | None = None,
    ) -> None:
        super().__init__()
        self.current_body = current_body
        self.current_version = current_version
        # When the save could be merged except for some lines both changed: the merged text
        # (holding the saver's version of those lines) and just the overlapping parts.
        self.merged = merged
        self.overlaps = overlaps or []


class StaleAgenda(Conflict):
    code = "stale_agenda"
    default_message = "The agenda changed since you opened it. Reload and try again."

    def __init__(
        self,
        current_questions: str = "",
        current_links: str = "",
        current_version: int | None = None,
        overlaps: list[Overlap] | None = None,
    ) -> None:
        overlaps = overlaps or []
        message = (
            "You both changed the same line at once. Their wording: "
            + " / ".join(o.theirs for o in overlaps)
            + ". Choose what to keep, then save."
            if overlaps
            else None
        )
        super().__init__(message)
        self.current_questions = current_questions
        self.current_links = current_links
        self.current_version = current_version
        self.overlaps = overlaps


class NotesTooLarge(InvalidInput):
    code = "notes_too_large"
    default_message = "Notes can be at most 100 KB."


class SessionNotOver(Conflict):
    code = "session_not_over"
    default_message = "Feedback opens once the session has ended."


class FeedbackLocked(Conflict):
    code = "feedback_locked"
    default_message = "Feedback can be edited for 7 days after you gave it."


class BlockedPair(PermissionDenied):
    """One of the two blocked the other: the session's agenda, notes and action items reach
    the other person, so they are refused with chat's own words (which tell no more)."""

    code = "blocked"
    default_message = "You cannot message this person."
