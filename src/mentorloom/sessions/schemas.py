"""ninja schemas for the sessions API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from mentorloom.core.schemas import INT64_MAX, Id


class TopicIn(Schema):
    title: str
    goal: str = ""
    minutes: int | None = Field(None, ge=0, le=24 * 60)
    done: bool = False


class TopicOut(Schema):
    id: int
    position: int
    title: str
    goal: str
    minutes: int | None
    done: bool


class SuggestionOut(Schema):
    kind: str
    id: int
    title: str
    detail: str


class AgendaIn(Schema):
    topics: list[TopicIn] = []
    questions: str = ""
    links: str = ""
    base_version: int | None = Field(None, ge=0, le=INT64_MAX)


class AgendaOut(Schema):
    session_id: int
    version: int
    topics: list[TopicOut]
    questions: str
    links: list[str]
    suggestions: list[SuggestionOut]
    text: str


class TemplateOut(Schema):
    slug: str
    name: str
    description: str
    topics: list[dict]
    questions: str


class ApplyTemplateIn(Schema):
    template: str


class AcceptSuggestionIn(Schema):
    kind: str
    id: Id


class NotesIn(Schema):
    body: str
    base_version: int = Field(ge=0, le=INT64_MAX)
    # The text at base_version: with it a stale save is merged instead of refused.
    base_body: str | None = None


class NotesOut(Schema):
    session_id: int
    body: str
    html: str
    version: int
    updated_at: datetime | None


class PrivateNoteIn(Schema):
    body: str


class PrivateNoteOut(Schema):
    body: str
    updated_at: datetime | None


class ActionItemIn(Schema):
    title: str
    owner_id: Id
    due_date: date | None = None
    source: str = "notes"


class ActionItemPatch(Schema):
    title: str | None = None
    owner_id: Id | None = None
    due_date: date | None = None
    status: str | None = None


class ActionItemOut(Schema):
    id: int
    session_id: int
    mentorship_id: int
    owner_id: int
    title: str
    due_date: date | None
    status: str
    source: str
    overdue: bool


class FeedbackIn(Schema):
    # Mentee → mentor (trait ratings).
    empathy: int | None = None
    adaptability: int | None = None
    active_listening: int | None = None
    encouragement: int | None = None
    expertise: int | None = None
    useful: bool | None = None
    comment: str = ""
    share_comment: bool = False
    # Mentor → mentee.
    progress: str = ""
    strengths: str = ""
    next_steps: str = ""


class FeedbackOut(Schema):
    session_id: int
    role: str  # "mentee" | "mentor"
    can_give: bool
    given: bool
    editable: bool
    mine: dict | None
    received: dict | None  # the mentor's feedback, shown to the mentee


class FeedbackSummaryOut(Schema):
    enough: bool
    k: int
    period: str
    days: int | None
    released_at: datetime | None
    next_release_at: datetime
    unchanged: bool
    raters: int | None
    ratings: int | None
    averages: dict[str, float]
    useful_share: float | None
    trend: list[dict]
    shared_comments: list[str]
