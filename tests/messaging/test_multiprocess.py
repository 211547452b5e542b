"""Two ASGI server processes sharing PostgreSQL and the Redis pub/sub channel layer: people on
different servers chat both ways in order, exactly once, and a killed server loses nothing that
was acknowledged. PostgreSQL + Redis only (SQLite and the in-memory layer are single-process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection

from mentorloom.messaging.models import Message
from tests.messaging.helpers import mentorship_conversation
from tests.messaging.sockets import chat, chat_socket, collect, cookie_for, send, subscribe, until

pytestmark = pytest.mark.skipif(
    not (settings.REDIS_URL and settings.DATABASE_VENDOR == "postgresql"),
    reason="needs DATABASE_URL=postgres://... and REDIS_URL (a shared database and layer)",
)


@dataclass
class ServerProcess:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int | None = None) -> ServerProcess:
    """`uvicorn mentorloom.asgi:application` in its own process on the test database."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        # The test database (test_<name>), not the development one.
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    port = port or _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "mentorloom.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
            "--log-level", "warning",
        ],
        env=env,
    )  # fmt: skip
    server = ServerProcess(port, process)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1):
                return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("server process did not start") from None
            time.sleep(0.2)


@pytest.fixture
def two_servers(transactional_db):
    servers = [start_server(), start_server()]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def convo(transactional_db):
    return mentorship_conversation()


@pytest.fixture
def cookies(convo) -> tuple[str, str]:
    return cookie_for(convo.mentorship.mentor), cookie_for(convo.mentorship.mentee)


async def test_people_on_two_server_processes_chat_both_ways_in_order_exactly_once(
    two_servers, convo, cookies
):
    one, two = two_servers
    async with chat_socket(one, cookies[0]) as a, chat_socket(two, cookies[1]) as b:
        await subscribe(a, convo)
        await subscribe(b, convo)
        for n in range(20):
            await send(a if n % 2 == 0 else b, chat(convo, body=f"m{n}"))
        a_messages, a_acks = await collect(a, messages=20, acks=10)
        b_messages, b_acks = await collect(b, messages=20, acks=10)
    ids = sorted(f["id"] for f in a_acks + b_acks)
    assert len(set(ids)) == 20
    assert [f["message"]["id"] for f in a_messages] == ids
    assert [f["message"]["id"] for f in b_messages] == ids
    # Each side's own messages keep the order they were sent in.
    bodies = [f["message"]["body"] for f in a_messages]
    assert [b for b in bodies if int(b[1:]) % 2 == 0] == [f"m{n}" for n in range(0, 20, 2)]


async def test_killing_a_server_loses_nothing_acknowledged(two_servers, convo, cookies):
    one, two = two_servers
    async with chat_socket(one, cookies[0]) as a:
        await subscribe(a, convo)
        async with chat_socket(two, cookies[1]) as b:
            await subscribe(b, convo)
            await send(a, chat(convo, body="before"))
            await until(a, "ack")
            seen, _ = await collect(b, messages=1)
        # B's server dies hard mid-stream; A keeps sending and gets acknowledgements.
        two.stop(signal.SIGKILL)
        acked = []
        for n in range(5):
            await send(a, chat(convo, body=f"while down {n}"))
            acked.append((await until(a, "ack"))[0]["id"])
        restarted = start_server(two.port)
        two_servers[1] = restarted
        async with chat_socket(restarted, cookies[1]) as b:
            caught_up = await subscribe(b, convo, after_id=seen[-1]["message"]["id"])
    assert [f["message"]["id"] for f in caught_up] == acked
    stored = [m async for m in Message.objects.filter(conversation=convo).order_by("id")]
    assert [m.pk for m in stored][1:] == acked
