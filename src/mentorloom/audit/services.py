"""The one write of the audit log: record_event()."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.db import models
from django.http import HttpRequest

from .models import AuditEvent

_KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
USER_AGENT_MAX = 200


def _target(target: models.Model | tuple[str, object] | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    kind, pk = target
    return str(kind)[:64], str(pk)[:64]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record_event(
    kind: str,
    *,
    actor: Any = None,
    target: models.Model | tuple[str, object] | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (rolled back with it).

    kind: a stable dotted code (package docstring); ValueError for a malformed one.
    actor: the user acting; defaults to request.user when signed in.
    """
    if not _KIND.match(kind) or len(kind) > 64:
        raise ValueError(f"Malformed audit kind: {kind!r}")
    ip, user_agent = None, ""
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
        user_agent = (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]
        user = getattr(request, "user", None)
        if actor is None and user is not None and user.is_authenticated:
            actor = user
    target_type, target_id = _target(target)
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        user_agent=user_agent,
        data=_jsonable(data or {}),
    )


def forget_person(user_id: int, email: str) -> int:
    """Account erasure: the person's events stay (what happened, and when, is the security
    record) but lose what identifies them: the IP and browser of every event they made or that
    was about them, and the address typed into failed or throttled sign-ins (their IPs stay:
    they are whoever typed it, often not the person). Returns how many
    events changed. The log is append-only for everyone else; this is its one rewrite."""
    theirs = AuditEvent.objects.filter(
        models.Q(actor_id=user_id) | models.Q(target_type="accounts.user", target_id=str(user_id))
    )
    changed = theirs.exclude(ip=None, user_agent="").update(ip=None, user_agent="")
    if email:
        typed = list(AuditEvent.objects.filter(data__email=email).only("pk", "data"))
        for event in typed:
            event.data = {**event.data, "email": ""}
        # bulk_update writes the rows without AuditEvent.save (which refuses a second write).
        AuditEvent.objects.bulk_update(typed, ["data"])
        changed += len(typed)
    return changed
