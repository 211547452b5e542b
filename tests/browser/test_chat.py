"""Two people chatting in real browsers: live delivery, typing, read receipts, and the HTTP
polling fallback when WebSockets are unavailable."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, problems_of, screenshot
from tests.messaging.helpers import mentorship_conversation


def _open_chat(new_context, user, asgi_server, url, *, init_script=None):  # type: ignore[no-untyped-def]
    context = new_context()
    log_in(context, user, asgi_server)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(url)
    return context, page


def test_mentor_and_mentee_chat_live_with_typing_and_read_receipt(new_context, asgi_server):
    convo = mentorship_conversation()
    url = f"/messages/{convo.pk}/"
    mentor_ctx, mentor = _open_chat(new_context, convo.mentorship.mentor, asgi_server, url)
    mentee_ctx, mentee = _open_chat(new_context, convo.mentorship.mentee, asgi_server, url)
    for page in (mentor, mentee):
        expect(page.locator("[data-chat]")).to_have_attribute("data-state", "live")
    expect(mentee.get_by_text("No messages yet")).to_be_visible()
    assert_accessible(mentee)

    mentor.locator("#chat-body").fill("Hello **Mo**, welcome!")
    mentor.locator("#chat-body").press("Enter")
    received = mentee.locator(".msg").last
    expect(received).to_contain_text("Hello Mo, welcome!")
    expect(received.locator("strong")).to_have_text("Mo")
    expect(mentee.get_by_text("No messages yet")).to_have_count(0)

    # The mentee has the page open, so the message is read: the mentor sees when.
    expect(mentor.locator("[data-chat-seen]")).to_have_text(re.compile(r"^Seen \d\d:\d\d$"))

    mentee.locator("#chat-body").press_sequentially("Thanks", delay=30)
    expect(mentor.locator("[data-chat-typing]")).to_have_text("Mo Mentee is typing…")
    mentee.get_by_role("button", name="Send").click()
    expect(mentor.locator(".msg").last).to_contain_text("Thanks")
    expect(mentor.locator(".msg")).to_have_count(2)
    expect(mentee.locator(".msg")).to_have_count(2)
    expect(mentee.locator(".msg--mine")).to_have_count(1)

    assert_accessible(mentor)
    screenshot(mentor, "chat-mentor")
    screenshot(mentee, "chat-mentee")
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


# Simulates a proxy that blocks WebSockets: every socket closes (1006) without opening.
NO_WEBSOCKET = """
window.WebSocket = class BlockedSocket extends EventTarget {
  static OPEN = 1;
  constructor() {
    super();
    this.readyState = 3;
    setTimeout(() => {
      const event = new Event("close");
      Object.defineProperty(event, "code", { value: 1006 });
      this.dispatchEvent(event);
      if (typeof this.onclose === "function") this.onclose(event);
    }, 50);
  }
  send() {}
  close() {}
};
"""


def test_without_websockets_the_chat_falls_back_to_http_polling(new_context, asgi_server):
    convo = mentorship_conversation()
    url = f"/messages/{convo.pk}/"
    mentor_ctx, mentor = _open_chat(new_context, convo.mentorship.mentor, asgi_server, url)
    mentee_ctx, mentee = _open_chat(
        new_context, convo.mentorship.mentee, asgi_server, url, init_script=NO_WEBSOCKET
    )
    expect(mentor.locator("[data-chat]")).to_have_attribute("data-state", "live")
    expect(mentee.locator("[data-chat]")).to_have_attribute("data-state", "polling")
    expect(mentee.locator("[data-chat-status]")).to_contain_text("every few seconds")

    mentor.locator("#chat-body").fill("Can you see this?")
    mentor.get_by_role("button", name="Send").click()
    expect(mentee.locator(".msg").last).to_contain_text("Can you see this?")

    mentee.locator("#chat-body").fill("Yes, over plain HTTP")
    mentee.get_by_role("button", name="Send").click()
    expect(mentor.locator(".msg").last).to_contain_text("Yes, over plain HTTP")
    expect(mentee.locator(".msg")).to_have_count(2)
    expect(mentee.locator(".msg--pending")).to_have_count(0)
    # The polling side's read marker still reaches the live side.
    expect(mentor.locator("[data-chat-seen]")).to_have_text(re.compile(r"^Seen \d\d:\d\d$"))
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()
