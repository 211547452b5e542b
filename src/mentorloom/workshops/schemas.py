from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema

from mentorloom.core.schemas import Id


class WorkshopIn(Schema):
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    zone: str = ""
    description: str = ""
    agenda: str = ""
    # Listed for everyone (a site-wide workshop's default). Never true with a community.
    is_public: bool | None = None
    # Tie it to a community you own or moderate: only its members see it (never public).
    community_id: Id | None = None


class WorkshopOut(Schema):
    id: int
    title: str
    description: str
    agenda: str
    starts_at: datetime
    ends_at: datetime
    zone: str
    capacity: int
    registered: int
    facilitator_id: int
    is_public: bool
    community_id: int | None
    my_status: str | None
    joinable: bool
    cancelled_at: datetime | None = None
    cancel_note: str = ""


class RegistrationOut(Schema):
    workshop_id: int
    status: str


class RoomOut(Schema):
    id: int
    name: str
    kind: str
    chat_conversation_id: int | None
    prompt: str
    breakouts_end_at: datetime | None
    recall_at: datetime | None


class MediaOut(Schema):
    mode: str
    janus: dict | None = None
    video: bool | None = None
    on_stage: bool | None = None
    notice: str = ""
    # Mesh only: Janus is configured but did not answer; ask again after this many seconds.
    retry_after: int | None = None
    muted: bool = False
    spotlight: int | None = None
    stage: list[int] = []


class RoomStateOut(Schema):
    room: int
    muted: bool
    spotlight: int | None
    stage: list[int]


class MuteIn(Schema):
    muted: bool = True


class SpotlightIn(Schema):
    user_id: Id | None = None  # None: nobody


class StageIn(Schema):
    user_id: Id
    on: bool = True


class SignalOut(Schema):
    id: int
    user_id: int
    name: str
    kind: str
    room: str | None
    raised_at: datetime


class CountIn(Schema):
    count: int


class AssignIn(Schema):
    mode: str = "auto"  # auto | hand
    mix: bool = False
    user_id: int | None = None
    room_id: int | None = None


class OpenIn(Schema):
    minutes: int | None = None
    prompt: str = ""
    participants_choose: bool = False


class TextIn(Schema):
    text: str


class LockIn(Schema):
    locked: bool


class SignalIn(Schema):
    kind: str


class ChooseIn(Schema):
    room_id: int


class CancelIn(Schema):
    note: str = ""


class NoteIn(Schema):
    note: str


class FeedbackIn(Schema):
    rating: int
    comment: str = ""


class AttendanceOut(Schema):
    user_id: int
    name: str
    first_joined_at: datetime
    minutes: int


class SummaryOut(Schema):
    attendance: list[AttendanceOut]
    # Null while withheld: "window_open" until feedback_closes_at, then "fewer_than_k" when
    # fewer than feedback_k people rated (workshops.selectors.feedback_summary).
    feedback_average: float | None
    feedback_count: int | None
    feedback_withheld: Literal["window_open", "fewer_than_k"] | None
    feedback_closes_at: datetime
    feedback_k: int
