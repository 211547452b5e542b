"""Reads about a person's second factors."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Passkey

RECOVERY_DEVICE_NAME = "Recovery codes"


def totp_device_for(user: AbstractBaseUser, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_mfa(user: AbstractBaseUser) -> bool:
    """True once an authenticator app is confirmed (passkeys are added on top of it)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()


def passkeys_for(user: AbstractBaseUser) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user))


def mfa_fingerprint(user: AbstractBaseUser) -> str:
    """Changes whenever the password or the set of second factors changes.

    Trusted-device cookies carry it, so a password change or an MFA reset forgets them all.
    """
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).values_list("pk", flat=True)
    static = StaticDevice.objects.filter(user=user).values_list("pk", flat=True)
    passkeys = Passkey.objects.filter(user=user).values_list("pk", flat=True)
    state = "|".join(
        [
            user.password,
            ",".join(f"t{pk}" for pk in sorted(totp)),
            ",".join(f"s{pk}" for pk in sorted(static)),
            ",".join(f"p{pk}" for pk in sorted(passkeys)),
        ]
    )
    return salted_hmac("mentorloom.mfa.fingerprint", state, algorithm="sha256").hexdigest()[:32]
