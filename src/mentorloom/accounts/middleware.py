"""Session activity: the idle timeout and the Settings → Sessions list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import sessions

SEEN_KEY = "_ml_seen"  # when this session was last touched (ISO), kept in the session itself


class SessionActivityMiddleware:
    """Ends a session idle for SESSION_IDLE_TIMEOUT; touches its UserSession row at most once
    a minute (the time is kept in the session, so most requests cost no query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            seen_text = request.session.get(SEEN_KEY)
            seen = datetime.fromisoformat(seen_text) if seen_text else None
            if seen and now - seen > timedelta(seconds=settings.SESSION_IDLE_TIMEOUT):
                sessions.forget_current(request)
                logout(request)  # flushes the session; the request goes on signed out
            elif seen is None or now - seen >= sessions.TOUCH_EVERY:
                request.session[SEEN_KEY] = now.isoformat()
                if request.session.session_key is None:
                    request.session.save()
                sessions.touch_session(request, now)
        response = self.get_response(request)
        # A sign-in during this request (whichever view did it): list the session at once.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SEEN_KEY not in request.session:
            now = timezone.now()
            request.session[SEEN_KEY] = now.isoformat()
            if request.session.session_key is None:
                request.session.save()
            sessions.touch_session(request, now)
        return response
