"""Consumers' database calls keep their connection open between calls, but never a bad one."""

from __future__ import annotations

import pytest
from channels.sessions import InstanceSessionWrapper
from django.db import connection, transaction

from mentorloom.accounts.models import User
from mentorloom.core.realtime.consumer_db import consumer_db, websocket_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@consumer_db
def _connection_and_users() -> tuple[object, int]:
    # The connection object itself: the test holds it, so a new one can't reuse its id().
    users = User.objects.count()
    return connection.connection, users


@consumer_db
def _leave_autocommit_off() -> None:
    connection.ensure_connection()
    transaction.set_autocommit(False)


@consumer_db
def _autocommit() -> bool:
    return connection.get_autocommit()


async def test_consecutive_calls_share_one_connection_and_see_new_rows():
    first, before = await _connection_and_users()
    await consumer_db(UserFactory)()
    second, after = await _connection_and_users()
    assert first is second
    assert after == before + 1


async def test_a_connection_left_outside_autocommit_is_replaced():
    first, _ = await _connection_and_users()
    await _leave_autocommit_off()
    assert await _autocommit()
    second, _ = await _connection_and_users()
    assert second is not first


async def test_a_consumer_sends_past_the_session_middleware_wrapper():
    # Channels' session middleware only acts on HTTP responses; a WebSocket consumer sends
    # straight to the `send` it wraps, and to any other `send` as it is.
    sent: list[dict] = []

    async def server_send(message: dict) -> None:
        sent.append(message)

    wrapper = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, server_send)
    assert websocket_send(wrapper.send) is server_send
    assert websocket_send(server_send) is server_send
    await websocket_send(wrapper.send)({"type": "websocket.send", "text": "hi"})
    assert sent == [{"type": "websocket.send", "text": "hi"}]
