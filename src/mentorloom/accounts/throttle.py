"""Login throttling: N failures for one account *or* one IP within the window lock it.

Failures are rows in the database (not a per-process cache) so every ASGI process sees them.

Race-free by reservation: each attempt first *commits* a row (as if it failed), then counts
the window's rows. An attempt committed k-th sees at least k rows on SQLite and PostgreSQL
alike (its count starts after its own commit, which follows every earlier commit), so at most
LOGIN_FAILURE_LIMIT attempts per account or IP are ever checked against a password, however
many arrive at once. A checked-and-right attempt removes its reservation; a throttled one too
(it was never checked, so it is not a failure). Reading the lock first and writing the
failure afterwards let 40 parallel guesses all be checked.

Re-authentication (a signed-in person giving their password again before a sensitive change:
accounts.services.check_current_password) uses the same rows under `reauth_key(user_id)`
with no IP, so a stolen session gets LOGIN_FAILURE_LIMIT guesses per window per account,
whichever browser or address they come from. The key holds no "@", so it never meets an
e-mail address's sign-in failures.

What a successful sign-in clears: the failures of that account *from that IP* only. Never the
IP's failures against other accounts (an attacker could otherwise reset an IP's counter by
interleaving logins to an account they own), nor the account's failures from other IPs (a
distributed guess against one account stays counted).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import LoginFailure, normalize_email


def reauth_key(user_id: int) -> str:
    """The throttling key of one account's re-authentications (module docstring)."""
    return f"reauth:{user_id}"


def _window_start() -> datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _over_limit(email: str, ip: str | None, *, extra: int = 0) -> bool:
    recent = LoginFailure.objects.filter(created_at__gte=_window_start())
    limit = settings.LOGIN_FAILURE_LIMIT + extra
    if recent.filter(email=email).count() > limit:
        return True
    return bool(ip) and recent.filter(ip_address=ip).count() > limit


def is_locked(email: str, ip: str | None) -> bool:
    """True when the account or the IP has used up its failures (read-only; for display)."""
    return _over_limit(normalize_email(email), ip, extra=-1)


def reserve_attempt(email: str, ip: str | None) -> LoginFailure | None:
    """Count this attempt before the password is checked; None when it is over the limit.

    Must run outside a transaction (or the reservation is not visible to the others until
    the caller commits): the row is committed first, then counted.
    """
    email = normalize_email(email)
    with transaction.atomic():
        row = LoginFailure.objects.create(email=email, ip_address=ip or None)
    if _over_limit(email, ip):
        LoginFailure.objects.filter(pk=row.pk).delete()
        return None
    # Old rows are useless once outside the window; prune opportunistically.
    LoginFailure.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
    return row


def release_attempt(row: LoginFailure, *, succeeded: bool) -> None:
    """After the password was checked: a success removes its reservation and the account's
    failures from the same IP (module docstring); a failure keeps the row as the failure."""
    if not succeeded:
        return
    LoginFailure.objects.filter(
        Q(pk=row.pk) | Q(email=row.email, ip_address=row.ip_address)
    ).delete()
