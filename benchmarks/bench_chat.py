"""Chat delivery under load: N conversations (2N clients), each exchanging 1 message/s for T s.

Measures end-to-end latency (send -> the other participant's socket receives the `message`
frame) p50/p99 and counts lost and duplicated messages, against the real ASGI app under
uvicorn (its own process, a fresh SQLite data dir) with the in-memory channel layer, and again
with the Redis pub/sub layer when Redis answers on 127.0.0.1:6379 (db 15, own prefixes), in
one process and in two (each conversation's participants on different processes). Each
client also holds the /ws/live/ socket every page of ours opens, and counts the unread-badge
updates it receives. The baseline is a bare `websockets` relay (one asyncio process, no
database, no auth) doing the same exchange, driven by the same client code in the same run,
so `p99 ratio` compares across machines: it relays each message to both chat sockets of the
pair and sends the recipient's second socket a badge frame. The same relay without second
sockets runs beside it (`ratio p99/chat-only relay`, the baseline before the badge sockets).

    python -m benchmarks                      # every benchmark
    BENCH_CHAT_QUICK=1 python -c "from benchmarks.bench_chat import run; print(run())"
    BENCH_CHAT_N=200 BENCH_CHAT_SECONDS=30    # the issue's figures (the defaults)
    BENCH_CHAT_REDIS_DB=1                     # Redis db for the Redis run (default 15)
    BENCH_CHAT_ROUNDS=3                       # rounds of all three, then per-layer medians

Every subprocess is stopped (and the temp dir removed) however the run ends; the whole run is
bounded by a deadline. Internals: `python -m benchmarks.bench_chat setup|relay ...` are the
helper processes this module starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Own db number (and key prefixes) so a run never touches anyone else's Redis data.
REDIS_DB = int(os.environ.get("BENCH_CHAT_REDIS_DB", 15))
# After the last send, wait until every sent message has reached the other side, at most this
# long; what is still missing then counts as lost (an overloaded server shows as high latency
# first, and only as loss when it falls this far behind).
DRAIN_SECONDS = 60.0
CONNECT_CONCURRENCY = 50


def _sizes() -> tuple[int, float]:
    quick = os.environ.get("BENCH_CHAT_QUICK", "") not in ("", "0")
    n = int(os.environ.get("BENCH_CHAT_N", 20 if quick else 200))
    seconds = float(os.environ.get("BENCH_CHAT_SECONDS", 5 if quick else 30))
    return n, seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --- helper processes ----------------------------------------------------------------------


def _base_env(data_dir: Path, redis_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "MENTORLOOM_DATA_DIR", "DEBUG"}
    }
    env.update(
        {
            "MENTORLOOM_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "mentorloom.settings",
            "DEBUG": "0",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
    )
    if redis_url:
        tag = f"bench-chat-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        env.update(
            {
                "REDIS_URL": redis_url,
                "MENTORLOOM_CHANNEL_PREFIX": tag,
                "MENTORLOOM_CACHE_PREFIX": tag,
            }
        )
    return env


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not come up at {url}") from None
            time.sleep(0.2)


def _wait_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"relay did not come up on {port}") from None
            time.sleep(0.1)


def _prepare(
    env: dict[str, str], n: int, module: str = "benchmarks.bench_chat", timeout: int = 300
) -> dict:
    """Migrate the temp database and run `module`'s setup helper (here: n conversations with
    signed-in sessions); its last line of output, as JSON."""
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
        timeout=300,
    )
    done = subprocess.run(
        [sys.executable, "-m", module, "setup", str(n)],
        env=env,
        check=True,
        cwd=ROOT,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _setup_main(n: int) -> None:
    """(Helper process) users, conversations and session cookies; prints them as JSON."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from mentorloom.accounts.models import User
    from mentorloom.messaging.models import ConversationKind
    from mentorloom.messaging.services import create_conversation

    tag = uuid.uuid4().hex[:8]
    users = []
    verified = timezone.now()  # sending a message needs a verified address
    for i in range(2 * n):
        user = User(email=f"bench-{tag}-{i}@example.org", email_verified_at=verified)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)

    def cookie(user: User) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    pairs = []
    for i in range(n):
        a, b = users[2 * i], users[2 * i + 1]
        # A one-to-one conversation that is open for both (a request's closes with its request).
        convo = create_conversation(ConversationKind.MENTORSHIP, [a, b])
        pairs.append(
            {"conversation_id": convo.pk, "users": [a.pk, b.pk], "cookies": [cookie(a), cookie(b)]}
        )
    print(json.dumps({"pairs": pairs}))


async def _relay_main(port: int) -> None:
    """(Helper process) the bare baseline: relays each `send` to the pair's sockets (the
    sender's included, as our server does), and when the other side also holds a second socket
    (`live=1`, standing in for our pages' /ws/live/), sends it an `unread.changed` with a count
    kept in memory, as our server tells the recipient's badge."""
    from websockets.asyncio.server import serve

    peers: dict[int, dict[int, Any]] = {}
    live: dict[int, Any] = {}  # user id -> their second socket
    unread: dict[int, int] = {}

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        query = dict(p.split("=", 1) for p in ws.request.path.partition("?")[2].split("&") if p)
        pair, side = int(query["pair"]), int(query["side"])
        if query.get("live"):
            live[side] = ws
            try:
                await ws.wait_closed()
            finally:
                live.pop(side, None)
            return
        peers.setdefault(pair, {})[side] = ws
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "subscribe":
                    await ws.send(json.dumps({"type": "subscribed", "conversation_id": pair}))
                    continue
                message = {
                    "id": 0,
                    "conversation_id": pair,
                    "sender_id": side,
                    "client_id": frame["client_id"],
                    "body": frame["body"],
                }
                out = json.dumps({"type": "message", "message": message})
                await ws.send(json.dumps({"type": "ack", "client_id": frame["client_id"]}))
                for peer in list(peers[pair].values()):
                    await peer.send(out)
                for other in list(peers[pair]):
                    if other != side and other in live:
                        unread[other] = unread.get(other, 0) + 1
                        badge = {"type": "unread.changed", "total": unread[other]}
                        await live[other].send(json.dumps(badge))
        finally:
            peers[pair].pop(side, None)

    # Without compression, as the server is run (runstack, docs/deployment.md).
    async with serve(handler, "127.0.0.1", port, max_queue=None, compression=None) as server:
        await server.serve_forever()


# --- the load generator --------------------------------------------------------------------


@dataclass
class Tally:
    sent_at: dict[str, float] = field(default_factory=dict)  # client_id -> perf_counter at send
    received: dict[str, int] = field(default_factory=dict)  # client_id -> times the peer got it
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)  # client ids the server acknowledged
    badges: int = 0  # unread.changed events the clients' /ws/live/ sockets received
    finished: asyncio.Event = field(default_factory=asyncio.Event)  # set when drained

    def all_delivered(self) -> bool:
        return all(self.received.get(cid) for cid in self.sent_at)


@dataclass
class Endpoint:
    """Where and how each socket connects (our server or the bare relay)."""

    ws_url: str  # ws://host:port
    origin: str
    pairs: list[dict]  # conversation_id, users [a, b], cookies [a, b] (empty for the relay)
    relay: bool = False
    # Each client also holds a second socket that receives the badge updates (our pages'
    # /ws/live/; the relay's `live=1`).
    live: bool = True
    # With two server processes: the second participant of every pair connects here, so each
    # message crosses from one process to the other through Redis.
    other_ws_url: str | None = None

    def base(self, side: int) -> str:
        return self.other_ws_url if side == 1 and self.other_ws_url else self.ws_url

    def url(self, pair: dict, side: int) -> str:
        if self.relay:
            return f"{self.ws_url}/?pair={pair['conversation_id']}&side={pair['users'][side]}"
        return f"{self.base(side)}/ws/chat/"

    def live_url(self, pair: dict, side: int) -> str:
        if self.relay:
            return self.url(pair, side) + "&live=1"
        return f"{self.base(side)}/ws/live/"


async def _client(
    endpoint: Endpoint,
    pair: dict,
    side: int,
    tally: Tally,
    gate: asyncio.Semaphore,
    ready: asyncio.Event,
    start: asyncio.Event,
    started_at: list[float],
    seconds: float,
) -> None:
    from websockets.asyncio.client import connect

    me = pair["users"][side]
    headers = {} if endpoint.relay else {"Cookie": pair["cookies"][side]}
    live = None
    async with gate:
        ws = await connect(
            endpoint.url(pair, side),
            origin=endpoint.origin,  # type: ignore[arg-type]
            additional_headers=headers,
            open_timeout=60,
            max_queue=None,
        )
        if endpoint.live:
            # Every page of ours also opens /ws/live/ (the nav badge, incoming calls), and the
            # badge's count is read for the sockets open there.
            live = await connect(
                endpoint.live_url(pair, side),
                origin=endpoint.origin,  # type: ignore[arg-type]
                additional_headers=headers,
                open_timeout=60,
                max_queue=None,
            )
    try:
        await ws.send(json.dumps({"type": "subscribe", "conversation_id": pair["conversation_id"]}))
        while json.loads(await asyncio.wait_for(ws.recv(), 60))["type"] != "subscribed":
            pass
        ready.set()

        async def reader() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    msg = frame["message"]
                    if msg["sender_id"] == me:
                        continue
                    cid = msg["client_id"]
                    count = tally.received.get(cid, 0) + 1
                    tally.received[cid] = count
                    if count == 1 and cid in tally.sent_at:
                        tally.latencies_ms.append((time.perf_counter() - tally.sent_at[cid]) * 1e3)
                elif kind == "ack":
                    tally.acked.add(frame["client_id"])
                elif kind == "error":
                    code = frame.get("code", "?")
                    tally.errors[code] = tally.errors.get(code, 0) + 1

        async def live_reader() -> None:
            async for raw in live:  # type: ignore[union-attr]
                if json.loads(raw).get("type") == "unread.changed":
                    tally.badges += 1

        reading = asyncio.create_task(reader())
        badges = asyncio.create_task(live_reader()) if live is not None else None
        await start.wait()
        # Each pair sends one message per second, the two sides taking turns, each pair at
        # its own phase so the load is spread over the second.
        phase = random.random()
        t0 = started_at[0] + phase + side
        k = 0
        while True:
            due = t0 + 2 * k
            if due - started_at[0] >= seconds:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            cid = str(uuid.uuid4())
            tally.sent_at[cid] = time.perf_counter()
            frame = {
                "type": "send",
                "conversation_id": pair["conversation_id"],
                "client_id": cid,
                "body": f"message {k} from {me}",
            }
            await ws.send(json.dumps(frame))
            k += 1
        await tally.finished.wait()
        for task in (reading, badges):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    finally:
        await ws.close()
        if live is not None:
            await live.close()


async def _exchange(endpoint: Endpoint, seconds: float) -> Tally:
    tally = Tally()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    start = asyncio.Event()
    started_at: list[float] = [0.0]
    readies = []
    tasks = []
    for pair in endpoint.pairs:
        for side in (0, 1):
            ready = asyncio.Event()
            readies.append(ready)
            tasks.append(
                asyncio.create_task(
                    _client(endpoint, pair, side, tally, gate, ready, start, started_at, seconds)
                )
            )

    async def all_ready() -> None:
        for ready in readies:
            await ready.wait()

    waiting = asyncio.create_task(all_ready())
    done, _ = await asyncio.wait(
        [waiting, *tasks], timeout=180, return_when=asyncio.FIRST_COMPLETED
    )
    if waiting not in done:
        for task in tasks:
            task.cancel()
        failed = [t for t in done if t is not waiting and t.exception() is not None]
        raise RuntimeError(f"clients did not connect: {failed[0].exception() if failed else ''}")
    started_at[0] = time.perf_counter() + 0.5
    start.set()

    async def drain() -> None:
        await asyncio.sleep(seconds + 1.5)  # every client has sent its last message by now
        deadline = time.perf_counter() + DRAIN_SECONDS
        while not tally.all_delivered() and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        tally.finished.set()

    await asyncio.wait_for(asyncio.gather(drain(), *tasks), timeout=seconds + DRAIN_SECONDS + 120)
    return tally


def _row(
    layer: str,
    clients: int,
    tally: Tally,
    bare_p99: float | None,
    chat_only_p99: float | None = None,
) -> dict:
    lat = sorted(tally.latencies_ms)
    sent = len(tally.sent_at)
    unique = sum(1 for cid in tally.sent_at if tally.received.get(cid))
    dupes = sum(c - 1 for c in tally.received.values() if c > 1)
    p50 = statistics.median(lat) if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")
    ratio = "1.00x (baseline)" if bare_p99 is None else f"{p99 / bare_p99:.2f}x"
    extra = {}
    if chat_only_p99 is not None:
        extra["ratio p99/chat-only relay"] = f"{p99 / chat_only_p99:.2f}x"
    return {
        "layer": layer,
        "clients": clients,
        "messages": sent,
        "acked": len(tally.acked),
        "p50 ms": f"{p50:.1f}",
        "p99 ms": f"{p99:.1f}",
        "loss": sent - unique,
        "duplicates": dupes,
        "errors": ",".join(f"{k}:{v}" for k, v in sorted(tally.errors.items())) or "0",
        "badge updates": tally.badges,
        "ratio p99/bare": ratio,
        **extra,
        "_p99": p99,
    }


def _uvicorn(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "mentorloom.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
        "--no-access-log", "--log-level", "warning", "--ws-per-message-deflate", "false",
    ]  # fmt: skip


def _run_server(n: int, seconds: float, redis_url: str | None, processes: int = 1) -> Tally:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    servers: list[subprocess.Popen] = []
    try:
        env = _base_env(data_dir, redis_url)
        prepared = _prepare(env, n)
        ports = [_free_port() for _ in range(processes)]
        for port in ports:
            servers.append(subprocess.Popen(_uvicorn(port), env=env, cwd=ROOT))
        for port, server in zip(ports, servers, strict=True):
            _wait_http(f"http://127.0.0.1:{port}/healthz", server)
        endpoint = Endpoint(
            f"ws://127.0.0.1:{ports[0]}",
            f"http://127.0.0.1:{ports[0]}",
            prepared["pairs"],
            other_ws_url=f"ws://127.0.0.1:{ports[-1]}" if processes > 1 else None,
        )
        return asyncio.run(_exchange(endpoint, seconds))
    finally:
        for server in servers:
            _stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


def _run_relay(n: int, seconds: float, *, live: bool = True) -> Tally:
    port = _free_port()
    relay = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_chat", "relay", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        _wait_port(port, relay)
        pairs = [
            {"conversation_id": i + 1, "users": [2 * i + 1, 2 * i + 2], "cookies": []}
            for i in range(n)
        ]
        endpoint = Endpoint(
            f"ws://127.0.0.1:{port}", f"http://127.0.0.1:{port}", pairs, relay=True, live=live
        )
        return asyncio.run(_exchange(endpoint, seconds))
    finally:
        _stop(relay)


def _round(n: int, seconds: float) -> list[dict]:
    """The relays, then our server with each layer, back to back: each ratio compares runs
    minutes apart at most.

    The baseline does the same exchange as our server: chat frames, and a badge frame on the
    recipient's second socket for every message. The relay without second sockets (as this
    benchmark ran before the badge sockets were added) is measured beside it, and each row
    gives its ratio to that one too."""
    bare = _row("bare websockets relay (chat + badge sockets)", 2 * n, _run_relay(n, seconds), None)
    chat_only = _row(
        "bare websockets relay, chat sockets only",
        2 * n,
        _run_relay(n, seconds, live=False),
        bare["_p99"],
    )
    rows = [bare, chat_only]
    base = (bare["_p99"], chat_only["_p99"])
    memory = _run_server(n, seconds, None)
    rows.append(_row("mentorloom, in-memory layer", 2 * n, memory, *base))
    if _redis_answers():
        url = f"redis://127.0.0.1:6379/{REDIS_DB}"
        redis = _run_server(n, seconds, url)
        rows.append(_row("mentorloom, Redis pub/sub layer", 2 * n, redis, *base))
        # Scaled out: every message goes from one server process to the other.
        split = _run_server(n, seconds, url, processes=2)
        rows.append(_row("mentorloom, Redis, 2 processes", 2 * n, split, *base))
    else:
        rows.append({"layer": "mentorloom, Redis pub/sub layer", "clients": "skipped: no Redis"})
    return rows


def _median_ratio(rows: list[dict], key: str) -> str:
    """The median of the ratios ("2.31x") under `key` in `rows`, in the same form."""
    return f"{statistics.median(float(r[key].split('x')[0]) for r in rows):.2f}x"


def _medians(rounds: list[list[dict]]) -> list[dict]:
    """Per layer, the median over the rounds of p50, p99 and the p99 ratio (ratios are taken
    within each round, then their median)."""
    out = []
    for i, row in enumerate(rounds[0]):
        if "_p99" not in row:
            continue
        same = [r[i] for r in rounds]
        median = {
            "layer": f"{row['layer']}: median of {len(rounds)} rounds",
            "p50 ms": f"{statistics.median(float(r['p50 ms']) for r in same):.1f}",
            "p99 ms": f"{statistics.median(r['_p99'] for r in same):.1f}",
            "loss": sum(r["loss"] for r in same),
            "duplicates": sum(r["duplicates"] for r in same),
            "ratio p99/bare": (
                "1.00x (baseline)" if i == 0 else _median_ratio(same, "ratio p99/bare")
            ),
        }
        if "ratio p99/chat-only relay" in row:
            median["ratio p99/chat-only relay"] = _median_ratio(same, "ratio p99/chat-only relay")
        out.append(median)
    return out


def run() -> list[dict]:
    n, seconds = _sizes()
    # The machine's own noise moves p99 by a quarter or more between runs; several rounds
    # (BENCH_CHAT_ROUNDS) give a median of ratios taken within each round.
    rounds = [
        _round(n, seconds) for _ in range(max(1, int(os.environ.get("BENCH_CHAT_ROUNDS", 1))))
    ]
    rows = [
        {"round": k, **row} if len(rounds) > 1 else row
        for k, batch in enumerate(rounds, 1)
        for row in batch
    ]
    if len(rounds) > 1:
        rows += _medians(rounds)
    for row in rows:
        row.pop("_p99", None)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"]:
        _setup_main(int(sys.argv[2]))
    elif sys.argv[1:2] == ["relay"]:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_relay_main(int(sys.argv[2])))
    else:
        for result in run():
            print(result)
