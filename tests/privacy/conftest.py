"""A small world around one mentee (Mia) for the data-rights tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.factories import MentorProfileFactory, ProfileFactory


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.MENTORLOOM_EXPORT_DIR = tmp_path / "exports"


@dataclass
class World:
    mia: Any  # the mentee who exports / deletes
    max: Any  # her mentor
    eve: Any  # a third person
    mentorship: Any
    session: Any
    conversation: Any
    mia_message: Any
    max_message: Any


def build_world() -> World:
    from mentorloom.mentorships.models import Goal, HistoryEvent, Mentorship
    from mentorloom.messaging.models import Conversation, Message, Participant
    from mentorloom.notifications.models import Notification
    from mentorloom.safety.models import Report
    from mentorloom.scheduling.models import AvailabilityRule, Session
    from mentorloom.sessions.models import PrivateNote, SharedNotes, TraitFeedback

    mia = ProfileFactory(display_name="Mia Mentee").user
    max_ = MentorProfileFactory(display_name="Max Mentor").user
    eve = ProfileFactory(display_name="Eve Other").user
    mia.profile.photo.save("mia.webp", ContentFile(b"RIFFphoto"), save=True)
    mentorship = Mentorship.objects.create(mentor=max_, mentee=mia)
    HistoryEvent.objects.create(mentorship=mentorship, actor=max_, text="Max accepted.")
    start = timezone.now() - timedelta(days=3)
    session = Session.objects.create(
        mentorship=mentorship,
        mentor=max_,
        mentee=mia,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        zone="Europe/Berlin",
        status="completed",
    )
    SharedNotes.objects.create(session=session, body="We talked about portfolios.")
    PrivateNote.objects.create(session=session, author=mia, body="MIA-PRIVATE-NOTE")
    PrivateNote.objects.create(session=session, author=max_, body="MAX-PRIVATE-NOTE")
    Goal.objects.create(mentorship=mentorship, owner=mia, title="MIA-PRIVATE-GOAL", is_private=True)
    Goal.objects.create(mentorship=mentorship, owner=mia, title="Mia shared goal")
    Goal.objects.create(
        mentorship=mentorship, owner=max_, title="MAX-PRIVATE-GOAL", is_private=True
    )
    ratings = dict(empathy=5, adaptability=4, active_listening=5, encouragement=4, expertise=5)
    TraitFeedback.objects.create(
        session=session, mentor=max_, mentee=mia, useful=True, comment="MIA-RATING", **ratings
    )
    conversation = Conversation.objects.create(kind="mentorship", mentorship=mentorship)
    Participant.objects.create(conversation=conversation, user=mia)
    Participant.objects.create(conversation=conversation, user=max_)
    mia_message = Message.objects.create(conversation=conversation, sender=mia, body="Hi Max")
    max_message = Message.objects.create(conversation=conversation, sender=max_, body="Hi Mia")
    Notification.objects.create(user=mia, kind="test", title="MIA-NOTIFICATION")
    Report.objects.create(reporter=mia, reported=eve, reason="spam", details="MIA-FILED")
    Report.objects.create(reporter=eve, reported=mia, reason="spam", details="ABOUT-MIA")
    AvailabilityRule.objects.create(mentor=mia, weekday=1, start="09:00", end="12:00")
    return World(mia, max_, eve, mentorship, session, conversation, mia_message, max_message)


@pytest.fixture
def world(db) -> World:
    return build_world()
