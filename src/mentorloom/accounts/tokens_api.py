"""Personal access tokens: create, revoke, and the ninja bearer-auth class that checks them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from mentorloom.core.errors import InvalidInput, NotFound

from .access import require_verified
from .models import PersonalAccessToken, User

TOKEN_PREFIX = "mlt_"
MAX_TOKENS_PER_USER = 20


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(
    user: User, *, name: str, expires_in_days: int | None = None
) -> tuple[PersonalAccessToken, str]:
    """Returns the record and the token text, which is shown once and never stored.

    Raises EmailUnverified for an unverified account, InvalidInput for a bad name or expiry.
    """
    require_verified(user)
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise InvalidInput(fields={"name": ["Give the token a name of 1–80 characters."]})
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise InvalidInput(fields={"expires_in_days": ["Choose between 1 and 366 days."]})
    live = PersonalAccessToken.objects.select_for_update().filter(user=user, revoked_at=None)
    if live.count() >= MAX_TOKENS_PER_USER:
        raise InvalidInput(
            f"You have {MAX_TOKENS_PER_USER} tokens already; revoke one first.",
            fields={"name": ["Too many tokens."]},
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    record = PersonalAccessToken.objects.create(
        user=user, name=name, token_hash=_digest(token), prefix=token[:10], expires_at=expires_at
    )
    return record, token


def revoke_token(user: User, token_id: int) -> None:
    updated = PersonalAccessToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound()


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    record = (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash=_digest(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if record is None or not record.is_usable:
        return None
    now = timezone.now()
    # Touch at most once a minute: a busy script must not turn every read into a write.
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        PersonalAccessToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mlt_…` for scripts; no CSRF needed since no cookie is involved."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
