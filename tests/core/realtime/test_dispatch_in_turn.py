"""Consumers take their messages (from the client and from the channel layer) one at a time,
in the order they arrive (core.realtime.consumer_db.dispatch_in_turn)."""

from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import StopConsumer

from mentorloom.core.realtime.consumer_db import dispatch_in_turn


class Source:
    """A receive callable fed by the test; remembers whether a waiting receive was cancelled."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict] = asyncio.Queue()
        self.taken = 0
        self.cancelled = False

    async def __call__(self) -> dict:
        try:
            message = await self.queue.get()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.taken += 1
        if isinstance(message, Exception):
            raise message
        return message


async def test_messages_from_both_sources_are_handled_one_at_a_time_in_arrival_order():
    client, layer = Source(), Source()
    handled: list[str] = []
    busy = False

    async def dispatch(message: dict) -> None:
        nonlocal busy
        assert not busy  # never two at once
        busy = True
        await asyncio.sleep(0.01)  # a handler that awaits (the database, a send)
        handled.append(message["n"])
        busy = False
        if len(handled) == 4:
            raise StopConsumer

    task = asyncio.ensure_future(dispatch_in_turn([client, layer], dispatch))
    for source, n in [(client, "c1"), (layer, "l1"), (client, "c2"), (layer, "l2")]:
        source.queue.put_nowait({"n": n})
        await asyncio.sleep(0.001)  # arrive one after the other, some while one is handled
    with pytest.raises(StopConsumer):
        await asyncio.wait_for(task, 5)
    assert handled == ["c1", "l1", "c2", "l2"]
    # Leaving stops listening: the waiting receives were cancelled (the layer's cleanup).
    assert client.cancelled and layer.cancelled


async def test_a_source_that_fails_ends_the_dispatching_with_its_error():
    client, layer = Source(), Source()
    handled: list[dict] = []

    async def dispatch(message: dict) -> None:
        handled.append(message)

    client.queue.put_nowait({"n": 1})
    layer.queue.put_nowait(ValueError("undecodable event"))
    with pytest.raises(ValueError, match="undecodable event"):
        await asyncio.wait_for(dispatch_in_turn([client, layer], dispatch), 5)
    assert handled == [{"n": 1}]
    assert client.cancelled


async def test_a_busy_consumer_still_lets_the_layer_clean_up_when_it_leaves():
    layer = Source()
    for n in range(10):
        layer.queue.put_nowait({"n": n})
    release = asyncio.Event()

    async def dispatch(message: dict) -> None:
        await release.wait()  # stuck on the first message

    task = asyncio.ensure_future(dispatch_in_turn([layer], dispatch))
    await asyncio.sleep(0.05)
    # The rest wait in the inbox, and the source task waits on the source again ...
    assert layer.taken == 10
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # ... so leaving cancels that wait, which is how a layer learns the channel is gone.
    assert layer.cancelled
