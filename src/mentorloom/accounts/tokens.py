"""Signed, expiring tokens for e-mail links (verification and e-mail change).

The payload carries the address being confirmed, so a link only confirms the address it was
sent to: after the user changes e-mail again, older links stop working. An e-mail-change link
also carries a fingerprint of the account as it was when the link was sent (its address and
password hash, as Django's password-reset tokens do), so changing the password, or the address
changing by another link, cancels every pending change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from .errors import InvalidLink

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

VERIFY_SALT = "mentorloom.accounts.verify-email"
CHANGE_SALT = "mentorloom.accounts.change-email"


def make_token(user_id: int, email: str, *, salt: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=salt, compress=True)


# SignatureExpired is a BadSignature: an expired link reads the same as a forged one.
_UNREADABLE = (signing.BadSignature, KeyError, TypeError, ValueError)


def read_token(token: str, *, salt: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=salt, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
        return int(data["u"]), str(data["e"])
    except _UNREADABLE as exc:
        raise InvalidLink() from exc


def account_state(user: AbstractBaseUser) -> str:
    """Changes whenever the account's e-mail address or password changes. Keyed with
    SECRET_KEY, so the link (readable by whoever holds it) reveals nothing about either."""
    state = f"{user.pk}|{user.email}|{user.password}"
    return salted_hmac(CHANGE_SALT, state, algorithm="sha256").hexdigest()[:32]


SIGNUP_BINDING_SALT = "mentorloom.accounts.signup-binding"


def password_fingerprint(user: AbstractBaseUser) -> str:
    """Names the account's current password hash without revealing it: a browser whose
    sign-up set that password keeps it in its session (accounts.services.creator_binding)."""
    state = f"{user.pk}|{user.password}"
    return salted_hmac(SIGNUP_BINDING_SALT, state, algorithm="sha256").hexdigest()[:32]


def make_change_token(user: AbstractBaseUser, new_email: str) -> str:
    payload = {"u": user.pk, "e": new_email, "s": account_state(user)}
    return signing.dumps(payload, salt=CHANGE_SALT, compress=True)


def read_change_token(token: str) -> tuple[int, str, str]:
    """(user id, new address, account_state when sent). InvalidLink if forged or expired;
    links sent before the state was added have none and read as invalid too."""
    try:
        data = signing.loads(token, salt=CHANGE_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
        return int(data["u"]), str(data["e"]), str(data["s"])
    except _UNREADABLE as exc:
        raise InvalidLink() from exc
