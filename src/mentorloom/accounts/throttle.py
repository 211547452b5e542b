"""Login throttling: N failures for one account *or* one IP within the window lock it.

Failures are rows in the database (not a per-process cache) so every ASGI process sees them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure, normalize_email


def _window_start() -> datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def is_locked(email: str, ip: str | None) -> bool:
    recent = LoginFailure.objects.filter(created_at__gte=_window_start())
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(email=normalize_email(email)).count() >= limit:
        return True
    return bool(ip) and recent.filter(ip_address=ip).count() >= limit


def record_failure(email: str, ip: str | None) -> None:
    LoginFailure.objects.create(email=normalize_email(email), ip_address=ip or None)
    # Old rows are useless once outside the window; prune opportunistically.
    LoginFailure.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_failures(email: str) -> None:
    # Only the account's own failures: a successful login must not reset an IP's counter,
    # or an attacker could interleave logins to an account they own.
    LoginFailure.objects.filter(email=normalize_email(email)).delete()
