"""Idempotency keys on creates: a retried POST with the same key returns the first answer.

The record is written in the same transaction as the object it describes, so either both
exist or neither does; a concurrent duplicate fails on the unique constraint, rolls back its
own create and replays the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from .errors import InvalidInput
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class KeyReused(InvalidInput):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request body."


def _fingerprint(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def run_idempotent(
    request: HttpRequest,
    scope: str,
    payload: Any,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Call `create()` -> (status, JSON-able body) at most once per (user, scope, key).

    Without the header, simply calls `create()`. Domain errors raised by `create()` are not
    recorded, so a corrected retry with the same key can still succeed.
    """
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return create()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(fields={HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
    fingerprint = _fingerprint(payload)

    def replay(record: IdempotencyRecord) -> tuple[int, Any]:
        if record.request_hash != fingerprint:
            raise KeyReused(fields={HEADER: [KeyReused.default_message]})
        return record.status_code, record.response

    existing = IdempotencyRecord.objects.filter(user=request.user, scope=scope, key=key).first()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            status, body = create()
            IdempotencyRecord.objects.create(
                user=request.user,
                scope=scope,
                key=key,
                request_hash=fingerprint,
                status_code=status,
                response=body,
            )
    except IntegrityError:
        winner = IdempotencyRecord.objects.filter(user=request.user, scope=scope, key=key).first()
        if winner is None:
            raise
        return replay(winner)
    return status, body
