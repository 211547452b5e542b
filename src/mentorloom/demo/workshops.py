"""Demo workshops: one past (attendance, breakout notes, a room chat, feedback), one upcoming
(registrations and a waitlist), one for the first demo community's members (its "Upcoming
events") and a drop-in that is on now, so the live room can be opened on the first run (Aiko
facilitates, Lucas is registered). Idempotent: found again by facilitator (or community) and
title; ended ones move forward."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mentorloom.communities.models import Community, Membership, Role
from mentorloom.messaging.models import Conversation, Message, Participant
from mentorloom.messaging.services import create_conversation
from mentorloom.workshops import services as workshop_services
from mentorloom.workshops.models import (
    Attendance,
    Feedback,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    RoomKind,
    Workshop,
)

from .communities import COMMUNITIES
from .data import MENTEES, MENTORS

PAST_TITLE = "Learning from setbacks"
UPCOMING_TITLE = "Telling your career story"
COMMUNITY_TITLE = "Live portfolio crit"
LIVE_TITLE = "Drop-in: ask a mentor anything"
LIVE_HOURS = 4
NOTES = [
    "Ana: a failed launch taught me to ship smaller.\nBen: asking for help earlier.",
    "Cy: switching careers at 35 felt late; it wasn't.\nDi: rejection is data.",
]


def _people() -> tuple[object, list]:
    users = get_user_model().objects
    facilitator = users.get(email=MENTORS[0].email)
    participants = list(users.filter(email__in=[p.email for p in MENTEES[:6]]).order_by("email"))
    return facilitator, participants


def _at_hour(day: datetime, hour: int) -> datetime:
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def _past(facilitator, participants: list, now: datetime) -> Workshop:  # type: ignore[no-untyped-def]
    start = _at_hour(now - timedelta(days=7), 15)
    workshop, created = Workshop.objects.get_or_create(
        facilitator=facilitator,
        title=PAST_TITLE,
        defaults={
            "starts_at": start,
            "ends_at": start + timedelta(minutes=90),
            "zone": "UTC",
            "capacity": 12,
            "description": "Share a setback and what it taught you, in small groups.",
            "agenda": "Welcome (10 min)\nBreakout stories (40 min)\nWhat we learnt (20 min)",
        },
    )
    if not created:
        return workshop
    Room.objects.create(
        workshop=workshop,
        kind=RoomKind.MAIN,
        number=0,
        name="Main room",
        conversation=create_conversation("workshop", [facilitator, *participants]),
    )
    groups = [participants[: len(participants) // 2], participants[len(participants) // 2 :]]
    for number, members in enumerate(groups, start=1):
        room = Room.objects.create(
            workshop=workshop,
            kind=RoomKind.BREAKOUT,
            number=number,
            name=f"Room {number}",
            conversation=create_conversation("workshop", [facilitator, *members]),
            note=NOTES[(number - 1) % len(NOTES)],
            note_updated_at=start + timedelta(minutes=50),
        )
        for user in members:
            RoomAssignment.objects.create(workshop=workshop, room=room, user=user)
        if members:
            message = Message.objects.create(
                conversation=room.conversation,
                sender=members[0],
                client_id=uuid.uuid4(),
                body="Thanks all, that was honest and useful.",
                created_at=start + timedelta(minutes=45),
            )
            # Read a week ago: the demo's unread badges belong to the mentorship chats.
            Participant.objects.filter(conversation=room.conversation).update(
                last_read_message_id=message.pk, last_read_at=message.created_at
            )
            Conversation.objects.filter(pk=room.conversation_id).update(
                last_message_id=message.pk, last_message_at=message.created_at
            )
    for offset, user in enumerate(participants):
        Registration.objects.create(
            workshop=workshop, user=user, status=RegistrationStatus.REGISTERED
        )
        Attendance.objects.create(
            workshop=workshop,
            user=user,
            joined_at=start + timedelta(minutes=offset),
            left_at=start + timedelta(minutes=90 - 3 * offset),
        )
        Feedback.objects.create(workshop=workshop, user=user, rating=5 - offset % 2)
    Attendance.objects.create(
        workshop=workshop, user=facilitator, joined_at=start, left_at=start + timedelta(minutes=90)
    )
    return workshop


def _reinstated(workshop: Workshop | None) -> Workshop | None:
    """A demo workshop someone called off while trying the demo is on again (seeding again
    restores the demo)."""
    if workshop is not None and workshop.cancelled_at is not None:
        Workshop.objects.filter(pk=workshop.pk).update(cancelled_at=None, cancel_note="")
        workshop.refresh_from_db()
    return workshop


def _upcoming(facilitator, participants: list, now: datetime) -> Workshop:  # type: ignore[no-untyped-def]
    workshop = _reinstated(
        Workshop.objects.filter(facilitator=facilitator, title=UPCOMING_TITLE)
        .order_by("-starts_at")
        .first()
    )
    if workshop is None or workshop.ends_at <= now:
        start = _at_hour(now + timedelta(days=3), 16)
        if workshop is not None:  # an old demo run's workshop ended: move it forward
            Workshop.objects.filter(pk=workshop.pk).update(
                starts_at=start, ends_at=start + timedelta(hours=1), reminder_sent_at=None
            )
            workshop.refresh_from_db()
        else:
            workshop = workshop_services.create_workshop(
                facilitator,
                title=UPCOMING_TITLE,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=4,
                zone=_zone_of(facilitator),
                description="Practise a two-minute story of your path, with feedback in pairs.",
                agenda="Warm-up\nPairs: tell and listen\nWrap-up",
            )
    for user in participants[:5]:  # four places: the fifth waits
        if not Registration.objects.filter(workshop=workshop, user=user).exists():
            workshop_services.register(user, workshop)
    return workshop


def _community_event(now: datetime) -> Workshop | None:
    """The first demo community's owner schedules a workshop for its members (kept upcoming:
    an ended one from an old run moves forward); None when the community was not seeded."""
    community = Community.objects.filter(slug=COMMUNITIES[0].slug).first()
    owner = (
        Membership.objects.filter(community=community, role=Role.OWNER)
        .select_related("user")
        .first()
        if community
        else None
    )
    if owner is None:
        return None
    workshop = _reinstated(
        Workshop.objects.filter(community=community, title=COMMUNITY_TITLE).first()
    )
    start = _at_hour(now + timedelta(days=5), 17)
    if workshop is None:
        workshop = workshop_services.create_workshop(
            owner.user,
            title=COMMUNITY_TITLE,
            starts_at=start,
            ends_at=start + timedelta(minutes=75),
            capacity=8,
            zone=community.zone,
            description="Bring one screen you are stuck on; we critique it together, kindly.",
            agenda="Round of screens\nCrit in pairs\nWhat I will change",
            community=community,
        )
    elif workshop.ends_at <= now:
        Workshop.objects.filter(pk=workshop.pk).update(
            starts_at=start, ends_at=start + timedelta(minutes=75), reminder_sent_at=None
        )
        workshop.refresh_from_db()
    return workshop


def _live_now(facilitator, participants: list, now: datetime) -> Workshop:  # type: ignore[no-untyped-def]
    """On from a few minutes ago for LIVE_HOURS: a demo started later moves it to its own now."""
    start = now - timedelta(minutes=5)
    workshop = _reinstated(
        Workshop.objects.filter(facilitator=facilitator, title=LIVE_TITLE).first()
    )
    if workshop is None:
        # The service refuses a start in the past: schedule it, then move it to now.
        workshop = workshop_services.create_workshop(
            facilitator,
            title=LIVE_TITLE,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
            capacity=20,
            zone=_zone_of(facilitator),
            description="Come with one question about your career; we answer in small rooms.",
            agenda="Questions round\nBreakout rooms by topic\nWhat I will try next",
        )
    if workshop.ends_at <= now + timedelta(hours=1) or workshop.starts_at > now:
        Workshop.objects.filter(pk=workshop.pk).update(
            starts_at=start, ends_at=start + timedelta(hours=LIVE_HOURS), reminder_sent_at=None
        )
        workshop.refresh_from_db()
    for user in participants:
        if not Registration.objects.filter(workshop=workshop, user=user).exists():
            workshop_services.register(user, workshop)
    return workshop


def _zone_of(user) -> str:  # type: ignore[no-untyped-def]
    return getattr(getattr(user, "profile", None), "time_zone", "") or "UTC"


def seed_workshops(now: datetime | None = None) -> tuple[Workshop, Workshop]:
    now = now or timezone.now()
    facilitator, participants = _people()
    past = _past(facilitator, participants, now)
    upcoming = _upcoming(facilitator, participants, now)
    _community_event(now)
    _live_now(facilitator, participants, now)
    return past, upcoming
