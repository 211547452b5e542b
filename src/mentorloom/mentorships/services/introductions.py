"""A mentorship started by an introduction (a program's published match), not a request."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mentorloom.notifications.services import notify
from mentorloom.safety.selectors import is_blocked_between

from ..errors import MentorUnavailable
from ..models import AgreementVersion, HistoryEvent, Mentorship, MentorshipStatus
from ._common import _url


def start_introduced_mentorship(mentor, mentee, *, introduced_by, context: str) -> Mentorship:  # type: ignore[no-untyped-def]
    """Start (or return the live) mentorship between two people a program matched, with a draft
    agreement both confirm as usual, and introduce them to each other by notification.

    Idempotent per pair: a live mentorship between them is returned unchanged. Capacity is the
    program's (the admin's assignment respects it), not the mentor's directory capacity.
    Errors: MentorUnavailable when a block stands between the two, either way (nobody may be
    introduced to someone they blocked or who blocked them; callers check first).
    """
    if is_blocked_between(mentor.pk, mentee.pk):
        raise MentorUnavailable()
    with transaction.atomic():
        live = (
            Mentorship.objects.filter(mentor=mentor, mentee=mentee)
            .exclude(status=MentorshipStatus.ENDED)
            .first()
        )
        if live is not None:
            return live
        mentorship = Mentorship.objects.create(
            mentor=mentor, mentee=mentee, started_at=timezone.now()
        )
        AgreementVersion.objects.create(
            mentorship=mentorship,
            number=1,
            goals="To be agreed in our first session.",
            session_length="45 minutes",
            review_date="Review together after 3 months",
            response_times="Within 2 working days",
        )
        HistoryEvent.objects.create(
            mentorship=mentorship, actor=introduced_by, text=f"Introduced by {context}."[:300]
        )
        url = _url("mentorships:detail", mentorship.pk)
        for person, other in ((mentee, mentor), (mentor, mentee)):
            notify(
                person,
                kind="program.introduction",
                title=f"Meet {other.get_full_name()}: your {context} match",
                body="Your mentorship has started. Review and confirm your agreement together.",
                url=url,
            )
    return mentorship
