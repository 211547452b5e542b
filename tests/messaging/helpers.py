"""Test data for messaging: a mentorship between two people with profiles, and its chat."""

from __future__ import annotations

from typing import Any

from mentorloom.mentorships.models import Mentorship
from mentorloom.messaging.models import Conversation
from mentorloom.messaging.services import (
    get_or_create_conversation_for_mentorship,
    get_or_create_conversation_for_request,
)
from tests.factories import MentorshipRequestFactory, ProfileFactory


def mentorship_conversation(**kwargs: Any) -> Conversation:
    """A mentorship (Mira Mentor and Mo Mentee unless given) and its conversation."""
    mentor = kwargs.pop("mentor", None) or ProfileFactory(display_name="Mira Mentor").user
    mentee = kwargs.pop("mentee", None) or ProfileFactory(display_name="Mo Mentee").user
    mentorship = Mentorship.objects.create(mentor=mentor, mentee=mentee, **kwargs)
    return get_or_create_conversation_for_mentorship(mentorship)


def request_conversation(mentee: Any, mentor: Any, **kwargs: Any) -> Conversation:
    """A pending connection request from `mentee` to `mentor` and its conversation."""
    request = MentorshipRequestFactory(mentee=mentee, mentor=mentor, **kwargs)
    return get_or_create_conversation_for_request(request)
