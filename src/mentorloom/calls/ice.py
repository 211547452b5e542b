"""ICE server configuration for the browser, with short-lived TURN credentials.

TURN credentials follow the coturn REST API ("use-auth-secret"): username is
"<expiry unix time>:<user id>", password is base64(HMAC-SHA1(secret, username)). coturn
checks them with the same shared secret, so nothing long-lived reaches the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings


def _configured_servers() -> list[dict[str, Any]]:
    raw = getattr(settings, "MENTORLOOM_ICE_SERVERS", "") or ""
    if not raw:
        return []
    servers = json.loads(raw) if isinstance(raw, str) else raw
    return [s for s in servers if isinstance(s, dict) and s.get("urls")]


def turn_credentials(secret: str, user_id: int, ttl: int, now: float | None = None) -> dict:
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode()}


def ice_servers_for(user_id: int) -> list[dict[str, Any]]:
    servers = _configured_servers()
    secret = getattr(settings, "MENTORLOOM_TURN_SECRET", "")
    turn_urls = getattr(settings, "MENTORLOOM_TURN_URLS", [])
    if secret and turn_urls:
        ttl = int(getattr(settings, "MENTORLOOM_TURN_TTL", 3600))
        servers.append({"urls": list(turn_urls), **turn_credentials(secret, user_id, ttl)})
    return servers
