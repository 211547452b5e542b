"""Template filters and tags for chat pages and the nav badge."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from mentorloom.core.markdown import render_markdown

from ..events import reactions_payload
from ..models import REACTIONS, Message
from ..selectors import open_for_chat_user_ids, unread_total_for

register = template.Library()


@register.filter
def chat_markdown(text: str) -> SafeString:
    # render_markdown escapes raw HTML and sanitises with nh3, so its output is safe to mark.
    return mark_safe(render_markdown(text))  # noqa: S308  # nosec B308 B703


@register.filter
def changeable_by(message: Message, user: Any) -> bool:
    """Whether `user` may still edit or delete `message` (own, not deleted, within 15 min)."""
    return (
        getattr(user, "pk", None) == message.sender_id
        and message.deleted_at is None
        and timezone.now() <= message.editable_until
    )


@register.simple_tag(takes_context=True)
def unread_messages_total(context: template.Context) -> int:
    """The signed-in person's unread message count, e.g. for the nav badge (0 when signed out).

    Usage: {% load messaging_tags %}{% unread_messages_total as unread_messages %}
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return unread_total_for(user)


@register.filter
def reaction_summary(message: Message, user: Any) -> list[dict]:
    """The message's reactions with `mine` set for the viewer (for aria-pressed)."""
    return [
        {**r, "mine": getattr(user, "pk", None) in r["user_ids"]}
        for r in reactions_payload(message)
    ]


@register.simple_tag
def reaction_choices() -> list[dict]:
    return [{"key": k, "emoji": e, "name": n} for k, (e, n) in REACTIONS.items()]


@register.inclusion_tag("messaging/_open_for_chat_badge.html", takes_context=True)
def open_for_chat_badge(context: template.Context, user_id: int) -> dict:
    """The "Open for a quick chat" badge when `user_id` is open right now (else nothing).

    Usage (profiles, directory cards): {% load messaging_tags %}{% open_for_chat_badge user.pk %}
    One query per request however many cards use it: the set is kept on the request.
    """
    request = context.get("request")
    ids = getattr(request, "_open_for_chat_ids", None)
    if ids is None:
        ids = open_for_chat_user_ids()
        if request is not None:
            request._open_for_chat_ids = ids
    return {"open": user_id in ids}
