"""GET /api/v1/audit/events: the audit log for staff (404 for everyone else)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from mentorloom.core.errors import InvalidInput, NotFound
from mentorloom.core.schemas import READ_ERRORS

from .access import require_staff
from .selectors import EventFilter, audit_events

router = Router(tags=["audit"])
MAX_LIMIT = 200


class EventQuery(Schema):
    kind: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    limit: int = 50
    offset: int = 0


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    actor_id: int | None
    actor_email: str | None
    target_type: str
    target_id: str
    ip: str | None
    user_agent: str
    data: dict


class EventPage(Schema):
    count: int
    items: list[EventOut]


@router.get("/audit/events", response={200: EventPage, **READ_ERRORS})
def list_events(request: HttpRequest, filters: Query[EventQuery]) -> dict:
    try:
        require_staff(request.user)
    except Http404 as exc:
        raise NotFound() from exc
    if not 1 <= filters.limit <= MAX_LIMIT or filters.offset < 0:
        raise InvalidInput(fields={"limit": [f"Between 1 and {MAX_LIMIT}; offset 0 or more."]})
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput(fields={"until": ["Must be on or after since."]})
    events = audit_events(
        EventFilter(
            kind=filters.kind, actor=filters.actor, since=filters.since, until=filters.until
        )
    )
    rows = events[filters.offset : filters.offset + filters.limit]
    return {
        "count": events.count(),
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "kind": e.kind,
                "actor_id": e.actor_id,
                "actor_email": e.actor.email if e.actor else None,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "ip": e.ip,
                "user_agent": e.user_agent,
                "data": e.data,
            }
            for e in rows
        ],
    }
