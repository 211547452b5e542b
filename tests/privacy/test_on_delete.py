"""on_delete per relation: deleting a user through the ORM (as the admin does) keeps what
belongs to other people."""

from __future__ import annotations

import pytest

from mentorloom.mentorships.models import Goal, HistoryEvent, Mentorship
from mentorloom.messaging.models import Message
from mentorloom.safety.models import Report
from mentorloom.scheduling.models import Session
from mentorloom.sessions.models import PrivateNote, SharedNotes, TraitFeedback

pytestmark = pytest.mark.django_db


def test_orm_delete_of_a_mentee_keeps_the_mentors_messages_sessions_and_history(world):
    world.mia.delete()

    # The mentor's side: mentorship, session, shared notes, chat (both directions), history.
    mentorship = Mentorship.objects.get(pk=world.mentorship.pk)
    assert mentorship.mentor_id == world.max.pk and mentorship.mentee_id is None
    session = Session.objects.get(pk=world.session.pk)
    assert session.mentor_id == world.max.pk and session.mentee_id is None
    assert SharedNotes.objects.filter(session=session).exists()
    assert HistoryEvent.objects.filter(mentorship=mentorship).exists()
    assert Message.objects.filter(pk=world.max_message.pk).exists()
    kept = Message.objects.get(pk=world.mia_message.pk)
    assert kept.sender_id is None and kept.body == "Hi Max"
    # Her own private data went with her; his stayed.
    assert list(PrivateNote.objects.values_list("body", flat=True)) == ["MAX-PRIVATE-NOTE"]
    assert set(Goal.objects.values_list("title", flat=True)) == {"MAX-PRIVATE-GOAL"}
    # Her rating stays in the mentor's aggregate, detached from her.
    assert TraitFeedback.objects.get(session=session).mentee_id is None


def test_orm_delete_keeps_safety_reports_filed_by_and_about_the_person(world):
    world.mia.delete()

    details = dict(Report.objects.values_list("details", "reporter_id"))
    assert details == {"MIA-FILED": None, "ABOUT-MIA": world.eve.pk}
    assert Report.objects.get(details="ABOUT-MIA").reported_id is None


def test_orm_delete_of_a_mentor_keeps_the_mentees_sessions_and_messages(world):
    world.max.delete()

    assert Session.objects.get(pk=world.session.pk).mentee_id == world.mia.pk
    assert Mentorship.objects.get(pk=world.mentorship.pk).mentor_id is None
    assert Message.objects.filter(pk__in=[world.mia_message.pk, world.max_message.pk]).count() == 2
    # Feedback about a deleted mentor has no one left to be about.
    assert not TraitFeedback.objects.exists()
