"""The channel layers: the embedded one keeps the stock layer's behaviour at O(receivers) a
message; the Redis one publishes in batches (core.realtime.redis_batch) and delivers in place to the
receivers on its own event loop."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis
from redis.asyncio import ConnectionPool

from mentorloom.core.realtime import layers
from mentorloom.core.realtime.layers import (
    SWEEP_EVERY_SECONDS,
    InMemoryChannelLayer,
    RedisPubSubChannelLayer,
)
from mentorloom.core.realtime.redis_batch import BatchConnection, PerLoop


async def test_group_send_reaches_every_member_in_order_and_a_full_one_is_skipped():
    layer = InMemoryChannelLayer(capacity=2)
    a, b, full = [await layer.new_channel() for _ in range(3)]
    for channel in (a, b, full):
        await layer.group_add("room", channel)
    for n in range(2):
        await layer.send(full, {"type": "filler", "n": n})
    await layer.group_send("room", {"type": "hello", "n": 1})
    await layer.group_send("room", {"type": "hello", "n": 2})
    for channel in (a, b):
        assert [(await layer.receive(channel))["n"] for _ in range(2)] == [1, 2]
    # The full receiver kept what it had and missed the group messages (ChannelFull).
    assert [(await layer.receive(full))["type"] for _ in range(2)] == ["filler", "filler"]


async def test_a_message_sent_to_a_group_is_a_copy_per_receiver():
    layer = InMemoryChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", a)
    await layer.group_add("room", b)
    await layer.group_send("room", {"type": "hello", "items": []})
    first = await layer.receive(a)
    first["items"].append("changed")
    assert (await layer.receive(b))["items"] == []


async def test_a_flat_event_is_also_a_dict_of_its_own_per_receiver():
    layer = InMemoryChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", a)
    await layer.group_add("room", b)
    sent = {"type": "chat.message", "id": 7, "frame": "{}", "edited": None}
    await layer.group_send("room", sent)
    first = await layer.receive(a)
    first["id"] = 8
    assert await layer.receive(b) == sent == {**first, "id": 7}
    assert first is not sent


async def test_a_channel_keeps_its_queue_while_received_on_and_the_sweep_drops_it_when_idle():
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "a"})
    queue = layer.channels[channel]
    assert (await layer.receive(channel))["type"] == "a"
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(SWEEP_EVERY_SECONDS + 0.1)
    await layer.group_send("nobody", {"type": "sweep"})  # sweeps, as every layer call may
    # Someone waits on the empty queue: it stays, and the next message reaches them through it.
    assert layer.channels[channel] is queue
    await layer.send(channel, {"type": "b"})
    assert (await waiting)["type"] == "b"
    # Empty with nobody waiting: the next sweep drops it; a later message gets a new queue.
    await asyncio.sleep(SWEEP_EVERY_SECONDS + 0.1)
    await layer.group_send("nobody", {"type": "sweep"})
    assert channel not in layer.channels
    await layer.send(channel, {"type": "c"})
    assert (await layer.receive(channel))["type"] == "c"


async def test_expired_messages_are_still_swept_and_their_channel_leaves_its_groups():
    layer = InMemoryChannelLayer(expiry=0.05)
    stale, live = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", stale)
    await layer.group_add("room", live)
    await layer.send(stale, {"type": "never.read"})
    await asyncio.sleep(SWEEP_EVERY_SECONDS + 0.1)
    await layer.group_send("room", {"type": "hello"})
    assert stale not in layer.groups["room"]
    assert (await layer.receive(live))["type"] == "hello"


async def test_group_memberships_expire_at_the_once_a_minute_sweep(monkeypatch):
    layer = InMemoryChannelLayer(group_expiry=60)
    await layer.group_send("nobody", {"type": "sweep"})  # the first sweep, groups included
    old, new = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", old)
    await layer.group_add("room", new)
    layer.groups["room"][old] -= 100  # joined longer ago than group_expiry
    # Within the minute, the once-a-second sweep leaves memberships alone.
    await asyncio.sleep(SWEEP_EVERY_SECONDS + 0.1)
    await layer.group_send("room", {"type": "first"})
    assert set(layer.groups["room"]) == {old, new}
    monkeypatch.setattr(layers, "GROUP_SWEEP_EVERY_SECONDS", 0.0)
    await asyncio.sleep(SWEEP_EVERY_SECONDS + 0.1)
    await layer.group_send("room", {"type": "second"})
    assert set(layer.groups["room"]) == {new}
    assert (await layer.receive(old))["type"] == "first"
    assert [(await layer.receive(new))["type"] for _ in range(2)] == ["first", "second"]
    assert layer.channels[old].empty()


async def test_group_send_many_reaches_the_members_in_order():
    layer = InMemoryChannelLayer()
    a = await layer.new_channel()
    await layer.group_add("room", a)
    await layer.group_send_many([("room", {"type": "m", "n": 1}), ("nobody", {"type": "m"})])
    await layer.group_send_many([("room", {"type": "m", "n": 2})])
    assert [(await layer.receive(a))["n"] for _ in range(2)] == [1, 2]


# The Redis pub/sub layer against a real Redis (the `redis_url` fixture: its own key prefix and
# channel names, so it shares nothing with anyone).


@pytest.fixture
async def two_processes(redis_url):
    """Two Redis layers on one prefix, as two server processes have, each with a channel in
    the group "room": (prefix, layer, its channel, other layer, its channel)."""
    prefix = f"test-{uuid.uuid4().hex}"
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=prefix)
    other_process = RedisPubSubChannelLayer(hosts=[redis_url], prefix=prefix)
    try:
        here = await layer.new_channel()
        there = await other_process.new_channel()
        await layer.group_add("room", here)
        await other_process.group_add("room", there)
        yield prefix, layer, here, other_process, there
    finally:
        await layer.flush()
        await other_process.flush()


async def _next(layer: RedisPubSubChannelLayer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), 5)


async def test_redis_layer_publishes_several_events_in_order_in_one_batch(two_processes):
    _, layer, here, other_process, there = two_processes
    await other_process.group_add("badge", there)
    await layer.group_send_many(
        [
            ("room", {"type": "chat.message", "id": 1}),
            ("badge", {"type": "live.refresh", "kind": "unread.changed"}),
            ("room", {"type": "chat.message", "id": 2}),
        ]
    )
    await layer.group_send("room", {"type": "chat.message", "id": 3})
    assert [(await _next(layer, here))["id"] for _ in range(3)] == [1, 2, 3]
    there_got = [await _next(other_process, there) for _ in range(4)]
    assert [m.get("id", m.get("kind")) for m in there_got] == [1, "unread.changed", 2, 3]


async def test_redis_layer_delivers_to_its_own_loop_at_once_and_only_once(two_processes, redis_url):
    prefix, layer, here, other_process, there = two_processes
    await layer.group_send("room", {"type": "chat.message", "id": 1})
    # Already in this loop's queue: the receive finishes in one step, with no read from Redis
    # in between.
    receiving = asyncio.ensure_future(layer.receive(here))
    await asyncio.sleep(0)
    assert receiving.done()
    assert receiving.result() == {"type": "chat.message", "id": 1}
    assert (await _next(other_process, there))["id"] == 1

    # Redis sent this loop's subscription its own event back before one published after that
    # PUBLISH was answered: the later one is next here, so the echo was skipped.
    await other_process.group_send("room", {"type": "chat.message", "id": 2})
    assert (await _next(layer, here))["id"] == 2
    assert (await _next(other_process, there))["id"] == 2

    # An event published without the mark (by a process of an older version) still arrives,
    # as it is.
    unmarked = layer.serialize({"type": "chat.message", "id": 3})
    admin = redis.Redis.from_url(redis_url)
    try:
        assert admin.publish(f"{prefix}__group__room", unmarked) == 2
    finally:
        admin.close()
    assert (await _next(layer, here))["id"] == 3
    assert (await _next(other_process, there))["id"] == 3


async def test_redis_batches_keep_their_replies_apart(redis_url):
    connection = BatchConnection(ConnectionPool.from_url(redis_url))
    key = f"test-batch-{uuid.uuid4().hex}"
    try:
        assert await connection.execute([("SET", key, "a"), ("GET", key)]) == [b"OK", b"a"]
        with pytest.raises(redis.exceptions.ResponseError):
            # An error reply first: the PING's reply is still read, so the next batch gets
            # its own.
            await connection.execute([("INCR", key), ("PING",)])
        assert await connection.execute([("GET", key)]) == [b"a"]
        # Batches from many callers at once, some cancelled while waiting: each caller that
        # waits gets exactly its replies.
        calls = [connection.execute([("ECHO", f"n{n}"), ("GET", key)]) for n in range(20)]
        tasks = [asyncio.ensure_future(call) for call in calls]
        await asyncio.sleep(0)
        for task in tasks[::3]:
            task.cancel()
        for n, task in enumerate(tasks):
            if n % 3:
                assert await task == [f"n{n}".encode(), b"a"]
        assert await connection.execute([("PING",)]) == [b"PONG"]
    finally:
        await connection.execute([("DEL", key)])
        await connection.aclose()


async def test_redis_batches_reconnect_when_redis_dropped_the_connection(redis_url):
    connection = BatchConnection(ConnectionPool.from_url(redis_url))
    try:
        [first_id] = await connection.execute([("CLIENT", "ID")])
        # Redis restarts or closes an idle connection: the next batch finds out on its read,
        # and is sent again on a fresh connection.
        admin = redis.Redis.from_url(redis_url)
        assert admin.client_kill_filter(_id=first_id) == 1
        admin.close()
        [second_id] = await asyncio.wait_for(connection.execute([("CLIENT", "ID")]), 5)
        assert second_id != first_id
    finally:
        await connection.aclose()


async def test_per_loop_connections_close_with_their_loop(redis_url):
    connections = PerLoop(lambda: ConnectionPool.from_url(redis_url))

    async def use() -> BatchConnection:
        connection = connections.get()
        assert connection is connections.get()  # one per loop
        assert await connection.execute([("PING",)]) == [b"PONG"]
        return connection

    # A short-lived loop (as async_to_sync makes): its connection is closed with it.
    first = await asyncio.to_thread(asyncio.run, use())
    assert first._connection is None
    assert connections._connections == {}
