"""Access helpers: the object if the viewer may reach it, else Http404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404

from mentorloom.discovery.scope import scope_for
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.safety.selectors import is_blocked_between


def get_mentor_for(viewer: Any, mentor_id: int) -> Any:
    """The mentor (a user, profile loaded) whose free times `viewer` may see, else Http404.

    As the directory decides: an active account with a mentor profile, no block either way,
    and not hidden from the viewer (someone private to a program the viewer is not in). A
    mentor the viewer already has a mentorship with stays reachable, even one who no longer
    lists themselves as a mentor: they book through it.
    Unknown ids and all of these answer the same 404, so nobody can probe which accounts
    exist or read a stranger's time zone.
    """
    mentor = (
        get_user_model()
        .objects.select_related("profile")
        .filter(pk=mentor_id, is_active=True)
        .first()
    )
    if mentor is None or is_blocked_between(viewer.pk, mentor.pk):
        raise Http404("No such mentor.")
    current = Mentorship.objects.filter(
        mentor=mentor, mentee=viewer, status__in=(MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)
    )
    if mentor.pk == viewer.pk or current.exists():
        return mentor  # their own times, or their mentor's (even one no longer listed)
    profile = getattr(mentor, "profile", None)
    if profile is None or not profile.is_mentor or not scope_for(viewer).allows(mentor.pk):
        raise Http404("No such mentor.")
    return mentor
