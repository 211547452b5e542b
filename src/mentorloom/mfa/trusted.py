""" "Remember this device for 30 days": a signed cookie naming the user and their MFA state.

The value carries `selectors.mfa_fingerprint(user)`, so changing the password, turning MFA
off and on, or adding/removing a passkey makes every remembered device ask again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare

from . import selectors

COOKIE_NAME = "mentorloom_mfa_trusted"
SALT = "mentorloom.mfa.trusted-device"


def _max_age() -> int:
    return settings.MFA_TRUSTED_DEVICE_DAYS * 24 * 60 * 60


def remember_device(request: HttpRequest, response: HttpResponse, user: AbstractBaseUser) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        f"{user.pk}:{selectors.mfa_fingerprint(user)}",
        salt=SALT,
        max_age=_max_age(),
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )


def is_trusted(request: HttpRequest, user: AbstractBaseUser) -> bool:
    value = request.get_signed_cookie(COOKIE_NAME, default=None, salt=SALT, max_age=_max_age())
    if not value or ":" not in value:
        return False
    user_id, fingerprint = value.split(":", 1)
    return user_id == str(user.pk) and constant_time_compare(
        fingerprint, selectors.mfa_fingerprint(user)
    )
