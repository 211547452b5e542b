"""Program errors, each with a stable code (core.api turns them into the error body)."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, InvalidInput, PermissionDenied


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
