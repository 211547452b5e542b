from mentorloom.core.errors import Conflict, DomainError, InvalidInput, RateLimited


class InvalidCode(DomainError):
    code = "mfa_invalid_code"
    status = 400
    default_message = "That code is not valid. Check your authenticator app and try again."


class ChallengeThrottled(RateLimited):
    code = "mfa_throttled"
    default_message = "Too many wrong codes. Please wait 15 minutes before trying again."


class MfaAlreadyEnabled(Conflict):
    code = "mfa_already_enabled"
    default_message = "Two-factor authentication is already on."


class MfaNotEnabled(Conflict):
    code = "mfa_not_enabled"
    default_message = "Two-factor authentication is not on."


class WrongPassword(DomainError):
    code = "mfa_wrong_password"
    status = 400
    default_message = "Your current password is not correct."


class PasskeyRejected(InvalidInput):
    code = "mfa_passkey_rejected"
    status = 400
    default_message = "The passkey could not be verified. Please try again."


class PendingLoginExpired(DomainError):
    code = "mfa_pending_expired"
    status = 400
    default_message = "Your sign-in took too long. Please enter your password again."
