"""Signed, expiring tokens for e-mail links (verification and e-mail change).

The payload carries the address being confirmed, so a link only confirms the address it was
sent to: after the user changes e-mail again, older links stop working.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from .errors import InvalidLink

VERIFY_SALT = "mentorloom.accounts.verify-email"
CHANGE_SALT = "mentorloom.accounts.change-email"


def make_token(user_id: int, email: str, *, salt: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=salt, compress=True)


def read_token(token: str, *, salt: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=salt, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
        return int(data["u"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        # SignatureExpired is a BadSignature: an expired link reads the same as a forged one.
        raise InvalidLink() from exc
