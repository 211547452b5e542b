"""Community fan-out: one channel post to N connected member sockets (N = 100 and 1,000).

Each of N members holds the chat socket the channel page opens (/ws/chat/, subscribed to the
channel); a few more members take turns posting, one post at a time. Measured per post: the
time from the `send` frame to the LAST of the N sockets receiving the `message` frame; over
the posts p50 and p99, plus loss (a recipient that never got a post) and duplicates. Against
the real ASGI app under uvicorn (a fresh SQLite data dir): one process with the in-memory
layer, then two processes behind Redis (the recipients split over both, the posters on the
first), when Redis answers on 127.0.0.1:6379. The baseline is a bare `websockets` server that
broadcasts each received frame to the other sockets (no database, no auth, no layer), driven
by the same client code in the same run; `p99 ratio` compares across machines.

    BENCH_FANOUT_SIZES=100,1000   members per run (default)
    BENCH_FANOUT_POSTS=40         posts per run
    BENCH_FANOUT_REDIS_DB=15      Redis db for the two-process runs (own key prefixes)

Process, uvicorn and Redis helpers are bench_chat's. Internals: `python -m
benchmarks.bench_community_fanout setup N|relay PORT` are the helper processes it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench_chat import (
    CONNECT_CONCURRENCY,
    ROOT,
    _base_env,
    _free_port,
    _redis_answers,
    _stop,
    _uvicorn,
    _wait_http,
    _wait_port,
)
from benchmarks.bench_chat import (
    _prepare as prepare_with,
)

REDIS_DB = int(os.environ.get("BENCH_FANOUT_REDIS_DB", 15))
POSTERS = 5  # take turns, so chat's per-person send limit (20 per 10 s) never refuses one
POST_TIMEOUT = 15.0  # a post not at every recipient by then counts the missing as lost
GAP_SECONDS = 0.1  # between one post reaching everyone and the next


def _sizes() -> tuple[list[int], int]:
    sizes = [int(n) for n in os.environ.get("BENCH_FANOUT_SIZES", "100,1000").split(",") if n]
    return sizes, int(os.environ.get("BENCH_FANOUT_POSTS", 40))


# --- helper processes ------------------------------------------------------------------------


def _setup_main(n: int) -> None:
    """(Helper process) a community whose channel has N + POSTERS members, with sessions."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from mentorloom.accounts.models import User
    from mentorloom.communities import services
    from mentorloom.communities.models import Channel, Membership
    from mentorloom.messaging.models import Participant

    tag = uuid.uuid4().hex[:8]
    verified = timezone.now()  # posting needs a verified address
    users = []
    for i in range(n + POSTERS):
        user = User(email=f"fanout-{tag}-{i}@example.org", email_verified_at=verified)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    owner = users[0]
    community = services.create_community(owner, name=f"Fan-out {tag}", visibility="open")
    channel = Channel.objects.get(community=community, name="general")
    # What join_community writes per member (a membership, a participant per channel), in bulk.
    Membership.objects.bulk_create(Membership(community=community, user=u) for u in users[1:])
    Participant.objects.bulk_create(
        Participant(conversation_id=channel.conversation_id, user=u) for u in users[1:]
    )

    def cookie(user: User) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    print(
        json.dumps(
            {
                "conversation_id": channel.conversation_id,
                "posters": [{"id": u.pk, "cookie": cookie(u)} for u in users[:POSTERS]],
                "members": [{"id": u.pk, "cookie": cookie(u)} for u in users[POSTERS:]],
            }
        )
    )


async def _relay_main(port: int) -> None:
    """(Helper process) the bare baseline: a `send` frame is broadcast as a `message` frame to
    every other socket (websockets.broadcast, no database, no auth)."""
    from websockets.asyncio.server import broadcast, serve

    sockets: set[Any] = set()

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        sockets.add(ws)
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "subscribe":
                    await ws.send(json.dumps({"type": "subscribed"}))
                    continue
                message = {
                    "id": 0,
                    "conversation_id": frame["conversation_id"],
                    "sender_id": 0,
                    "client_id": frame["client_id"],
                    "body": frame["body"],
                }
                broadcast(sockets - {ws}, json.dumps({"type": "message", "message": message}))
                await ws.send(json.dumps({"type": "ack", "client_id": frame["client_id"]}))
        finally:
            sockets.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_queue=None, compression=None) as server:
        await server.serve_forever()


def _prepare(env: dict[str, str], n: int) -> dict:
    return prepare_with(env, n, module="benchmarks.bench_community_fanout", timeout=600)


# --- the load generator ----------------------------------------------------------------------


@dataclass
class Tally:
    sent_at: dict[str, float] = field(default_factory=dict)  # client id -> perf_counter
    got: dict[str, int] = field(default_factory=dict)  # client id -> recipients so far
    dupes: int = 0
    last_ms: list[float] = field(default_factory=list)  # per post: to the last recipient
    lost: int = 0
    done: dict[str, asyncio.Event] = field(default_factory=dict)


async def _open(url: str, origin: str, cookie: str | None, conversation_id: int):  # type: ignore[no-untyped-def]
    from websockets.asyncio.client import connect

    ws = await connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie} if cookie else {},
        open_timeout=120,
        max_queue=None,
    )
    await ws.send(json.dumps({"type": "subscribe", "conversation_id": conversation_id}))
    while json.loads(await asyncio.wait_for(ws.recv(), 120))["type"] != "subscribed":
        pass
    return ws


async def _fanout(urls: list[str], origin: str, prepared: dict, posts: int) -> Tally:
    """Recipients spread over `urls` (round robin), posters on the first; `posts` posts."""
    convo = prepared["conversation_id"]
    tally = Tally()
    n = len(prepared["members"])
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def opened(url: str, cookie: str | None):  # type: ignore[no-untyped-def]
        async with gate:
            return await _open(url, origin, cookie, convo)

    recipients = await asyncio.gather(
        *(opened(urls[i % len(urls)], m["cookie"]) for i, m in enumerate(prepared["members"]))
    )
    posters = await asyncio.gather(*(opened(urls[0], p["cookie"]) for p in prepared["posters"]))
    seen: list[set[str]] = [set() for _ in recipients]

    async def reader(i: int, ws) -> None:  # type: ignore[no-untyped-def]
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") != "message":
                continue
            cid = frame["message"]["client_id"]
            if cid in seen[i]:
                tally.dupes += 1
                continue
            seen[i].add(cid)
            count = tally.got.get(cid, 0) + 1
            tally.got[cid] = count
            if count == n and cid in tally.sent_at:
                tally.last_ms.append((time.perf_counter() - tally.sent_at[cid]) * 1e3)
                tally.done[cid].set()

    async def drain(ws) -> None:  # type: ignore[no-untyped-def]
        async for _ in ws:  # posters' own frames (acks, messages), not measured
            pass

    tasks = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(recipients)]
    tasks += [asyncio.create_task(drain(ws)) for ws in posters]
    try:
        await asyncio.sleep(0.5)
        for k in range(posts):
            cid = str(uuid.uuid4())
            tally.done[cid] = asyncio.Event()
            body = f"post {k}"
            frame = {"type": "send", "conversation_id": convo, "client_id": cid, "body": body}
            tally.sent_at[cid] = time.perf_counter()
            await posters[k % len(posters)].send(json.dumps(frame))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.done[cid].wait(), POST_TIMEOUT)
            await asyncio.sleep(GAP_SECONDS)
        await asyncio.sleep(1.0)  # late duplicates would show up now
        tally.lost = sum(n - tally.got.get(cid, 0) for cid in tally.sent_at)
    finally:
        for task in tasks:
            task.cancel()
        for ws in [*recipients, *posters]:
            with contextlib.suppress(Exception):
                await ws.close()
    return tally


def _run_server(n: int, posts: int, redis_url: str | None, processes: int) -> Tally:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    servers: list[subprocess.Popen] = []
    try:
        env = _base_env(data_dir, redis_url)
        prepared = _prepare(env, n)
        ports = [_free_port() for _ in range(processes)]
        for port in ports:
            servers.append(subprocess.Popen(_uvicorn(port), env=env, cwd=ROOT))
        for port, server in zip(ports, servers, strict=True):
            _wait_http(f"http://127.0.0.1:{port}/healthz", server)
        urls = [f"ws://127.0.0.1:{port}/ws/chat/" for port in ports]
        return asyncio.run(_fanout(urls, f"http://127.0.0.1:{ports[0]}", prepared, posts))
    finally:
        for server in servers:
            _stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


def _run_relay(n: int, posts: int) -> Tally:
    port = _free_port()
    relay = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_community_fanout", "relay", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        _wait_port(port, relay)
        prepared = {
            "conversation_id": 1,
            "members": [{"cookie": None} for _ in range(n)],
            "posters": [{"cookie": None} for _ in range(POSTERS)],
        }
        url = f"ws://127.0.0.1:{port}/"
        return asyncio.run(_fanout([url], f"http://127.0.0.1:{port}", prepared, posts))
    finally:
        _stop(relay)


def _row(setup: str, n: int, tally: Tally, bare_p99: float | None) -> dict:
    lat = sorted(tally.last_ms)
    p50 = statistics.median(lat) if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")
    return {
        "setup": setup,
        "members": n,
        "posts": len(tally.sent_at),
        "p50 ms (last recipient)": f"{p50:.1f}",
        "p99 ms (last recipient)": f"{p99:.1f}",
        "loss": tally.lost,
        "duplicates": tally.dupes,
        "ratio p99/bare": "1.00x (baseline)" if bare_p99 is None else f"{p99 / bare_p99:.2f}x",
        "_p99": p99,
    }


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def run() -> list[dict]:
    sizes, posts = _sizes()
    rows = []
    redis = _redis_answers()
    for n in sizes:
        bare = _row(f"bare websockets broadcast (load {_load()})", n, _run_relay(n, posts), None)
        rows.append(bare)
        memory = _run_server(n, posts, None, 1)
        rows.append(_row(f"mentorloom, 1 process (load {_load()})", n, memory, bare["_p99"]))
        if redis:
            url = f"redis://127.0.0.1:6379/{REDIS_DB}"
            split = _run_server(n, posts, url, 2)
            rows.append(
                _row(f"mentorloom, 2 processes, Redis (load {_load()})", n, split, bare["_p99"])
            )
        else:
            rows.append({"setup": "mentorloom, 2 processes, Redis", "members": "skipped: no Redis"})
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
