"""A channel's members on two server processes (PostgreSQL + Redis pub/sub): every member
gets every post once, in id order. PostgreSQL + Redis only."""

from __future__ import annotations

from contextlib import AsyncExitStack

from asgiref.sync import sync_to_async

from tests.communities.helpers import community_with, person
from tests.messaging.sockets import chat, chat_socket, collect, cookie_for, send, subscribe
from tests.messaging.test_multiprocess import pytestmark, two_servers  # noqa: F401

MEMBERS = 6
POSTS = 20


def _channel_with_members():  # type: ignore[no-untyped-def]
    from mentorloom.communities import services

    community, owner, moderator, member, general = community_with()
    people = [owner, moderator, member]
    for n in range(MEMBERS - 3):
        extra = person(f"Extra Member{n}")
        services.join_community(extra, community)
        people.append(extra)
    return general.conversation, [cookie_for(p) for p in people]


async def test_channel_fan_out_across_two_processes_is_complete_ordered_and_once(two_servers):  # noqa: F811
    convo, cookies = await sync_to_async(_channel_with_members)()
    one, two = two_servers
    async with AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(chat_socket(one if n % 2 else two, cookie))
            for n, cookie in enumerate(cookies)
        ]
        for ws in sockets:
            await subscribe(ws, convo)
        posters = sockets[:2]
        for n in range(POSTS):
            await send(posters[n % 2], chat(convo, body=f"p{n}"))
        results = []
        for index, ws in enumerate(sockets):
            acks = POSTS // 2 if index < 2 else 0
            results.append(await collect(ws, messages=POSTS, acks=acks))
    ids = sorted(f["id"] for _messages, acks in results[:2] for f in acks)
    assert len(set(ids)) == POSTS
    for messages, _acks in results:
        assert [f["message"]["id"] for f in messages] == ids
