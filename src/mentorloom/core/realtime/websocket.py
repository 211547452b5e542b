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


class _SettingsOriginValidator(OriginValidator):
    """Channels' validator, with the allowed origins read from the settings at each connection
    (as Django reads ALLOWED_HOSTS per request) rather than once when the application is built:
    a settings change (a test's server on another address) applies to the next socket."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        super().__init__(app, [])

    @property
    def allowed_origins(self) -> list[str]:  # type: ignore[override]
        return allowed_origins()

    @allowed_origins.setter
    def allowed_origins(self, value: list[str]) -> None:
        """The constructor's list is ignored: the settings are the one source."""


def origin_checked(app):  # type: ignore[no-untyped-def]
    return _SettingsOriginValidator(app)
