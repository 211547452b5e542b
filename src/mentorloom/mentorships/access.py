"""Access helpers: the only way views, API routes and consumers reach a mentorship."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Mentorship


def mentorships_of(user) -> QuerySet[Mentorship]:  # type: ignore[no-untyped-def]
    return Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))


def get_mentorship_for(user, mentorship_id: int) -> Mentorship:  # type: ignore[no-untyped-def]
    """The mentorship if `user` takes part in it; otherwise 404 (an outsider learns nothing)."""
    if user is None or not user.is_authenticated:
        raise Http404
    mentorship = (
        mentorships_of(user)
        .select_related("mentor__profile", "mentee__profile")
        .filter(pk=mentorship_id)
        .first()
    )
    if mentorship is None:
        raise Http404
    return mentorship
