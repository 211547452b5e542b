"""Program errors, each with a stable code (core.api turns them into the error body)."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied


class NotProgramAdmin(PermissionDenied):
    code = "not_program_admin"
    default_message = "Only this program's admins can do that."


class InvalidImport(InvalidInput):
    code = "invalid_import"
    default_message = "The file could not be imported."


class ImportTooLarge(InvalidInput):
    code = "import_too_large"
    status = 413
    default_message = "The file is too large."


class ImportNotSaved(DomainError):
    """An in-page import hit a database error while writing: it was rolled back whole
    (members and invitations together), so sending the same file again is safe. 503: the
    request was fine and may succeed when retried."""

    code = "import_not_saved"
    status = 503
    default_message = (
        "The import could not be saved (a database error); nothing was imported. Try again."
    )


class RunNotEditable(Conflict):
    code = "run_not_editable"
    default_message = "This matching run was already published or replaced."


class InvalidLock(InvalidInput):
    code = "invalid_lock"
    default_message = "Some locked pairs cannot hold."


class NothingToMatch(InvalidInput):
    code = "nothing_to_match"
    default_message = "The program needs at least one mentee and one mentor with room."


class MentorFull(Conflict):
    code = "mentor_full"
    default_message = "This mentor has no room left: others picked them first. Choose another."


class ChoiceRun(Conflict):
    code = "choice_run"
    default_message = "In mentee-choice mode the mentees pick; there is nothing to lock or swap."


class CannotPair(InvalidInput):
    """A lock or swap that would pair two people with a block between them (either way). The
    message is generic on purpose: the admin must not learn that one blocked the other."""

    code = "cannot_pair"
    default_message = "These two people cannot be paired."


class AlreadyJoined(Conflict):
    code = "already_joined"
    default_message = "You have joined this program already. To leave it, ask one of its admins."
