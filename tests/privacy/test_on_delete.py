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


def test_deleting_a_person_in_the_admin_erases_them_and_the_other_side_still_renders(
    client, world, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:accounts_user_delete", args=[world.mia.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"post": "yes"}).status_code == 302
    world.mia.refresh_from_db()  # a tombstone, not a missing row
    assert world.mia.email.endswith("@deleted.invalid")
    assert Message.objects.get(pk=world.mia_message.pk).sender_id == world.mia.pk
    client.force_login(world.max)
    for url in (
        reverse("mentorships:detail", args=[world.mentorship.pk]),
        reverse("messaging:conversation", args=[world.conversation.pk]),
        reverse("scheduling:session", args=[world.session.pk]),
        reverse("dashboard"),
        reverse("mentorships:list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Mia Mentee" not in response.content, url
