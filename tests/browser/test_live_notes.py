"""Two people take notes together: both type into the same shared notes at once, each sees the
other's lines within about a second without losing what they are typing, and only a real
overlap (both rewriting the same line) shows the conflict box."""

from __future__ import annotations

import time
from datetime import timedelta
from itertools import zip_longest

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Locator, Page, expect

from mentorloom.scheduling.models import Session
from mentorloom.sessions import selectors, services
from mentorloom.sessions.models import SharedNotes
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.browser

NOTES = "## Goals\n- Ship the portfolio\n\n## Risks\n- Time"


def _session_with_notes() -> Session:
    mentor = ProfileFactory(display_name="Aiko Berg", is_mentor=True).user
    mentee = ProfileFactory(display_name="Kenji Sato", time_zone="Asia/Tokyo").user
    mentorship = SchedulingMentorshipFactory(mentor=mentor, mentee=mentee)
    starts = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    session = Session.objects.create(
        mentorship=mentorship,
        mentor=mentor,
        mentee=mentee,
        booked_by=mentee,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        zone="Asia/Tokyo",
    )
    services.save_notes(session, mentee, body=NOTES, base_version=0)
    return session


def _open_notes(context: BrowserContext, session: Session) -> Page:
    page = context.new_page()
    page.goto(f"/sessions/{session.pk}/notes/")
    expect(page.locator("html[data-live=open]")).to_have_count(1)  # the live socket is up
    return page


def _caret_in(box: Locator, text: str) -> None:
    """Focus the text box with the caret right after `text`."""
    box.evaluate(
        "(box, text) => { box.focus(); const at = box.value.indexOf(text) + text.length;"
        " box.setSelectionRange(at, at); }",
        text,
    )


def _caret_after(page: Page, text: str) -> None:
    _caret_in(page.get_by_label("Notes in Markdown"), text)


def test_two_people_typing_at_once_see_both_edits_within_a_second(new_context, asgi_server):
    session = in_thread(_session_with_notes)
    mentee_ctx = new_context(timezone_id="Asia/Tokyo")
    mentor_ctx = new_context(timezone_id="Europe/Berlin")
    log_in(mentee_ctx, session.mentee, asgi_server)
    log_in(mentor_ctx, session.mentor, asgi_server)
    mentee, mentor = _open_notes(mentee_ctx, session), _open_notes(mentor_ctx, session)
    mentee_box = mentee.get_by_label("Notes in Markdown")
    mentor_box = mentor.get_by_label("Notes in Markdown")

    # 1. Both type at the same time, keystrokes interleaved, in different paragraphs.
    _caret_after(mentee, "portfolio")
    _caret_after(mentor, "- Time")
    for mine, theirs in zip_longest(" by May", "\n- Money"):
        if mine:
            mentee.keyboard.type(mine)
        if theirs:
            mentor.keyboard.type(theirs)
    stopped = time.monotonic()
    both = "## Goals\n- Ship the portfolio by May\n\n## Risks\n- Time\n- Money"
    expect(mentee_box).to_have_value(both, timeout=3000)
    expect(mentor_box).to_have_value(both, timeout=3000)
    # 0.6 s autosave after the last keystroke, then the save and the push.
    assert time.monotonic() - stopped < 1.6, time.monotonic() - stopped
    expect(mentee.locator("#notes-live")).to_have_text("Saved · live")
    expect(mentor.locator("#notes-live")).to_have_text("Saved · live")
    expect(
        mentor.locator("#notes-preview li", has_text="Ship the portfolio by May")
    ).to_be_visible()
    assert in_thread(lambda: SharedNotes.objects.get(session=session).body) == both

    # 2. The mentee keeps typing slowly while the mentor's new line arrives: the mentor's
    #    line is merged in and every keystroke of the mentee lands where the caret was.
    _caret_after(mentee, "## Goals")
    _caret_after(mentor, "- Money")
    mentee.keyboard.type("\n- Land an interview")  # a first part, then keep typing
    mentor.keyboard.type("\n- Visa paperwork")
    mentee_box.press_sequentially(" at a design studio", delay=90)  # ~1.7 s of typing
    final = (
        "## Goals\n- Land an interview at a design studio\n- Ship the portfolio by May\n\n"
        "## Risks\n- Time\n- Money\n- Visa paperwork"
    )
    expect(mentee_box).to_have_value(final, timeout=3000)
    expect(mentor_box).to_have_value(final, timeout=3000)
    assert in_thread(lambda: SharedNotes.objects.get(session=session).body) == final
    screenshot(mentee, "live-notes-both-edits")

    # 3. A true overlap: both rewrite the same line before either save lands. The second
    #    saver gets the conflict box with only that line; everything else stays merged.
    _caret_after(mentor, "- Time")
    _caret_after(mentee, "- Time")
    mentor.keyboard.type(" and energy")
    mentee.keyboard.type(" for practice")
    conflict = mentee.locator(".notes-conflict")
    expect(conflict).to_contain_text("You both changed the same line at once")
    expect(mentee.get_by_label("Their wording of the overlapping part", exact=False)).to_have_value(
        "- Time and energy"
    )
    expect(mentee.locator("#notes-live")).to_have_text("Not saved: choose what to keep below")
    assert_accessible(mentee)
    screenshot(mentee, "live-notes-overlap")
    mentee_box.fill(final.replace("- Time", "- Time and energy for practice"))
    mentee.get_by_role("button", name="Save my merged version").click()
    resolved = final.replace("- Time", "- Time and energy for practice")
    expect(mentor_box).to_have_value(resolved, timeout=3000)
    expect(conflict).to_have_count(0)
    assert in_thread(lambda: SharedNotes.objects.get(session=session).body) == resolved

    # The session page at desktop and phone widths, with both people live.
    assert_accessible(mentor)
    screenshot(mentor, "live-notes-1280")
    mentor.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(mentor)
    screenshot(mentor, "live-notes-390")

    problems_of(mentor_ctx).assert_none()
    mentee_problems = problems_of(mentee_ctx)
    # The overlap is one expected 409 (Chromium logs it as a failed resource).
    mentee_problems.forgive(409, f"/sessions/{session.pk}/notes/")
    mentee_problems.assert_none()


def test_the_agenda_is_live_topics_appear_and_questions_merge(new_context, asgi_server):
    session = in_thread(_session_with_notes)
    in_thread(
        services.save_agenda_details,
        session,
        session.mentee,
        questions="How do I pick a role?\nIs a bootcamp worth it?",
        links="",
    )
    mentee_ctx = new_context(timezone_id="Asia/Tokyo")
    mentor_ctx = new_context(timezone_id="Europe/Berlin")
    log_in(mentee_ctx, session.mentee, asgi_server)
    log_in(mentor_ctx, session.mentor, asgi_server)
    pages = []
    for ctx in (mentee_ctx, mentor_ctx):
        page = ctx.new_page()
        page.goto(f"/sessions/{session.pk}/agenda/")
        expect(page.locator("html[data-live=open]")).to_have_count(1)
        pages.append(page)
    mentee, mentor = pages

    # A topic the mentor adds shows up on the mentee's open page without a reload.
    mentor.get_by_role("textbox", name="Topic", exact=True).fill("Portfolio review")
    mentor.get_by_role("button", name="Add topic").click()
    expect(mentee.locator("#agenda-topic-list")).to_contain_text("Portfolio review")

    # Both type questions at once, on different lines: both see both.
    mentee_q = mentee.get_by_role("textbox", name="Questions")
    mentor_q = mentor.get_by_role("textbox", name="Questions")
    _caret_in(mentee_q, "role")
    _caret_in(mentor_q, "worth it?")
    for mine, theirs in zip_longest(" in design", "\nWhat about visas?"):
        if mine:
            mentee.keyboard.type(mine)
        if theirs:
            mentor.keyboard.type(theirs)
    both = "How do I pick a role in design?\nIs a bootcamp worth it?\nWhat about visas?"
    expect(mentee_q).to_have_value(both, timeout=3000)
    expect(mentor_q).to_have_value(both, timeout=3000)
    expect(mentee.locator("#agenda-live")).to_have_text("Saved · live")
    assert in_thread(lambda: selectors.agenda_for(session).questions) == both
    assert_accessible(mentee)
    screenshot(mentee, "live-agenda")
    problems_of(mentee_ctx).assert_none()
    problems_of(mentor_ctx).assert_none()
