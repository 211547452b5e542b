"""Ninja schemas for the messaging API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from mentorloom.core.schemas import INT64_MAX, Int32


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    name: str
    size: int
    url: str
    thumbnail_url: str | None
    thumb_width: int | None
    thumb_height: int | None


class ReactionOut(Schema):
    key: str
    emoji: str
    name: str
    count: int
    user_ids: list[int]


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender_id: int
    client_id: str
    # The thread's root post for a reply in a community channel; null for everything else.
    parent_id: int | None = None
    body: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    editable_until: datetime
    attachments: list[AttachmentOut]
    reactions: list[ReactionOut]


class ReadStateOut(Schema):
    user_id: int
    up_to_id: int
    read_at: datetime | None


class MessagePageOut(Schema):
    messages: list[MessageOut]
    has_more: bool
    reads: list[ReadStateOut]


class ChatPersonOut(Schema):
    id: int
    name: str


class ConversationOut(Schema):
    id: int
    kind: str
    mentorship_id: int | None
    # The connection request the conversation began with (kept after acceptance), and, for
    # kind "request", how it stands: "pending", "declined", "withdrawn", "expired", "closed".
    request_id: int | None
    request_state: str | None
    others: list[ChatPersonOut]
    last_message_id: int | None
    last_message_at: datetime | None
    # The newest message as one line of plain text, and who sent it (null without messages).
    last_message_preview: str | None
    last_message_sender_id: int | None
    last_read_message_id: int
    unread_count: int
    url: str


class SendIn(Schema):
    client_id: UUID
    body: str


class EditIn(Schema):
    body: str


class ReadIn(Schema):
    up_to_id: int = Field(..., ge=0, le=INT64_MAX)


class ReadOut(Schema):
    conversation_id: int
    last_read_message_id: int


class OpenForChatIn(Schema):
    minutes: Int32  # 30, 60 or 120 (checked by the service, with a field error)


class OpenForChatOut(Schema):
    open: bool
    open_until: datetime | None
