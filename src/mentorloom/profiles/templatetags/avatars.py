"""{% avatar %}: a person's photo, or their generated avatar (profiles.avatars)."""

from __future__ import annotations

from typing import Any

from django import template

from mentorloom.profiles.avatars import colour_for

register = template.Library()


@register.inclusion_tag("profiles/_avatar_image.html")
def avatar(
    user_id: int | None,
    initials: str,
    photo_url: str | None = None,
    size: str = "",
    alt: str = "",
) -> dict[str, Any]:
    """`size` is "", "lg" or "sm"; `alt` describes a photo (empty when the name is beside it)."""
    return {
        "photo_url": photo_url or None,
        "initials": initials or "?",
        "colour": colour_for(user_id),
        "size": size or "",
        "alt": alt or "",
    }
