from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet

from mentorloom.core.params import int_param

from .models import AuditEvent


@dataclass(frozen=True)
class EventFilter:
    kind: str = ""  # exact code, or a prefix ending in "." ("auth." = every auth event)
    actor: str = ""  # a user id or an e-mail address (case-insensitive)
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events(flt: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor")
    kind = flt.kind.strip()
    if kind.endswith("."):
        events = events.filter(kind__startswith=kind)
    elif kind:
        events = events.filter(kind=kind)
    actor = flt.actor.strip()
    if int_param(actor) is not None:
        events = events.filter(actor_id=int_param(actor))
    elif actor:
        events = events.filter(Q(actor__email__iexact=actor))
    if flt.since:
        events = events.filter(at__gte=_start_of(flt.since))
    if flt.until:
        events = events.filter(at__lt=_start_of(flt.until + timedelta(days=1)))
    return events.order_by("-at", "-id")


def known_kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("kind").values_list("kind", flat=True).distinct())
