"""Domain errors of the data-rights pages (export and erasure), each with a stable code."""

from __future__ import annotations

from mentorloom.core.errors import Conflict, DomainError, InvalidInput, RateLimited


class ExportInProgress(Conflict):
    code = "export_in_progress"
    default_message = "Your data is already being prepared. We will e-mail you when it is ready."


class TooManyExports(RateLimited):
    code = "too_many_exports"
    default_message = "You have asked for your data several times today. Please try tomorrow."


class WrongPassword(InvalidInput):
    code = "wrong_password"
    default_message = "That password is not correct."

    def __init__(self) -> None:
        super().__init__(fields={"password": [self.default_message]})


class DeletionAlreadyRequested(Conflict):
    code = "deletion_already_requested"
    default_message = "Your account is already scheduled for deletion."


class NoDeletionPending(Conflict):
    code = "no_deletion_pending"
    default_message = "Your account is not scheduled for deletion."


class AccountBanned(Conflict):
    code = "account_banned"
    default_message = "This account was suspended by the moderators and cannot be restored."


class ExportExpired(DomainError):
    code = "export_expired"
    status = 410
    default_message = "This download link has expired. You can ask for a new copy of your data."
