"""The main navigation: at phone widths it folds behind a Menu button (a disclosure), which
carries a dot while a count in the menu shows; at desktop widths every link shows."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from mentorloom.messaging import services
from tests.browser.helpers import assert_accessible, log_in, problems_of, screenshot
from tests.messaging.helpers import mentorship_conversation

PHONE = {"width": 390, "height": 844}


def _signed_in_page(new_context, user, asgi_server, **options):  # type: ignore[no-untyped-def]
    context = new_context(**options)
    log_in(context, user, asgi_server)
    page = context.new_page()
    page.goto("/dashboard/")
    return context, page


def test_phone_menu_opens_closes_and_shows_unread(new_context, asgi_server):
    convo = mentorship_conversation()
    mentee = convo.mentorship.mentee
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "Hello!")
    context, page = _signed_in_page(
        new_context, mentee, asgi_server, viewport=PHONE, is_mobile=True, has_touch=True
    )
    menu = page.get_by_role("button", name="Menu")
    messages = page.get_by_role("link", name="Messages 1 unread")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(messages).to_be_hidden()
    # One unread message: the folded menu says so with its dot.
    expect(page.locator(".nav-toggle__dot")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "sideways scroll"
    screenshot(page, "nav-phone-closed")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(messages).to_be_visible()
    page.locator("#main-nav summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "nav-phone-open")

    # From the keyboard: Tab goes from the button into the links; Escape closes and gives
    # focus back to the button.
    menu.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Dashboard")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(messages).to_be_hidden()
    page.keyboard.press("Enter")
    expect(messages).to_be_visible()

    messages.click()
    expect(page).to_have_url(f"{asgi_server}/messages/")
    problems_of(context).assert_none()


def test_desktop_shows_every_link_and_no_menu_button(new_context, asgi_server):
    convo = mentorship_conversation()
    context, page = _signed_in_page(new_context, convo.mentorship.mentee, asgi_server)
    expect(page.get_by_role("link", name="Find a mentor")).to_be_visible()
    expect(page.get_by_role("link", name="Messages")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    problems_of(context).assert_none()


def test_a_live_event_reaches_the_page_once(new_context, asgi_server):
    # Pages with live features (the workshop room, live notes) listen for "ml:live": each event
    # must arrive once, or every handler (a room move, a note merge) runs twice.
    from mentorloom.core.realtime.live import publish_to_user
    from tests.browser.helpers import in_thread
    from tests.factories import UserFactory

    user = UserFactory()
    _, page = _signed_in_page(new_context, user, asgi_server)
    page.wait_for_function("() => document.documentElement.dataset.live === 'open'")
    page.evaluate(
        """() => { window.seen = 0; document.addEventListener("ml:live", (e) => {
             if (e.detail.type === "test.ping") window.seen += 1; }); }"""
    )
    in_thread(lambda: publish_to_user(user.pk, {"type": "test.ping"}))
    page.wait_for_function("() => window.seen >= 1")
    page.wait_for_timeout(500)
    assert page.evaluate("window.seen") == 1


NAV_ROW_TOPS = """() => [...document.querySelectorAll('#main-nav > *')]
  .map((el) => Math.round(el.getBoundingClientRect().top))"""


def test_the_longest_nav_fits_one_line_at_1280_and_its_account_menu_works_by_keyboard(
    new_context, asgi_server
):
    """A staff member who also administers a program has every link there is, with unread
    counts on Messages and Notifications: at 1280 px the nav is still one line ("Log out"
    used to wrap to a second). Account, Insights and Log out sit in the Account disclosure."""
    from mentorloom.notifications.services import notify
    from tests.factories import ProgramFactory

    convo = mentorship_conversation()
    admin = convo.mentorship.mentee
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    ProgramFactory(admin=admin)
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "Hello!")
    notify(admin, kind="goal.added", title="A goal was added", email=False)
    context, page = _signed_in_page(
        new_context, admin, asgi_server, viewport={"width": 1280, "height": 800}
    )
    expect(page.get_by_role("link", name="Programs")).to_be_visible()
    expect(page.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    tops = page.evaluate(NAV_ROW_TOPS)
    assert len(tops) == 10, tops
    assert max(tops) - min(tops) <= 2, f"the nav wraps: tops {tops}"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # The Account disclosure from the keyboard: Enter opens it, Tab walks into its links,
    # Escape closes it and gives focus back to its summary.
    summary = page.locator("#main-nav summary")
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(log_out).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Settings")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Insights", exact=True)).to_be_focused()
    assert_accessible(page)
    screenshot(page, "nav-longest-1280-account-open")
    page.keyboard.press("Escape")
    expect(log_out).to_be_hidden()
    expect(summary).to_be_focused()
    screenshot(page, "nav-longest-1280")

    # Phone width: the folded menu holds the same links, Account opens in place.
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Menu").click()
    summary.click()
    expect(log_out).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "sideways scroll"
    assert_accessible(page)
    screenshot(page, "nav-longest-phone-open")
    log_out.click()
    expect(page.get_by_text("You are logged out")).to_be_visible()
    problems_of(context).assert_none()
