"""Idempotency keys on creates: a retried POST with the same key returns the first answer.

The record is written in the same transaction as the object it describes, so either both
exist or neither does. A concurrent duplicate fails (on the record's unique constraint, or
on a domain rule such as "one open request per pair"), rolls back its own create and replays
the winner's answer. Errors are not recorded, so a corrected retry can still succeed.

One rule everywhere: a key reused with a different body is 409 `idempotency_key_reused`.
`run_once` serves API routes that replay the stored answer; a service that must replay inside
its own lock (`scheduling.services.book_session`) uses `clean_key`, `fingerprint`,
`replay_of` and `remember` — the same table, fingerprint and error.
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


def fingerprint(payload: Any) -> str:
    """sha256 of the request's meaningful fields, key order ignored."""
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def clean_key(key: str | None) -> str:
    """The key without surrounding blanks ("" means none); InvalidInput if too long."""
    key = (key or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(fields={HEADER: [f"Use at most {MAX_KEY_LENGTH} characters."]})
    return key


def replay_of(user: Any, scope: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """The stored first answer for (user, scope, key), or None; KeyReused if its body differed."""
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is not None and record.request_hash != request_hash:
        raise KeyReused(fields={HEADER: [KeyReused.default_message]})
    return record


def remember(
    user: Any, scope: str, key: str, request_hash: str, status: int, body: Any
) -> IdempotencyRecord:
    """Store the first answer; call inside the transaction that made it."""
    return IdempotencyRecord.objects.create(
        user=user,
        scope=scope,
        key=key,
        request_hash=request_hash,
        status_code=status,
        response=body,
    )


def run_once(
    user: Any,
    scope: str,
    key: str | None,
    payload: Any,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Call `create()` -> (status, JSON-able body) at most once per (user, scope, key)."""
    key = clean_key(key)
    if not key:
        return create()
    request_hash = fingerprint(payload)
    existing = replay_of(user, scope, key, request_hash)
    if existing is not None:
        return existing.status_code, existing.response
    try:
        with transaction.atomic():
            status, body = create()
            remember(user, scope, key, request_hash, status, body)
    except (IntegrityError, DomainError):
        winner = replay_of(user, scope, key, request_hash)
        if winner is None:
            raise
        return winner.status_code, winner.response
    return status, body


def run_idempotent(
    request: HttpRequest, scope: str, payload: Any, create: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """`run_once` keyed by the request's Idempotency-Key header."""
    return run_once(request.user, scope, request.headers.get(HEADER), payload, create)
