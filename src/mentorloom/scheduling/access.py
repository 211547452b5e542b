"""Access helpers: the object if the viewer may reach it, else Http404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404

from mentorloom.discovery.scope import scope_for
from mentorloom.mentorships.models import Mentorship
from mentorloom.safety.selectors import is_blocked_between


def get_mentor_for(viewer: Any, mentor_id: int) -> Any:
    """The mentor (a user, profile loaded) whose free times `viewer` may see, else Http404.

    As the directory decides: an active account with a mentor profile, no block either way,
    and not hidden from the viewer (someone private to a program the viewer is not in). A
    mentor the viewer already has a mentorship with stays reachable: they book through it.
    Unknown ids and all of these answer the same 404, so nobody can probe which accounts
    exist or read a stranger's time zone.
    """
    mentor = (
        get_user_model()
        .objects.select_related("profile")
        .filter(pk=mentor_id, is_active=True, profile__is_mentor=True)
        .first()
    )
    if mentor is None or is_blocked_between(viewer.pk, mentor.pk):
        raise Http404("No such mentor.")
    if (
        mentor.pk != viewer.pk
        and not scope_for(viewer).allows(mentor.pk)
        and not Mentorship.objects.filter(mentor=mentor, mentee=viewer).exists()
    ):
        raise Http404("No such mentor.")
    return mentor
