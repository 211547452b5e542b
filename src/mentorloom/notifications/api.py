"""/api/v1/notifications: list yours, mark some or all read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id

from . import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationList(Schema):
    unread: int
    items: list[NotificationOut]


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=1000)


class MarkReadOut(Schema):
    marked: int
    unread: int


@router.get("/notifications", response={200: NotificationList, **READ_ERRORS})
def list_notifications(request: HttpRequest, unread_only: bool = False) -> dict:
    qs = selectors.notifications_for(request.user, limit=100, unread_only=unread_only)
    return {"unread": selectors.unread_count(request.user), "items": list(qs)}


@router.post("/notifications/read", response={200: MarkReadOut, **WRITE_ERRORS})
def mark_read(request: HttpRequest, payload: MarkReadIn) -> dict:
    """Mark the given ids read, or all of yours when `ids` is omitted."""
    marked = services.mark_read(request.user, payload.ids)
    return {"marked": marked, "unread": selectors.unread_count(request.user)}
