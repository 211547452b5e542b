"""Opening a notification's subject page marks it read (issue 26: badges that never clear)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .models import Notification
from .services import mark_subject_read


class MarkSeenMiddleware:
    """On a signed-in GET of a page, the person's unread notifications pointing at that page
    are read: they are looking at what the notification was about. Runs before the view, so
    the page's own badge is already right. One indexed read per page; a write only on a hit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if request.method != "GET" or request.path.startswith(("/api/", "/static/", "/media/")):
            return None
        if request.headers.get("HX-Request"):  # a partial refresh is not a visit
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        urls = {request.path, request.get_full_path()}
        unread = Notification.objects.filter(user=user, read_at__isnull=True, url__in=urls)
        if unread.exists():
            mark_subject_read([user.pk], request.path)
            if request.get_full_path() != request.path:
                mark_subject_read([user.pk], request.get_full_path())
        return None
