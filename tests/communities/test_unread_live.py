"""Live per-channel unread badges (/ws/communities/<id>/, real uvicorn and channel layer): one
activity event per post reaches every member's community page, the counts come from read
markers and clear on read; the per-post cost does not grow with the channel's members."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mentorloom.communities import services
from mentorloom.communities.events import ACTIVITY, community_group
from mentorloom.messaging import services as messaging
from mentorloom.messaging.events import conversation_group
from mentorloom.safety.services import block_user, unblock_user
from tests.communities.helpers import community_with, person, post
from tests.messaging.sockets import (
    TIMEOUT,
    chat,
    chat_socket,
    cookie_for,
    receive,
    send,
    subscribe,
    until,
)
from tests.sockets import socket_at


def community_socket(server, community, cookie: str):  # type: ignore[no-untyped-def]
    return connect(
        f"{server.ws_url}/ws/communities/{community.pk}/",
        origin=server.url,
        additional_headers={"Cookie": cookie},
        open_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
    )


def live_socket(server, cookie: str):  # type: ignore[no-untyped-def]
    return connect(
        f"{server.ws_url}/ws/live/",
        origin=server.url,
        additional_headers={"Cookie": cookie},
        open_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
    )


async def barrier(ws) -> list[dict]:
    """Every frame sent before the answer to a ping (nothing else pending)."""
    await send(ws, {"type": "ping"})
    _, before = await until(ws, "pong")
    return before


@pytest.fixture
def setup(transactional_db):  # type: ignore[no-untyped-def]
    community, owner, moderator, member, general = community_with()
    jobs = services.create_channel(owner, community, name="jobs")
    return {
        "community": community,
        "general": general,
        "convo": general.conversation,
        "jobs": jobs,
        "owner": owner,
        "moderator": moderator,
        "member": member,
    }


async def test_a_post_bumps_the_other_members_badge_live_and_reading_clears_it(live_asgi, setup):
    community, general, jobs = setup["community"], setup["general"], setup["jobs"]
    await sync_to_async(post)(setup["owner"], jobs, "An opening")
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with (
        community_socket(live_asgi, community, member_cookie) as badges,
        community_socket(live_asgi, community, owner_cookie) as own_badges,
        chat_socket(live_asgi, owner_cookie) as owner_chat,
    ):
        counts = await receive(badges)
        assert counts == {"type": "unread", "channels": {str(general.pk): 0, str(jobs.pk): 1}}
        assert (await receive(own_badges))["channels"][str(jobs.pk)] == 0
        # The owner posts over the chat socket, as the channel page does.
        await subscribe(owner_chat, setup["convo"])
        await send(owner_chat, chat(setup["convo"], body="Hello all"))
        ack, _ = await until(owner_chat, "ack")
        activity = await receive(badges)
        assert activity == {"type": "activity", "channel_id": general.pk, "message_id": ack["id"]}
        # Your own post is not unread for you.
        assert await barrier(own_badges) == []
        # The member reads #general (opening the page, or channel.js's read frame) and asks
        # again, as the page does when /ws/live/ says their unread changed.
        async with live_socket(live_asgi, member_cookie) as live:
            await sync_to_async(services.mark_channel_read)(setup["member"], general, ack["id"])
            changed = await receive(live)
            assert changed["type"] == "unread.changed"
        await send(badges, {"type": "refresh"})
        counts = await receive(badges)
        assert counts["channels"] == {str(general.pk): 0, str(jobs.pk): 1}


async def test_posts_counted_at_connect_are_not_counted_twice(live_asgi, setup):
    community, general = setup["community"], setup["general"]
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with community_socket(live_asgi, community, member_cookie) as badges:
        await receive(badges)
        first = await sync_to_async(post)(setup["owner"], general, "one")
        assert (await receive(badges))["message_id"] == first.pk
        # Reconnected: the snapshot counts it, and a replayed event for it is dropped.
        async with community_socket(live_asgi, community, member_cookie) as again:
            assert (await receive(again))["channels"][str(general.pk)] == 1
            second = await sync_to_async(post)(setup["owner"], general, "two")
            assert (await receive(again))["message_id"] == second.pk
            assert await barrier(again) == []


async def test_posts_of_someone_you_blocked_do_not_count(live_asgi, setup):
    community, general = setup["community"], setup["general"]
    await sync_to_async(block_user)(setup["member"], setup["owner"].pk)
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with community_socket(live_asgi, community, member_cookie) as badges:
        await receive(badges)
        await sync_to_async(post)(setup["owner"], general, "hidden from the member")
        shown = await sync_to_async(post)(setup["moderator"], general, "visible")
        assert (await receive(badges))["message_id"] == shown.pk
        assert await barrier(badges) == []


async def test_a_block_or_unblock_while_the_badges_are_live_changes_whose_posts_count(
    live_asgi, setup
):
    """The open page's socket reads whom it hides again on a block or unblock (with the
    counts): a newly blocked person's posts stop counting at once, an unblocked person's
    count again, those made while the block lasted included."""
    community, general = setup["community"], setup["general"]
    ana, ben = setup["member"], setup["owner"]
    ana_cookie = await sync_to_async(cookie_for)(ana)
    async with community_socket(live_asgi, community, ana_cookie) as badges:
        assert (await receive(badges))["channels"][str(general.pk)] == 0

        await sync_to_async(block_user)(ana, ben.pk)
        assert (await until(badges, "unread"))[0]["channels"][str(general.pk)] == 0
        await sync_to_async(post)(ben, general, "while blocked")
        assert await barrier(badges) == []

        await sync_to_async(unblock_user)(ana, ben.pk)
        assert (await until(badges, "unread"))[0]["channels"][str(general.pk)] == 1
        after = await sync_to_async(post)(ben, general, "after the unblock")
        activity = await receive(badges)
        assert activity == {"type": "activity", "channel_id": general.pk, "message_id": after.pk}
        assert await barrier(badges) == []


async def test_outsiders_and_signed_out_sockets_are_closed(live_asgi, setup):
    outsider = await sync_to_async(person)("Out Sider")
    cookie = await sync_to_async(cookie_for)(outsider)
    async with community_socket(live_asgi, setup["community"], cookie) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
        assert closed.value.rcvd.code == 4404
    anonymous = connect(
        f"{live_asgi.ws_url}/ws/communities/{setup['community'].pk}/",
        origin=live_asgi.url,
        open_timeout=TIMEOUT,
    )
    async with anonymous as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
        assert closed.value.rcvd.code == 4401


def _take_out(setup, how: str) -> None:  # type: ignore[no-untyped-def]
    """The member is banned by a moderator, or leaves."""
    community, member = setup["community"], setup["member"]
    if how == "ban":
        services.ban_member(
            setup["moderator"], community.memberships.get(user=member), minutes=60, reason="Spam"
        )
    else:
        services.leave_community(member, community)


async def _frames_until_closed(ws) -> tuple[list[dict], int]:  # type: ignore[no-untyped-def]
    frames = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frames.append(await receive(ws))
    return frames, closed.value.rcvd.code


@pytest.mark.parametrize(("how", "reason"), [("ban", "banned"), ("leave", "left")])
async def test_a_ban_or_leaving_ends_the_members_open_badge_socket(live_asgi, setup, how, reason):
    """The socket passed on every post's channel and message ids to a banned member (or one
    who left) until they closed the page. Now the ban or leaving tells it why and closes it;
    a post made right after reaches it no more, and coming back is refused."""
    community, general = setup["community"], setup["general"]
    path = f"/ws/communities/{community.pk}/"
    async with socket_at(
        live_asgi, path, await sync_to_async(cookie_for)(setup["member"])
    ) as badges:
        assert (await receive(badges))["type"] == "unread"
        await sync_to_async(_take_out)(setup, how)
        await sync_to_async(post)(setup["owner"], general, "after the ban")
        frames, code = await _frames_until_closed(badges)
        assert frames == [{"type": "removed", "reason": reason}]
        assert code == 4404
    async with socket_at(
        live_asgi, path, await sync_to_async(cookie_for)(setup["member"])
    ) as again:
        assert await _frames_until_closed(again) == ([], 4404)


async def test_someone_elses_ban_leaves_a_members_badge_socket_open(live_asgi, setup):
    """A revocation for another person, or for conversations of another community, changes
    nothing for this socket."""
    community, general = setup["community"], setup["general"]
    other, _owner, other_moderator, *_ = await sync_to_async(community_with)(name="Elsewhere")
    await sync_to_async(services.join_community)(setup["member"], other)
    elsewhere = {"community": other, "member": setup["member"], "moderator": other_moderator}
    async with socket_at(
        live_asgi,
        f"/ws/communities/{community.pk}/",
        await sync_to_async(cookie_for)(setup["member"]),
    ) as badges:
        assert (await receive(badges))["type"] == "unread"
        await sync_to_async(_take_out)(elsewhere, "ban")  # banned from the other one
        shown = await sync_to_async(post)(setup["owner"], general, "still here")
        assert (await receive(badges))["message_id"] == shown.pk
        assert await barrier(badges) == []


async def test_a_ban_just_after_the_connect_check_still_ends_the_socket(
    live_asgi, setup, monkeypatch
):
    """Check-then-act on connect: the snapshot found the member in good standing, then the
    ban committed before the socket had sent its counts. The ban is made exactly there; the
    socket must still be told and closed, and hear nothing of a post after the ban."""
    from mentorloom.communities import consumers

    snapshot = consumers._snapshot
    banned: list[int] = []

    async def snapshot_then_ban(user, community_id):  # type: ignore[no-untyped-def]
        taken = await snapshot(user, community_id)  # the check passed ...
        if not banned:
            banned.append(user.pk)  # ... and the ban commits before anything is sent
            await sync_to_async(_take_out)(setup, "ban")
            await sync_to_async(post)(setup["owner"], setup["general"], "after the ban")
        return taken

    monkeypatch.setattr(consumers, "_snapshot", snapshot_then_ban)
    path = f"/ws/communities/{setup['community'].pk}/"
    async with socket_at(
        live_asgi, path, await sync_to_async(cookie_for)(setup["member"])
    ) as badges:
        frames, code = await _frames_until_closed(badges)
    assert banned == [setup["member"].pk]
    assert [f["type"] for f in frames] == ["unread", "removed"]
    assert frames[1]["reason"] == "banned"
    assert code == 4404


async def test_a_channel_post_over_the_socket_leaves_other_members_nav_badges_alone(
    live_asgi, setup
):
    owner_cookie = await sync_to_async(cookie_for)(setup["owner"])
    member_cookie = await sync_to_async(cookie_for)(setup["member"])
    async with (
        live_socket(live_asgi, member_cookie) as live,
        chat_socket(live_asgi, owner_cookie) as owner_chat,
    ):
        await subscribe(owner_chat, setup["convo"])
        await send(owner_chat, chat(setup["convo"], body="no badge for this"))
        await until(owner_chat, "ack")
        # /ws/live/ answers anything with an error: a barrier behind whatever was sent before.
        await send(live, {"type": "ping"})
        frames = []
        while (frame := await receive(live))["type"] != "error":
            frames.append(frame)
        assert not [f for f in frames if f["type"] == "unread.changed"]


@pytest.mark.django_db
def test_a_post_announces_two_events_whatever_the_number_of_members(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    community, owner, _moderator, _member, general = community_with()
    for n in range(40):
        services.join_community(person(f"Member {n}"), community)
    outbox: list = []
    with django_assert_max_num_queries(12), django_capture_on_commit_callbacks(execute=True):
        message, _ = messaging.send_message(
            owner, general.conversation_id, uuid.uuid4(), "to 43 members", outbox=outbox
        )
    assert [(group, event["type"]) for group, event in outbox] == [
        (conversation_group(general.conversation_id), "chat.message"),
        (community_group(community.pk), ACTIVITY),
    ]
    assert outbox[1][1]["message_id"] == message.pk and outbox[1][1]["channel_id"] == general.pk
