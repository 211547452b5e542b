"""Goals, milestones and progress updates inside a mentorship."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.notifications.services import notify
from mentorloom.safety.selectors import is_blocked_between

from ..errors import BlockedPair, InvalidTransition
from ..models import Goal, GoalStatus, Mentorship, MentorshipStatus, Milestone, ProgressUpdate
from ._common import _clean_short, _other_user, _require_participant, _url


def _check_shared_goal_not_blocked(goal: Goal, *, shared: bool | None = None) -> None:
    """BlockedPair for a write to a goal the other person sees (`shared` overrides the goal's
    own flag when the write changes it) once either blocked the other. Private goals stay open."""
    if shared is None:
        shared = not goal.is_private
    m = goal.mentorship
    if shared and is_blocked_between(m.mentor_id, m.mentee_id):
        raise BlockedPair()


def _clean_goal_fields(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title or len(title) > 200:
            raise InvalidInput(fields={"title": ["Give the goal a title (up to 200 characters)."]})
        out["title"] = title
    if "description" in values:
        desc = (values["description"] or "").strip()
        if len(desc) > 2000:
            raise InvalidInput(fields={"description": ["Please keep it under 2000 characters."]})
        out["description"] = desc
    if "target_date" in values:
        out["target_date"] = values["target_date"]
    if "status" in values:
        if values["status"] not in GoalStatus.values:
            raise InvalidInput(fields={"status": ["Unknown status."]})
        out["status"] = values["status"]
    if "is_private" in values:
        out["is_private"] = bool(values["is_private"])
    return out


def create_goal(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    title: str,
    description: str = "",
    target_date: date | None = None,
    is_private: bool = False,
    milestones: list[str] | None = None,
) -> Goal:
    # A private goal reaches no one, so it stays open after a block.
    _require_participant(user, mentorship, reaches_other=not is_private)
    fields = _clean_goal_fields(
        {
            "title": title,
            "description": description,
            "target_date": target_date,
            "is_private": is_private,
        }
    )
    names = [m.strip() for m in (milestones or []) if m and m.strip()]
    if any(len(n) > 200 for n in names):
        raise InvalidInput(fields={"milestones": ["Keep each milestone under 200 characters."]})
    with transaction.atomic():
        if mentorship.status == MentorshipStatus.ENDED:
            raise InvalidTransition("This mentorship has ended.")
        goal = Goal.objects.create(mentorship=mentorship, owner=user, **fields)
        for name in names:
            Milestone.objects.create(goal=goal, title=name)
        if not goal.is_private:
            notify(
                _other_user(user, mentorship),
                kind="goal.added",
                title=f"{user.get_full_name()} added a goal: {goal.title}",
                url=_url("mentorships:detail", mentorship.pk) + "#goals",
                email=False,
            )
    return goal


def update_goal(user, goal: Goal, **values: Any) -> Goal:  # type: ignore[no-untyped-def]
    """Owner edits a goal (title, description, target date, status, privacy)."""
    if user.pk != goal.owner_id:
        raise PermissionDenied("Only the goal's owner can change it.")
    fields = _clean_goal_fields(values)
    _check_shared_goal_not_blocked(
        goal, shared=not fields.get("is_private", goal.is_private) or not goal.is_private
    )
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.save(update_fields=list(fields) or None)
    return goal


def add_milestone(user, goal: Goal, title: str, due_date: date | None = None) -> Milestone:  # type: ignore[no-untyped-def]
    title = _clean_short(title, "title", limit=200)
    _check_shared_goal_not_blocked(goal)
    return Milestone.objects.create(goal=goal, title=title, due_date=due_date)


def set_milestone_done(user, milestone: Milestone, done: bool = True) -> Milestone:  # type: ignore[no-untyped-def]
    _check_shared_goal_not_blocked(milestone.goal)
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done_at"])
    return milestone


def record_progress(user, goal: Goal, progress: int, note: str = "") -> ProgressUpdate:  # type: ignore[no-untyped-def]
    """A timestamped progress update (0–100); reaching 100 marks the goal done."""
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise InvalidInput(fields={"progress": ["Progress is a whole number from 0 to 100."]})
    if len(note or "") > 500:
        raise InvalidInput(fields={"note": ["Please keep the note under 500 characters."]})
    _check_shared_goal_not_blocked(goal)
    with transaction.atomic():
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        update = ProgressUpdate.objects.create(
            goal=goal, author=user, progress=progress, note=(note or "").strip()
        )
        goal.progress = progress
        if progress == 100:
            goal.status = GoalStatus.DONE
        elif goal.status in (GoalStatus.NOT_STARTED, GoalStatus.DONE):
            goal.status = GoalStatus.IN_PROGRESS if progress > 0 else GoalStatus.NOT_STARTED
        goal.save(update_fields=["progress", "status"])
    return update
