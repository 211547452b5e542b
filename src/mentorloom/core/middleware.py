"""Cross-cutting HTTP middleware: security headers, the viewer's time zone, NUL-free input."""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .api import json_error


@lru_cache(maxsize=8)
def content_security_policy(policy: str, media_urls: tuple[str, ...]) -> str:
    """The policy with the media servers' own origins added to connect-src: the browser's
    janus.js talks to Janus's WebSocket API on another port or host (MENTORLOOM_JANUS_PUBLIC_URL),
    which 'self' does not cover. Each origin is named; never a scheme-wide `ws:`."""
    origins = []
    for url in media_urls:
        parts = urlsplit(url)
        if parts.scheme in {"ws", "wss", "http", "https"} and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    if not policy or not origins:
        return policy
    directives = [d.strip() for d in policy.split(";")]
    for i, directive in enumerate(directives):
        if directive.split(" ", 1)[0] == "connect-src":
            directives[i] = " ".join([directive, *origins])
            return "; ".join(directives)
    return "; ".join([*directives, " ".join(["connect-src 'self'", *origins])])


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response.

    Django 5.2 has no CSP support of its own. The API docs page needs Swagger UI's inline
    bootstrap, so it gets a slightly wider script policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = content_security_policy(
            settings.CONTENT_SECURITY_POLICY,
            tuple(getattr(settings, "MENTORLOOM_JANUS_PUBLIC_URL", ())),
        )
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        # Camera and microphone are for our own call pages only.
        response.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)"
        )
        return response


class UserTimezoneMiddleware:
    """Activates the signed-in viewer's IANA zone so every rendered time is in it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone_name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            zone_name = getattr(profile, "time_zone", None)
        if zone_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ApiNulCharactersMiddleware:
    """Refuses input holding a NUL character (U+0000): API requests (query or JSON body) with
    422, pages (query or form fields, not uploaded files) with a 400 page.

    PostgreSQL text cannot store NUL, so such input would otherwise fail deep in the database
    as a 500. Django's form fields refuse NUL themselves, but many pages read a query string or
    `request.POST` directly (searches, channel posts, moderation actions).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            if self._has_nul(request):
                return json_error(422, "invalid", "Text must not contain NUL (U+0000) characters.")
        elif self._page_has_nul(request):
            return render(request, "core/400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _page_has_nul(request: HttpRequest) -> bool:
        if "%00" in request.META.get("QUERY_STRING", "") and _holds_nul(dict(request.GET.lists())):
            return True
        return (
            request.method == "POST"
            and request.content_type in _FORM_TYPES
            and _holds_nul(dict(request.POST.lists()))
        )

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query and _holds_nul(dict(request.GET.lists())):
            return True
        # Only JSON bodies are read here (uploads stay streamed); JSON spells NUL \u0000.
        if request.content_type == "application/json" and b"\\u0000" in request.body:
            try:
                return _holds_nul(json.loads(request.body))
            except ValueError:
                return False  # the API answers malformed JSON itself
        return False
