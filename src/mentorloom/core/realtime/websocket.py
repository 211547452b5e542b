"""WebSocket origin check: same-host origins plus MENTORLOOM_WS_ALLOWED_ORIGINS."""

from __future__ import annotations

from urllib.parse import urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings


def allowed_origins() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS) or ["localhost", "127.0.0.1"]
    site = urlparse(settings.SITE_URL).hostname
    if site:
        hosts.append(site)
    return hosts + list(settings.MENTORLOOM_WS_ALLOWED_ORIGINS)


def origin_checked(app):  # type: ignore[no-untyped-def]
    return OriginValidator(app, allowed_origins())
