from mentorloom.core.errors import Conflict, DomainError, InvalidInput, RateLimited


class LoginThrottled(RateLimited):
    code = "login_throttled"
    default_message = (
        "Too many failed sign-in attempts. Please wait 15 minutes, or reset your password."
    )


class ReauthThrottled(RateLimited):
    code = "reauth_throttled"
    default_message = (
        "Too many wrong passwords. Please wait 15 minutes before trying again, or reset "
        "your password."
    )


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 400
    default_message = "That e-mail address and password do not match."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "An account with this e-mail address already exists."


class InvalidLink(InvalidInput):
    code = "invalid_link"
    status = 400
    default_message = "This link is invalid or has expired. Request a new one below."


class EmailUnverified(DomainError):
    code = "email_unverified"
    status = 403
    default_message = (
        "Please verify your e-mail address first: open the link we sent you, or get a new "
        "one at /accounts/verify/sent/."
    )
