"""After a block a session's agenda, shared notes and action items are read-only, as the pair's
chat is: each reaches the other person (live pages, notices). Private notes and feedback (a
record of the session) stay open; mentor feedback is kept but not announced."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages

from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from mentorloom.safety.services import block_user
from mentorloom.sessions import selectors, services
from mentorloom.sessions.errors import BlockedPair
from mentorloom.sessions.models import ActionItem, Agenda, AgendaTopic, SharedNotes
from tests.factories import client_for

pytestmark = pytest.mark.django_db
TRAITS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")


def _topic(session):  # type: ignore[no-untyped-def]
    return AgendaTopic.objects.get(agenda__session=session, title="Before")


WRITES: dict[str, Callable] = {
    "add_topic": lambda s, u: services.add_topic(s, u, title="After"),
    "update_topic": lambda s, u: services.update_topic(_topic(s), u, title="After"),
    "remove_topic": lambda s, u: services.remove_topic(_topic(s), u),
    "move_topic": lambda s, u: services.move_topic(_topic(s), u, -1),
    "save_agenda_details": lambda s, u: services.save_agenda_details(
        s, u, questions="After?", links=""
    ),
    "replace_agenda": lambda s, u: services.replace_agenda(
        s, u, topics=[{"title": "After"}], questions="", links=""
    ),
    "apply_template": lambda s, u: services.apply_template(
        s, u, selectors.templates().get(slug="first-meeting")
    ),
    "save_notes": lambda s, u: services.save_notes(s, u, body="After", base_version=1),
    "create_action_item": lambda s, u: services.create_action_item(
        s, u, title="After", owner_id=s.mentor_id
    ),
    "update_action_item": lambda s, u: services.update_action_item(
        ActionItem.objects.get(session=s), u, title="After"
    ),
}


def _snapshot(session) -> tuple:  # type: ignore[no-untyped-def]
    agenda = Agenda.objects.get(session=session)
    return (
        agenda.version,
        list(agenda.topics.values_list("title", flat=True)),
        SharedNotes.objects.get(session=session).body,
        list(ActionItem.objects.filter(session=session).values_list("title", flat=True)),
    )


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_after_a_block_every_shared_write_is_refused_and_changes_nothing(upcoming, write):
    services.add_topic(upcoming, upcoming.mentee, title="Before")
    services.save_notes(upcoming, upcoming.mentee, body="Before", base_version=0)
    services.create_action_item(
        upcoming, upcoming.mentee, title="Before", owner_id=upcoming.mentee_id
    )
    before = _snapshot(upcoming)
    # Either way round: the blocked person, and the blocker, are both refused.
    Block.objects.create(blocker=upcoming.mentor, blocked=upcoming.mentee)
    for user in (upcoming.mentee, upcoming.mentor):
        with pytest.raises(BlockedPair):
            write(upcoming, user)
    assert _snapshot(upcoming) == before


def test_a_blocked_mentee_cannot_hand_the_blocker_action_items(
    past, django_capture_on_commit_callbacks
):
    block_user(past.mentor, past.mentee.pk)
    client = client_for(past.mentee)
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(
                f"/api/v1/sessions/{past.pk}/action-items",
                {"title": "Answer me", "owner_id": past.mentor_id},
                content_type="application/json",
            )
            for _ in range(3)
        ]
    assert [r.status_code for r in responses] == [403] * 3
    assert responses[0].json()["error"] == {
        "code": "blocked",
        "message": "You cannot message this person.",
        "fields": {},
    }
    assert not ActionItem.objects.exists()
    assert not Notification.objects.filter(user=past.mentor, kind="action_item").exists()


def test_after_a_block_the_notes_api_and_the_live_editor_answer_403(past):
    Block.objects.create(blocker=past.mentee, blocked=past.mentor)
    client = client_for(past.mentor)
    api = client.put(
        f"/api/v1/sessions/{past.pk}/notes",
        {"body": "Still here", "base_version": 0},
        content_type="application/json",
    )
    live = client.post(
        f"/sessions/{past.pk}/notes/",
        {"body": "Still here", "base_version": "0"},
        HTTP_ACCEPT="application/json",
    )
    page = client.post(f"/sessions/{past.pk}/notes/", {"body": "Still here", "base_version": "0"})
    assert (api.status_code, live.status_code, page.status_code) == (403, 403, 403)
    assert live.json()["error"]["code"] == "blocked"
    assert "You cannot message this person." in page.content.decode()
    assert selectors.notes_for(past).body == ""


def test_after_a_block_the_agenda_buttons_say_why_instead_of_failing(upcoming):
    topic = services.add_topic(upcoming, upcoming.mentee, title="Before")
    Block.objects.create(blocker=upcoming.mentor, blocked=upcoming.mentee)
    for url, data in [
        (f"/sessions/{upcoming.pk}/agenda/topics/{topic.pk}/", {"action": "action_item"}),
        (f"/sessions/{upcoming.pk}/agenda/topics/{topic.pk}/", {"action": "remove"}),
        (f"/sessions/{upcoming.pk}/agenda/template/", {"template": "first-meeting"}),
    ]:
        response = client_for(upcoming.mentee).post(url, data)
        assert response.status_code == 302
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "You cannot message this person."
        ]
    assert list(AgendaTopic.objects.values_list("title", flat=True)) == ["Before"]
    assert not ActionItem.objects.exists()


def test_after_a_block_feedback_and_private_notes_stay_open_but_nobody_is_notified(
    past, django_capture_on_commit_callbacks
):
    Block.objects.create(blocker=past.mentee, blocked=past.mentor)
    services.save_private_note(past, past.mentee, body="For me")
    services.give_trait_feedback(past, past.mentee, ratings=dict.fromkeys(TRAITS, 4), useful=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.give_mentee_feedback(past, past.mentor, progress="", strengths="", next_steps="Go")
    assert selectors.private_note_for(past, past.mentee).body == "For me"
    assert selectors.feedback_for_mentee(past).next_steps == "Go"
    assert not Notification.objects.filter(user=past.mentee, kind="feedback_received").exists()


def test_after_a_block_the_owner_can_still_tick_off_their_own_action_item(upcoming):
    item = services.create_action_item(
        upcoming, upcoming.mentee, title="Update my CV", owner_id=upcoming.mentee_id
    )
    Block.objects.create(blocker=upcoming.mentor, blocked=upcoming.mentee)
    services.update_action_item(item, upcoming.mentee, status="done")
    assert ActionItem.objects.get(pk=item.pk).status == "done"
    with pytest.raises(BlockedPair):  # the other person cannot, and nobody can edit it
        services.update_action_item(item, upcoming.mentor, status="open")
    with pytest.raises(BlockedPair):
        services.update_action_item(item, upcoming.mentee, status="open", title="Changed")
