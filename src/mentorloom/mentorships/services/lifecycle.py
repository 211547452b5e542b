"""A mentorship's life after acceptance: pause, resume, end."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.errors import InvalidInput
from mentorloom.core.hooks import Hook
from mentorloom.safety.selectors import is_blocked_between

from ..errors import InvalidTransition
from ..models import Mentorship, MentorshipStatus, Reflection
from ._common import _locked_mentorship, _record_and_tell, _require_participant

# Called as (mentorship, user who ended it) inside the ending transaction. Scheduling (a layer
# above) connects to it so the mentorship's upcoming sessions are cancelled with it.
mentorship_ended = Hook("mentorships.mentorship_ended")


def pause_mentorship(user, mentorship: Mentorship, until: date, note: str = "") -> Mentorship:  # type: ignore[no-untyped-def]
    """active → paused until a return date (tomorrow to one year ahead)."""
    _require_participant(user, mentorship)
    today = timezone.localdate()
    if until is None or until <= today or until > today + timedelta(days=366):
        raise InvalidInput(fields={"until": ["Choose a return date within the next year."]})
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status != MentorshipStatus.ACTIVE:
            raise InvalidTransition("Only an active mentorship can be paused.")
        mentorship.status = MentorshipStatus.PAUSED
        mentorship.paused_until = until
        mentorship.save(update_fields=["status", "paused_until"])
        extra = f" ({note.strip()[:200]})" if note.strip() else ""
        _record_and_tell(
            user,
            mentorship,
            history=f"{user.get_full_name()} paused the mentorship until {until:%-d %B %Y}{extra}.",
            kind="mentorship.paused",
            title=f"{user.get_full_name()} paused your mentorship until {until:%-d %B %Y}",
            body=note.strip()[:300],
        )
    return mentorship


def resume_mentorship(user, mentorship: Mentorship) -> Mentorship:  # type: ignore[no-untyped-def]
    _require_participant(user, mentorship)
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status != MentorshipStatus.PAUSED:
            raise InvalidTransition("Only a paused mentorship can be resumed.")
        mentorship.status = MentorshipStatus.ACTIVE
        mentorship.paused_until = None
        mentorship.save(update_fields=["status", "paused_until"])
        _record_and_tell(
            user,
            mentorship,
            history=f"{user.get_full_name()} resumed the mentorship.",
            kind="mentorship.resumed",
            title=f"{user.get_full_name()} resumed your mentorship",
        )
    return mentorship


def end_mentorship(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    went_well: str = "",
    outcome_reached: bool | None = None,
    would_recommend: bool | None = None,
    text: str = "",
) -> Reflection:
    """active/paused → ended with the author's private reflection; frees the mentor's place.
    Upcoming sessions are cancelled (`mentorship_ended`: scheduling tells both as usual).

    After a block either of the two may still end it (the way out of the relationship), but
    silently: the other person is not notified."""
    _require_participant(user, mentorship, reaches_other=False)
    if len(went_well) > 2000 or len(text) > 4000:
        raise InvalidInput(fields={"text": ["Please keep the reflection shorter."]})
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status == MentorshipStatus.ENDED:
            raise InvalidTransition("This mentorship has already ended.")
        mentorship.status = MentorshipStatus.ENDED
        mentorship.ended_at = timezone.now()
        mentorship.paused_until = None
        mentorship.save(update_fields=["status", "ended_at", "paused_until"])
        reflection = Reflection.objects.create(
            mentorship=mentorship,
            author=user,
            went_well=went_well.strip(),
            outcome_reached=outcome_reached,
            would_recommend=would_recommend,
            text=text.strip(),
        )
        mentorship_ended(mentorship, user)
        _record_and_tell(
            user,
            mentorship,
            history=f"{user.get_full_name()} ended the mentorship.",
            kind="mentorship.ended",
            title=f"{user.get_full_name()} ended your mentorship",
            body="Thank you for the time you spent together.",
            tell=not is_blocked_between(mentorship.mentor_id, mentorship.mentee_id),
        )
        enqueue_on_commit(
            "mentorloom.mentorships.tasks.offer_freed_place_task", mentor_id=mentorship.mentor_id
        )
    return reflection
