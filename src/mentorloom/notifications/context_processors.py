from __future__ import annotations

from django.http import HttpRequest

from .selectors import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    """{"unread_notifications": n} for the nav badge (0 when signed out)."""
    user = getattr(request, "user", None)
    return {"unread_notifications": unread_count(user) if user is not None else 0}
