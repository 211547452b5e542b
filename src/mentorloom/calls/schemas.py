from __future__ import annotations

from datetime import datetime

from ninja import Schema


class CallOut(Schema):
    id: int
    mentorship_id: int
    started_by_id: int
    status: str
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None
    room_url: str


class IceServerOut(Schema):
    urls: list[str] | str
    username: str | None = None
    credential: str | None = None
