"""Ninja schemas of the communities API. Inputs are loose on purpose (`Any`): the services
validate and answer with field errors in the shared error body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from mentorloom.core.schemas import Id


class CommunityIn(Schema):
    name: Any = None
    slug: Any = ""
    description: Any = ""
    rules: Any = ""
    topics: Any = None
    language: Any = "en"
    zone: Any = "UTC"
    visibility: Any = "open"


class CommunityOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    topics: list[str]
    language: str
    zone: str
    visibility: str
    member_count: int = 0
    active_this_week: bool = False
    url: str


class CommunityPageOut(Schema):
    items: list[CommunityOut]
    count: int


class CommunityPersonOut(Schema):
    id: int
    name: str


class ChannelOut(Schema):
    id: int
    name: str
    description: str
    slow_mode_seconds: int
    conversation_id: int
    unread_count: int = 0


class MembershipOut(Schema):
    community: str
    user: CommunityPersonOut
    role: str
    notifications_muted: bool
    muted_until: datetime | None
    banned_until: datetime | None
    open_for_questions: bool


class CommunityDetailOut(CommunityOut):
    rules_html: str
    moderators: list[CommunityPersonOut]
    me: MembershipOut | None
    channels: list[ChannelOut]  # empty for non-members
    pinned: list[dict]


class ChannelIn(Schema):
    name: Any = None
    description: Any = ""
    slow_mode_seconds: Any = 0


class SlowModeIn(Schema):
    slow_mode_seconds: Any = None


class JoinRequestIn(Schema):
    note: Any = ""


class JoinRequestOut(Schema):
    id: int
    user: CommunityPersonOut
    note: str
    status: str
    created_at: datetime


class InviteIn(Schema):
    days: Any = 7


class InviteOut(Schema):
    id: int
    token: str
    url: str
    expires_at: datetime
    revoked: bool


class PostIn(Schema):
    client_id: Any = None
    body: Any = None
    parent_id: Any = None


class PostEditIn(Schema):
    body: Any = None


class PostOut(Schema):
    """messaging's message payload, with the thread's reply count on root posts."""

    id: int
    conversation_id: int
    sender_id: int | None
    client_id: str
    parent_id: int | None
    body: str
    html: str
    created_at: str | None
    edited_at: str | None
    deleted: bool
    reactions: list[dict]
    attachments: list[dict]
    reply_count: int | None = None


class PostHitOut(PostOut):
    """A search result: the post, its channel, a snippet with the matched words in <mark>
    (escaped text otherwise) and the page link that opens the post in its thread."""

    channel_id: int
    snippet_html: str
    url: str


class StoryIn(Schema):
    """`channel_id` defaults to #general (or the first channel)."""

    channel_id: Id | None = None
    title: Any = None
    body: Any = None
    client_id: Any = None


class StoryEditIn(Schema):
    """Either or both; a field left out keeps its text."""

    title: Any = None
    body: Any = None


class StoryOut(Schema):
    id: int
    title: str
    body: str  # Markdown as written, without the title line
    html: str  # the post as rendered (title line included), sanitised
    author: CommunityPersonOut
    channel_id: int
    channel: str
    post_id: int = Field(description="The story's post; its replies are the discussion")
    reply_count: int
    created_at: datetime
    edited_at: datetime | None = Field(None, description="When its author last changed it")
    url: str


class ChannelPageOut(Schema):
    posts: list[PostOut]
    has_older: bool
    last_read_id: int
    first_unread_id: int | None


class ReactionIn(Schema):
    key: Any = None
    active: bool = True


class ReasonIn(Schema):
    reason: Any = ""


class ReadIn(Schema):
    up_to_id: int = Field(..., ge=0)


class MutedIn(Schema):
    muted: bool


class ModerateIn(Schema):
    minutes: Any = None
    reason: Any = ""


class RoleIn(Schema):
    role: Any = None


class PromptIn(Schema):
    channel_id: int
    title: Any = None
    body: Any = ""
    weekday: Any = None
    local_time: Any = None


class PromptOut(Schema):
    id: int
    channel_id: int
    title: str
    body: str
    weekday: int
    local_time: str
    active: bool
    next_at: datetime | None
