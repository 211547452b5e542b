"""The channel layers: Channels' in-memory layer and channels-redis' pub/sub layer, made to
cost less per chat message.

In memory, the stock layer sweeps every channel queue and every group for expired entries on
every send, receive and group send, and starts a task per receiver of a group send. With 400
sockets and 200 chat messages a second that sweep alone took a tenth of the event loop. Here
the sweep runs at most once a second (an entry may outlive its expiry by up to that long; a
group membership, which expires after a day, by up to a minute), and a group send puts the
event straight into each receiver's queue. The stock layer also builds a queue (four deques
and an event) on every send and receive, dropping the one it built when the channel has one,
and drops a channel's queue each time a receive empties it; here a channel keeps its queue
while someone receives on it, and the sweep drops the empty queues nobody waits on. It
deep-copies every event for every receiver; here an event whose values are all strings,
numbers, booleans or None (every chat event) is copied as a dict, which for such values is the
same copy. Capacity, expiry and the ChannelFull drop behave as in the stock layer.

With Redis, the stock pub/sub layer publishes one event per round trip, through redis-py's
client and behind the lock that also guards subscribing. Here group sends go out through
`core.realtime.redis_batch` on a connection of their own, and `group_send_many` publishes
several events (a chat message and the recipients' badge refreshes) in one round trip. The stock
layer also hears its own events back from Redis before its sockets get them; here a group send
puts the event straight into the queues of the group's channels on the same event loop, as the
in-memory layer does, and publishes it marked with the loop layer's origin, which that layer's
subscription skips when Redis echoes it (other processes, and other event loops of this one,
strip the mark and deliver as usual). Subscribing, receiving and cleanup are channels-redis'
own. The mark is new with this layer: during a rolling deploy from an older version, its
processes cannot read events from newer ones (their sockets close, and reconnect).

Both layers have `group_send_many(events)`: publish (group, event) pairs in order (with
several Redis hosts, in order per host; settings configure one).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterable
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer as StockRedisPubSubChannelLayer
from channels_redis.pubsub import RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, create_pool

from .redis_batch import BatchConnection

SWEEP_EVERY_SECONDS = 1.0
GROUP_SWEEP_EVERY_SECONDS = 60.0


# Values a dict copy shares safely between receivers: nothing in them can be changed.
_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})


def _copy(message: dict) -> dict:
    """A receiver's own copy of `message`, as deep as the stock layer's deepcopy."""
    for value in message.values():
        if type(value) not in _IMMUTABLE:
            return deepcopy(message)
    return dict(message)


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0
        self._groups_swept_at = 0.0
        self._receivers: dict[str, int] = {}  # channel -> receive() calls waiting on it

    def _clean_expired(self) -> None:
        """The stock layer's sweep, at most once a second: expired messages are dropped and
        their channels leave every group. A channel's queue stays while someone receives on
        it; once empty with nobody waiting it is dropped (a receiver comes back to a new one,
        as after every receive in the stock layer). Group memberships expire after a day
        (`group_expiry`), so those are looked at once a minute: looking at all of them every
        second was about half of the sweep's millisecond, a pause for every socket of the
        process."""
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY_SECONDS:
            return
        self._swept_at = now
        wall = time.time()
        for channel, queue in list(self.channels.items()):
            entries = queue._queue  # (expires at, message), oldest first, as the stock layer
            if entries and entries[0][0] < wall:
                while entries and entries[0][0] < wall:
                    queue.get_nowait()
                self._remove_from_groups(channel)
            if not entries and not self._receivers.get(channel):
                del self.channels[channel]
        if now - self._groups_swept_at >= GROUP_SWEEP_EVERY_SECONDS:
            self._groups_swept_at = now
            joined_before = int(wall) - self.group_expiry
            for members in self.groups.values():
                for channel, joined_at in list(members.items()):
                    if joined_at and joined_at < joined_before:
                        del members[channel]

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, message: dict) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, _copy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        self._receivers[channel] = self._receivers.get(channel, 0) + 1
        try:
            _, message = await queue.get()
        finally:
            waiting = self._receivers.pop(channel) - 1
            if waiting:
                self._receivers[channel] = waiting
        return message

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        # The names were checked when they joined the group.
        for channel in list(self.groups.get(group, ())):
            # As in the stock layer, a receiver whose queue is full misses the event.
            with contextlib.suppress(ChannelFull):
                self._put(channel, message)

    async def group_send_many(self, events: Iterable[tuple[str, dict]]) -> None:
        for group, message in events:
            await self.group_send(group, message)


class RedisPubSubChannelLayer(StockRedisPubSubChannelLayer):
    # channels-redis keeps one loop layer per event loop (its connections belong to that loop)
    # and flushes it when the loop closes; this is its _get_layer with our loop layer.
    def _get_layer(self) -> _BatchPublishingLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = _BatchPublishingLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer

    async def group_send(self, group: str, message: dict) -> None:
        await self._get_layer().group_send_many([(group, message)])

    async def group_send_many(self, events: Iterable[tuple[str, dict]]) -> None:
        await self._get_layer().group_send_many(events)


# The mark on a published event: the tag, then the publishing loop layer's own 16 random bytes,
# then the serialized event (a msgpack map, or a Fernet token when encrypted: neither starts so).
_ORIGIN_TAG = b"ml1:"
_ORIGIN_LENGTH = len(_ORIGIN_TAG) + 16


class _BatchPublishingLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.origin = _ORIGIN_TAG + uuid.uuid4().bytes
        self._shards = [_Shard(shard.host, self) for shard in self._shards]
        # One publishing connection per shard, beside the shard's own pool and subscription.
        self._publishers = {
            shard: BatchConnection(create_pool(shard.host)) for shard in self._shards
        }

    async def group_send_many(self, events: Iterable[tuple[str, dict]]) -> None:
        """Deliver each event to this loop's members of its group now, then publish them all
        (one round trip per shard) for everyone else's."""
        by_shard: dict[object, list[tuple[str, str, bytes]]] = {}
        for group, message in events:
            channel = self._get_group_channel_name(group)
            data = self.channel_layer.serialize(message)
            self.deliver(channel, data)
            by_shard.setdefault(self._get_shard(channel), []).append(
                ("PUBLISH", channel, self.origin + data)
            )
        for shard, commands in by_shard.items():
            await self._publishers[shard].execute(commands)

    def deliver(self, name: str, data: bytes) -> None:
        """Queue `data` (a serialized event) for this loop's receivers of `name`, a channel or
        a group's channel, as channels-redis' subscription does with what Redis sends."""
        if name in self.channels:
            self.channels[name].put_nowait(data)
        else:
            for channel in self.groups.get(name, ()):
                if channel in self.channels:
                    self.channels[channel].put_nowait(data)

    async def flush(self) -> None:
        await super().flush()
        for publisher in self._publishers.values():
            await publisher.aclose()


class _Shard(RedisSingleShardConnection):
    """channels-redis' connection to one Redis, whose subscription skips the events its own
    loop layer published (delivered when they were sent) and unmarks the others."""

    channel_layer: _BatchPublishingLoopLayer

    def _receive_message(self, message: dict | None) -> None:
        if message is None:
            return
        data = message["data"]
        if data.startswith(_ORIGIN_TAG):
            if data.startswith(self.channel_layer.origin):
                return
            data = data[_ORIGIN_LENGTH:]
        name = message["channel"]
        self.channel_layer.deliver(name.decode() if isinstance(name, bytes) else name, data)


async def send_all(layer, messages: list[tuple[str, dict]]) -> None:  # type: ignore[no-untyped-def]
    """Publish (group, message) pairs in order: together where the layer can (these layers: one
    Redis round trip), one by one on a layer configured otherwise."""
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        await send_many(messages)
    else:
        for group, message in messages:
            await layer.group_send(group, message)
