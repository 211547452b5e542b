"""Access helpers: the only way views, API routes and consumers reach a mentorship, a request
or a goal. Outsiders and unknown ids look the same: 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Goal, Mentorship, MentorshipRequest, Milestone

_M = TypeVar("_M", bound=Model)


def mentorships_of(user) -> QuerySet[Mentorship]:  # type: ignore[no-untyped-def]
    return Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))


def _one_for(user, rows_of: Callable[..., QuerySet[_M]], object_id: int, *related: str) -> _M:  # type: ignore[no-untyped-def]
    """The row `object_id` among `rows_of(user)` (what the signed-in user may see), else 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    found = rows_of(user).select_related(*related).filter(pk=object_id).first()
    if found is None:
        raise Http404
    return found


def get_mentorship_for(user, mentorship_id: int) -> Mentorship:  # type: ignore[no-untyped-def]
    """The mentorship if `user` takes part in it; otherwise 404 (an outsider learns nothing)."""
    return _one_for(user, mentorships_of, mentorship_id, "mentor__profile", "mentee__profile")


def requests_of(user) -> QuerySet[MentorshipRequest]:  # type: ignore[no-untyped-def]
    return MentorshipRequest.objects.filter(Q(mentor=user) | Q(mentee=user))


def get_request_for(user, request_id: int) -> MentorshipRequest:  # type: ignore[no-untyped-def]
    """The request if `user` sent or received it; otherwise 404."""
    return _one_for(user, requests_of, request_id, "mentor__profile", "mentee__profile")


def visible_goals(user) -> QuerySet[Goal]:  # type: ignore[no-untyped-def]
    """Goals in the user's mentorships, minus the other participant's private goals."""
    return Goal.objects.filter(Q(mentorship__mentor=user) | Q(mentorship__mentee=user)).filter(
        Q(is_private=False) | Q(owner=user)
    )


def get_goal_for(user, goal_id: int) -> Goal:  # type: ignore[no-untyped-def]
    return _one_for(user, visible_goals, goal_id, "mentorship")


def get_milestone_for(user, milestone_id: int) -> Milestone:  # type: ignore[no-untyped-def]
    return _one_for(
        user, lambda u: Milestone.objects.filter(goal__in=visible_goals(u)), milestone_id, "goal"
    )
