"""Personal access tokens: create, revoke, and the ninja bearer-auth class that checks them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from mentorloom.audit.services import record_event
from mentorloom.core.errors import InvalidInput, NotFound

from .access import require_verified
from .models import PersonalAccessToken, User

TOKEN_PREFIX = "mlt_"
MAX_TOKENS_PER_USER = 20
# Every token expires: 90 days unless chosen, at most a year (366 days for leap years).
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 366


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(
    user: User, *, name: str, expires_in_days: int | None = DEFAULT_EXPIRY_DAYS
) -> tuple[PersonalAccessToken, str]:
    """Returns the record and the token text, which is shown once and never stored.

    Raises EmailUnverified for an unverified account, InvalidInput for a bad name or expiry.
    """
    require_verified(user)
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise InvalidInput(fields={"name": ["Give the token a name of 1–80 characters."]})
    if expires_in_days is None or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(
            fields={"expires_in_days": [f"Choose between 1 and {MAX_EXPIRY_DAYS} days."]}
        )
    live = PersonalAccessToken.objects.select_for_update().filter(user=user, revoked_at=None)
    if live.count() >= MAX_TOKENS_PER_USER:
        raise InvalidInput(
            f"You have {MAX_TOKENS_PER_USER} tokens already; revoke one first.",
            fields={"name": ["Too many tokens."]},
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days)
    record = PersonalAccessToken.objects.create(
        user=user, name=name, token_hash=_digest(token), prefix=token[:10], expires_at=expires_at
    )
    record_event("token.created", actor=user, target=record, data={"name": name})
    return record, token


@transaction.atomic
def revoke_token(user: User, token_id: int) -> None:
    updated = PersonalAccessToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound()
    record_event("token.revoked", actor=user, target=("accounts.personalaccesstoken", token_id))


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    record = (
        PersonalAccessToken.objects.select_related("user")
        .filter(
            token_hash=_digest(token),
            revoked_at=None,
            user__is_active=True,
            expires_at__gt=timezone.now(),
        )
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
