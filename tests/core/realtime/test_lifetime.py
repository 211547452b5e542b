"""A WebSocket lives no longer than its session (issue 22, defect 3): sign-out, a password
change, a ban and a session deleted behind its back end every consumer's sockets. Real sockets
to the real ASGI server (uvicorn) and the real channel layer; the HTTP actions go through the
same server, as a browser's would."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from websockets.exceptions import ConnectionClosed

from mentorloom.asgi import application
from mentorloom.calls import services as call_services
from mentorloom.core.realtime import lifetime
from mentorloom.core.realtime.consumer_db import JsonConsumer
from mentorloom.safety import services as safety_services
from tests.asgi_server import session_cookie_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.messaging.helpers import mentorship_conversation
from tests.sockets import socket_at

TIMEOUT = 5


@pytest.fixture
def people(transactional_db):
    convo = mentorship_conversation()
    return convo, convo.mentorship.mentor, convo.mentorship.mentee


def _cookie(user) -> str:  # type: ignore[no-untyped-def]
    name, value = session_cookie_for(user)
    return f"{name}={value}"


async def _frame(ws) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def _until(ws, kind: str) -> dict:  # type: ignore[no-untyped-def]
    while True:
        frame = await _frame(ws)
        if frame["type"] == kind:
            return frame


async def _closed_with(ws) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The close code and reason, after any frames still in flight (there must be none of
    another kind than the ones already asserted)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frame = await _frame(ws)
            assert frame["type"] not in ("message", "pong", "subscribed"), frame
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def _post(live_asgi, cookie: str, path: str, data: dict) -> httpx.Response:  # type: ignore[no-untyped-def]
    """POST a form through the live server as a browser would: CSRF cookie and token first."""
    async with httpx.AsyncClient(base_url=live_asgi.url, timeout=TIMEOUT) as client:
        name, value = cookie.split("=", 1)
        client.cookies.set(name, value)
        await client.get("/accounts/settings/")
        token = client.cookies[settings.CSRF_COOKIE_NAME]
        return await client.post(path, data=data, headers={"X-CSRFToken": token})


async def _chat_subscribed(live_asgi, cookie: str, convo):  # type: ignore[no-untyped-def]
    ws = await socket_at(live_asgi, "/ws/chat/", cookie)
    await ws.send(json.dumps({"type": "subscribe", "conversation_id": convo.pk}))
    await _until(ws, "subscribed")
    return ws


async def test_sign_out_closes_that_sessions_sockets_and_they_hear_nothing_more(live_asgi, people):
    convo, mentor, mentee = people
    cookie = await sync_to_async(_cookie)(mentee)
    other_device = await sync_to_async(_cookie)(mentee)
    mentor_cookie = await sync_to_async(_cookie)(mentor)
    chat = await _chat_subscribed(live_asgi, cookie, convo)
    live = await socket_at(live_asgi, "/ws/live/", cookie)
    ping = await socket_at(live_asgi, "/ws/ping/", cookie)
    kept = await _chat_subscribed(live_asgi, other_device, convo)
    sender = await _chat_subscribed(live_asgi, mentor_cookie, convo)
    try:
        response = await _post(live_asgi, cookie, "/accounts/logout/", {})
        assert response.status_code == 302

        for ws in (chat, live, ping):
            assert await _closed_with(ws) == (4401, "signed_out")
        # The mentor writes after the sign-out: the closed socket hears nothing of it, the
        # person's other session (another device) still does.
        await sender.send(
            json.dumps(
                {
                    "type": "send",
                    "conversation_id": convo.pk,
                    "client_id": "8d3b1c52-0c6f-4a55-9d43-7b8e1f1f6a10",
                    "body": "after sign-out",
                }
            )
        )
        assert (await _until(kept, "message"))["message"]["body"] == "after sign-out"
    finally:
        for ws in (chat, live, ping, kept, sender):
            await ws.close()


async def test_password_change_closes_every_socket_of_the_person(live_asgi, people):
    convo, _, mentee = people
    cookie = await sync_to_async(_cookie)(mentee)
    other_device = await sync_to_async(_cookie)(mentee)
    chat = await _chat_subscribed(live_asgi, cookie, convo)
    elsewhere = await socket_at(live_asgi, "/ws/ping/", other_device)
    try:
        response = await _post(
            live_asgi,
            cookie,
            "/accounts/settings/password/",
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": "a brand new passphrase 42",
                "new_password2": "a brand new passphrase 42",
            },
        )
        assert response.status_code == 302
        assert await _closed_with(chat) == (4401, "password_changed")
        assert await _closed_with(elsewhere) == (4401, "password_changed")
    finally:
        await chat.close()
        await elsewhere.close()


async def test_a_ban_closes_chat_live_and_call_sockets(live_asgi, people):
    convo, mentor, mentee = people
    staff = await sync_to_async(UserFactory)(is_staff=True)
    cookie = await sync_to_async(_cookie)(mentee)
    call, _ = await sync_to_async(call_services.start_call)(mentor, convo.mentorship_id)
    chat = await _chat_subscribed(live_asgi, cookie, convo)
    live = await socket_at(live_asgi, "/ws/live/", cookie)
    call_ws = await socket_at(live_asgi, f"/ws/calls/{call.pk}/", cookie)
    await _until(call_ws, "welcome")
    try:
        # Through the server's own thread, as the admin action's request would run.
        response = await _post_ban(live_asgi, staff, mentee)
        assert response.status_code == 302
        for ws in (chat, live, call_ws):
            assert await _closed_with(ws) == (4401, "banned")
        assert not await sync_to_async(lambda: type(mentee).objects.get(pk=mentee.pk).is_active)()
    finally:
        for ws in (chat, live, call_ws):
            await ws.close()


async def _post_ban(live_asgi, staff, target) -> httpx.Response:  # type: ignore[no-untyped-def]
    """The staff's report-queue action "Ban the reported people", through the admin."""
    from mentorloom.safety.models import Report

    await sync_to_async(lambda: setattr(staff, "is_superuser", True) or staff.save())()
    report = await sync_to_async(Report.objects.create)(
        reporter=staff, reported=target, reason=_a_reason()
    )
    return await _post(
        live_asgi,
        await sync_to_async(_cookie)(staff),
        "/admin/safety/report/",
        {"action": "ban_reported", "_selected_action": [str(report.pk)], "index": "0"},
    )


def _a_reason() -> str:
    from mentorloom.safety.models import ReportReason

    return ReportReason.values[0]


async def test_a_session_deleted_elsewhere_ends_the_socket_at_its_next_subscribe(live_asgi, people):
    convo, _, mentee = people
    cookie = await sync_to_async(_cookie)(mentee)
    chat = await socket_at(live_asgi, "/ws/chat/", cookie)
    try:
        session_key = cookie.split("=", 1)[1]
        await sync_to_async(Session.objects.filter(session_key=session_key).delete)()
        await chat.send(json.dumps({"type": "subscribe", "conversation_id": convo.pk}))
        assert await _closed_with(chat) == (4401, "session_ended")
    finally:
        await chat.close()


async def test_close_sockets_for_reaches_a_socket_through_the_channel_layer(transactional_db):
    """A ban from the test's own event loop, to a socket served in it (ApplicationCommunicator,
    the configured channel layer)."""
    user = await sync_to_async(UserFactory)()
    staff = await sync_to_async(UserFactory)(is_staff=True)
    cookie = await sync_to_async(_cookie)(user)
    scope = {
        "type": "websocket",
        "path": "/ws/ping/",
        "raw_path": b"/ws/ping/",
        "query_string": b"",
        "headers": [(b"cookie", cookie.encode()), (b"origin", b"http://localhost")],
        "subprotocols": [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "websocket.connect"})
    assert (await communicator.receive_output(TIMEOUT))["type"] == "websocket.accept"
    await communicator.send_input({"type": "websocket.receive", "text": '{"type": "ping"}'})
    assert json.loads((await communicator.receive_output(TIMEOUT))["text"])["type"] == "pong"

    assert await sync_to_async(safety_services.ban_user)(staff, user.pk)

    closed = await communicator.receive_output(TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4401, "reason": "banned"}
    await communicator.send_input({"type": "websocket.receive", "text": '{"type": "ping"}'})
    assert await communicator.receive_nothing(0.3)
    await communicator.send_input({"type": "websocket.disconnect", "code": 4401})
    await communicator.wait(TIMEOUT)


def test_every_routed_consumer_is_a_json_consumer():
    """The lifetime and frame rules live in JsonConsumer: a consumer outside it escapes them."""
    from mentorloom.routing import websocket_urlpatterns

    for pattern in websocket_urlpatterns:
        consumer = pattern.callback.consumer_class
        assert issubclass(consumer, JsonConsumer), consumer


def test_close_sockets_for_waits_for_the_commit(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks() as callbacks:
        lifetime.close_sockets_for(7, "signed_out", session_key="abc")
    assert len(callbacks) == 1
    assert lifetime.session_tag("abc") != "abc"


async def test_a_socket_that_never_sends_rechecks_its_session_on_a_timer(
    live_asgi, people, monkeypatch
):
    _, _, mentee = people
    monkeypatch.setattr(lifetime, "SESSION_TIMER_SECONDS", 0.2)
    cookie = await sync_to_async(_cookie)(mentee)
    live = await socket_at(live_asgi, "/ws/live/", cookie)
    try:
        session_key = cookie.split("=", 1)[1]
        await sync_to_async(Session.objects.filter(session_key=session_key).delete)()
        assert await _closed_with(live) == (4401, "session_ended")
    finally:
        await live.close()


async def test_asking_to_delete_the_account_closes_its_sockets(live_asgi, people):
    """The account is deactivated at once for everyone else (privacy's grace period), so its
    sockets must not keep chatting until erasure."""
    convo, _, mentee = people
    cookie = await sync_to_async(_cookie)(mentee)
    chat = await _chat_subscribed(live_asgi, cookie, convo)
    live = await socket_at(live_asgi, "/ws/live/", cookie)
    try:
        response = await _post(
            live_asgi, cookie, "/privacy/delete/", {"password": DEFAULT_PASSWORD, "confirm": "on"}
        )
        assert response.status_code == 302
        for ws in (chat, live):
            assert await _closed_with(ws) == (4401, "deletion_requested")
    finally:
        await chat.close()
        await live.close()


async def test_signing_in_to_cancel_a_deletion_opens_no_socket(live_asgi, people):
    """During the grace period the person may sign in (privacy's backend) to cancel the
    deletion. That session is for the cancel page only: every socket is closed at once, so
    the account cannot chat, post or join calls while it is hidden from everyone."""
    from django.test import Client

    _, _, mentee = people

    def pending_cookie() -> str:
        from mentorloom.privacy import services as privacy_services

        privacy_services.request_deletion(mentee, password=DEFAULT_PASSWORD)
        client = Client()
        assert client.login(email=mentee.email, password=DEFAULT_PASSWORD)
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    cookie = await sync_to_async(pending_cookie)()
    paths = ("/ws/chat/", "/ws/live/", "/ws/ping/", "/ws/calls/1/", "/ws/communities/1/")
    for path in (*paths, "/ws/workshops/rooms/1/"):
        ws = await socket_at(live_asgi, path, cookie)
        try:
            assert await _closed_with(ws) == (4401, "account_inactive"), path
        finally:
            await ws.close()


async def test_a_send_due_for_the_recheck_makes_it_in_its_own_hop(live_asgi, people, monkeypatch):
    """A `send` that falls due checks the session first in the send's own database hop (not
    a hop of its own ahead of it): stored while the session lives; once it is gone, nothing
    is stored and the socket ends."""
    from mentorloom.messaging.models import Message

    convo, _, mentee = people
    monkeypatch.setattr(lifetime, "SESSION_RECHECK_SECONDS", 0.0)  # every frame is due
    hops: list[str] = []
    in_hop = lifetime.require_current_session
    monkeypatch.setattr(
        lifetime,
        "require_current_session",
        lambda check: hops.append("send") or in_hop(check),
    )
    real_check = JsonConsumer.session_still_current

    async def own_hop(self, *, force=False):  # type: ignore[no-untyped-def]
        hops.append("own")
        return await real_check(self, force=force)

    monkeypatch.setattr(JsonConsumer, "session_still_current", own_hop)
    cookie = await sync_to_async(_cookie)(mentee)
    chat = await socket_at(live_asgi, "/ws/chat/", cookie)
    try:
        await chat.send(json.dumps({"type": "subscribe", "conversation_id": convo.pk}))
        await _until(chat, "subscribed")
        hops.clear()
        frame = {"type": "send", "conversation_id": convo.pk, "body": "still here"}
        await chat.send(json.dumps({**frame, "client_id": "8f0e4c1e-5b3a-4d8e-9a59-000000000001"}))
        await _until(chat, "ack")
        await _until(chat, "message")  # its own echo, through the channel layer
        assert hops == ["send"]

        session_key = cookie.split("=", 1)[1]
        await sync_to_async(Session.objects.filter(session_key=session_key).delete)()
        await chat.send(json.dumps({**frame, "client_id": "8f0e4c1e-5b3a-4d8e-9a59-000000000002"}))
        assert await _closed_with(chat) == (4401, "session_ended")
        assert hops == ["send", "send"]
        bodies = await sync_to_async(list)(Message.objects.values_list("body", flat=True))
        assert bodies == ["still here"]
    finally:
        await chat.close()


async def test_a_due_send_that_fails_before_its_hop_is_still_checked(
    live_asgi, people, monkeypatch
):
    """A bad field ends a `send` before its database hop: the owed re-check is made then."""
    convo, _, mentee = people
    monkeypatch.setattr(lifetime, "SESSION_RECHECK_SECONDS", 0.0)
    cookie = await sync_to_async(_cookie)(mentee)
    chat = await socket_at(live_asgi, "/ws/chat/", cookie)
    try:
        await chat.send(json.dumps({"type": "subscribe", "conversation_id": convo.pk}))
        await _until(chat, "subscribed")
        session_key = cookie.split("=", 1)[1]
        await sync_to_async(Session.objects.filter(session_key=session_key).delete)()
        await chat.send(json.dumps({"type": "send", "conversation_id": "seven", "client_id": "x"}))
        assert (await _until(chat, "error"))["code"] == "bad_frame"
        assert await _closed_with(chat) == (4401, "session_ended")
    finally:
        await chat.close()
