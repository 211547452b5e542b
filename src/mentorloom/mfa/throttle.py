"""Second-factor throttling: N wrong codes within the window make the person wait.

Rows in the database, so every ASGI process sees them; reserve-then-count, so concurrent
guesses cannot slip past the limit together (see ChallengeAttempt).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from .errors import ChallengeThrottled
from .models import ChallengeAttempt


def reserve_attempt(user: AbstractBaseUser) -> ChallengeAttempt:
    """Record an attempt before checking it. Raises ChallengeThrottled past the limit."""
    attempt = ChallengeAttempt.objects.create(user=user)
    since = timezone.now() - timedelta(seconds=settings.MFA_FAILURE_WINDOW_SECONDS)
    count = ChallengeAttempt.objects.filter(user=user, created_at__gte=since).count()
    if count > settings.MFA_FAILURE_LIMIT:
        # Refused attempts do not extend the wait: only real failures count.
        attempt.delete()
        raise ChallengeThrottled()
    return attempt


def clear_attempts(user: AbstractBaseUser) -> None:
    ChallengeAttempt.objects.filter(user=user).delete()
    ChallengeAttempt.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
