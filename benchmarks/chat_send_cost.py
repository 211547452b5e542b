"""Instructions (or CPU time) per chat send through the real consumers, in one process: a
measure of the send path that the shared machine's load does not move (bench_chat's latency
ratios do). Not part of `python -m benchmarks` (no `run()`); used in the twelfth session to
find what made sends dearer (docs/websocket.md, "Twelfth session").

    python benchmarks/chat_send_cost.py ROOT SETUP_DIR [variant ...]

ROOT is a source tree (this repository, or an older commit's `git archive` to compare);
SETUP_DIR a data dir prepared on first use (migrate + `bench_chat setup`) and copied per run.
Every tick each of H_PAIRS (20) conversations sends one message, alternating sides, and waits
for the ack, both `message` frames and the recipient's /ws/live/ `unread.changed`; H_TICKS
(15) ticks per repeat, H_REPEATS (3). A virtual clock advances 1 s a tick, so each socket
sends every 2 s as in bench_chat and the session re-check (every 10 s) falls as it would
there; wall-time-based work (the minute timer, the checkpoint thread, the 50 ms badge
gather) is left out or gated so that counts do not depend on speed. Variants switch one
session-12 candidate off: no_verified, no_recheck, one_backend, no_socket_group,
no_ratelimit, old_unread_sql, no_frame_check. Prints CPU µs per send (process_time); for
instruction counts run it under callgrind with H_CALLGRIND=1 H_REPEATS=1 PYTHONHASHSEED=0:

    valgrind --tool=callgrind --instr-atstart=no python benchmarks/chat_send_cost.py ...

(collection is switched on around the measured ticks only; divide "Collected" by the sends).
H_SEQ=0 sends a tick's messages concurrently (less repeatable); H_REDIS=redis://... uses the
Redis layer; H_PROFILE=prefix writes cProfile stats of the event loop and database thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.abspath(sys.argv[1])
SETUP = os.path.abspath(sys.argv[2])
VARIANTS = set(sys.argv[3:])
PAIRS = int(os.environ.get("H_PAIRS", 20))
TICKS = int(os.environ.get("H_TICKS", 15))
REPEATS = int(os.environ.get("H_REPEATS", 3))
REDIS = os.environ.get("H_REDIS")
CALLGRIND = os.environ.get("H_CALLGRIND") == "1"
SEQ = os.environ.get("H_SEQ", "1") == "1"
PY = sys.executable


def env_for(data_dir: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        MENTORLOOM_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="mentorloom.settings",
        DEBUG="0",
        PYTHONPATH=os.pathsep.join([ROOT + "/src", ROOT]),
    )
    if REDIS:
        tag = f"h30-{uuid.uuid4().hex[:6]}"
        env.update(REDIS_URL=REDIS, MENTORLOOM_CHANNEL_PREFIX=tag, MENTORLOOM_CACHE_PREFIX=tag)
    return env


def prepare() -> dict:
    pairs_file = os.path.join(SETUP, "pairs.json")
    if not os.path.exists(pairs_file):
        os.makedirs(SETUP, exist_ok=True)
        env = env_for(SETUP)
        env.pop("REDIS_URL", None)
        subprocess.run(
            [PY, "-m", "django", "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT
        )
        out = subprocess.run(
            [PY, "-m", "benchmarks.bench_chat", "setup", str(PAIRS)],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        data = json.loads(out.strip().splitlines()[-1])
        with open(pairs_file, "w") as fh:
            json.dump(data, fh)
    with open(pairs_file) as fh:
        return json.load(fh)


pairs = prepare()["pairs"][:PAIRS]
data_dir = tempfile.mkdtemp(prefix="h30-run-")
for name in os.listdir(SETUP):
    src = os.path.join(SETUP, name)
    if os.path.isfile(src):
        shutil.copy(src, data_dir)
    else:
        shutil.copytree(src, os.path.join(data_dir, name))
os.environ.update(env_for(data_dir))
sys.path[:0] = [ROOT + "/src", ROOT]

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# The bench's clients send 1 message per 2 s per socket, so never reach the limit (20/10 s);
# here the ticks are faster than real time, so the limit is raised (counting costs the same).
from mentorloom.messaging import services  # noqa: E402

services.SEND_LIMIT = 10**9

try:
    from mentorloom.core.realtime import consumer_db as cdb
    from mentorloom.core.realtime import lifetime
except ImportError:
    cdb = lifetime = None

# A virtual clock for the session re-check: every tick is 1 s, so each socket (sending every
# other tick) sends every 2 s, as in bench_chat; the re-check (every 10 s) falls on 1 send in 5.
clock = [1000.0]
checks = {"session": 0}
if cdb is not None:

    class _Time:
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def monotonic():
            return clock[0]

    cdb.time = _Time()
    real_current = lifetime.session_is_current

    def counted(*a, **k):
        checks["session"] += 1
        return real_current(*a, **k)

    lifetime.session_is_current = counted
    # The per-socket timer (about once a minute) is wall-time based: left out here, counted
    # separately (bench_chat: 800 sockets, ~13 checks a second).
    lifetime.SESSION_TIMER_SECONDS = 10**6

# --- variants (HEAD with one candidate disabled) -----------------------------------------
if "no_verified" in VARIANTS:
    services.require_verified = lambda user: None
if "no_recheck" in VARIANTS and lifetime is not None:
    lifetime.SESSION_RECHECK_SECONDS = float("inf")
if "one_backend" in VARIANTS:
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if "no_socket_group" in VARIANTS and cdb is not None:

    async def _no_group_connect(self, message):
        user = self.scope.get("user")
        if user is not None and user.is_authenticated and self.channel_layer is not None:
            self.socket_user_id = user.pk
            session = self.scope.get("session")
            self.session_key = getattr(session, "session_key", None) if session else None
            self._session_checked_at = cdb.time.monotonic()
            self._session_timer = asyncio.ensure_future(self._recheck_session_periodically())
        await super(cdb.JsonConsumer, self).websocket_connect(message)

    async def _no_group_disconnect(self, message):
        self._stop_session_timer()
        await super(cdb.JsonConsumer, self).websocket_disconnect(message)

    cdb.JsonConsumer.websocket_connect = _no_group_connect
    cdb.JsonConsumer.websocket_disconnect = _no_group_disconnect
if "no_ratelimit" in VARIANTS:
    from mentorloom.core import ratelimit

    async def _yes(*a, **k):
        return True

    ratelimit.aallow = _yes
if "old_unread_sql" in VARIANTS:
    from mentorloom.messaging import selectors

    selectors._UNREAD_TOTALS_SQL = selectors._UNREAD_TOTALS_SQL.replace(
        "JOIN {conversation} c ON c.id = me.conversation_id\n", ""
    ).replace("  AND c.kind NOT IN ('channel', 'workshop')\n", "")
if "no_frame_check" in VARIANTS and cdb is not None:

    async def _receive(self, message):
        if not await self.session_still_current():
            return
        await self.receive_json(json.loads(message["text"]))

    cdb.JsonConsumer.websocket_receive = _receive

import types  # noqa: E402

# channels.testing's package imports daphne (not installed); its websocket module does not.
for _name in ("daphne", "daphne.testing"):
    sys.modules.setdefault(_name, types.ModuleType(_name))
sys.modules["daphne.testing"].DaphneProcess = object
from channels.testing.websocket import WebsocketCommunicator  # noqa: E402

from mentorloom.asgi import application  # noqa: E402

# The badge reads of a tick are gathered into one read when the tick's sends are all delivered
# (not after 50 ms of wall time, which under valgrind would split them unpredictably), and the
# checkpoint thread (a wake-up per wall second) is left out: both made counts depend on speed.
from mentorloom.core import consumers as core_consumers  # noqa: E402

gate: asyncio.Event | None = None


class _Asyncio:
    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(seconds):
        await gate.wait()


core_consumers.asyncio = _Asyncio()
try:
    from mentorloom.core.realtime import sqlite_wal
except ImportError:
    from mentorloom.core import sqlite_wal
sqlite_wal.CHECKPOINT_EVERY_SECONDS = 3600.0

ORIGIN = b"http://127.0.0.1:8000"


def communicator(path: str, cookie: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        path,
        headers=[(b"cookie", cookie.encode()), (b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")],
    )


async def until(comm, kind: str) -> dict:
    while True:
        frame = json.loads(await comm.receive_from(timeout=30))
        if frame["type"] == kind:
            return frame


async def main() -> dict:
    global gate
    gate = asyncio.Event()
    gate.set()
    socks = []  # per pair: [(chat, live), (chat, live)]
    for pair in pairs:
        sides = []
        for side in (0, 1):
            chat = communicator("/ws/chat/", pair["cookies"][side])
            live = communicator("/ws/live/", pair["cookies"][side])
            assert (await chat.connect(timeout=60))[0] and (await live.connect(timeout=60))[0]
            await chat.send_to(
                text_data=json.dumps(
                    {"type": "subscribe", "conversation_id": pair["conversation_id"]}
                )
            )
            await until(chat, "subscribed")
            sides.append((chat, live))
        socks.append(sides)

    async def one(pair, sides, side, tick):
        chat, _ = sides[side]
        other_chat = sides[1 - side][0]
        client_id = str(uuid.uuid4())
        await chat.send_to(
            text_data=json.dumps(
                {
                    "type": "send",
                    "conversation_id": pair["conversation_id"],
                    "client_id": client_id,
                    "body": f"hello number {tick}, how are you today?",
                }
            )
        )
        ack = await until(chat, "ack")
        assert not ack.get("duplicate"), ack
        await until(chat, "message")
        await until(other_chat, "message")

    async def tick(t):
        clock[0] += 1.0
        gate.clear()
        badges = [asyncio.ensure_future(until(s[1 - t % 2][1], "unread.changed")) for s in socks]
        if SEQ:
            for p, s in zip(pairs, socks, strict=True):
                await one(p, s, t % 2, t)
        else:
            await asyncio.gather(*(one(p, s, t % 2, t) for p, s in zip(pairs, socks, strict=True)))
        gate.set()
        await asyncio.gather(*badges)

    for t in range(4):  # warm up
        await tick(t)
    import gc

    gc.collect()
    prof = os.environ.get("H_PROFILE")
    if prof:
        import cProfile

        profs = {"main": cProfile.Profile()}
        try:
            from mentorloom.core.realtime import consumer_db as cdbmod
        except ImportError:
            from mentorloom.core import consumer_db as cdbmod
        real_handler = cdbmod._KeptConnectionSyncToAsync.thread_handler
        on = [True]

        def handler(self, loop, *a, **k):
            if on[0] and "db" not in profs:
                profs["db"] = cProfile.Profile()
                profs["db"].enable()
            if not on[0] and "db" in profs and "dbdone" not in profs:
                profs["db"].disable()
                profs["dbdone"] = True
            return real_handler(self, loop, *a, **k)

        cdbmod._KeptConnectionSyncToAsync.thread_handler = handler
        profs["main"].enable()
    results = []
    checks0 = checks["session"]
    for _ in range(REPEATS):
        if CALLGRIND:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True)
            await asyncio.sleep(0.5)
        t0 = time.process_time()
        for t in range(TICKS):
            await tick(t)
        t1 = time.process_time()
        if CALLGRIND:
            await asyncio.sleep(0.5)
            subprocess.run(
                ["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True
            )
        sends = TICKS * len(pairs)
        results.append(round((t1 - t0) / sends * 1e6, 1))
    if prof:
        profs["main"].disable()
        on[0] = False
        f = cdbmod.consumer_db(lambda: None)
        await f()
        profs["main"].dump_stats(prof + ".main")
        profs["db"].dump_stats(prof + ".db")
    checks_made = checks["session"] - checks0
    for sides in socks:
        for chat, live in sides:
            await chat.disconnect(timeout=30)
            await live.disconnect(timeout=30)
    return {
        "variants": sorted(VARIANTS),
        "cpu_us_per_send": results,
        "session_checks_per_send": round(checks_made / (REPEATS * TICKS * len(pairs)), 3),
    }


if __name__ == "__main__":
    try:
        print(json.dumps(asyncio.run(main())))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
