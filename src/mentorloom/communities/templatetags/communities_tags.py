"""Small template helpers for community pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from mentorloom.messaging.events import message_payload

from .. import selectors
from ..selectors import person_name as _person_name

register = template.Library()


@register.simple_tag
def person_name(user) -> str:  # type: ignore[no-untyped-def]
    return _person_name(user) if user is not None else "Former member"


@register.simple_tag
def post_html(message) -> str:  # type: ignore[no-untyped-def]
    # Sanitised by nh3 in core.markdown (the same rendering as chat).
    return mark_safe(message_payload(message)["html"])  # noqa: S308  # nosec B308 B703


@register.simple_tag
def reaction_state(message, key: str, user) -> dict:  # type: ignore[no-untyped-def]
    users = [r.user_id for r in message.reactions.all() if r.key == key]
    return {"count": len(users), "mine": user.pk in users}


@register.filter
def get_replies(replies: dict, key: int) -> list:
    return replies.get(key, [])


@register.simple_tag
def story_url(story) -> str:  # type: ignore[no-untyped-def]
    return selectors.post_url(story.community, story.channel_id, story.message)


@register.simple_tag
def story_excerpt(story) -> str:  # type: ignore[no-untyped-def]
    return selectors.story_excerpt(story)
