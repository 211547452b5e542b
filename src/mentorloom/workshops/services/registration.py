"""Scheduling a workshop, registration with a waitlist, invitations and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from mentorloom.communities.access import membership_of
from mentorloom.communities.models import Community
from mentorloom.core.email import queue_emails
from mentorloom.safety.models import Block
from mentorloom.scheduling import display
from mentorloom.scheduling.selectors import zone_name_of

from .. import errors, selectors
from ..models import (
    Registration,
    RegistrationStatus,
    RoomKind,
    Workshop,
)
from ._common import (
    _create_room,
    _drop_grant,
    _locked,
    _promote_waiting,
    _send_invitation,
)
from .live import _take_out

REMINDER_BEFORE = timedelta(hours=1)

MAX_AHEAD = timedelta(days=2 * 366)
MAX_LENGTH = timedelta(hours=12)


def create_workshop(
    facilitator,  # type: ignore[no-untyped-def]
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    zone: str = "",
    description: str = "",
    agenda: str = "",
    is_public: bool | None = None,
    community: Community | None = None,
) -> Workshop:
    """Schedule a workshop (times are aware instants; `zone` defaults to the facilitator's).
    A site-wide one is listed for everyone unless `is_public` is False. Raises BadWorkshop for
    an empty title, an end not after the start, a past start, a capacity outside 1..500 or
    `is_public=True` with a `community` (such a workshop is for its members, never listed for
    everyone), NotCommunityModerator when tied to a community the facilitator does not own or
    moderate. Creates the main room and its chat."""
    fields: dict[str, list[str]] = {}
    if community is not None:
        membership = membership_of(facilitator, community)
        if membership is None or not membership.moderates:
            raise errors.NotCommunityModerator()
        if is_public:
            fields["is_public"] = [
                "A community workshop is for its members only: it cannot be listed for everyone."
            ]
        is_public = False
    elif is_public is None:
        is_public = True
    title = (title or "").strip()
    zone = zone or zone_name_of(facilitator)
    if not title:
        fields["title"] = ["Give the workshop a title."]
    if starts_at is None or timezone.is_naive(starts_at):
        fields["starts_at"] = ["Give a start time."]
    elif starts_at <= timezone.now():
        fields["starts_at"] = ["The start must be in the future."]
    elif starts_at > timezone.now() + MAX_AHEAD:
        # A typo such as 9999 would list the workshop for everyone for ever.
        fields["starts_at"] = ["Schedule it at most two years ahead."]
    if ends_at is None or (starts_at is not None and ends_at <= starts_at):
        fields["ends_at"] = ["The end must be after the start."]
    elif starts_at is not None and ends_at - starts_at > MAX_LENGTH:
        fields["ends_at"] = ["A workshop lasts at most 12 hours."]
    if not isinstance(capacity, int) or not 1 <= capacity <= 500:
        fields["capacity"] = ["Capacity is between 1 and 500."]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        fields["zone"] = ["Unknown time zone."]
    if fields:
        raise errors.BadWorkshop(fields=fields)
    with transaction.atomic():
        workshop = Workshop.objects.create(
            facilitator=facilitator,
            title=title[:120],
            description=description,
            agenda=agenda,
            starts_at=starts_at,
            ends_at=ends_at,
            zone=zone,
            capacity=capacity,
            is_public=is_public,
            community=community,
        )
        _create_room(workshop, RoomKind.MAIN, 0, "Main room", [facilitator])
    return workshop


def register(user, workshop: Workshop | int) -> Registration:  # type: ignore[no-untyped-def]
    """Register `user`: a place while any is left, else the end of the waitlist. Registering
    again is idempotent (a cancelled registration comes back). The facilitator and people
    removed by them cannot register. Side effects: the .ics invitation for a place."""
    with transaction.atomic():
        workshop = _locked(workshop)
        if workshop.cancelled_at is not None:
            raise errors.WorkshopCancelled()
        if timezone.now() >= workshop.ends_at:
            raise errors.AlreadyStarted()
        if user.pk == workshop.facilitator_id:
            raise errors.BadWorkshop("You facilitate this workshop.")
        if not selectors.community_lets_in(user, workshop):
            raise errors.NotRegistered("This workshop is for the community's members.")
        if Block.objects.filter(
            blocker_id__in=[user.pk, workshop.facilitator_id],
            blocked_id__in=[user.pk, workshop.facilitator_id],
        ).exists():
            raise errors.NotRegistered("You cannot register for this workshop.")
        existing = Registration.objects.filter(workshop=workshop, user=user).first()
        if existing and existing.status in (
            RegistrationStatus.REGISTERED,
            RegistrationStatus.WAITLISTED,
        ):
            return existing
        if existing and existing.status == RegistrationStatus.REMOVED:
            raise errors.NotRegistered("The facilitator removed you from this workshop.")
        full = selectors.registered_count(workshop) >= workshop.capacity
        status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
        registration = existing or Registration(workshop=workshop, user=user)
        registration.status = status
        registration.queued_at = timezone.now()
        registration.save()
        if status == RegistrationStatus.REGISTERED:
            _send_invitation(workshop, user, method="REQUEST", template="workshops/emails/invite")
    return registration


def cancel_registration(user, workshop: Workshop | int) -> Registration | None:  # type: ignore[no-untyped-def]
    """Give up a place (or leave the waitlist); the first person waiting is promoted and gets
    the invitation. Returns the promoted registration, if any. Once the room has opened, giving
    up a place also leaves the room for good, as a removal does (`live._take_out`): its chats,
    media and breakout place go with the place, or a place given to the next person waiting
    would let one more into the room than it holds."""
    return _give_up(user, workshop, leave_room=True)


def _give_up(user, workshop: Workshop | int, *, leave_room: bool) -> Registration | None:  # type: ignore[no-untyped-def]
    """`cancel_registration`; `leave_room=False` for a ban or leaving the community, whose
    callers take the person out of the room themselves, saying why (`live._take_out_of_live`)."""
    with transaction.atomic():
        workshop = _locked(workshop)
        if workshop.cancelled_at is not None:
            raise errors.WorkshopCancelled()  # their calendar dropped it already
        if workshop.ends_at <= timezone.now():
            # Nothing to give up, and nobody to promote; its room chats stay theirs.
            raise errors.WorkshopOver("This workshop has ended; there is no place to give up.")
        registration = Registration.objects.filter(workshop=workshop, user=user).first()
        if registration is None or registration.status not in (
            RegistrationStatus.REGISTERED,
            RegistrationStatus.WAITLISTED,
        ):
            raise errors.NotRegistered("You are not registered for this workshop.")
        had_place = registration.status == RegistrationStatus.REGISTERED
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
        if had_place:
            _send_invitation(workshop, user, method="CANCEL", template="workshops/emails/cancel")
            if leave_room and workshop.joins_from <= timezone.now():
                _take_out(workshop, user.pk, reason="gave_up")
        # Their media grant goes with the place whether or not the room is open yet (a grant
        # still naming a room would open it on Janus to someone without a place).
        _drop_grant(workshop, user.pk)
        return _promote_waiting(workshop)


def cancel_for_community_ban(community_id: int, user, until: datetime) -> list[Workshop]:  # type: ignore[no-untyped-def]
    """`user` is banned from the community until `until`: their places and waitlist spots in
    its workshops that are not over and start before the ban lifts go, each exactly as if they
    had cancelled (calendar cancellation, the head of the waitlist promoted). Connected to
    communities.services.member_banned; runs inside the ban's transaction. Returns the
    workshops, soonest first."""
    return _cancel_in_community(community_id, user, starts_before=until)


def cancel_for_community_leave(community_id: int, user) -> list[Workshop]:  # type: ignore[no-untyped-def]
    """`user` left the community: their places and waitlist spots in every one of its
    workshops that is not over go, as in `cancel_for_community_ban` (without membership the
    rooms would refuse them anyway; the places go to people who can come). Connected to
    communities.services.member_left; runs inside the leaving's transaction."""
    return _cancel_in_community(community_id, user, starts_before=None)


def cancel_orphaned_registrations() -> int:
    """One-time tidy-up (`manage.py tidy_workshop_registrations`): places and waitlist spots kept
    by people who left a community, or were banned from it, before leaving and a ban cancelled
    them (`selectors.orphaned_registrations`) go exactly as leaving or the ban would have sent
    them (`_cancel_in_community`: calendar cancellation for a place, the head of the waitlist
    promoted). Waitlist spots go first, in every workshop, so that nobody about to lose theirs
    is promoted into a place (and e-mailed about it) on the way. One transaction per community
    and person, in which their standing is read again (they may have rejoined meanwhile). A
    facilitator is never cancelled from their own workshop. Idempotent. Returns how many
    registrations were cancelled."""
    orphans = selectors.orphaned_registrations()
    cancelled = 0
    for statuses in ([RegistrationStatus.WAITLISTED], [RegistrationStatus.REGISTERED]):
        for orphan in orphans:
            with transaction.atomic():
                still = selectors.orphaned_registrations(
                    community_id=orphan.community_id, user_id=orphan.user.pk
                )
                if not still:
                    continue
                cancelled += len(
                    _cancel_in_community(
                        orphan.community_id,
                        orphan.user,
                        starts_before=still[0].banned_until,
                        statuses=statuses,
                    )
                )
    return cancelled


def _cancel_in_community(
    community_id: int,
    user,  # type: ignore[no-untyped-def]
    *,
    starts_before: datetime | None,
    statuses: tuple[str, ...] | list[str] = (
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
    ),
) -> list[Workshop]:
    registrations = Registration.objects.filter(
        user=user,
        workshop__community_id=community_id,
        workshop__ends_at__gt=timezone.now(),
        workshop__cancelled_at__isnull=True,  # nothing left to cancel there
        status__in=statuses,
    ).exclude(workshop__facilitator=user)  # their own workshop stays theirs
    if starts_before is not None:
        registrations = registrations.filter(workshop__starts_at__lt=starts_before)
    workshop_ids = list(
        registrations.order_by("workshop__starts_at", "workshop_id").values_list(
            "workshop_id", flat=True
        )
    )
    cancelled = []
    for workshop_id in workshop_ids:
        try:
            _give_up(user, workshop_id, leave_room=False)
        except (errors.NotRegistered, errors.WorkshopOver, errors.WorkshopCancelled):
            continue  # they cancelled it themselves meanwhile
        cancelled.append(workshop_id)
    return list(Workshop.objects.filter(pk__in=cancelled).order_by("starts_at", "pk"))


def send_due_reminders(*, now: datetime | None = None) -> int:
    """E-mail registered people once, about an hour before each workshop starts."""
    now = now or timezone.now()
    sent = 0
    due = Workshop.objects.filter(
        reminder_sent_at__isnull=True,
        cancelled_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_BEFORE,
    )
    for workshop_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            workshop = _locked(workshop_id)
            if workshop.reminder_sent_at is not None or workshop.cancelled_at is not None:
                continue
            workshop.reminder_sent_at = now
            workshop.save(update_fields=["reminder_sent_at"])
            registered = workshop.registrations.filter(
                status=RegistrationStatus.REGISTERED
            ).select_related("user__profile")
            # One deliver_email task per person, all enqueued together with reminder_sent_at
            # (in this transaction with the database backend): a failed enqueue leaves the
            # workshop due, and the next run sends them; none is sent twice.
            sent += queue_emails(
                "workshops/emails/reminder",
                (
                    (
                        registration.user.email,
                        {
                            "workshop": workshop,
                            "when": display.when(
                                workshop.starts_at, zone_name_of(registration.user)
                            ),
                        },
                    )
                    for registration in registered
                ),
            )
    return sent
