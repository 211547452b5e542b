"""The /ws/live/ refreshes: each socket reads what changed for its person, and the sockets of a
process (one person's tabs, or different people's) share a read that had not begun when they
were told."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from websockets.asyncio.client import connect

from mentorloom.core import consumers
from mentorloom.core.realtime.consumer_db import consumer_db
from mentorloom.core.realtime.live import refresh_envelope, register_refresher, user_group
from tests.asgi_server import session_cookie_for
from tests.factories import UserFactory

TIMEOUT = 5

# The refreshes run on the consumers' database thread, which looks after its connection.
pytestmark = pytest.mark.django_db(transaction=True)


class _Counting:
    """A refresher that counts its runs and can be held at its start."""

    def __init__(self) -> None:
        self.runs = 0
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()

    def __call__(self, user_ids: list[int]) -> dict[int, dict]:
        self.runs += 1
        self.started.set()
        self.hold.wait(TIMEOUT)
        return {
            user_id: {"type": "test.count", "user_id": user_id, "runs": self.runs}
            for user_id in user_ids
        }


async def _held_database_thread(gate: threading.Event) -> asyncio.Task:
    """Occupy the consumers' database thread until `gate` is set."""
    task = asyncio.ensure_future(consumer_db(gate.wait)(TIMEOUT))
    await asyncio.sleep(0.05)
    return task


async def test_sockets_told_before_a_read_began_share_it():
    refresher, gate = _Counting(), threading.Event()
    held = await _held_database_thread(gate)
    # Three tabs of one person and a tab of another, told while the database thread is busy:
    # one read serves them all, each with their own person's event.
    waiting = [
        asyncio.ensure_future(consumers._refresh("test.count", refresher, user_id))
        for user_id in (7, 7, 9, 7)
    ]
    await asyncio.sleep(consumers.REFRESH_GATHER_SECONDS + 0.05)
    gate.set()
    await held
    results = await asyncio.wait_for(asyncio.gather(*waiting), TIMEOUT)
    assert refresher.runs == 1
    assert [r["user_id"] for r in results] == [7, 7, 9, 7]
    assert {r["runs"] for r in results} == {1}
    # Told after that read finished: a read of its own.
    assert (await consumers._refresh("test.count", refresher, 7))["runs"] == 2
    assert consumers._batches == {}


async def test_sockets_told_within_the_gathering_while_share_a_read():
    refresher = _Counting()
    first = asyncio.ensure_future(consumers._refresh("test.count", refresher, 3))
    await asyncio.sleep(consumers.REFRESH_GATHER_SECONDS / 5)
    second = asyncio.ensure_future(consumers._refresh("test.count", refresher, 4))
    results = await asyncio.wait_for(asyncio.gather(first, second), TIMEOUT)
    assert refresher.runs == 1
    assert [r["user_id"] for r in results] == [3, 4]


async def test_a_socket_told_after_a_read_began_does_not_take_its_older_answer():
    refresher = _Counting()
    refresher.hold.clear()
    first = asyncio.ensure_future(consumers._refresh("test.count", refresher, 8))
    await asyncio.to_thread(refresher.started.wait, TIMEOUT)  # the first read has begun
    second = asyncio.ensure_future(consumers._refresh("test.count", refresher, 8))
    await asyncio.sleep(0.05)
    refresher.hold.set()
    assert (await asyncio.wait_for(first, TIMEOUT))["runs"] == 1
    assert (await asyncio.wait_for(second, TIMEOUT))["runs"] == 2


async def test_a_person_the_refresher_gives_nothing_for_gets_nothing():
    assert await consumers._refresh("test.count", lambda user_ids: {}, 5) is None


def _broken(user_ids: list[int]) -> dict:
    raise RuntimeError("the count failed")


async def test_a_failing_refresh_leaves_the_socket_open(live_asgi):
    register_refresher("test.broken", _broken)
    register_refresher(
        "test.count", lambda user_ids: {u: {"type": "test.count", "ok": True} for u in user_ids}
    )
    user = await sync_to_async(UserFactory)()
    name, value = await sync_to_async(session_cookie_for)(user)
    async with connect(
        f"{live_asgi.ws_url}/ws/live/",
        origin=live_asgi.url,
        additional_headers={"Cookie": f"{name}={value}"},
        open_timeout=TIMEOUT,
    ) as ws:
        await asyncio.sleep(0.2)  # the consumer joins its group right after the handshake
        layer = get_channel_layer()
        await layer.group_send(user_group(user.pk), refresh_envelope("test.broken"))
        # An event type no handler knows (a newer release's) is dropped, not fatal either.
        await layer.group_send(user_group(user.pk), {"type": "live.from_the_future"})
        await layer.group_send(user_group(user.pk), refresh_envelope("test.count"))
        event = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert event == {"type": "test.count", "ok": True}


@pytest.fixture(autouse=True)
def _forget_test_refreshers():
    yield
    from mentorloom.core.realtime import live

    for kind in ("test.broken", "test.count"):
        live._REFRESHERS.pop(kind, None)


async def test_publish_all_sends_a_batch_in_order_only_once_committed():
    """Many people's events go out as one batch after commit (a breakout move of 500 people),
    in the order given, to person groups and other groups alike; a rollback sends nothing."""
    from django.db import transaction

    from mentorloom.core.realtime.live import live_message, publish_all, publish_to_users

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(7), channel)
    await layer.group_add("workshop.room.3", channel)

    def publish(commit: bool) -> None:
        mark = "" if commit else "rolled back "
        with transaction.atomic():
            publish_all(
                [
                    live_message(7, {"type": mark + "a"}),
                    ("workshop.room.3", {"type": mark + "room.revoke", "user_id": 7}),
                    live_message(8, {"type": "not for us"}),
                ]
            )
            publish_to_users([7, 8], {"type": mark + "b"})
            if not commit:
                transaction.set_rollback(True)

    await sync_to_async(publish)(commit=False)
    await sync_to_async(publish)(commit=True)
    got = [await asyncio.wait_for(layer.receive(channel), TIMEOUT) for _ in range(3)]
    assert [m.get("event", m)["type"] for m in got] == ["a", "room.revoke", "b"]
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.3)
