"""/ws/chat/ over real sockets to the real ASGI server (uvicorn) and the real channel layer
(in-memory, or Redis pub/sub when REDIS_URL is set)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from redis.asyncio import ConnectionPool
from websockets.exceptions import ConnectionClosed

from mentorloom.core import ratelimit
from mentorloom.core.realtime.redis_batch import PerLoop
from mentorloom.messaging import services
from mentorloom.messaging.models import Message
from mentorloom.safety.models import Block
from tests.factories import UserFactory
from tests.messaging.helpers import mentorship_conversation
from tests.messaging.sockets import (
    chat,
    chat_socket,
    collect,
    cookie_for,
    drain,
    receive,
    send,
    subscribe,
    until,
)


@pytest.fixture
def convo(transactional_db):
    return mentorship_conversation()


@pytest.fixture
def mentor(convo):
    return convo.mentorship.mentor


@pytest.fixture
def mentee(convo):
    return convo.mentorship.mentee


@pytest.fixture
def mentor_cookie(mentor) -> str:
    return cookie_for(mentor)


@pytest.fixture
def mentee_cookie(mentee) -> str:
    return cookie_for(mentee)


@pytest.fixture
def outsider_cookie(transactional_db) -> str:
    return cookie_for(UserFactory())


async def test_anonymous_socket_is_closed_with_4401(live_asgi):
    async with chat_socket(live_asgi) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd.code == 4401


async def test_send_is_acknowledged_with_the_server_id_and_delivered_to_the_other_side(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        client_id = str(uuid.uuid4())
        await send(a, chat(convo, client_id, "Hello **you**"))
        ack, _ = await until(a, "ack")
        stored = await sync_to_async(Message.objects.get)(client_id=client_id)
        assert ack["id"] == stored.pk and ack["client_id"] == client_id
        assert ack["duplicate"] is False
        frame, _ = await until(b, "message")
        assert frame["message"]["id"] == stored.pk
        assert frame["message"]["html"] == "<p>Hello <strong>you</strong></p>\n"
        assert frame["message"]["sender_id"] == mentor.pk


async def test_both_sides_receive_every_message_once_in_id_order(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        for n in range(10):
            await send(a if n % 2 else b, chat(convo, body=f"m{n}"))
        a_messages, a_acks = await collect(a, messages=10, acks=5)
        b_messages, b_acks = await collect(b, messages=10, acks=5)
        ids = sorted(f["id"] for f in a_acks + b_acks)
        assert len(set(ids)) == 10
        # Every message, exactly once, in id order, on both sides.
        assert [f["message"]["id"] for f in a_messages] == ids
        assert [f["message"]["id"] for f in b_messages] == ids


async def test_retry_with_the_same_client_id_is_acknowledged_again_but_delivered_once(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        client_id = str(uuid.uuid4())
        await send(a, chat(convo, client_id, "once"))
        first, _ = await until(a, "ack")
        await send(a, chat(convo, client_id, "once"))
        again, _ = await until(a, "ack")
        assert again["id"] == first["id"] and again["duplicate"] is True
        received, _ = await collect(b, messages=1)
        assert [f["message"]["id"] for f in received] == [first["id"]]
    assert await sync_to_async(Message.objects.count)() == 1


async def test_reusing_a_client_id_for_a_different_body_is_an_error_frame_and_stores_nothing(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        client_id = str(uuid.uuid4())
        await send(a, chat(convo, client_id, "the first text"))
        await until(a, "ack")
        await send(a, chat(convo, client_id, "a different text"))
        error, _ = await until(a, "error")
        assert error["code"] == "client_id_reused" and error["client_id"] == client_id
        received, _ = await collect(b, messages=1)
        assert [f["message"]["body"] for f in received] == ["the first text"]
    assert await sync_to_async(list)(Message.objects.values_list("body", flat=True)) == [
        "the first text"
    ]


async def test_catch_up_after_reconnect_sends_exactly_what_was_missed_then_live(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with chat_socket(live_asgi, mentor_cookie) as a:
        await subscribe(a, convo)
        async with chat_socket(live_asgi, mentee_cookie) as b:
            await subscribe(b, convo)
            for n in range(2):
                await send(a, chat(convo, body=f"seen{n}"))
                await until(a, "ack")
            received, _ = await collect(b, messages=2)
            seen = [f["message"]["id"] for f in received]
        # B is offline: these three must reach it on reconnect.
        missed = []
        for n in range(3):
            await send(a, chat(convo, body=f"missed{n}"))
            missed.append((await until(a, "ack"))[0]["id"])
        async with chat_socket(live_asgi, mentee_cookie) as b:
            caught_up = await subscribe(b, convo, after_id=seen[-1])
            assert [f["message"]["id"] for f in caught_up] == missed
            await send(a, chat(convo, body="live"))
            live_id = (await until(a, "ack"))[0]["id"]
            frame, _ = await until(b, "message")
            assert frame["message"]["id"] == live_id


async def test_subscribe_without_after_id_sends_only_new_messages(
    live_asgi, convo, mentor, mentee, mentee_cookie
):
    await sync_to_async(services.send_message)(mentor, convo, uuid.uuid4(), "old")
    async with chat_socket(live_asgi, mentee_cookie) as b:
        assert await subscribe(b, convo, after_id=None) == []


async def test_outsider_subscribe_gets_an_error_frame_and_no_data(
    live_asgi, convo, mentor, outsider_cookie
):
    await sync_to_async(services.send_message)(mentor, convo, uuid.uuid4(), "private")
    async with chat_socket(live_asgi, outsider_cookie) as ws:
        await send(ws, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        error = await receive(ws)
        assert error == {
            "type": "error",
            "code": "not_found",
            "message": "Conversation not found.",
            "frame": "subscribe",
            "conversation_id": convo.pk,
        }
        # Nothing leaks later either: live messages of the conversation never arrive.
        await sync_to_async(services.send_message)(mentor, convo, uuid.uuid4(), "more")
        await asyncio.sleep(0.3)
        assert await drain(ws) == []


async def test_outsider_cannot_send_read_or_type(live_asgi, convo, outsider_cookie):
    async with chat_socket(live_asgi, outsider_cookie) as ws:
        await send(ws, chat(convo))
        assert (await receive(ws))["code"] == "not_found"
        await send(ws, {"type": "read", "conversation_id": convo.pk, "up_to_id": 1})
        assert (await receive(ws))["code"] == "not_found"
        await send(ws, {"type": "typing", "conversation_id": convo.pk})
        assert (await receive(ws))["code"] == "not_subscribed"
    assert await sync_to_async(Message.objects.count)() == 0


async def test_rate_limit_gives_an_error_frame_and_the_socket_stays_usable(
    live_asgi, convo, mentor, monkeypatch, mentor_cookie
):
    # A long window so the test cannot straddle a window boundary.
    monkeypatch.setattr(services, "SEND_WINDOW_SECONDS", 3600)
    async with chat_socket(live_asgi, mentor_cookie) as a:
        for _ in range(services.SEND_LIMIT):
            await send(a, chat(convo))
            await until(a, "ack")
        client_id = str(uuid.uuid4())
        await send(a, chat(convo, client_id))
        error = await receive(a)
        assert error["code"] == "rate_limited" and error["client_id"] == client_id
        await send(a, {"type": "ping"})
        assert await receive(a) == {"type": "pong"}
        await send(a, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        _, messages = await until(a, "subscribed")
        assert len(messages) == services.SEND_LIMIT


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        (b"\x00\x01binary", "bad_frame"),
        (json.dumps({"type": "shout"}), "unknown_type"),
        (json.dumps({"no": "type"}), "unknown_type"),
        (json.dumps({"type": "subscribe", "conversation_id": "1"}), "bad_frame"),
        (json.dumps({"type": "subscribe", "conversation_id": True}), "bad_frame"),
        (json.dumps({"type": "send", "conversation_id": 1, "body": "x"}), "bad_frame"),
        (json.dumps({"type": "read", "conversation_id": 1, "up_to_id": -4}), "bad_frame"),
    ],
    ids=[
        "not-json",
        "list",
        "binary",
        "unknown-type",
        "no-type",
        "string-id",
        "bool-id",
        "no-client-id",
        "negative-id",
    ],
)
async def test_malformed_frame_gets_an_error_frame_and_the_socket_stays_healthy(
    live_asgi, convo, mentor, frame, code, mentor_cookie
):
    async with chat_socket(live_asgi, mentor_cookie) as ws:
        await ws.send(frame)
        error = await receive(ws)
        assert error["type"] == "error" and error["code"] == code
        await subscribe(ws, convo)  # still works


async def test_invalid_message_errors_carry_the_client_id(live_asgi, convo, mentor, mentor_cookie):
    async with chat_socket(live_asgi, mentor_cookie) as ws:
        for body, code in [("", "empty_message"), ("x" * 10_001, "message_too_long")]:
            client_id = str(uuid.uuid4())
            await send(ws, chat(convo, client_id, body))
            error = await receive(ws)
            assert (error["code"], error["client_id"]) == (code, client_id)
        await send(ws, chat(convo, "not-a-uuid"))
        assert (await receive(ws))["code"] == "invalid"
    assert await sync_to_async(Message.objects.count)() == 0


async def test_blocked_pair_gets_an_error_frame(live_asgi, convo, mentor, mentee, mentor_cookie):
    await sync_to_async(Block.objects.create)(blocker=mentee, blocked=mentor)
    async with chat_socket(live_asgi, mentor_cookie) as ws:
        await send(ws, chat(convo))
        assert (await receive(ws))["code"] == "blocked"


async def test_typing_reaches_the_other_side_only(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        await send(a, {"type": "typing", "conversation_id": convo.pk})
        frame = await receive(b)
        assert frame == {"type": "typing", "conversation_id": convo.pk, "user_id": mentor.pk}
        assert await drain(a) == []


async def test_read_sends_a_receipt_to_the_sender(
    live_asgi, convo, mentor, mentee, mentor_cookie, mentee_cookie
):
    async with (
        chat_socket(live_asgi, mentor_cookie) as a,
        chat_socket(live_asgi, mentee_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        await send(a, chat(convo, body="did you see this?"))
        ack, _ = await until(a, "ack")
        await until(b, "message")
        await send(b, {"type": "read", "conversation_id": convo.pk, "up_to_id": ack["id"]})
        receipt, _ = await until(a, "read")
        assert receipt["user_id"] == mentee.pk and receipt["up_to_id"] == ack["id"]
        assert receipt["read_at"]


async def test_edit_over_http_reaches_subscribed_sockets(
    live_asgi, convo, mentor, mentee, mentee_cookie
):
    message, _ = await sync_to_async(services.send_message)(mentor, convo, uuid.uuid4(), "typo")
    async with chat_socket(live_asgi, mentee_cookie) as b:
        await subscribe(b, convo)
        await sync_to_async(services.edit_message)(mentor, message, "fixed")
        frame, _ = await until(b, "message_changed")
        assert frame["message"]["id"] == message.pk
        assert frame["message"]["body"] == "fixed" and frame["message"]["edited_at"]


def _rename_table(old: str, new: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{old}" RENAME TO "{new}"')


async def test_a_database_failure_gets_an_error_frame_and_the_resend_is_stored_once(
    live_asgi, convo, mentor, mentor_cookie
):
    # A real failure, not a mock: the messages table is away while the first send arrives.
    table = Message._meta.db_table
    client_id = str(uuid.uuid4())
    async with chat_socket(live_asgi, mentor_cookie) as ws:
        await subscribe(ws, convo)
        await sync_to_async(_rename_table)(table, f"{table}_away")
        try:
            await send(ws, chat(convo, client_id, "Are you there?"))
            error = await receive(ws)
        finally:
            await sync_to_async(_rename_table)(f"{table}_away", table)
        assert (error["type"], error["code"], error["client_id"]) == (
            "error", "unavailable", client_id,
        )  # fmt: skip
        # The socket stays usable, and the client's resend (same client id) is stored once.
        await send(ws, chat(convo, client_id, "Are you there?"))
        ack, _ = await until(ws, "ack")
        assert not ack["duplicate"]
        await send(ws, chat(convo, client_id, "Are you there?"))
        again, _ = await until(ws, "ack")
        assert again["duplicate"] and again["id"] == ack["id"]
    assert await sync_to_async(Message.objects.filter(client_id=client_id).count)() == 1


async def test_without_redis_a_socket_sends_on_its_own_count_then_gets_an_error_frame(
    live_asgi, convo, mentor, mentor_cookie, monkeypatch
):
    # The rate limit's counts live in Redis when scaled out; here that Redis does not answer
    # (a real refused connection: nothing listens on port 1). Below half the limit the process
    # decides on its own count, so sending goes on; beyond it a send needs Redis's count of
    # everyone's hits, and without it the socket answers `unavailable` and stores nothing.
    nowhere = PerLoop(lambda: ConnectionPool.from_url("redis://127.0.0.1:1/0"))
    monkeypatch.setattr(ratelimit, "_async_connections", lambda: nowhere)
    monkeypatch.setattr(services, "SEND_WINDOW_SECONDS", 3600)
    client_id = str(uuid.uuid4())
    async with chat_socket(live_asgi, mentor_cookie) as ws:
        await subscribe(ws, convo)
        for _ in range(services.SEND_LIMIT // 2):
            await send(ws, chat(convo))
            await until(ws, "ack")
        await send(ws, chat(convo, client_id, "Are you there?"))
        error, _ = await until(ws, "error")
        await send(ws, {"type": "ping"})
        pong, _ = await until(ws, "pong")
    assert (error["type"], error["code"], error["client_id"]) == ("error", "unavailable", client_id)
    assert pong == {"type": "pong"}  # the socket stays usable
    assert not await sync_to_async(Message.objects.filter(client_id=client_id).exists)()
    stored = await sync_to_async(Message.objects.filter(conversation=convo).count)()
    assert stored == services.SEND_LIMIT // 2
