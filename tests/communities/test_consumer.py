"""A community channel over the chat socket (real uvicorn, real channel layer): the messaging
guarantees hold unchanged for a conversation with many members."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from mentorloom.communities.models import Membership
from mentorloom.messaging.models import Message
from tests.communities.helpers import community_with, post
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
def setup(transactional_db):  # type: ignore[no-untyped-def]
    community, owner, moderator, member, general = community_with()
    return {
        "community": community,
        "general": general,
        "convo": general.conversation,
        "owner": owner,
        "moderator": moderator,
        "member": member,
    }


async def test_catch_up_after_a_dropped_socket_has_no_gaps_or_duplicates(live_asgi, setup):
    convo = setup["convo"]
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    moderator_cookie = await sync_to_async(cookie_for)(setup["moderator"])
    async with (
        chat_socket(live_asgi, owner_cookie) as a,
        chat_socket(live_asgi, moderator_cookie) as c,
    ):
        await subscribe(a, convo)
        await subscribe(c, convo)
        async with chat_socket(live_asgi, member_cookie) as b:
            await subscribe(b, convo)
            await send(a, chat(convo, body="seen"))
            seen_id = (await until(a, "ack"))[0]["id"]
            received, _ = await collect(b, messages=1)
            assert [f["message"]["id"] for f in received] == [seen_id]
        # The member's socket dropped; the channel goes on, a retry included.
        missed = []
        retry_id = str(uuid.uuid4())
        for n in range(3):
            await send(a, chat(convo, body=f"missed{n}"))
            missed.append((await until(a, "ack"))[0]["id"])
        await send(c, chat(convo, client_id=retry_id, body="from the moderator"))
        missed.append((await until(c, "ack"))[0]["id"])
        await send(c, chat(convo, client_id=retry_id, body="from the moderator"))
        duplicate, _ = await until(c, "ack")
        assert duplicate["duplicate"] is True and duplicate["id"] == missed[-1]
        async with chat_socket(live_asgi, member_cookie) as b:
            caught_up = await subscribe(b, convo, after_id=seen_id)
            assert [f["message"]["id"] for f in caught_up] == missed
            await send(a, chat(convo, body="live"))
            live_id = (await until(a, "ack"))[0]["id"]
            received, _ = await collect(b, messages=1)
            assert [f["message"]["id"] for f in received] == [live_id]


async def test_thread_reply_over_the_socket_carries_its_parent(live_asgi, setup):
    convo = setup["convo"]
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with (
        chat_socket(live_asgi, owner_cookie) as a,
        chat_socket(live_asgi, member_cookie) as b,
    ):
        await subscribe(a, convo)
        await subscribe(b, convo)
        await send(a, chat(convo, body="root"))
        root_id = (await until(a, "ack"))[0]["id"]
        await send(b, {**chat(convo, body="reply"), "parent_id": root_id})
        ack, _ = await until(b, "ack")
        assert ack["message"]["parent_id"] == root_id
        frame, _ = await until(a, "message")
        while frame["message"]["id"] != ack["id"]:
            frame, _ = await until(a, "message")
        assert frame["message"]["parent_id"] == root_id


async def test_muted_member_and_outsider_are_refused_on_the_socket(live_asgi, setup):
    convo = setup["convo"]
    membership = await sync_to_async(Membership.objects.get)(
        community=setup["community"], user=setup["member"]
    )
    from mentorloom.communities import services

    await sync_to_async(services.mute_member)(
        setup["moderator"], membership, minutes=10, reason="cool down"
    )
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with chat_socket(live_asgi, member_cookie) as b:
        await subscribe(b, convo)  # reading is still allowed
        await send(b, chat(convo, body="let me in"))
        error = await receive(b)
        assert error["type"] == "error" and error["code"] == "muted"
        await send(b, {**chat(convo), "parent_id": "x"})
        error = await receive(b)
        assert error["code"] == "bad_frame"
    from tests.communities.helpers import person

    outsider = await sync_to_async(person)("Out Sider")
    outsider_cookie = await sync_to_async(cookie_for)(outsider)
    async with chat_socket(live_asgi, outsider_cookie) as o:
        await send(o, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        error = await receive(o)
        assert error["code"] == "not_found"
        await send(o, chat(convo))
        error = await receive(o)
        assert error["code"] == "not_found"


async def test_mentions_sent_over_the_socket_notify_and_outsiders_are_refused(live_asgi, setup):
    from mentorloom.notifications.models import Notification
    from tests.communities.helpers import person

    convo = setup["convo"]
    await sync_to_async(person)("Nora Outside")
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    async with chat_socket(live_asgi, owner_cookie) as a:
        await subscribe(a, convo)
        await send(a, chat(convo, body="ping @noraoutside"))
        error = await receive(a)
        assert error["type"] == "error" and error["code"] == "cannot_mention"
        client_id = str(uuid.uuid4())
        await send(a, chat(convo, client_id=client_id, body="hello @miamember"))
        await until(a, "ack")
        await send(a, chat(convo, client_id=client_id, body="hello @miamember"))  # a retry
        duplicate, _ = await until(a, "ack")
        assert duplicate["duplicate"] is True
    notes = await sync_to_async(list)(
        Notification.objects.filter(user=setup["member"], kind="community_mention")
    )
    assert len(notes) == 1


async def test_a_ban_or_leaving_stops_an_open_socket_following_the_channel(live_asgi, setup):
    """A socket subscribed before the ban must not go on receiving the channel's posts (it
    did until it reconnected); it is told why, stays open for the person's other
    conversations, and cannot subscribe again. Leaving in another tab does the same."""
    from mentorloom.communities import services

    convo, community = setup["convo"], setup["community"]
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    moderator_cookie = await sync_to_async(cookie_for)(setup["moderator"])
    async with (
        chat_socket(live_asgi, owner_cookie) as owner,
        chat_socket(live_asgi, member_cookie) as member,
        chat_socket(live_asgi, moderator_cookie) as moderator,
    ):
        await subscribe(owner, convo)
        await subscribe(member, convo)
        await subscribe(moderator, convo)
        target = await sync_to_async(Membership.objects.get)(
            community=community, user=setup["member"]
        )
        await sync_to_async(services.ban_member)(setup["owner"], target, minutes=60, reason="spam")
        frame, _ = await until(member, "unsubscribed")
        assert frame == {"type": "unsubscribed", "conversation_id": convo.pk, "reason": "banned"}
        await send(owner, chat(convo, body="after the ban"))
        after_id = (await until(owner, "ack"))[0]["id"]
        # The others get it; the banned member's socket gets nothing of it and is still open.
        received, _ = await collect(moderator, messages=1)
        assert [f["message"]["id"] for f in received] == [after_id]
        assert not [f for f in await drain(member) if f["type"] == "message"]
        await send(member, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        refused, _ = await until(member, "error")
        assert refused["code"] == "not_found"


async def test_a_ban_between_the_subscribe_check_and_the_join_still_unsubscribes(
    live_asgi, setup, monkeypatch
):
    """Check-then-act on subscribe: the member's subscribe found them in the channel, then the
    ban committed and told their sockets to drop it before this socket had joined the
    channel's group. The revocation goes to the person's own socket group (joined at connect)
    and is handled after the subscribe, so the socket still ends unsubscribed and hears no
    later post. The ban is made exactly in that window."""
    from mentorloom.communities import services
    from mentorloom.core.realtime.consumer_db import consumer_db
    from mentorloom.messaging import consumers

    convo, community = setup["convo"], setup["community"]
    subscribe_state = consumers._subscribe_state
    banned: list[int] = []

    def ban() -> None:
        target = Membership.objects.get(community=community, user=setup["member"])
        services.ban_member(setup["owner"], target, minutes=60, reason="spam")

    async def ban_then_subscribe_state(conversation, *args):  # type: ignore[no-untyped-def]
        if not banned:  # after the access check, before the group join
            banned.append(conversation.pk)
            await consumer_db(ban)()
        return await subscribe_state(conversation, *args)

    monkeypatch.setattr(consumers, "_subscribe_state", ban_then_subscribe_state)
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with chat_socket(live_asgi, member_cookie) as member:
        await send(member, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        frame, _ = await until(member, "unsubscribed")
        assert frame == {"type": "unsubscribed", "conversation_id": convo.pk, "reason": "banned"}
        assert banned == [convo.pk]
        monkeypatch.setattr(consumers, "_subscribe_state", subscribe_state)
        async with chat_socket(live_asgi, owner_cookie) as owner:
            await subscribe(owner, convo)
            await send(owner, chat(convo, body="after the ban"))
            await until(owner, "ack")
        assert not [f for f in await drain(member) if f["type"] == "message"]
        await send(member, {"type": "subscribe", "conversation_id": convo.pk, "after_id": 0})
        refused, _ = await until(member, "error")
        assert refused["code"] == "not_found"


async def test_leaving_in_another_tab_stops_the_open_channel_socket(live_asgi, setup):
    from mentorloom.communities import services

    convo, community = setup["convo"], setup["community"]
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with (
        chat_socket(live_asgi, owner_cookie) as owner,
        chat_socket(live_asgi, member_cookie) as member,
    ):
        await subscribe(owner, convo)
        await subscribe(member, convo)
        await sync_to_async(services.leave_community)(setup["member"], community)
        frame, _ = await until(member, "unsubscribed")
        assert frame["reason"] == "left" and frame["conversation_id"] == convo.pk
        await send(owner, chat(convo, body="after leaving"))
        await until(owner, "ack")
        assert not [f for f in await drain(member) if f["type"] == "message"]


async def test_a_block_hides_posts_over_the_chat_socket_both_ways_until_unblocked(live_asgi, setup):
    """A block hides two people's channel posts from each other on the page, and so on the
    socket: not in catch-up, not delivered live (for both of them), while everyone else still
    gets them; unblocking restores live delivery and catch-up."""
    from mentorloom.communities import services
    from mentorloom.safety import services as safety

    convo, general = setup["convo"], setup["general"]
    member, moderator = setup["member"], setup["moderator"]
    before = await sync_to_async(post)(member, general, body="before the block")
    await sync_to_async(safety.block_user)(moderator, member.pk)
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(member)
    moderator_cookie = await sync_to_async(cookie_for)(moderator)
    async with (
        chat_socket(live_asgi, owner_cookie) as owner_ws,
        chat_socket(live_asgi, member_cookie) as member_ws,
        chat_socket(live_asgi, moderator_cookie) as moderator_ws,
    ):
        caught_up = await subscribe(moderator_ws, convo)
        assert before.pk not in [f["message"]["id"] for f in caught_up]
        assert [f["message"]["id"] for f in await subscribe(owner_ws, convo)] == [before.pk]
        await subscribe(member_ws, convo)

        # Live, after the block: neither sees the other's post; the owner sees both.
        await send(member_ws, chat(convo, body="from the blocked"))
        from_member = (await until(member_ws, "ack"))[0]["id"]
        await send(moderator_ws, chat(convo, body="from the blocker"))
        from_moderator = (await until(moderator_ws, "ack"))[0]["id"]
        received, _ = await collect(owner_ws, messages=2)
        assert [f["message"]["id"] for f in received] == [from_member, from_moderator]
        # Each gets only their own post back (a barrier proves the other's is not coming).
        assert _message_ids(await drain(moderator_ws)) == [from_moderator]
        assert _message_ids(await drain(member_ws)) == [from_member]
        # Not by an edit either.
        message = await sync_to_async(Message.objects.get)(pk=from_member)
        await sync_to_async(services.edit_post)(member, general, message, "edited")
        assert not [f for f in await drain(moderator_ws) if f["type"] != "pong"]

        # Unblocked while both sockets are open: their sets are reloaded (the refresh is
        # queued on each socket before any later post).
        await sync_to_async(safety.unblock_user)(moderator, member.pk)
        await send(member_ws, chat(convo, body="after the unblock"))
        after = (await until(member_ws, "ack"))[0]["id"]
        received, _ = await collect(moderator_ws, messages=1)
        assert [f["message"]["id"] for f in received] == [after]
        await send(moderator_ws, {"type": "unsubscribe", "conversation_id": convo.pk})
        await until(moderator_ws, "unsubscribed")
        caught_up = await subscribe(moderator_ws, convo)
        assert {before.pk, from_member, after} <= {f["message"]["id"] for f in caught_up}

        # And a new block while subscribed takes effect at once.
        await sync_to_async(safety.block_user)(member, moderator.pk)
        await send(member_ws, chat(convo, body="after the second block"))
        second = (await until(member_ws, "ack"))[0]["id"]
        received, _ = await collect(owner_ws, messages=1)
        assert [f["message"]["id"] for f in received][-1] == second
        assert _message_ids(await drain(moderator_ws)) == []


def _message_ids(frames: list[dict]) -> list[int]:
    return [f["message"]["id"] for f in frames if f["type"] == "message"]


async def test_a_block_or_unblock_tells_the_open_channel_page_whom_it_hides(live_asgi, setup):
    """Posts passed over while someone was hidden are not sent afterwards, so the socket tells
    the page whom a block or unblock changed: the page drops the newly hidden person's posts,
    and re-reads itself for the posts of someone no longer hidden."""
    from mentorloom.safety import services as safety

    convo, general = setup["convo"], setup["general"]
    member, moderator = setup["member"], setup["moderator"]
    member_cookie = await sync_to_async(cookie_for)(member)
    moderator_cookie = await sync_to_async(cookie_for)(moderator)
    async with (
        chat_socket(live_asgi, member_cookie) as member_ws,
        chat_socket(live_asgi, moderator_cookie) as moderator_ws,
    ):
        await subscribe(member_ws, convo)
        await subscribe(moderator_ws, convo)

        await sync_to_async(safety.block_user)(moderator, member.pk)
        frame, _ = await until(moderator_ws, "hidden_changed")
        assert frame == {
            "type": "hidden_changed",
            "conversation_id": convo.pk,
            "hidden": [member.pk],
            "unhidden": [],
        }
        # Both ways: the blocked person's page stops showing the blocker's posts too.
        frame, _ = await until(member_ws, "hidden_changed")
        assert frame["hidden"] == [moderator.pk] and frame["unhidden"] == []

        while_blocked = await sync_to_async(post)(member, general, body="while blocked")
        await sync_to_async(safety.unblock_user)(moderator, member.pk)
        frame, before = await until(moderator_ws, "hidden_changed")
        assert frame == {
            "type": "hidden_changed",
            "conversation_id": convo.pk,
            "hidden": [],
            "unhidden": [member.pk],
        }
        # The post made meanwhile was passed over, not sent: the page re-reads for it.
        assert while_blocked.pk not in _message_ids(before + await drain(moderator_ws))
        frame, _ = await until(member_ws, "hidden_changed")
        assert frame["hidden"] == [] and frame["unhidden"] == [moderator.pk]

        # A reload that leaves the set as it was (a second block, the other way round)
        # sends nothing.
        await sync_to_async(safety.block_user)(member, moderator.pk)
        assert (await until(moderator_ws, "hidden_changed"))[0]["hidden"] == [member.pk]
        await sync_to_async(safety.block_user)(moderator, member.pk)
        assert not [f for f in await drain(moderator_ws) if f["type"] == "hidden_changed"]
