"""Reads and access helpers: the only way views, API routes and consumers reach a workshop."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from mentorloom.communities.access import membership_of
from mentorloom.communities.models import Community, Membership
from mentorloom.communities.selectors import (
    good_standing_community_ids,
    good_standing_member_ids,
    moderated_communities,
)
from mentorloom.safety.selectors import hidden_user_ids
from mentorloom.sessions import insights
from mentorloom.sessions.selectors import feedback_k

from . import errors
from .models import (
    ARCHIVED_ROOM_NUMBER,
    Attendance,
    Feedback,
    HandSignal,
    Registration,
    RegistrationStatus,
    Room,
    RoomAssignment,
    RoomKind,
    Workshop,
)


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None


def visible_workshops(user) -> QuerySet[Workshop]:  # type: ignore[no-untyped-def]
    """What `user` may see: public workshops and any they are registered for, except that one
    tied to a community is only for its members in good standing (a registration does not
    outlive a ban); plus everything they facilitate."""
    if user is None or not user.is_authenticated:
        return Workshop.objects.filter(is_public=True, community__isnull=True).select_related(
            "facilitator__profile"
        )
    unattached = Q(community__isnull=True) & (Q(is_public=True) | Q(registrations__user=user))
    q = unattached | Q(community_id__in=good_standing_community_ids(user)) | Q(facilitator=user)
    qs = Workshop.objects.filter(q).exclude(facilitator_id__in=hidden_user_ids(user.pk))
    return qs.distinct().select_related("facilitator__profile", "community")


def upcoming_workshops(user, *, now: datetime | None = None) -> QuerySet[Workshop]:  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    return (
        visible_workshops(user)
        .filter(ends_at__gt=now, cancelled_at__isnull=True)
        .order_by("starts_at")
    )


def with_places(workshops: QuerySet[Workshop], user) -> QuerySet[Workshop]:  # type: ignore[no-untyped-def]
    """`workshops` with `taken` (registered places) and `my_status` (the viewer's registration
    status, or None) for the list: counted in subqueries, since `visible_workshops` already
    joins registrations for its filter and a Count over that join would be constrained by it."""
    registered = (
        Registration.objects.filter(workshop=OuterRef("pk"), status=RegistrationStatus.REGISTERED)
        .values("workshop")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = Registration.objects.filter(workshop=OuterRef("pk"), user=user).values("status")[:1]
    return workshops.annotate(
        taken=Coalesce(Subquery(registered, output_field=IntegerField()), 0),
        my_status=Subquery(mine),
    )


def upcoming_for_community(user, community, *, now: datetime | None = None, limit: int = 5):  # type: ignore[no-untyped-def]
    """The next workshops tied to `community` that `user` may see (none for outsiders), soonest
    first, each with `taken` (with_places: counted apart from the visibility join)."""
    return list(
        with_places(upcoming_workshops(user, now=now).filter(community=community), user)[:limit]
    )


def get_workshop_for(user, workshop_id: object) -> Workshop:  # type: ignore[no-untyped-def]
    """The workshop if `user` may see it (visible_workshops); otherwise 404."""
    workshop = visible_workshops(user).filter(pk=_int(workshop_id)).first()
    if workshop is None:
        raise Http404
    return workshop


def community_lets_in(user, workshop: Workshop) -> bool:  # type: ignore[no-untyped-def]
    """A community workshop's rooms are for its facilitator and the community's members in
    good standing only; every other workshop lets anyone its other rules let in."""
    if workshop.community_id is None or user.pk == workshop.facilitator_id:
        return True
    return good_standing_community_ids(user).filter(community_id=workshop.community_id).exists()


def let_in_among(workshop: Workshop, user_ids: list[int]) -> set[int]:
    """Those of `user_ids` whom `community_lets_in` lets into `workshop`, in one query."""
    if workshop.community_id is None:
        return set(user_ids)
    members = good_standing_member_ids(workshop.community_id, user_ids)
    return members | ({workshop.facilitator_id} & set(user_ids))


@dataclass(frozen=True)
class Orphaned:
    """Places and waitlist spots someone holds in a community's workshops although they are not
    a member of it in good standing now (they left, or were banned, before leaving and a ban
    cancelled them: see `orphaned_registrations`)."""

    community_id: int
    user: Any  # the User
    banned_until: datetime | None  # None: not a member at all
    registrations: list[Registration]  # soonest workshop first, each with its workshop


def orphaned_registrations(
    *, community_id: int | None = None, user_id: int | None = None, now: datetime | None = None
) -> list[Orphaned]:
    """Every person's places and waitlist spots in community workshops that are not over, when
    the person is not a member of that community in good standing now (the rule is
    `good_standing_member_ids`'s) and leaving or the ban would have cancelled them: all of them
    for someone who is not a member, those in workshops that start before the ban lifts for
    someone banned (`cancel_for_community_ban` keeps the later ones). Never a facilitator's
    (they cannot register for their own workshop, and it stays theirs). Optionally one
    community and/or one person. By community, then person."""
    now = now or timezone.now()
    held = Registration.objects.filter(
        workshop__community__isnull=False,
        workshop__ends_at__gt=now,
        workshop__cancelled_at__isnull=True,
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED],
    ).exclude(user_id=F("workshop__facilitator_id"))
    if community_id is not None:
        held = held.filter(workshop__community_id=community_id)
    if user_id is not None:
        held = held.filter(user_id=user_id)
    pairs = held.order_by().values_list("workshop__community_id", "user_id")
    found: list[Orphaned] = []
    for held_in, banned in _outside_good_standing(pairs):
        rows = (
            held.filter(workshop__community_id=held_in, user_id__in=list(banned))
            .select_related("user", "workshop")
            .order_by("user_id", "workshop__starts_at", "workshop_id")
        )
        for holder, own in groupby(rows, key=attrgetter("user_id")):
            until = banned.get(holder)
            kept = [r for r in own if until is None or r.workshop.starts_at < until]
            if kept:
                found.append(Orphaned(held_in, kept[0].user, until, kept))
    return found


def room_chat_outsiders(
    *, community_id: int | None = None, user_id: int | None = None
) -> list[tuple[int, int, bool]]:
    """(community id, user id, banned now) for each person who still takes part in a room chat
    (main or breakout) of a community's workshop, past ones included, although they are not a
    member of that community in good standing now: people who left or were banned before
    leaving and a ban took them out of those chats. Never for a workshop they facilitate (it
    stays theirs). Optionally one community and/or one person. By community, then person."""
    from mentorloom.messaging.models import Participant

    rows = Participant.objects.filter(
        conversation__workshop_room__workshop__community__isnull=False
    ).exclude(user_id=F("conversation__workshop_room__workshop__facilitator_id"))
    if community_id is not None:
        rows = rows.filter(conversation__workshop_room__workshop__community_id=community_id)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    pairs = rows.order_by().values_list(
        "conversation__workshop_room__workshop__community_id", "user_id"
    )
    return [
        (taken_in, taker, banned[taker] is not None)
        for taken_in, banned in _outside_good_standing(pairs)
        for taker in sorted(banned)
    ]


def _outside_good_standing(
    pairs: QuerySet,
) -> list[tuple[int, dict[int, datetime | None]]]:
    """For (community id, user id) pairs: per community, by id, those of its users who are not
    members in good standing now (`good_standing_member_ids`), each with the end of their ban
    (None: not a member at all; outside good standing with a membership means banned now).
    Communities with nobody outside are left out."""
    users: dict[int, set[int]] = defaultdict(set)
    for community_id, user_id in pairs.distinct():
        users[community_id].add(user_id)
    found = []
    for community_id, user_ids in sorted(users.items()):
        outside = user_ids - good_standing_member_ids(community_id, user_ids)
        if not outside:
            continue
        banned: dict[int, datetime | None] = dict.fromkeys(outside)
        banned.update(
            Membership.objects.filter(community_id=community_id, user_id__in=outside).values_list(
                "user_id", "banned_until"
            )
        )
        found.append((community_id, banned))
    return found


def community_to_schedule_in(user, community_id: object) -> Community:  # type: ignore[no-untyped-def]
    """A community `user` asks to tie a new workshop to: 404 when there is none or they are
    not a member in good standing (moderating it is the service's check, a 403)."""
    community = Community.objects.filter(
        pk=_int(community_id), pk__in=good_standing_community_ids(user)
    ).first()
    if community is None:
        raise Http404
    return community


def schedulable_communities(user) -> QuerySet[Community]:  # type: ignore[no-untyped-def]
    """Communities `user` may tie a workshop to (they own or moderate it)."""
    return moderated_communities(user)


def may_cancel(user, workshop: Workshop) -> bool:  # type: ignore[no-untyped-def]
    """Its facilitator, or a moderator of its community (services.cancel_workshop)."""
    if user.pk == workshop.facilitator_id:
        return True
    if workshop.community_id is None:
        return False
    membership = membership_of(user, workshop.community)
    return membership is not None and membership.moderates


def registration_of(user, workshop: Workshop) -> Registration | None:  # type: ignore[no-untyped-def]
    if user is None or not user.is_authenticated:
        return None
    return Registration.objects.filter(workshop=workshop, user=user).first()


def is_registered(user, workshop: Workshop) -> bool:  # type: ignore[no-untyped-def]
    return Registration.objects.filter(
        workshop=workshop, user=user, status=RegistrationStatus.REGISTERED
    ).exists()


def is_member(user, workshop: Workshop) -> bool:  # type: ignore[no-untyped-def]
    """Facilitator or registered participant: who may enter the live room."""
    return user.pk == workshop.facilitator_id or is_registered(user, workshop)


def registered_count(workshop: Workshop) -> int:
    return workshop.registrations.filter(status=RegistrationStatus.REGISTERED).count()


def waitlist(workshop: Workshop) -> QuerySet[Registration]:
    return workshop.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
        "queued_at", "id"
    )


def main_room(workshop: Workshop) -> Room:
    return Room.objects.get(workshop=workshop, kind=RoomKind.MAIN)


def breakout_rooms(workshop: Workshop) -> list[Room]:
    """The current round's breakout rooms (earlier rounds' are archived, for their members)."""
    return list(
        Room.objects.filter(
            workshop=workshop, kind=RoomKind.BREAKOUT, number__lt=ARCHIVED_ROOM_NUMBER
        ).order_by("number")
    )


def current_room_for(user, workshop: Workshop, *, now: datetime | None = None) -> Room:  # type: ignore[no-untyped-def]
    """The room `user` is in now: their breakout room while breakouts are live (until the
    recall countdown ends), else the main room."""
    if workshop.breakouts_live(now):
        assignment = (
            RoomAssignment.objects.filter(workshop=workshop, user=user)
            .select_related("room")
            .first()
        )
        if assignment is not None:
            return assignment.room
    return main_room(workshop)


def get_room_for(user, room_id: object, *, now: datetime | None = None) -> Room:  # type: ignore[no-untyped-def]
    """A room whose media (a Janus grant, mesh signalling) `user` may have right now, or 404.
    Only while the workshop is open to join (from JOIN_EARLY before the start to the end): the
    facilitator may then visit any room of their workshop; a participant reaches only the room
    they are in now, while registered, let in by the community and present (an open
    Attendance row, which only `join` makes: so the join window and the facilitator's lock
    hold for media too, and a room fetched early cannot be saved for later). Strangers and
    forged ids get a bare 404; a participant outside the window or not joined gets a 404 that
    says so (`RoomNotOpen`, `NotJoined`)."""
    now = now or timezone.now()
    room = Room.objects.filter(pk=_int(room_id)).select_related("workshop").first()
    if room is None or user is None or not user.is_authenticated:
        raise Http404
    workshop = room.workshop
    if workshop.cancelled_at is not None:
        raise Http404
    is_facilitator = user.pk == workshop.facilitator_id
    if not is_facilitator and (
        not is_registered(user, workshop) or not community_lets_in(user, workshop)
    ):
        raise Http404
    if not workshop.joins_from <= now < workshop.ends_at:
        raise errors.RoomNotOpen()
    if is_facilitator:
        return room
    if not Attendance.objects.filter(workshop=workshop, user=user, left_at__isnull=True).exists():
        raise errors.NotJoined()
    if current_room_for(user, workshop, now=now).pk != room.pk:
        raise Http404
    return room


def get_member_room_for(user, room_id: object, *, breakout_only: bool = True) -> Room:  # type: ignore[no-untyped-def]
    """A room whose chat `user` belongs to (a breakout room they were ever assigned to keeps
    its note and chat theirs after the workshop), or 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    rooms = Room.objects.filter(pk=_int(room_id), conversation__memberships__user=user)
    if breakout_only:
        rooms = rooms.filter(kind=RoomKind.BREAKOUT)
    room = rooms.select_related("workshop").first()
    if room is None:
        raise Http404
    return room


def rooms_of_member(user, workshop: Workshop) -> list[Room]:  # type: ignore[no-untyped-def]
    """Breakout rooms `user` was ever assigned to and whose notes and chat stay theirs."""
    return list(
        Room.objects.filter(
            workshop=workshop,
            kind=RoomKind.BREAKOUT,
            conversation__memberships__user=user,
        )
        .distinct()
        .select_related("conversation")
    )


def assignments_by_room(workshop: Workshop) -> dict[int, list[int]]:
    rooms: dict[int, list[int]] = {room.pk: [] for room in breakout_rooms(workshop)}
    for room_id, user_id in RoomAssignment.objects.filter(workshop=workshop).values_list(
        "room_id", "user_id"
    ):
        rooms.setdefault(room_id, []).append(user_id)
    return rooms


def assignment_pairs(workshop: Workshop) -> list[tuple[int, int]]:
    """(user id, breakout room id) for everyone assigned."""
    return list(RoomAssignment.objects.filter(workshop=workshop).values_list("user_id", "room_id"))


def present_user_ids(workshop: Workshop) -> list[int]:
    return list(
        Attendance.objects.filter(workshop=workshop, left_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def people_in_room(room: Room, *, now: datetime | None = None) -> list[int]:
    """Who is in `room` now: present people whose current room it is (selectors.
    current_room_for, for everyone at once), plus the facilitator, who may be visiting."""
    workshop = Workshop.objects.get(pk=room.workshop_id)  # fresh: breakouts may just have opened
    present = set(present_user_ids(workshop))
    assigned: dict[int, int] = {}
    if workshop.breakouts_live(now):
        assigned = dict(assignment_pairs(workshop))
    if room.kind == RoomKind.MAIN:
        inside = {uid for uid in present if uid not in assigned}
    else:
        inside = {uid for uid in present if assigned.get(uid) == room.pk}
    return sorted(inside | {workshop.facilitator_id})


def get_workshop_room(workshop: Workshop, room_id: object) -> Room:
    """A room of `workshop` (any other id, or another workshop's room, is 404)."""
    room = (
        Room.objects.filter(pk=_int(room_id), workshop=workshop).select_related("workshop").first()
    )
    if room is None:
        raise Http404
    return room


def names_of(user_ids: list[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("profile")
    return {u.pk: display_name(u) for u in users}


def open_signals(workshop: Workshop) -> QuerySet[HandSignal]:
    """Raised hands and help requests not yet lowered, oldest first (the order hands went up)."""
    return (
        HandSignal.objects.filter(workshop=workshop, lowered_at__isnull=True)
        .select_related("user__profile", "room")
        .order_by("raised_at", "id")
    )


def attendance_summary(workshop: Workshop, *, now: datetime | None = None) -> list[dict]:
    """Per person: first join and total time present (open stays count up to now or the end)."""
    now = now or timezone.now()
    people: dict[int, dict] = {}
    for stay in Attendance.objects.filter(workshop=workshop).select_related("user__profile"):
        end = stay.left_at or min(now, workshop.ends_at)
        entry = people.setdefault(
            stay.user_id,
            {"user": stay.user, "first_joined_at": stay.joined_at, "seconds": 0},
        )
        entry["seconds"] += max(0, int((end - stay.joined_at).total_seconds()))
    for entry in people.values():
        entry["minutes"] = round(entry["seconds"] / 60)
    return sorted(people.values(), key=lambda e: e["first_joined_at"])


def attended(user, workshop: Workshop) -> bool:  # type: ignore[no-untyped-def]
    return Attendance.objects.filter(workshop=workshop, user=user).exists()


def time_present(user, workshop: Workshop) -> timedelta:  # type: ignore[no-untyped-def]
    for entry in attendance_summary(workshop):
        if entry["user"].pk == user.pk:
            return timedelta(seconds=entry["seconds"])
    return timedelta(0)


def feedback_closes_at(workshop: Workshop) -> datetime:
    """Feedback is taken from the end for MENTORLOOM_WORKSHOP_FEEDBACK_DAYS days (at least 1)."""
    days = max(1, int(getattr(settings, "MENTORLOOM_WORKSHOP_FEEDBACK_DAYS", 3)))
    return workshop.ends_at + timedelta(days=days)


def feedback_open(workshop: Workshop, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return workshop.ends_at <= now < feedback_closes_at(workshop)


def established_raters(workshop: Workshop, now: datetime) -> int:
    """How many of the workshop's raters make up k (sessions.insights.counts_towards_k: a
    verified account 30 days older than the workshop, not the facilitator's own "+tag"
    address), so fake attendees rating with known values cannot isolate a real one."""
    facilitator = workshop.facilitator.email
    raters = get_user_model().objects.filter(workshop_feedback__workshop=workshop)
    return sum(
        insights.counts_towards_k(
            rater_email=email,
            rater_verified=verified_at is not None,
            rater_joined_at=joined,
            rated_starts_at=workshop.starts_at,
            rated_ends_at=workshop.ends_at,
            rated_was_held=workshop.cancelled_at is None,
            owner_email=facilitator,
            now=now,
        )
        for email, verified_at, joined in raters.values_list(
            "email", "email_verified_at", "date_joined"
        )
    )


def feedback_summary(workshop: Workshop, now: datetime | None = None) -> dict:
    """The facilitator's view of the ratings: {"average", "count", "withheld", "closes_at", "k"}.

    Withheld (average and count None) while feedback is open ("window_open") and, after it
    closes, when fewer than k people rated or fewer than k of them are established raters
    ("fewer_than_k"; k is the mentors' feedback k, sessions.selectors.feedback_k). A live
    figure beside the attendance list made each new rating attributable by comparing it before
    and after; published once, after the window, no later answer can move it (submit_feedback
    refuses them), so none can be told apart."""
    now = now or timezone.now()
    closes_at, k = feedback_closes_at(workshop), feedback_k()
    summary: dict = {"average": None, "count": None, "closes_at": closes_at, "k": k}
    if now < closes_at:
        return {**summary, "withheld": "window_open"}
    row = Feedback.objects.filter(workshop=workshop).aggregate(avg=Avg("rating"), n=Count("id"))
    if row["n"] < k or established_raters(workshop, now) < k:
        return {**summary, "withheld": "fewer_than_k"}
    return {**summary, "average": round(row["avg"], 2), "count": row["n"], "withheld": None}


def display_name(user) -> str:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    return (getattr(profile, "display_name", "") or user.email.split("@")[0]) if user else ""
