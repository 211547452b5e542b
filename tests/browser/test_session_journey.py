"""A session from preparation to feedback: the mentee prepares the agenda from a template; after
the (time-shifted) session both write notes live — a line both rewrote at once resolved in the
page — the mentor adds an action item that shows up on the next session's agenda; the mentee
rates the mentor's traits; the mentor's insights stay "not enough feedback yet" until the third
mentee has rated and the weekly release has published the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from mentorloom.scheduling.models import Session
from mentorloom.sessions import services
from mentorloom.sessions.models import ActionItem, SharedNotes, TraitFeedback
from mentorloom.sessions.releases import release_feedback
from tests.browser.helpers import assert_accessible, in_thread, log_in, problems_of, screenshot
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.browser
TRAITS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")


def _session(mentorship, starts, minutes: int = 60) -> Session:  # type: ignore[no-untyped-def]
    return Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        booked_by=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        zone="Asia/Tokyo",
    )


def _established():  # type: ignore[no-untyped-def]
    return timezone.now() - timedelta(days=60)


def _setup():  # type: ignore[no-untyped-def]
    mentor = ProfileFactory(display_name="Aiko Berg", is_mentor=True).user
    # Mentees of standing (accounts 60 days old): their ratings make up k in a release.
    mentee = ProfileFactory(
        display_name="Kenji Sato", time_zone="Asia/Tokyo", user__date_joined=_established()
    ).user
    mentorship = SchedulingMentorshipFactory(mentor=mentor, mentee=mentee)
    first = _session(mentorship, timezone.now().replace(microsecond=0) + timedelta(days=2))
    return mentorship, first


def _time_shift_into_the_past(session: Session) -> Session:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    end = start + timedelta(hours=1)
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=end)
    return Session.objects.get(pk=session.pk)


def _another_mentee_rates(mentor, n: int) -> None:  # type: ignore[no-untyped-def]
    mentee = ProfileFactory(time_zone="Asia/Tokyo", user__date_joined=_established()).user
    mentorship = SchedulingMentorshipFactory(mentor=mentor, mentee=mentee)
    start = timezone.now().replace(microsecond=0) - timedelta(days=1, hours=n)
    session = _session(mentorship, start)
    services.give_trait_feedback(
        session, mentorship.mentee, ratings=dict.fromkeys(TRAITS, 4), useful=True
    )


def test_prepare_meet_note_carry_forward_and_give_feedback(
    new_context, asgi_server, agenda_templates
):
    mentorship, first = in_thread(_setup)
    mentee_ctx: BrowserContext = new_context(timezone_id="Asia/Tokyo")
    mentor_ctx: BrowserContext = new_context(timezone_id="Europe/Berlin")
    log_in(mentee_ctx, mentorship.mentee, asgi_server)
    log_in(mentor_ctx, mentorship.mentor, asgi_server)
    mentee: Page = mentee_ctx.new_page()
    mentor: Page = mentor_ctx.new_page()

    # 1. The mentee prepares the agenda from a template.
    mentee.goto(f"/sessions/{first.pk}/agenda/")
    heading = mentee.get_by_role("heading", name="Agenda for your session with Aiko Berg")
    expect(heading).to_be_visible()
    expect(mentee.get_by_text("No topics yet.")).to_be_visible()
    mentee.get_by_label("Start from a template").select_option(label="Career planning")
    mentee.get_by_role("button", name="Use template").click()
    expect(mentee.get_by_text("Added the “Career planning” topics.")).to_be_visible()
    expect(mentee.get_by_text("Where you want to be")).to_be_visible()
    expect(mentee.get_by_text("45 minutes planned")).to_be_visible()
    assert_accessible(mentee)
    screenshot(mentee, "session-agenda")

    # 2. Time passes: the session is over. Both write notes live: the mentee's lines reach
    #    the mentor's open page, the mentor's reach the mentee's; only a line both rewrote
    #    at once needs the conflict box (tests/browser/test_live_notes.py goes further).
    first = in_thread(_time_shift_into_the_past, first)
    mentee.goto(f"/sessions/{first.pk}/notes/")
    mentor.goto(f"/sessions/{first.pk}/notes/")
    expect(mentor.locator("html[data-live=open]")).to_have_count(1)
    mentee.get_by_label("Notes in Markdown").fill("## Decisions\n- Apply to two PM roles")
    expect(mentee.locator("#notes-live")).to_have_text("Saved · live")
    expect(mentee.locator("#notes-preview h4")).to_have_text("Decisions")

    mentor_notes = mentor.get_by_label("Notes in Markdown")
    expect(mentor_notes).to_have_value("## Decisions\n- Apply to two PM roles")
    mentor_notes.fill("## Decisions\n- Apply to two PM roles\n- Ask Dana for a referral")
    mentee_notes = mentee.get_by_label("Notes in Markdown")
    expect(mentee_notes).to_have_value(
        "## Decisions\n- Apply to two PM roles\n- Ask Dana for a referral"
    )

    # Both rewrite the same line before either save lands: the mentee saves second. The
    # mentor's save is held until the mentee has typed (on a busy machine a fixed pause let it
    # reach the mentee's page first, and then there was no overlap to resolve), then released
    # at once, well inside the mentee's 0.6 s autosave delay.
    held = []

    def hold(route):  # type: ignore[no-untyped-def]
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    mentor.route(f"**/sessions/{first.pk}/notes/**", hold)
    mentor_notes.fill("## Decisions\n- Apply to three PM roles\n- Ask Dana for a referral")
    for _ in range(50):
        if held:
            break
        mentor.wait_for_timeout(100)
    assert held, "the mentor's autosave never started"
    mentee_notes.fill("## Decisions\n- Apply to two PM roles by May\n- Ask Dana for a referral")
    held[0].continue_()
    mentor.unroute(f"**/sessions/{first.pk}/notes/**", hold)
    expect(mentee.get_by_text("You both changed the same line at once")).to_be_visible()
    expect(mentee.get_by_label("Their wording of the overlapping part (version 3)")).to_have_value(
        "- Apply to three PM roles"
    )
    assert_accessible(mentee)
    screenshot(mentee, "session-notes-conflict")
    mentee_notes.fill(
        "## Decisions\n- Apply to three PM roles by May\n- Ask Dana for a referral\n"
        "- Practise the case interview"
    )
    mentee.get_by_role("button", name="Save my merged version").click()
    expect(mentee.locator("#notes-live")).to_have_text("Saved · live")
    expect(mentor_notes).to_have_value(
        "## Decisions\n- Apply to three PM roles by May\n- Ask Dana for a referral\n"
        "- Practise the case interview"
    )
    saved = in_thread(lambda: SharedNotes.objects.get(session_id=first.pk).body)
    assert "Ask Dana" in saved and "Practise the case interview" in saved

    # 3. The mentor adds an action item for the mentee.
    mentor.reload()
    mentor.get_by_role("textbox", name="Action item", exact=True).fill("Draft a one-page CV")
    mentor.get_by_label("Owner").select_option(label="Kenji Sato")
    mentor.get_by_role("button", name="Add action item").click()
    expect(mentor.get_by_text("Action item added.")).to_be_visible()
    assert in_thread(lambda: ActionItem.objects.get().owner_id) == mentorship.mentee_id

    # 4. It appears on the next session's agenda as a suggestion.
    second = in_thread(
        _session, mentorship, timezone.now().replace(microsecond=0) + timedelta(days=7)
    )
    mentee.goto(f"/sessions/{second.pk}/agenda/")
    suggested = mentee.locator("#carried-forward")
    expect(suggested.get_by_text("Draft a one-page CV")).to_be_visible()
    suggested.get_by_role("button", name="Add “Draft a one-page CV” to the agenda").click()
    expect(mentee.get_by_text("Follow up: Draft a one-page CV").first).to_be_visible()
    assert_accessible(mentee)
    screenshot(mentee, "session-agenda-carried-forward")

    # 5. The mentee rates the mentor's traits.
    mentee.goto(f"/sessions/{first.pk}/feedback/")
    for label in ("Empathy", "Adaptability", "Active listening", "Encouragement", "Expertise"):
        group = mentee.get_by_role("group", name=label)
        group.get_by_label("5 — Completely").check()
    mentee.get_by_role("group", name="Was this session useful?").get_by_label("Yes").check()
    mentee.get_by_label("Comment (optional)").fill("Clear and kind.")
    expect(mentee.get_by_label("Share this comment with my mentor")).not_to_be_checked()
    assert_accessible(mentee)
    screenshot(mentee, "session-feedback")
    mentee.get_by_role("button", name="Send feedback").click()
    expect(mentee.get_by_text("Thank you — your feedback is saved.")).to_be_visible()
    assert in_thread(lambda: TraitFeedback.objects.get().empathy) == 5

    # 6. The mentor's insights wait for three distinct mentees and the weekly release.
    mentor.goto("/insights/")
    expect(mentor.get_by_role("heading", name="Not enough feedback yet")).to_be_visible()
    expect(mentor.locator("#release-status")).to_contain_text("Next release:")
    assert_accessible(mentor)
    screenshot(mentor, "insights-not-enough")
    in_thread(_another_mentee_rates, mentorship.mentor, 1)
    mentor.reload()
    expect(mentor.get_by_role("heading", name="Not enough feedback yet")).to_be_visible()
    in_thread(_another_mentee_rates, mentorship.mentor, 2)
    mentor.reload()  # three mentees now, but figures only change with the weekly release
    expect(mentor.get_by_role("heading", name="Not enough feedback yet")).to_be_visible()
    # The first weekly run once the ratings are final (their 7-day edit window passed).
    assert in_thread(release_feedback, timezone.now() + timedelta(days=8)) == 1
    mentor.reload()
    expect(mentor.get_by_role("heading", name="Not enough feedback yet")).to_have_count(0)
    expect(mentor.locator("#release-status")).to_contain_text("Figures released")
    expect(mentor.get_by_role("row", name="Empathy 4.3")).to_be_visible()
    expect(mentor.get_by_role("img", name="Average of all traits per month")).to_be_visible()
    expect(mentor.get_by_text("Clear and kind.")).to_have_count(0)  # not shared
    assert_accessible(mentor)
    screenshot(mentor, "insights-averages")

    problems_of(mentor_ctx).assert_none()
    mentee_problems = problems_of(mentee_ctx)
    # The one conflict is an expected 409 (and Chromium logs it as a failed resource).
    mentee_problems.forgive(409, f"/sessions/{first.pk}/notes/")
    mentee_problems.assert_none()
