"""Calling a workshop off: by its facilitator, by a moderator of its community, or because its
facilitator was banned from that community (a ban used to leave a banned person hosting the
community's members in their own workshop)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mentorloom.core.realtime.live import publish_all, publish_to_users
from mentorloom.notifications.services import notify

from .. import errors, selectors
from ..models import (
    Attendance,
    MediaGrant,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    Workshop,
)
from ._common import _evict_on_commit, _locked, _revoke_message, _send_invitation
from .live import _take_out

BY_MODERATORS = "The community's moderators called it off."


def cancel_workshop(user, workshop: Workshop | int, note: object = "") -> Workshop:  # type: ignore[no-untyped-def]
    """Call `workshop` off (idempotent): everyone with a place gets the calendar cancellation
    with `note` (up to 300 characters; people on the waitlist had no event in their calendar),
    and anyone in its rooms now leaves them (`workshop.removed`, reason "cancelled").
    Registrations are kept as they were, so the page can say whose place it was. Only its
    facilitator or a moderator of its community may (NotFacilitator); an ended workshop
    cannot be (WorkshopOver)."""
    if note is not None and not isinstance(note, str):
        raise errors.BadWorkshop(fields={"note": ["Write the note as text."]})
    note = (note or "").strip()
    if len(note) > 300:
        raise errors.BadWorkshop(fields={"note": ["Keep the note to 300 characters."]})
    with transaction.atomic():
        workshop = _locked(workshop)
        if not selectors.may_cancel(user, workshop):
            raise errors.NotFacilitator()
        return _cancel(workshop, note)


def cancel_facilitated_for_community_ban(community_id: int, user, until: datetime) -> list:  # type: ignore[no-untyped-def]
    """`user` was banned from the community: the workshops of it they facilitate that are not
    over and start before the ban lifts are called off (their registrants hear it from the
    calendar cancellation). Connected to communities.services.member_banned; runs inside the
    ban's transaction. Returns [] (the banned person's own places are named elsewhere)."""
    workshop_ids = Workshop.objects.filter(
        community_id=community_id,
        facilitator=user,
        cancelled_at__isnull=True,
        ends_at__gt=timezone.now(),
        starts_at__lt=until,
    ).values_list("pk", flat=True)
    for workshop_id in list(workshop_ids):
        try:
            _cancel(_locked(workshop_id), BY_MODERATORS)
        except errors.WorkshopOver:
            continue  # it ended meanwhile: nothing to call off, and the ban goes ahead
    return []


def _cancel(workshop: Workshop, note: str) -> Workshop:
    """Under the workshop's lock."""
    if workshop.cancelled_at is not None:
        return workshop
    now = timezone.now()
    if workshop.ends_at <= now:
        raise errors.WorkshopOver()
    workshop.cancelled_at = now
    workshop.cancel_note = note
    workshop.save(update_fields=["cancelled_at", "cancel_note"])
    registrations = Registration.objects.filter(
        workshop=workshop,
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED],
    ).select_related("user")
    for registration in registrations:
        if registration.status == RegistrationStatus.REGISTERED:
            _send_invitation(
                workshop,
                registration.user,
                method="CANCEL",
                template="workshops/emails/workshop_cancelled",
            )
        # In the app too, for everyone who was waiting for it (the e-mail went already).
        notify(
            registration.user,
            kind="workshop.cancelled",
            title=f'"{workshop.title}" is cancelled',
            body=note,
            url=f"/workshops/{workshop.pk}/",
            email=False,
        )
    present = Attendance.objects.filter(workshop=workshop, left_at__isnull=True).exclude(
        user_id=workshop.facilitator_id
    )
    for user_id in list(present.values_list("user_id", flat=True).distinct()):
        _take_out(workshop, user_id, reason="cancelled")
    Attendance.objects.filter(workshop=workshop, left_at__isnull=True).update(left_at=now)
    # Nobody stays admitted to its media, the facilitator and a tab left open after "Leave"
    # included: every grant still naming a room is evicted, and its room sockets closed.
    rooms = list(Room.objects.filter(workshop=workshop).values_list("pk", flat=True))
    revoked = []
    for grant in MediaGrant.objects.filter(workshop=workshop, room__isnull=False):
        _evict_on_commit(Room(pk=grant.room_id), grant.token, grant.feed_id)
        revoked += [_revoke_message(r, grant.user_id, reason="cancelled") for r in rooms]
    MediaGrant.objects.filter(workshop=workshop).update(room=None)
    publish_all(revoked)
    # No breakouts open or recall pending: nothing moves anyone anywhere any more.
    RoomAssignment.objects.filter(workshop=workshop).delete()
    workshop.breakouts_opened_at = workshop.breakouts_end_at = workshop.recall_at = None
    workshop.save(update_fields=["breakouts_opened_at", "breakouts_end_at", "recall_at"])
    # Every open room page of theirs, the facilitator's too, stops there (workshop_room.js).
    audience = [r.user_id for r in registrations] + [workshop.facilitator_id]
    publish_to_users(audience, {"type": "workshop.cancelled", "workshop": workshop.pk})
    return workshop
