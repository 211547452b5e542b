"""core.realtime extends Channels and channels-redis through their internals (see
core/realtime/README.md). An upgrade that renames or reshapes any of them must fail here, by
name, before it fails in production as a socket that silently hears nothing."""

from __future__ import annotations

import asyncio
import inspect
from importlib.metadata import version

import pytest
from asgiref.sync import SyncToAsync
from channels.consumer import AsyncConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from channels.sessions import InstanceSessionWrapper
from channels_redis import pubsub, utils
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from mentorloom.core.realtime import layers

# The ranges core.realtime was written and checked against; pyproject.toml pins the same.
CHECKED_RANGES = {
    "channels": SpecifierSet(">=4.2,<5"),
    "channels-redis": SpecifierSet(">=4.3,<4.4"),
    "asgiref": SpecifierSet(">=3.8,<4"),
}


def _fail(what: str, detail: str) -> None:
    pytest.fail(
        f"core.realtime relies on {what}, which {detail} in the installed version. Read "
        "src/mentorloom/core/realtime/README.md, adapt core.realtime to the new internals "
        "(or pin the library back), then update this test.",
        pytrace=False,
    )


def _parameters(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


@pytest.mark.parametrize("package", sorted(CHECKED_RANGES))
def test_installed_versions_are_the_checked_ones(package: str) -> None:
    installed = Version(version(package))
    if installed not in CHECKED_RANGES[package]:
        _fail(
            f"{package} {CHECKED_RANGES[package]}",
            f"is {installed}, outside the range checked",
        )


def test_pyproject_pins_channels_redis_to_the_checked_minor() -> None:
    from pathlib import Path

    pyproject = (Path(__file__).parents[3] / "pyproject.toml").read_text()
    assert '"channels-redis>=4.3,<4.4"' in pyproject, (
        "pyproject.toml's channels-redis range changed: core.realtime.layers depends on its "
        "private internals; check them (this file) before widening the range."
    )


# (owner, attribute, parameters it must accept, in order) for every private or overridden
# callable core.realtime touches.
CALLABLES = [
    (pubsub.RedisPubSubChannelLayer, "_get_layer", ["self"]),
    (pubsub.RedisPubSubChannelLayer, "__init__", ["self", "args"]),
    (pubsub.RedisPubSubLoopLayer, "__init__", ["self", "hosts"]),
    (pubsub.RedisPubSubLoopLayer, "_get_group_channel_name", ["self", "group"]),
    (pubsub.RedisPubSubLoopLayer, "_get_shard", ["self", "channel_or_group_name"]),
    (pubsub.RedisPubSubLoopLayer, "flush", ["self"]),
    (pubsub.RedisSingleShardConnection, "__init__", ["self", "host", "channel_layer"]),
    (pubsub.RedisSingleShardConnection, "_receive_message", ["self", "message"]),
    (utils, "_wrap_close", ["proxy", "loop"]),
    (utils, "create_pool", ["host"]),
    (InMemoryChannelLayer, "_clean_expired", ["self"]),
    (InMemoryChannelLayer, "_remove_from_groups", ["self", "channel"]),
    (InMemoryChannelLayer, "get_capacity", ["self", "channel"]),
    (InMemoryChannelLayer, "require_valid_channel_name", ["self", "name"]),
    (InMemoryChannelLayer, "require_valid_group_name", ["self", "name"]),
    (InstanceSessionWrapper, "send", ["self", "message"]),
    (AsyncConsumer, "__call__", ["self", "scope", "receive", "send"]),
    (SyncToAsync, "thread_handler", ["self", "loop"]),
    # JsonConsumer (socket lifetime and frames) overrides or calls these.
    (AsyncWebsocketConsumer, "websocket_connect", ["self", "message"]),
    (AsyncWebsocketConsumer, "websocket_disconnect", ["self", "message"]),
    (AsyncWebsocketConsumer, "close", ["self", "code", "reason"]),
]


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    CALLABLES,
    ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n, _ in CALLABLES],
)
def test_upstream_callables_keep_their_signature(
    owner: object, name: str, parameters: list[str]
) -> None:
    func = getattr(owner, name, None)
    if func is None:
        _fail(f"{getattr(owner, '__name__', owner)}.{name}", "no longer exists")
    actual = _parameters(func)
    if actual[: len(parameters)] != parameters:
        _fail(
            f"{getattr(owner, '__name__', owner)}.{name}({', '.join(parameters)})",
            f"now takes ({', '.join(actual)})",
        )


def test_stock_layers_keep_the_attributes_core_realtime_reads() -> None:
    """Instance attributes are set in __init__, so they are checked on real instances."""
    memory = InMemoryChannelLayer()
    for attribute in ("channels", "groups", "group_expiry", "expiry"):
        if not hasattr(memory, attribute):
            _fail(f"InMemoryChannelLayer().{attribute}", "no longer exists")
    queue = asyncio.Queue()
    if not hasattr(queue, "_queue"):  # the in-memory sweep peeks at the oldest entry
        _fail("asyncio.Queue()._queue", "no longer exists")

    redis_layer = pubsub.RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1"])
    for attribute in ("_args", "_kwargs", "_layers", "serialize"):
        if not hasattr(redis_layer, attribute):
            _fail(f"RedisPubSubChannelLayer().{attribute}", "no longer exists")

    loop_layer = pubsub.RedisPubSubLoopLayer(
        hosts=["redis://127.0.0.1:1"], channel_layer=redis_layer
    )
    for attribute in ("channels", "groups", "_shards", "channel_layer"):
        if not hasattr(loop_layer, attribute):
            _fail(f"RedisPubSubLoopLayer().{attribute}", "no longer exists")
    shard = loop_layer._shards[0]
    for attribute in ("host", "channel_layer"):
        if not hasattr(shard, attribute):
            _fail(f"RedisSingleShardConnection().{attribute}", "no longer exists")

    wrapper_attributes = inspect.getsource(InstanceSessionWrapper)
    if "self.real_send" not in wrapper_attributes:
        _fail("InstanceSessionWrapper.real_send", "no longer exists")


def test_our_layers_still_build_on_the_stock_ones() -> None:
    assert issubclass(layers.InMemoryChannelLayer, InMemoryChannelLayer)
    assert issubclass(layers.RedisPubSubChannelLayer, pubsub.RedisPubSubChannelLayer)
    assert issubclass(layers._BatchPublishingLoopLayer, pubsub.RedisPubSubLoopLayer)
    assert issubclass(layers._Shard, pubsub.RedisSingleShardConnection)
