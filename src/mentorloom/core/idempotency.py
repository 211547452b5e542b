"""Idempotency keys on creates: a retried POST with the same key returns the first answer.

The record is written in the same transaction as the object it describes, so either both
exist or neither does. A concurrent duplicate fails (on the record's unique constraint, or
on a domain rule such as "one open request per pair"), rolls back its own create and replays
the winner's answer. Errors are not recorded, so a corrected retry can still succeed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from .errors import Conflict, DomainError, InvalidInput
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request body."


def _fingerprint(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def run_once(
    user: Any,
    scope: str,
    key: str | None,
    payload: Any,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Call `create()` -> (status, JSON-able body) at most once per (user, scope, key)."""
    key = (key or "").strip()
    if not key:
        return create()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(fields={HEADER: [f"Use at most {MAX_KEY_LENGTH} characters."]})
    fingerprint = _fingerprint(payload)

    def replay(record: IdempotencyRecord) -> tuple[int, Any]:
        if record.request_hash != fingerprint:
            raise KeyReused(fields={HEADER: [KeyReused.default_message]})
        return record.status_code, record.response

    def stored() -> IdempotencyRecord | None:
        return IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()

    existing = stored()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            status, body = create()
            IdempotencyRecord.objects.create(
                user=user,
                scope=scope,
                key=key,
                request_hash=fingerprint,
                status_code=status,
                response=body,
            )
    except (IntegrityError, DomainError):
        winner = stored()
        if winner is None:
            raise
        return replay(winner)
    return status, body


def run_idempotent(
    request: HttpRequest, scope: str, payload: Any, create: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """`run_once` keyed by the request's Idempotency-Key header."""
    return run_once(request.user, scope, request.headers.get(HEADER), payload, create)
