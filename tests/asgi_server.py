"""The real ASGI application under uvicorn in a background thread, for browser and socket tests.

Use the `asgi_server` fixture (tests/conftest.py), which also enables `transactional_db` so the
server thread sees the rows a test creates: on SQLite the test database is a file
(settings DATABASES TEST NAME), on PostgreSQL it is the test_ database.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from mentorloom.core.realtime.lifetime import SERVER_MAX_FRAME_BYTES

T = TypeVar("T")


class LiveASGIServer:
    """Serves `mentorloom.asgi:application` with the same uvicorn options as `runstack`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        from mentorloom.asgi import application

        # Bind here and hand the socket over, so the port is known and cannot be taken between
        # choosing it and listening on it.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            application,
            lifespan="off",
            log_level="warning",
            access_log=False,
            ws_per_message_deflate=False,
            ws_max_size=SERVER_MAX_FRAME_BYTES,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="asgi-test-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("The test ASGI server exited while starting; see its log.")
            if time.monotonic() > deadline:
                raise RuntimeError(f"The test ASGI server did not start within {timeout}s.")
            time.sleep(0.02)

    def _run(self, sock: socket.socket) -> None:
        assert self._server is not None
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[sock]))
        finally:
            sock.close()
            self._loop.close()

    def call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        """Run `fn` (a service) the way a request would: on a thread of the server's event loop,
        so what it publishes after commit reaches the server's sockets at once. From any other
        thread, async_to_sync starts a loop of its own, and the in-memory layer's queues belong
        to the server's loop: the sockets hear of it only when that loop next wakes up."""
        future = asyncio.run_coroutine_threadsafe(
            sync_to_async(fn, thread_sensitive=False)(), self._loop
        )
        return future.result(timeout)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request or socket is being served (uvicorn's running app calls), e.g.
        after a test's browser closed: a page's last requests and the sockets' disconnects still
        read the database, and emptying the tables meanwhile can deadlock with them on
        PostgreSQL. Gives up after `timeout` seconds (a socket the test left open)."""
        if self._server is None:
            return
        deadline = time.monotonic() + timeout
        while self._server.server_state.tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=15)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)


def session_cookie_for(user) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(cookie name, value) of a fresh signed-in session for `user`, as a browser would hold."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return name, client.cookies[name].value
