"""WebSocket helpers for tests against a live ASGI server (tests.asgi_server): a socket to a
path from the server's own origin, signed in by a session cookie."""

from __future__ import annotations

from websockets.asyncio.client import connect

from tests.asgi_server import session_cookie_for

TIMEOUT = 5


def cookie_for(user) -> str:  # type: ignore[no-untyped-def]
    """The Cookie header value of a signed-in session of `user`."""
    name, value = session_cookie_for(user)
    return f"{name}={value}"


def socket_at(server, path: str, cookie: str | None = None, *, origin: str | None = None):  # type: ignore[no-untyped-def]
    """A WebSocket to `path` on `server` (anything with .url and .ws_url), signed in by `cookie`,
    from the server's own origin unless `origin` is given (a foreign one, or "" for none)."""
    headers = {"Cookie": cookie} if cookie else {}
    return connect(
        f"{server.ws_url}{path}",
        origin=origin if origin is not None else server.url,
        additional_headers=headers,
        open_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
    )
