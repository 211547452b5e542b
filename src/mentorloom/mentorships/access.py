"""Access helpers: the only way views, API routes and consumers reach a mentorship, a request
or a goal. Outsiders and unknown ids look the same: 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Goal, Mentorship, MentorshipRequest


def mentorships_of(user) -> QuerySet[Mentorship]:  # type: ignore[no-untyped-def]
    return Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))


def _signed_in(user) -> bool:  # type: ignore[no-untyped-def]
    return user is not None and user.is_authenticated


def get_mentorship_for(user, mentorship_id: int) -> Mentorship:  # type: ignore[no-untyped-def]
    """The mentorship if `user` takes part in it; otherwise 404 (an outsider learns nothing)."""
    if not _signed_in(user):
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


def requests_of(user) -> QuerySet[MentorshipRequest]:  # type: ignore[no-untyped-def]
    return MentorshipRequest.objects.filter(Q(mentor=user) | Q(mentee=user))


def get_request_for(user, request_id: int) -> MentorshipRequest:  # type: ignore[no-untyped-def]
    """The request if `user` sent or received it; otherwise 404."""
    if not _signed_in(user):
        raise Http404
    found = (
        requests_of(user)
        .select_related("mentor__profile", "mentee__profile")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def visible_goals(user) -> QuerySet[Goal]:  # type: ignore[no-untyped-def]
    """Goals in the user's mentorships, minus the other participant's private goals."""
    return Goal.objects.filter(Q(mentorship__mentor=user) | Q(mentorship__mentee=user)).filter(
        Q(is_private=False) | Q(owner=user)
    )


def get_goal_for(user, goal_id: int) -> Goal:  # type: ignore[no-untyped-def]
    if not _signed_in(user):
        raise Http404
    goal = visible_goals(user).select_related("mentorship").filter(pk=goal_id).first()
    if goal is None:
        raise Http404
    return goal


def get_milestone_for(user, milestone_id: int):  # type: ignore[no-untyped-def]
    from .models import Milestone

    if not _signed_in(user):
        raise Http404
    found = (
        Milestone.objects.filter(goal__in=visible_goals(user), pk=milestone_id)
        .select_related("goal")
        .first()
    )
    if found is None:
        raise Http404
    return found
