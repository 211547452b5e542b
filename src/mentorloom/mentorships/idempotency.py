"""Idempotency-Key handling for creates: the first answer is stored and replayed on retry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from mentorloom.core.errors import DomainError, InvalidInput

from .errors import IdempotencyKeyReused
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def run_once(
    user,  # type: ignore[no-untyped-def]
    scope: str,
    key: str | None,
    body: Any,
    create: Callable[[], tuple[int, dict]],
) -> tuple[int, dict]:
    """Run `create` (returning status and JSON body) unless this key already has an answer.

    Without a key, `create` just runs. With one, the create and the stored answer commit
    together; if a concurrent retry stored first, our create is rolled back and theirs is
    returned, so a key never yields two objects. Errors are not stored: a retry re-tries.
    """
    if not key:
        return create()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(fields={"Idempotency-Key": ["Use at most 200 characters."]})
    digest = fingerprint(body)

    def replay(record: IdempotencyRecord) -> tuple[int, dict]:
        if record.fingerprint and record.fingerprint != digest:
            raise IdempotencyKeyReused()
        return record.status_code, record.response

    existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if existing:
        return replay(existing)
    try:
        with transaction.atomic():
            status, response = create()
            IdempotencyRecord.objects.create(
                user=user,
                scope=scope,
                key=key,
                fingerprint=digest,
                status_code=status,
                response=response,
            )
    except (IntegrityError, DomainError):
        # A concurrent retry with the same key may have won (our create then fails on the
        # one-open-request rule, or our record on the key's unique index): answer as it did.
        record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if record is None:
            raise
        return replay(record)
    return status, response
