"""A few Redis commands in one round trip, on one connection of the calling event loop.

redis-py's client runs every command through its pool, retry policy, event dispatch and
metrics hooks: about 90 µs of CPU a command on the event loop here, against 55 µs for writing
the command and reading the reply on a connection directly, and 65 µs for two commands sent
together. The chat spends three commands on every message (the rate-limit count and two
publishes), so the socket paths use this instead; everything else keeps the plain client.

A batch holds the connection from writing its commands to reading the last reply, so batches
on one loop take turns (a lock), which keeps the replies in order. Any failure, cancellation
included, drops the connection rather than leave unread replies on it; the next batch opens a
fresh one. Redis errors in a reply raise like redis-py's own (`redis.exceptions.ResponseError`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import ConnectionPool
from redis.asyncio.connection import AbstractConnection

Command = Sequence[Any]


class BatchConnection:
    """One connection made by `pool` (its URL, password, database, TLS), used by one loop."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._connection: AbstractConnection | None = None
        self._lock = asyncio.Lock()
        self._closing: set[asyncio.Task] = set()

    async def execute(self, commands: Sequence[Command]) -> list[Any]:
        """Send `commands` together and return their replies, in order."""
        async with self._lock:
            connection = self._connection
            if connection is None:
                connection = self._connection = self._pool.make_connection()
            try:
                # send_packed_command connects first when needed (and then runs the
                # connection's setup: AUTH, SELECT, CLIENT SETNAME ...).
                await connection.send_packed_command(
                    connection.pack_commands(commands), check_health=False
                )
                return [await connection.read_response() for _ in commands]
            except BaseException:
                self._drop(connection)
                raise

    def _drop(self, connection: AbstractConnection) -> None:
        self._connection = None
        # Closed on a task of its own: a cancelled caller cannot await anything more.
        task = asyncio.ensure_future(connection.disconnect(nowait=True))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        async with self._lock:
            if self._connection is not None:
                await self._connection.disconnect()
                self._connection = None
        await self._pool.disconnect()
