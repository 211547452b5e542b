"""Account writes: sign-up, e-mail verification and change, throttled sign-in."""

from __future__ import annotations

import logging
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mentorloom.audit.services import record_event
from mentorloom.core import ratelimit
from mentorloom.core.email import queue_email
from mentorloom.core.errors import RateLimited
from mentorloom.core.hooks import Hook
from mentorloom.core.realtime.lifetime import close_sockets_for
from mentorloom.mfa.services import forget_factors
from mentorloom.profiles.models import Profile

from . import sessions, throttle, tokens
from .errors import EmailTaken, InvalidCredentials, InvalidLink, LoginThrottled, ReauthThrottled
from .models import PersonalAccessToken, User, normalize_email

security_log = logging.getLogger("mentorloom.security")

# Called with the user, inside the verifying transaction, whenever an address becomes verified
# (the sign-up link opened for the first time, or a changed address confirmed): programs links
# the memberships imported for that address to the account.
email_verified = Hook("accounts.email_verified")
# Called with the user inside the transaction of reclaim_account (the mailbox's owner takes
# back an account someone may have set up before the address was verified): scheduling drops
# the calendar feed link and the connected calendars made before.
account_reclaimed = Hook("accounts.account_reclaimed")


def _link(site_url: str, name: str, token: str) -> str:
    return f"{site_url.rstrip('/')}{reverse(name, args=[token])}"


@transaction.atomic
def sign_up(
    *,
    email: str,
    password: str,
    display_name: str = "",
    time_zone: str = "",
    site_url: str | None = None,
) -> User:
    """Create an account and its profile, then e-mail a verification link after commit.

    Raises EmailTaken if the address is in use, django ValidationError for a weak password.
    """
    email = normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(fields={"email": [EmailTaken.default_message]})
    user = User(email=email)
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # two sign-ups racing for one address
        raise EmailTaken(fields={"email": [EmailTaken.default_message]}) from exc
    Profile.objects.create(user=user, display_name=display_name.strip(), time_zone=time_zone)
    send_verification_email(user, site_url=site_url)
    record_event("account.created", actor=user, target=user)
    security_log.info("account created", extra={"user_id": user.pk})
    return user


SIGNUP_ATTEMPT_NOTICES_PER_DAY = 1


def sign_up_without_disclosure(
    *,
    email: str,
    password: str,
    display_name: str = "",
    time_zone: str = "",
    site_url: str | None = None,
) -> User | None:
    """sign_up() that answers a taken address like a new one (no account enumeration).

    The password is validated and hashed either way (same errors, same order of time). For a
    taken address nothing is created; the owner is e-mailed "someone tried to sign up with
    your address" at most SIGNUP_ATTEMPT_NOTICES_PER_DAY times a day. Returns the new user,
    or None for a taken address.

    A taken address that is not verified yet is left exactly as it is: its password is not
    replaced by this one and its sessions go on. Sign-up proves nothing about the mailbox, so
    letting it reset an account would let anyone who knows an address sign its pending owner
    out (or, before this rule, claim it). Who controls the account is decided when the
    verification link is opened (open_verification_link): a browser that did not set the
    account's password is asked to choose one, and everything set up before is removed.
    """
    email = normalize_email(email)
    validate_password(password, User(email=email))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            return sign_up(
                email=email,
                password=password,
                display_name=display_name,
                time_zone=time_zone,
                site_url=site_url,
            )
        except EmailTaken:  # lost a race for the address
            existing = User.objects.filter(email__iexact=email).first()
    make_password(password)  # the work a new account's hash costs
    if existing is not None and ratelimit.allow(
        "signup-attempt-notice",
        str(existing.pk),
        limit=SIGNUP_ATTEMPT_NOTICES_PER_DAY,
        window_seconds=24 * 3600,
    ):
        login_url = f"{(site_url or settings.SITE_URL).rstrip('/')}{reverse('accounts:login')}"
        reset_url = (
            f"{(site_url or settings.SITE_URL).rstrip('/')}{reverse('accounts:password_reset')}"
        )
        queue_email(
            existing.email,
            "accounts/emails/signup_attempt",
            {"user": existing, "login_url": login_url, "reset_url": reset_url},
        )
    security_log.info(
        "sign-up with a taken address", extra={"user_id": getattr(existing, "pk", None)}
    )
    return None


def send_verification_email(user: User, *, site_url: str | None = None) -> None:
    token = tokens.make_token(user.pk, user.email, salt=tokens.VERIFY_SALT)
    queue_email(
        user.email,
        "accounts/emails/verify",
        {"user": user, "link": _link(site_url or settings.SITE_URL, "accounts:verify", token)},
    )


def verify_email(token: str) -> User:
    """Mark the address in the token verified. Raises InvalidLink if forged, expired or stale."""
    return verify_email_first_time(token)[0]


@transaction.atomic
def verify_email_first_time(token: str) -> tuple[User, bool]:
    """verify_email(), also saying whether this opening is the one that verified the address.
    Pages use open_verification_link, which also decides who keeps the account."""
    user_id, email = tokens.read_token(token, salt=tokens.VERIFY_SALT)
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or user.email != email:
        raise InvalidLink()
    if user.email_verified_at is not None:
        return user, False
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    record_event("auth.email.verified", actor=user, target=user)
    email_verified(user)
    security_log.info("email verified", extra={"user_id": user.pk})
    return user, True


def creator_binding(user: User) -> dict[str, object]:
    """What the browser whose sign-up created `user` keeps in its session: the account and a
    fingerprint of the password that sign-up set (tokens.password_fingerprint)."""
    return {"u": user.pk, "fp": tokens.password_fingerprint(user)}


def _set_by(user: User, binding: object) -> bool:
    """True when `binding` (anything found in a session) names `user` with its current
    password: the browser that opened the link is the one that set the password."""
    if not isinstance(binding, dict) or binding.get("u") != user.pk:
        return False
    fingerprint = binding.get("fp")
    return isinstance(fingerprint, str) and constant_time_compare(
        fingerprint, tokens.password_fingerprint(user)
    )


class Verification(NamedTuple):
    user: User
    first_time: bool  # this opening verified the address
    reclaimed: bool  # ... from a browser that did not set the password: reclaim_account ran


@transaction.atomic
def open_verification_link(token: str, *, binding: object = None) -> Verification:
    """Verify the address in the link, and make whoever opened it the account's sole holder.

    `binding` is what the opening browser's session holds from its sign-up (creator_binding).
    If this opening verifies the address and that browser set the account's current password,
    nothing else changes (the view signs it in). Otherwise someone else may know the password
    (they signed up with this address before its owner did): reclaim_account runs, and the
    person must choose a password (set_password_path). Raises InvalidLink.
    """
    user, first_time = verify_email_first_time(token)
    reclaimed = first_time and not _set_by(user, binding)
    if reclaimed:
        reclaim_account(user, keep_password=False)
    return Verification(user, first_time, reclaimed)


def reclaim_account(user: User, *, keep_password: bool) -> None:
    """Remove whatever was set up on the account before its address was verified, because
    someone other than the mailbox's owner may have done it: the password (unless
    keep_password: it was just set through a link sent to the mailbox), every second factor,
    every access token, every signed-in session and open socket, and what other apps connect
    to account_reclaimed (calendar feed links and calendars). Run inside the caller's
    transaction, with the user's row locked."""
    if not keep_password:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    factors = forget_factors(user)
    revoked = PersonalAccessToken.objects.filter(user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    ended = sessions.end_sessions(user, reason="account_reclaimed")
    close_sockets_for(user.pk, "account_reclaimed")
    account_reclaimed(user)
    record_event(
        "auth.account.reclaimed",
        actor=user,
        target=user,
        data={"mfa_rows_removed": factors, "tokens_revoked": revoked, "sessions_ended": ended},
    )
    security_log.info("account reclaimed on verification", extra={"user_id": user.pk})


def set_password_path(user: User) -> str:
    """The password-reset page for `user` with a fresh token (after reclaim_account)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])


@transaction.atomic
def verify_by_password_reset(user: User) -> bool:
    """A password reset proves the mailbox as the verification link does: verify an
    unverified address and reclaim the account (keeping the password just chosen). Call after
    the new password is saved. Returns whether it was unverified."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    record_event("auth.email.verified", actor=user, target=user)
    email_verified(user)
    reclaim_account(user, keep_password=True)
    return True


EMAIL_CHANGES_PER_HOUR = 5


def request_email_change(
    user: User, *, new_email: str, password: str, site_url: str | None = None
) -> None:
    """Send a confirmation link to the new address; nothing changes until it is opened.

    The old address is told, so a hijacked session cannot quietly take over the account. A
    taken new address gets the same answer and the same two e-mails (no account enumeration):
    its owner is told someone tried, with no link; confirm_email_change refuses an address
    taken by then. Raises InvalidCredentials or ReauthThrottled (password, throttled per
    account), EmailTaken for the account's own address, RateLimited past
    EMAIL_CHANGES_PER_HOUR requests. Call outside a transaction.
    """
    if not check_current_password(user, password):
        raise InvalidCredentials(
            "Your current password is not correct.",
            fields={"password": ["Your current password is not correct."]},
        )
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise EmailTaken(
            "That is already your e-mail address.",
            fields={"new_email": ["That is already your e-mail address."]},
        )
    if not ratelimit.allow(
        "email-change", str(user.pk), limit=EMAIL_CHANGES_PER_HOUR, window_seconds=3600
    ):
        raise RateLimited(
            "You have asked for several changes already; please try again in an hour."
        )
    site = (site_url or settings.SITE_URL).rstrip("/")
    with transaction.atomic():
        if User.objects.filter(email__iexact=new_email).exists():
            security_log.info("email change to a taken address", extra={"user_id": user.pk})
            queue_email(
                new_email,
                "accounts/emails/change_email_taken",
                {
                    "login_url": f"{site}{reverse('accounts:login')}",
                    "reset_url": f"{site}{reverse('accounts:password_reset')}",
                },
            )
        else:
            # Bound to the current address and password: changing the password cancels it.
            token = tokens.make_change_token(user, new_email)
            link = _link(site, "accounts:confirm_email_change", token)
            queue_email(new_email, "accounts/emails/change_email", {"user": user, "link": link})
        queue_email(
            user.email,
            "accounts/emails/change_email_notice",
            {"user": user, "new_email": new_email},
        )


STALE_EMAIL_CHANGE = (
    "This link no longer works because your password or e-mail address changed after we "
    "sent it. If you still want to use the new address, request the change again in your "
    "account settings."
)


@transaction.atomic
def confirm_email_change(token: str) -> User:
    """Switch the account to the address in the link, and mark it verified.

    Raises InvalidLink if the link is forged or expired, or if the password or address changed
    since it was sent (so a password change stops a change someone else requested), and
    EmailTaken if another account has the address by now.
    """
    user_id, new_email, state = tokens.read_change_token(token)
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidLink()
    if not constant_time_compare(state, tokens.account_state(user)):
        security_log.info("stale email change link refused", extra={"user_id": user.pk})
        raise InvalidLink(STALE_EMAIL_CHANGE)
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise EmailTaken(fields={"new_email": [EmailTaken.default_message]})
    old = user.email
    user.email = new_email
    # Opening the link proves the new mailbox is theirs.
    user.email_verified_at = timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError as exc:
        raise EmailTaken() from exc
    record_event(
        "auth.email.changed", actor=user, target=user, data={"old_domain": old.split("@")[-1]}
    )
    security_log.info("email changed", extra={"user_id": user.pk, "old_domain": old.split("@")[-1]})
    email_verified(user)
    return user


def check_current_password(user: User, password: str, *, field: str = "password") -> bool:
    """The password a signed-in person gives again before a sensitive change (e-mail or
    password change, account deletion, turning on two-factor): whether it is right.

    Throttled per account like sign-in (throttle.reauth_key): the attempt is reserved before
    the password is checked, so a stolen session cannot guess without limit. Raises
    ReauthThrottled (429, the message on `field`) past the limit. Call outside a transaction,
    or a failed guess is not counted for the others.
    """
    reservation = throttle.reserve_attempt(throttle.reauth_key(user.pk), None)
    if reservation is None:
        security_log.warning("re-authentication refused: throttled", extra={"user_id": user.pk})
        raise ReauthThrottled(fields={field: [ReauthThrottled.default_message]})
    right = user.check_password(password or "")
    throttle.release_attempt(reservation, succeeded=right)
    if not right:
        security_log.info("re-authentication failed", extra={"user_id": user.pk})
    return right


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def sign_in(request: HttpRequest, *, email: str, password: str) -> User:
    """Authenticate with throttling. Raises LoginThrottled or InvalidCredentials.

    The attempt is reserved before the password is checked (accounts.throttle), so a burst of
    parallel guesses gets at most LOGIN_FAILURE_LIMIT checks. Call outside a transaction.
    The same message for an unknown address and a wrong password: no user enumeration.
    """
    ip = client_ip(request)
    reservation = throttle.reserve_attempt(email, ip)
    if reservation is None:
        security_log.warning("login refused: throttled", extra={"ip": ip})
        record_event(
            "auth.login.throttled", request=request, data={"email": normalize_email(email)}
        )
        raise LoginThrottled()
    user = authenticate(request, email=normalize_email(email), password=password)
    throttle.release_attempt(reservation, succeeded=user is not None)
    if user is None:
        security_log.info("login failed", extra={"ip": ip})
        record_event("auth.login.failed", request=request, data={"email": normalize_email(email)})
        if throttle.is_locked(email, ip):
            raise LoginThrottled()
        raise InvalidCredentials()
    record_event("auth.login.succeeded", actor=user, target=user, request=request)
    return user


def sign_out(request: HttpRequest) -> None:
    """Sign the request's session out, and close the WebSockets opened with it (the person's
    other sessions keep theirs)."""
    user_id, session_key = request.user.pk, request.session.session_key
    logout(request)
    if user_id is not None:
        close_sockets_for(user_id, "signed_out", session_key=session_key)


@transaction.atomic
def deactivate_account(user_id: int, *, reason: str = "deactivated") -> bool:
    """Deactivate the account: it can no longer sign in, its sessions stop signing it in, and
    its open sockets close after commit. Returns False if it was inactive already."""
    updated = User.objects.filter(pk=user_id, is_active=True).update(is_active=False)
    if updated:
        close_sockets_for(user_id, reason)
        security_log.info("account deactivated", extra={"user_id": user_id, "reason": reason})
    return bool(updated)


def after_password_change(user: User, *, request: HttpRequest, kind: str) -> None:
    """What a changed (or reset) password ends: every personal access token, and the other
    sessions (Django already ends them via the session auth hash; the UserSession rows go
    too). kind: auth.password.changed or auth.password.reset."""

    with transaction.atomic():
        revoked = PersonalAccessToken.objects.filter(user=user, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        keep = request.session.session_key if request.user.is_authenticated else None
        reason = "password_reset" if kind.endswith("reset") else "password_changed"
        ended = sessions.end_sessions(user, except_key=keep, reason=reason)
        if keep:  # the key was cycled by update_session_auth_hash: list it under the new one
            sessions.touch_session(request, timezone.now())
        record_event(
            kind,
            actor=user,
            target=user,
            request=request,
            data={"tokens_revoked": revoked, "sessions_ended": ended},
        )
    # The other sessions no longer sign the person in (Django's session hash) and the current
    # one has a new key, so every open socket of theirs closes now.
    close_sockets_for(user.pk, reason)
