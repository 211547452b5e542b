from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread(request: HttpRequest) -> dict[str, object]:
    """{"unread_notifications": n} for the nav badge (0 when signed out). Counted when a
    template shows it: every template rendered with the request gets this context, and most
    (fragments such as a live post, e-mails) never show the badge."""
    user = getattr(request, "user", None)
    if user is None:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
