"""Second-factor writes: TOTP enrolment, recovery codes, passkeys, and the sign-in challenge.

TOTP and recovery codes are django-otp devices (TOTPDevice, StaticDevice); passkeys are
verified with py_webauthn. Every code check goes through `throttle.reserve_attempt` first.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from mentorloom.audit.services import record_event
from mentorloom.core.email import queue_email

from . import selectors, throttle
from .access import get_passkey_for
from .errors import (
    InvalidCode,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    PasskeyRejected,
    WrongPassword,
)
from .models import Passkey

security_log = logging.getLogger("mentorloom.security")

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"


# --- Recovery codes --------------------------------------------------------------------------


def _new_recovery_code() -> str:
    # 80 random bits as 16 base32 characters: fits StaticToken.token, easy to type.
    return base64.b32encode(os.urandom(10)).decode().lower()


def normalize_recovery_code(raw: str) -> str:
    return re.sub(r"[^a-z2-7]", "", raw.lower())


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _replace_recovery_codes(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=selectors.RECOVERY_DEVICE_NAME)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [format_recovery_code(code) for code in codes]


def regenerate_recovery_codes(user: AbstractBaseUser, *, password: str, code: str) -> list[str]:
    """Replace every recovery code with 10 new ones (returned once, formatted xxxx-xxxx-…).

    Needs the password and a current code (confirm_identity). Raises MfaNotEnabled without a
    confirmed authenticator, WrongPassword, InvalidCode, ChallengeThrottled. Old codes stop
    working at once.
    """
    if not selectors.has_mfa(user):
        raise MfaNotEnabled()
    confirm_identity(user, password=password, code=code)
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
    security_log.info("mfa recovery codes regenerated", extra={"user_id": user.pk})
    record_event("mfa.recovery_codes.regenerated", actor=user, target=user)
    return codes


# --- TOTP enrolment ---------------------------------------------------------------------------


@transaction.atomic
def start_totp_enrolment(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (created on first visit).

    Raises MfaAlreadyEnabled if an authenticator is already confirmed.
    """
    if selectors.has_mfa(user):
        raise MfaAlreadyEnabled()
    device = selectors.totp_device_for(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _check_totp(device: TOTPDevice, code: str) -> bool:
    code = re.sub(r"\s", "", code)
    # verify_token refuses a code it accepted before (last_t), so a seen code cannot replay.
    return bool(re.fullmatch(r"\d{6}", code)) and device.verify_token(code)


def confirm_totp_enrolment(user: AbstractBaseUser, code: str, *, password: str) -> list[str]:
    """Confirm the pending authenticator with the current password and a current code; returns
    the recovery codes, and e-mails the owner that two-factor is on (after commit).

    The password first (throttled, check_password_throttled): a session alone (a stolen
    cookie) must not be able to turn two-factor on with its own app and lock the owner out.
    Raises WrongPassword, InvalidCode (wrong code or no pending device), ChallengeThrottled,
    MfaAlreadyEnabled. Call outside a transaction.
    """
    check_password_throttled(user, password)
    throttle.reserve_attempt(user)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if selectors.has_mfa(user):
            raise MfaAlreadyEnabled()
        if device is None or not _check_totp(device, code):
            raise InvalidCode(fields={"code": [InvalidCode.default_message]})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _replace_recovery_codes(user)
        # Told at the address on file, so a hijacked session turning it on does not go unseen.
        queue_email(user.email, "mfa/emails/enabled", {"user": user})
    throttle.clear_attempts(user)
    security_log.info("mfa enabled", extra={"user_id": user.pk})
    record_event("mfa.enabled", actor=user, target=user)
    return codes


def disable_mfa(user: AbstractBaseUser, *, password: str, code: str) -> None:
    """Remove every second factor. Needs the password and a current code (or recovery code).

    Raises WrongPassword, InvalidCode, ChallengeThrottled, MfaNotEnabled.
    """
    if not selectors.has_mfa(user):
        raise MfaNotEnabled()
    confirm_identity(user, password=password, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        Passkey.objects.filter(user=user).delete()
    security_log.info("mfa disabled", extra={"user_id": user.pk})
    record_event("mfa.disabled", actor=user, target=user)


def forget_factors(user: AbstractBaseUser) -> int:
    """Remove every second factor without a step-up: for accounts.services.reclaim_account,
    when the mailbox's owner takes back an account whose factors someone else may have set up
    before the address was verified. Run inside the caller's transaction; returns how many
    rows went (devices and their tokens)."""
    removed = (
        TOTPDevice.objects.filter(user=user).delete()[0]
        + StaticDevice.objects.filter(user=user).delete()[0]
        + Passkey.objects.filter(user=user).delete()[0]
    )
    if removed:
        security_log.info("mfa factors removed on reclaim", extra={"user_id": user.pk})
    return removed


def confirm_identity(user: AbstractBaseUser, *, password: str, code: str) -> None:
    """The step-up before changing the second factors: the password and a current code (or a
    recovery code, which is then spent), so a session alone cannot replace them.

    Call outside a transaction: a failed guess must stay counted. Raises WrongPassword,
    InvalidCode, ChallengeThrottled.
    """
    check_password_throttled(user, password)
    verify_code(user, code)


def check_password_throttled(user: AbstractBaseUser, password: str) -> None:
    """The password part of a step-up, counted like a code (throttle.reserve_attempt, per
    account) so a stolen session cannot guess the password without limit. A wrong password
    stays counted; a right one frees its reservation. Raises WrongPassword, ChallengeThrottled.
    """
    attempt = throttle.reserve_attempt(user)
    if not user.check_password(password or ""):
        security_log.info("mfa step-up password wrong", extra={"user_id": user.pk})
        raise WrongPassword(fields={"password": [WrongPassword.default_message]})
    attempt.delete()


# --- The sign-in challenge --------------------------------------------------------------------


def verify_code(user: AbstractBaseUser, code: str) -> str:
    """Check an authenticator code or a recovery code; returns "totp" or "recovery".

    Throttled: after MFA_FAILURE_LIMIT wrong codes in the window, raises ChallengeThrottled
    until it passes. A recovery code works once. Raises InvalidCode otherwise.
    """
    attempt = throttle.reserve_attempt(user)
    method = ""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and _check_totp(device, code):
            method = "totp"
        else:
            recovery = normalize_recovery_code(code)
            # A single DELETE: of two requests racing with one code, only one removes the row.
            used = (
                bool(recovery)
                and StaticToken.objects.filter(device__user=user, token=recovery).delete()[0]
            )
            if used:
                method = "recovery"
                security_log.info("mfa recovery code used", extra={"user_id": user.pk})
                record_event("mfa.recovery_code.used", actor=user, target=user)
    if not method:
        security_log.info("mfa challenge failed", extra={"user_id": user.pk})
        record_event("mfa.challenge.failed", actor=user, target=user)
        raise InvalidCode(fields={"code": [InvalidCode.default_message]})
    attempt.delete()
    throttle.clear_attempts(user)
    return method


# --- Passkeys (WebAuthn) ----------------------------------------------------------------------


def relying_party() -> tuple[str, str]:
    """(RP ID, expected origin) from settings: the host of SITE_URL unless overridden."""
    origin = settings.SITE_URL.rstrip("/")
    rp_id = settings.MFA_WEBAUTHN_RP_ID or (urlsplit(origin).hostname or "localhost")
    return rp_id, origin


def begin_passkey_registration(
    user: AbstractBaseUser, *, password: str, code: str
) -> tuple[str, str]:
    """Options for navigator.credentials.create() as JSON, and the challenge to keep.

    Needs the password and a current code (confirm_identity): only a challenge issued after
    them can finish a registration. Raises MfaNotEnabled (passkeys come on top of an
    authenticator app and recovery codes), WrongPassword, InvalidCode, ChallengeThrottled.
    """
    if not selectors.has_mfa(user):
        raise MfaNotEnabled("Turn on an authenticator app first; passkeys are added on top.")
    confirm_identity(user, password=password, code=code)
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.SITE_NAME,
        user_id=str(user.pk).encode(),
        user_name=user.get_username(),
        user_display_name=user.get_username(),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in selectors.passkeys_for(user)
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def finish_passkey_registration(
    user: AbstractBaseUser, *, name: str, credential: dict[str, Any] | str, challenge: str
) -> Passkey:
    """Verify the browser's attestation against the kept challenge and store the key.

    Raises PasskeyRejected (bad or replayed response, empty name), MfaNotEnabled.
    """
    name = (name or "").strip()[:60]
    if not name:
        raise PasskeyRejected("Give the passkey a name.", fields={"name": ["Enter a name."]})
    if not selectors.has_mfa(user):
        raise MfaNotEnabled()
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, InvalidJSONStructure, ValueError, KeyError) as exc:
        security_log.info("passkey registration rejected", extra={"user_id": user.pk})
        raise PasskeyRejected() from exc
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                name=name,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=_transports(credential),
            )
    except IntegrityError as exc:
        raise PasskeyRejected("That passkey is already registered.") from exc
    security_log.info("passkey added", extra={"user_id": user.pk})
    record_event("mfa.passkey.added", actor=user, target=user)
    return passkey


def _transports(credential: dict[str, Any] | str) -> list[str]:
    data = json.loads(credential) if isinstance(credential, str) else credential
    transports = (data.get("response") or {}).get("transports") or []
    return [t for t in transports if isinstance(t, str)][:8]


@transaction.atomic
def remove_passkey(user: AbstractBaseUser, passkey_id: int) -> None:
    """Delete one of the user's passkeys. Someone else's id looks like a missing one (404)."""
    passkey = get_passkey_for(user, passkey_id)
    passkey.delete()
    security_log.info("passkey removed", extra={"user_id": user.pk})
    record_event("mfa.passkey.removed", actor=user, target=user)


def begin_passkey_authentication(user: AbstractBaseUser) -> tuple[str, str]:
    """Options for navigator.credentials.get() limited to the user's passkeys, and the challenge."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in selectors.passkeys_for(user)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def verify_passkey(
    user: AbstractBaseUser, *, credential: dict[str, Any] | str, challenge: str
) -> Passkey:
    """Second factor by passkey. Throttled like codes; raises PasskeyRejected when it fails."""
    attempt = throttle.reserve_attempt(user)
    rp_id, origin = relying_party()
    try:
        parsed = parse_authentication_credential_json(
            credential if isinstance(credential, str) else json.dumps(credential)
        )
        with transaction.atomic():
            passkey = (
                Passkey.objects.select_for_update()
                .filter(user=user, credential_id=bytes_to_base64url(parsed.raw_id))
                .first()
            )
            if passkey is None:
                raise PasskeyRejected("That passkey is not registered to this account.")
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
            )
            passkey.sign_count = verified.new_sign_count
            passkey.last_used_at = timezone.now()
            passkey.save(update_fields=["sign_count", "last_used_at"])
    except (InvalidAuthenticationResponse, InvalidJSONStructure, ValueError, KeyError) as exc:
        security_log.info("mfa passkey challenge failed", extra={"user_id": user.pk})
        record_event("mfa.challenge.failed", actor=user, target=user)
        raise PasskeyRejected() from exc
    except PasskeyRejected:
        security_log.info("mfa passkey challenge failed", extra={"user_id": user.pk})
        record_event("mfa.challenge.failed", actor=user, target=user)
        raise
    attempt.delete()
    throttle.clear_attempts(user)
    return passkey
