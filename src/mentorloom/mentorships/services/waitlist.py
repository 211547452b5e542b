"""The waitlist: joining, leaving, and offering a freed place to the first in line."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorloom.core.errors import InvalidInput
from mentorloom.notifications.services import notify
from mentorloom.profiles.models import Profile

from ..errors import AlreadyMentoring
from ..models import Mentorship, MentorshipStatus, WaitlistEntry
from ._common import _mentor_profile, _url, free_places


def join_waitlist(mentee, mentor_id: int) -> WaitlistEntry:  # type: ignore[no-untyped-def]
    """Queue for a full mentor. Errors: as for a request, except being full is the point."""
    profile = _mentor_profile(mentee, mentor_id)
    if (
        Mentorship.objects.filter(mentor_id=mentor_id, mentee=mentee)
        .exclude(status=MentorshipStatus.ENDED)
        .exists()
    ):
        raise AlreadyMentoring()
    existing = WaitlistEntry.objects.filter(
        mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
    ).first()
    if existing:
        return existing
    if free_places(profile) > 0:
        raise InvalidInput(
            f"{profile.name} has a free place: send a request instead.",
            fields={"mentor_id": ["This mentor has a free place."]},
        )
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(mentor_id=mentor_id, mentee=mentee)
    except IntegrityError:  # a concurrent join for the same pair
        return WaitlistEntry.objects.get(
            mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
        )


def leave_waitlist(mentee, mentor_id: int) -> None:  # type: ignore[no-untyped-def]
    WaitlistEntry.objects.filter(
        mentor_id=mentor_id, mentee=mentee, notified_at__isnull=True
    ).delete()


def offer_freed_place(mentor_id: int) -> WaitlistEntry | None:
    """Tell the first person waiting that a place is free (called once per freed place).

    The profile lock serialises overlapping calls, and a told entry leaves the queue, so each
    freed place reaches exactly one person, in the order they joined.
    """
    with transaction.atomic():
        profile = (
            Profile.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(user_id=mentor_id)
        )
        if free_places(profile) == 0 or not profile.accepting_requests or profile.is_paused:
            return None
        entry = (
            WaitlistEntry.objects.select_for_update()
            .filter(mentor_id=mentor_id, notified_at__isnull=True)
            .order_by("created_at", "id")
            .first()
        )
        if entry is None:
            return None
        entry.notified_at = timezone.now()
        entry.save(update_fields=["notified_at"])
        notify(
            entry.mentee,
            kind="waitlist.place_free",
            title=f"{profile.name} has a free place",
            body="You were first on the waitlist. Send your request soon.",
            url=_url("mentorships:request_create", mentor_id),
        )
    return entry
