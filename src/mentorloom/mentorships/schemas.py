"""ninja schemas for requests, mentorships, agreements and goals."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from mentorloom.core.schemas import INT64_MAX, Id


class MentorshipPersonOut(Schema):
    user_id: int
    name: str


class RequestIn(Schema):
    mentor_id: Id
    message: str
    goal_ids: list[Id] = Field(default=[], max_length=100)
    preferred_format: str = "both"
    cadence: str = "fortnightly"


class RequestMessageOut(Schema):
    id: int
    author_id: int
    body: str
    created_at: datetime


class RequestOut(Schema):
    id: int
    mentor: MentorshipPersonOut
    mentee: MentorshipPersonOut
    message: str
    goals: list[str]
    preferred_format: str
    cadence: str
    status: str
    created_at: datetime
    expires_at: datetime
    first_response_at: datetime | None
    decline_reason: str
    mentorship_id: int | None
    thread: list[RequestMessageOut]


class DeclineIn(Schema):
    reason: str = ""


class MessageIn(Schema):
    body: str


class WaitlistOut(Schema):
    mentor_id: int
    position: int
    created_at: datetime


class MentorshipOut(Schema):
    id: int
    mentor: MentorshipPersonOut
    mentee: MentorshipPersonOut
    status: str
    started_at: datetime
    paused_until: date | None
    ended_at: datetime | None


class PauseIn(Schema):
    until: date
    note: str = ""


class EndIn(Schema):
    went_well: str = ""
    outcome_reached: bool | None = None
    would_recommend: bool | None = None
    text: str = ""


class AgreementFields(Schema):
    goals: str = ""
    cadence: str = ""
    session_length: str = ""
    review_date: str = ""
    channels: str = ""
    response_times: str = ""
    quiet_hours: str = ""
    boundaries: str = ""
    confidentiality: str = ""
    feedback: str = ""


class AgreementVersionOut(AgreementFields):
    number: int
    proposed_by_id: int | None
    created_at: datetime
    mentor_confirmed_at: datetime | None
    mentee_confirmed_at: datetime | None
    is_confirmed: bool


class FieldDiffOut(Schema):
    name: str
    label: str
    before: str
    after: str


class AgreementOut(Schema):
    in_force: AgreementVersionOut | None
    latest: AgreementVersionOut | None
    pending_changes: list[FieldDiffOut]
    versions: list[AgreementVersionOut]


class ProposeIn(AgreementFields):
    base_version: int = Field(ge=0, le=INT64_MAX)


class ConfirmIn(Schema):
    version: int = Field(ge=0, le=INT64_MAX)


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: date | None
    done_at: datetime | None


class ProgressOut(Schema):
    progress: int
    note: str
    created_at: datetime


class GoalOut(Schema):
    id: int
    mentorship_id: int
    owner_id: int
    title: str
    description: str
    target_date: date | None
    status: str
    progress: int
    is_private: bool
    milestones: list[MilestoneOut]
    updates: list[ProgressOut]


class GoalIn(Schema):
    mentorship_id: Id
    title: str
    description: str = ""
    target_date: date | None = None
    is_private: bool = False
    milestones: list[str] = []


class GoalPatch(Schema):
    title: str | None = None
    description: str | None = None
    target_date: date | None = None
    status: str | None = None
    is_private: bool | None = None


class MilestoneIn(Schema):
    title: str
    due_date: date | None = None


class MilestonePatch(Schema):
    done: bool


class ProgressIn(Schema):
    progress: int = Field(ge=0, le=100)
    note: str = ""
