"""A participant blocks someone while a workshop room's chat is open (from their profile in
another tab, say): that person's messages leave the chat without a reload. After an unblock
the messages they sent meanwhile, and those the page was loaded without, come in in place,
with the half-typed message kept."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from mentorloom.messaging.services import send_message
from mentorloom.safety.services import block_user, unblock_user
from mentorloom.workshops import services
from tests.browser.helpers import in_thread, log_in, problems_of
from tests.factories import workshop_soon

pytestmark = pytest.mark.browser


@pytest.fixture
def room(transactional_db, no_janus):

    def build():  # type: ignore[no-untyped-def]
        facilitator, (ana, ben), workshop = workshop_soon("Ana", "Ben")
        main = services.join(ana, workshop)
        services.join(ben, workshop)
        services.join(facilitator, workshop)
        return facilitator, ana, ben, main

    return in_thread(build)


def say(user, room, body: str):  # type: ignore[no-untyped-def]
    return in_thread(send_message, user, room.conversation_id, str(uuid.uuid4()), body)[0]


def test_a_block_and_unblock_change_the_open_room_chat_live(new_context, asgi_server, room):
    facilitator, ana, ben, main = room
    early = say(ben, main, "Ben before the block")
    in_thread(block_user, ana, ben.pk)
    say(facilitator, main, "Fay welcomes everyone")
    meanwhile = say(ben, main, "Ben while blocked")

    context = new_context()
    log_in(context, ana, asgi_server)
    page = context.new_page()
    page.goto(f"/workshops/rooms/{main.pk}/chat/")
    chat = page.locator("[data-chat]")
    expect(chat).to_have_attribute("data-state", "live")
    messages = page.locator("[data-chat-list] > li[data-id]")
    expect(messages.filter(has_text="Fay welcomes everyone")).to_have_count(1)
    expect(messages.filter(has_text="Ben")).to_have_count(0)
    composer = page.get_by_role("textbox", name="Message")
    composer.fill("A half-typed thought")

    in_thread(unblock_user, ana, ben.pk)
    expect(messages.filter(has_text="Ben while blocked")).to_have_count(1)
    expect(messages.filter(has_text="Ben before the block")).to_have_count(1)
    ids = [int(i) for i in messages.evaluate_all("els => els.map((el) => el.dataset.id)")]
    assert ids == sorted(ids) and ids[0] == early.pk and meanwhile.pk in ids and len(ids) == 3
    expect(composer).to_have_value("A half-typed thought")
    say(ben, main, "Ben after the unblock")
    expect(messages.filter(has_text="Ben after the unblock")).to_have_count(1)

    in_thread(block_user, ana, ben.pk)
    expect(messages.filter(has_text="Ben")).to_have_count(0)
    expect(messages.filter(has_text="Fay welcomes everyone")).to_have_count(1)
    expect(composer).to_have_value("A half-typed thought")
    problems_of(context).assert_none()
