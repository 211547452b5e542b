"""Signed-in browsers: record, touch, list and end them (Settings → Sessions).

A session ends when revoked here, after SESSION_IDLE_TIMEOUT without a request (idle), or
after SESSION_COOKIE_AGE (absolute, Django's own expiry).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mentorloom.audit.services import record_event
from mentorloom.core.errors import NotFound
from mentorloom.core.realtime.lifetime import close_sockets_for

from .models import PersonalAccessToken, User, UserSession

TOUCH_EVERY = timedelta(minutes=1)


def _store():  # type: ignore[no-untyped-def]
    return import_module(settings.SESSION_ENGINE).SessionStore


def touch_session(request: HttpRequest, now: datetime) -> None:
    """Create or refresh the current session's row (the middleware calls this at most once a
    minute per session)."""
    key = request.session.session_key
    if not key:
        return
    updated = UserSession.objects.filter(session_key=key, user=request.user).update(
        last_seen_at=now
    )
    if not updated:
        UserSession.objects.update_or_create(
            session_key=key,
            defaults={
                "user": request.user,
                "last_seen_at": now,
                "ip_address": request.META.get("REMOTE_ADDR") or None,
                "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:200],
            },
        )


def forget_current(request: HttpRequest) -> None:
    """Drop the current session's row (before a logout flushes the session)."""
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def sessions_for(user: User) -> list[UserSession]:
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
    return list(UserSession.objects.filter(user=user, last_seen_at__gte=cutoff))


def _end(user_id: int, keys: list[str], reason: str = "signed_out") -> int:
    """Delete these sessions of one person, and close the sockets opened with them (after
    commit; a socket would also notice at its next session re-check)."""
    store = _store()
    for key in keys:
        store(session_key=key).delete()
        close_sockets_for(user_id, reason, session_key=key)
    return UserSession.objects.filter(session_key__in=keys).delete()[0]


def end_sessions(user: User, *, except_key: str | None = None, reason: str = "signed_out") -> int:
    """End every session of `user` but `except_key`; returns how many were ended."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=except_key or "")
        .values_list("session_key", flat=True)
    )
    return _end(user.pk, keys, reason)


@transaction.atomic
def revoke_session(request: HttpRequest, session_id: int) -> None:
    """Sign out one of the user's other browsers. NotFound for someone else's or unknown."""
    row = UserSession.objects.filter(user=request.user, pk=session_id).first()
    if row is None:
        raise NotFound()
    _end(request.user.pk, [row.session_key])
    record_event("auth.sessions.revoked", request=request, data={"scope": "one"})


@transaction.atomic
def sign_out_everywhere(request: HttpRequest, *, revoke_tokens: bool) -> int:
    """End every other session of the signed-in user (and, if asked, revoke every personal
    access token). Returns the number of sessions ended."""
    user = request.user
    ended = end_sessions(user, except_key=request.session.session_key)
    revoked = 0
    if revoke_tokens:
        revoked = PersonalAccessToken.objects.filter(user=user, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    record_event(
        "auth.sessions.revoked",
        request=request,
        data={"scope": "everywhere", "sessions_ended": ended, "tokens_revoked": revoked},
    )
    return ended


_BROWSERS = [("Edg", "Edge"), ("Firefox", "Firefox"), ("Chrome", "Chrome"), ("Safari", "Safari")]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def device_summary(user_agent: str) -> str:
    """ "Firefox on Windows" from a user-agent string; "Unknown device" when unrecognised."""
    browser = next((name for token, name in _BROWSERS if re.search(token, user_agent)), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
