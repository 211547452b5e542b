"""Two people chatting in real browsers: live delivery, typing, read receipts, and the HTTP
polling fallback when WebSockets are unavailable."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from mentorloom.messaging import services
from tests.browser.helpers import (
    assert_accessible,
    in_thread,
    log_in,
    problems_of,
    screenshot,
)
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


def test_sender_edits_and_deletes_and_the_other_side_sees_it_live(new_context, asgi_server):
    convo = mentorship_conversation()
    url = f"/messages/{convo.pk}/"
    mentor_ctx, mentor = _open_chat(new_context, convo.mentorship.mentor, asgi_server, url)
    mentee_ctx, mentee = _open_chat(new_context, convo.mentorship.mentee, asgi_server, url)
    for page in (mentor, mentee):
        expect(page.locator("[data-chat]")).to_have_attribute("data-state", "live")

    mentor.locator("#chat-body").fill("See you on Tuseday")
    mentor.locator("#chat-body").press("Enter")
    expect(mentee.locator(".msg").last).to_contain_text("See you on Tuseday")
    expect(mentee.locator(".msg").last.get_by_role("link", name="Edit")).to_have_count(0)

    sent = mentor.locator(".msg--mine").last
    sent.get_by_role("link", name=re.compile("^Edit")).click()
    editor = sent.get_by_label("Edit message")
    expect(editor).to_have_value("See you on Tuseday")
    # An empty edit is refused, and the reason is announced (role=alert) with the editor open.
    editor.fill("   ")
    sent.get_by_role("button", name="Save").click()
    expect(sent.get_by_role("alert")).to_be_visible()
    expect(editor).to_be_visible()
    # That refusal (a 422, and Chromium's console line on it) was the point.
    problems_of(mentor_ctx).forgive(
        422, f"/api/v1/conversations/{convo.pk}/messages/{sent.get_attribute('data-id')}"
    )
    editor.fill("See you on **Tuesday**")
    sent.get_by_role("button", name="Save").click()
    received = mentee.locator(".msg").last
    expect(received.locator("strong")).to_have_text("Tuesday")
    expect(received.locator(".msg__edited")).to_have_text("edited")
    assert_accessible(mentor)

    mentor.locator(".msg--mine").last.get_by_role("button", name=re.compile("^Delete")).click()
    mentor.locator(".msg--mine").last.get_by_role("button", name="Really delete?").click()
    expect(received).to_contain_text("Message deleted")
    expect(received).not_to_contain_text("Tuesday")
    expect(mentor.locator(".msg--mine").last.get_by_role("button")).to_have_count(0)
    screenshot(mentee, "chat-edited-deleted")
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def test_the_inbox_page_updates_live_badge_title_and_list(new_context, asgi_server):
    convo = mentorship_conversation()
    mentor_ctx, mentor = _open_chat(
        new_context, convo.mentorship.mentor, asgi_server, f"/messages/{convo.pk}/"
    )
    mentee_ctx, inbox = _open_chat(new_context, convo.mentorship.mentee, asgi_server, "/messages/")
    badge = inbox.locator("#nav-unread")
    item = inbox.locator(".inbox__item")
    expect(item).not_to_contain_text("unread")
    expect(mentor.locator("[data-chat]")).to_have_attribute("data-state", "live")
    inbox.locator(f"#inbox-c{convo.pk}").focus()
    inbox.wait_for_timeout(300)  # the live socket joins its group after the page loads
    mentor.locator("#chat-body").fill("See you **Thursday**?")
    mentor.locator("#chat-body").press("Enter")
    expect(badge).to_be_visible()
    expect(badge.locator("[data-count]")).to_have_text("1")
    expect(badge).to_contain_text("unread")  # for screen readers, visually hidden
    expect(inbox).to_have_title(re.compile(r"^\(1\) Messages"))  # seen from other tabs
    # The conversation list reloads: its count, the message as plain text, the total.
    expect(item).to_contain_text("1 unread")
    expect(item.locator(".inbox__preview")).to_have_text("See you Thursday?")
    expect(inbox.locator("#inbox-total")).to_have_text("1")
    # The list was replaced under the keyboard focus, which stays on the same conversation.
    expect(inbox.locator(f"#inbox-c{convo.pk}")).to_be_focused()
    assert_accessible(inbox)

    # Reading the conversation in another tab takes the badge back to zero on this one.
    reader = mentee_ctx.new_page()
    reader.goto(f"/messages/{convo.pk}/")
    expect(badge).to_be_hidden()
    expect(inbox).to_have_title(re.compile(r"^Messages"))
    expect(item).not_to_contain_text("unread")
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def test_a_message_arriving_while_you_read_older_ones_waits_below_a_button(
    new_context, asgi_server
):
    convo = mentorship_conversation()
    mentee_user = convo.mentorship.mentee

    def fill() -> None:  # more than the panel shows; counted as allowed (no rate limit)
        for n in range(30):
            services.send_message(mentee_user, convo, uuid.uuid4(), f"Note {n}", allowed=True)

    in_thread(fill)  # off this thread, where Playwright runs an event loop
    url = f"/messages/{convo.pk}/"
    mentor_ctx, mentor = _open_chat(new_context, convo.mentorship.mentor, asgi_server, url)
    mentee_ctx, mentee = _open_chat(new_context, mentee_user, asgi_server, url)
    for page in (mentor, mentee):
        expect(page.locator("[data-chat]")).to_have_attribute("data-state", "live")
    jump = mentee.locator("[data-chat-jump]")
    expect(jump).to_be_hidden()
    # The page ends with its footer: nothing inside the scrolled panel (its visually hidden
    # labels) stretches the page below it.
    page_end = mentee.evaluate(
        "[document.documentElement.scrollHeight,"
        " document.querySelector('footer').getBoundingClientRect().bottom + window.scrollY]"
    )
    assert page_end[0] <= page_end[1] + 1, page_end
    scroller = mentee.locator("[data-chat-scroll]")
    scroller.evaluate("el => { el.scrollTop = 0; }")

    mentor.locator("#chat-body").fill("One more thing")
    mentor.locator("#chat-body").press("Enter")
    newest = mentee.locator(".msg").last
    expect(newest).to_contain_text("One more thing")
    expect(jump).to_be_visible()
    expect(newest).not_to_be_in_viewport()  # not scrolled away from what you were reading
    assert_accessible(mentee)
    screenshot(mentee, "chat-new-messages-below")
    jump.click()
    expect(jump).to_be_hidden()
    expect(newest).to_be_in_viewport()
    expect(mentee.locator("#chat-body")).to_be_focused()
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()


def test_image_attachment_arrives_live_as_a_thumbnail(new_context, asgi_server):
    from tests.messaging.test_attachments import PDF, image_bytes

    convo = mentorship_conversation()
    url = f"/messages/{convo.pk}/"
    mentor_ctx, mentor = _open_chat(new_context, convo.mentorship.mentor, asgi_server, url)
    mentee_ctx, mentee = _open_chat(new_context, convo.mentorship.mentee, asgi_server, url)
    for page in (mentor, mentee):
        expect(page.locator("[data-chat]")).to_have_attribute("data-state", "live")

    mentor.get_by_label("Attach a file").set_input_files(
        {"name": "plan.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}
    )
    mentor.locator("#chat-body").fill("Our plan")
    mentor.get_by_role("button", name="Send").click()
    thumb = mentee.get_by_role("img", name="Image: plan.png")
    expect(thumb).to_be_visible()
    # Visible as soon as the element exists; the bytes may still be on their way.
    width = thumb.evaluate(
        """img => img.complete && img.naturalWidth ? img.naturalWidth
        : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))"""
    )
    assert width == 320
    expect(mentor.get_by_role("img", name="Image: plan.png")).to_be_visible()

    mentee.get_by_label("Attach a file").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just text"}
    )
    mentee.get_by_role("button", name="Send").click()
    expect(mentee.locator("#chat-file-error")).to_have_text(
        "Attach a JPEG, PNG or WebP image or a PDF."
    )
    mentee.get_by_label("Attach a file").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    mentee.get_by_role("button", name="Send").click()
    expect(mentor.get_by_role("link", name="cv.pdf")).to_be_visible()
    assert_accessible(mentee)
    screenshot(mentee, "chat-attachments")
    problems_of(mentor_ctx).assert_none()
    # The refused upload is an expected 422; nothing else may go wrong on the mentee's side.
    mentee_problems = [p for p in problems_of(mentee_ctx).all() if "422" not in p]
    assert mentee_problems == []


def test_emoji_reaction_shows_live_on_the_other_side(new_context, asgi_server):
    convo = mentorship_conversation()
    url = f"/messages/{convo.pk}/"
    mentor_ctx, mentor = _open_chat(new_context, convo.mentorship.mentor, asgi_server, url)
    mentee_ctx, mentee = _open_chat(new_context, convo.mentorship.mentee, asgi_server, url)
    for page in (mentor, mentee):
        expect(page.locator("[data-chat]")).to_have_attribute("data-state", "live")
    mentor.locator("#chat-body").fill("I got the job!")
    mentor.locator("#chat-body").press("Enter")
    received = mentee.locator(".msg").last
    expect(received).to_contain_text("I got the job!")

    received.locator("summary").click()
    received.get_by_role("button", name="Celebrate").click()
    mine = mentee.locator(".msg").last.locator('[data-msg-reactions] > [aria-pressed="true"]')
    expect(mine).to_have_text("🎉 1 Celebrate")
    theirs = mentor.locator(".msg--mine").last.locator("[data-msg-reactions] > .reaction")
    expect(theirs).to_have_text("🎉 1 Celebrate")
    expect(theirs).to_have_attribute("aria-pressed", "false")
    assert_accessible(mentee)

    mine.click()  # pressing your own reaction again takes it back
    expect(theirs).to_have_count(0)
    problems_of(mentor_ctx).assert_none()
    problems_of(mentee_ctx).assert_none()
