"""Shared notes (versions, conflicts, size limit, sanitising), private notes, action items."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.core.errors import InvalidInput
from mentorloom.sessions import selectors, services
from mentorloom.sessions.errors import NotesTooLarge, StaleNotes
from mentorloom.sessions.models import SharedNotes

from .conftest import live_events_during

pytestmark = pytest.mark.django_db


def test_each_save_increments_the_version(past):
    first = services.save_notes(past, past.mentee, body="one", base_version=0)
    second = services.save_notes(past, past.mentor, body="one\ntwo", base_version=first.version)
    assert (first.version, second.version) == (1, 2)
    assert selectors.notes_for(past).body == "one\ntwo"


def test_concurrent_saves_from_the_same_version_conflict_and_keep_the_first(past):
    services.save_notes(past, past.mentee, body="mentee text", base_version=0)
    with pytest.raises(StaleNotes) as exc:
        services.save_notes(past, past.mentor, body="mentor text", base_version=0)
    assert exc.value.status == 409
    assert (exc.value.current_body, exc.value.current_version) == ("mentee text", 1)
    assert SharedNotes.objects.get(session=past).body == "mentee text"


def test_notes_up_to_100_kb_are_kept_and_larger_refused(past):
    services.save_notes(past, past.mentee, body="a" * 100 * 1024, base_version=0)
    with pytest.raises(NotesTooLarge) as exc:
        services.save_notes(past, past.mentee, body="é" * 60 * 1024, base_version=1)
    assert exc.value.status == 422
    assert len(selectors.notes_for(past).body) == 100 * 1024


def test_rendered_notes_drop_scripts_and_event_handlers(past):
    body = (
        '# Plan\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n'
        "[x](javascript:alert(3)) [ok](https://example.org)"
    )
    notes = services.save_notes(past, past.mentee, body=body, base_version=0)
    html = selectors.notes_html(notes)
    tags = re.findall(r"<[a-z][^>]*>", html)
    assert "<h3>" in tags
    assert not [t for t in tags if t.startswith(("<script", "<img")) or "onerror" in t]
    assert [t for t in tags if t.startswith("<a ")] == [
        '<a href="https://example.org" rel="nofollow noopener noreferrer ugc">'
    ]
    assert "&lt;script&gt;" in html  # shown as text, never run


def test_private_notes_belong_to_their_author_only(past):
    services.save_private_note(past, past.mentee, body="I felt nervous")
    assert selectors.private_note_for(past, past.mentee).body == "I felt nervous"
    assert selectors.private_note_for(past, past.mentor).body == ""


def test_action_item_owner_must_take_part(past, outsider):
    with pytest.raises(InvalidInput) as exc:
        services.create_action_item(past, past.mentee, title="x", owner_id=outsider.pk)
    assert "owner" in exc.value.fields
    with pytest.raises(InvalidInput):
        services.create_action_item(past, past.mentee, title="  ", owner_id=past.mentee_id)


def test_my_open_action_items_list_flags_overdue_and_hides_closed(past):
    today = timezone.now().date()
    late = services.create_action_item(
        past, past.mentor, title="Late", owner_id=past.mentee_id, due_date=today - timedelta(2)
    )
    services.create_action_item(
        past, past.mentor, title="Soon", owner_id=past.mentee_id, due_date=today + timedelta(9)
    )
    done = services.create_action_item(past, past.mentor, title="Done", owner_id=past.mentee_id)
    services.update_action_item(done, past.mentee, status="done")
    services.create_action_item(past, past.mentee, title="Mentor's", owner_id=past.mentor_id)

    rows = selectors.my_items_context(past.mentee)["my_items"]
    assert [(r["item"].title, r["overdue"]) for r in rows] == [("Late", True), ("Soon", False)]
    assert late.is_overdue(today)


def test_assigning_an_item_to_the_other_person_notifies_them(
    past, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_action_item(past, past.mentor, title="Read", owner_id=past.mentee_id)
    assert past.mentee.notifications.filter(kind="action_item").count() == 1


def test_unknown_status_is_refused(past):
    item = services.create_action_item(past, past.mentee, title="x", owner_id=past.mentee_id)
    with pytest.raises(InvalidInput):
        services.update_action_item(item, past.mentee, status="maybe")


def test_summary_markdown_has_agenda_notes_items_and_duration_but_no_private_note(past):
    services.add_topic(past, past.mentee, title="Portfolio", minutes=20)
    services.save_notes(past, past.mentee, body="We talked **a lot**.", base_version=0)
    services.save_private_note(past, past.mentee, body="secret")
    services.create_action_item(past, past.mentor, title="Send CV", owner_id=past.mentee_id)
    text = selectors.summary_markdown(past, past.mentee)
    assert "- Duration: 60 minutes" in text
    assert "- [ ] Portfolio (20 min)" in text
    assert "We talked **a lot**." in text
    assert "- [ ] Send CV (" in text
    assert "secret" not in text


NOTES = "# Goals\nShip the portfolio\n\n# Risks\nTime\n"


def test_two_stale_saves_of_different_paragraphs_are_both_kept(past):
    first = services.save_notes(past, past.mentee, body=NOTES, base_version=0)
    services.save_notes(
        past,
        past.mentee,
        body=NOTES.replace("portfolio", "portfolio by May"),
        base_version=first.version,
        base_body=NOTES,
    )
    # The mentor typed from version 1 meanwhile, in another paragraph (browser line endings).
    merged = services.save_notes(
        past,
        past.mentor,
        body=(NOTES + "Money\n").replace("\n", "\r\n"),
        base_version=first.version,
        base_body=NOTES,
    )

    assert merged.version == 3
    assert merged.body == "# Goals\nShip the portfolio by May\n\n# Risks\nTime\nMoney\n"


def test_stale_saves_appending_at_the_same_place_keep_both_in_save_order(past):
    services.save_notes(past, past.mentee, body=NOTES, base_version=0)
    services.save_notes(past, past.mentee, body=NOTES + "mentee\n", base_version=1, base_body=NOTES)
    merged = services.save_notes(
        past, past.mentor, body=NOTES + "mentor\n", base_version=1, base_body=NOTES
    )
    assert merged.body == NOTES + "mentee\nmentor\n"


def test_a_true_overlap_conflicts_with_only_the_overlapping_part(past):
    services.save_notes(past, past.mentee, body=NOTES, base_version=0)
    services.save_notes(
        past, past.mentee, body=NOTES.replace("Time", "Motivation"), base_version=1, base_body=NOTES
    )
    mine = NOTES.replace("Time", "Time and money").replace("portfolio", "portfolio by May")
    with pytest.raises(StaleNotes) as exc:
        services.save_notes(past, past.mentor, body=mine, base_version=1, base_body=NOTES)

    assert exc.value.status == 409 and exc.value.code == "stale_notes"
    assert [(o.mine, o.theirs) for o in exc.value.overlaps] == [("Time and money", "Motivation")]
    assert exc.value.merged == mine  # the rest merged; the overlap holds my wording
    assert exc.value.current_version == 2
    assert SharedNotes.objects.get(session=past).body == NOTES.replace("Time", "Motivation")


def test_a_merge_that_grows_past_100_kb_is_refused(past):
    half = "a" * 60 * 1024
    services.save_notes(past, past.mentee, body="start\n", base_version=0)
    services.save_notes(
        past, past.mentee, body=half + "\nstart\n", base_version=1, base_body="start\n"
    )
    with pytest.raises(NotesTooLarge):
        services.save_notes(
            past, past.mentor, body="start\n" + half, base_version=1, base_body="start\n"
        )
    assert SharedNotes.objects.get(session=past).version == 2


def test_a_save_reaches_both_participants_live_pages(past):
    events = live_events_during(
        (past.mentor, past.mentee),
        lambda: services.save_notes(past, past.mentee, body="**Decided**", base_version=0),
    )

    for (event,) in events.values():
        assert event["type"] == "notes.changed" and event["session_id"] == past.pk
        assert (event["body"], event["version"], event["by"]) == ("**Decided**", 1, past.mentee.pk)
        assert "<strong>Decided</strong>" in event["html"]


def test_an_unchanged_save_announces_nothing(past, django_capture_on_commit_callbacks):
    services.save_notes(past, past.mentee, body="same", base_version=0)
    with django_capture_on_commit_callbacks() as callbacks:
        services.save_notes(past, past.mentee, body="same", base_version=1)
    assert callbacks == []
