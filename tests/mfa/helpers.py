"""Shared helpers for the MFA tests: an enrolled user and the code their app would show."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentorloom.mfa import services
from tests.factories import DEFAULT_PASSWORD

# RFC 6238 appendix B's SHA-1 key ("12345678901234567890"): its codes are published.
RFC_KEY_HEX = "3132333435363738393031323334353637383930"


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset_steps):06d}"


def enrol(user, password: str = DEFAULT_PASSWORD) -> tuple[TOTPDevice, list[str]]:  # type: ignore[no-untyped-def]
    """Turn MFA on for `user` the way the enrolment page does (their current password and a
    code); returns (device, codes)."""
    device = services.start_totp_enrolment(user)
    codes = services.confirm_totp_enrolment(user, current_code(device), password=password)
    device.refresh_from_db()
    # The confirming code is spent (replay protection); tests want a fresh one at hand.
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return device, codes


def unused_recovery_code(user) -> str:  # type: ignore[no-untyped-def]
    """One of `user`'s unused recovery codes, for a step-up that must not spend the TOTP code
    a test needs later (tests read the stored codes; people cannot)."""
    return StaticToken.objects.filter(device__user=user).values_list("token", flat=True)[0]
