"""The embedded channel layer keeps the stock layer's behaviour at O(receivers) a message."""

from __future__ import annotations

import asyncio

from mentorloom.core.layers import SWEEP_EVERY_SECONDS, InMemoryChannelLayer


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
