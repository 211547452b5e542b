"""The inbox lists a mentorship's conversation from the moment the request is accepted, and the
backfill migration gives existing mentorships theirs (issue 26, item 2)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from mentorloom.mentorships import services as mentorships
from mentorloom.messaging.models import Conversation
from tests.factories import MentorProfileFactory, MentorshipFactory, ProfileFactory


def test_the_mentees_inbox_lists_the_conversation_right_after_acceptance(db):
    mentor = MentorProfileFactory(display_name="Maya Mentor", capacity=2).user
    mentee = ProfileFactory(display_name="Ola Mentee").user
    request = mentorships.send_request(mentee, mentor.pk, message="Hello, could you help me? " * 3)
    mentorship = mentorships.accept_request(mentor, request)
    conversation = Conversation.objects.get(mentorship=mentorship)
    assert set(conversation.participants.values_list("pk", flat=True)) == {mentor.pk, mentee.pk}
    client = Client()
    client.force_login(mentee)
    page = client.get("/messages/").content.decode()
    assert "No conversations yet" not in page
    assert "Maya Mentor" in page and f"/messages/{conversation.pk}/" in page


@pytest.mark.django_db(transaction=True)
def test_the_backfill_gives_every_live_mentorship_its_conversation():
    executor = MigrationExecutor(connection)
    before = [("messaging", "0006_alter_message_sender")]
    after = [("messaging", "0007_backfill_mentorship_conversations")]
    executor.migrate(before)
    try:
        live, ended = MentorshipFactory(), MentorshipFactory(status="ended")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        # The schema as of 0007 (later migrations add columns the current model reads).
        historical = executor.loader.project_state(after).apps
        conversations = historical.get_model("messaging", "Conversation").objects
        conversation = conversations.get(mentorship_id=live.pk)
        assert conversation.kind == "mentorship"
        assert conversation.memberships.count() == 2
        assert not conversations.filter(mentorship_id=ended.pk).exists()
    finally:
        # Back to the latest schema (going back to 0006 also unapplied later migrations).
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
