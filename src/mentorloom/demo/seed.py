"""Builds the demo people from demo/data.py. Idempotent: safe to run on every `make run`."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from mentorloom.core.errors import DomainError
from mentorloom.mentorships.models import MentorshipRequest
from mentorloom.mentorships.services import accept_request, end_mentorship, send_request
from mentorloom.messaging.services import get_or_create_conversation_for_mentorship, send_message
from mentorloom.privacy.services import erase_now
from mentorloom.profiles.models import TAG_MODELS, Profile, Tag, clean_tag_name, tag_key
from mentorloom.scheduling.models import (
    AvailabilityRule,
    SchedulingSettings,
    Session,
    SessionStatus,
)
from mentorloom.sessions.insights import TRAIT_KEYS
from mentorloom.sessions.models import TraitFeedback
from mentorloom.sessions.releases import release_feedback
from mentorloom.sessions.services import give_trait_feedback

from .data import (
    ADMIN,
    ADMIN_EMAIL,
    DEMO_MENTORSHIPS,
    DEMO_PAST_MENTEES,
    DEMO_PAST_MENTOR,
    MENTEES,
    MENTORS,
    DemoMentorship,
    DemoPastMentee,
    Person,
)
from .history import JOINED_BEFORE_HISTORY, seed_history
from .people import DEMO_PASSWORD
from .programs import seed_program_demo
from .workshops import seed_workshops

DEMO_DOMAIN = "@demo.mentorloom.org"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedResult:
    mentors: int
    mentees: int
    admins: int
    time_zones: int
    communities: int = 0

    def summary(self) -> str:
        return (
            f"Demo data: {self.mentors} mentors, {self.mentees} mentees, "
            f"{self.admins} admin across {self.time_zones} time zones, "
            f"{self.communities} communities"
        )


class _Tags:
    """Get-or-create tags by normalised key, cached for the run."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type[Tag], str], Tag] = {}

    def get(self, model: type[Tag], names: list[str]) -> list[Tag]:
        tags = []
        for name in names:
            key = (model, tag_key(name))
            if key not in self._cache:
                self._cache[key], _ = model.objects.get_or_create(
                    key=key[1], defaults={"name": clean_tag_name(name)}
                )
            tags.append(self._cache[key])
        return tags


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _upsert(person: Person, email: str, password_hash: str, tags: _Tags, **user_flags: bool):
    now = timezone.now()
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        email=email,
        defaults={"password": password_hash, "email_verified_at": now, **user_flags},
    )
    if not created:
        # Bring an existing demo account back to the documented state.
        user.password = password_hash
        user.is_active = True
        user.email_verified_at = user.email_verified_at or now
        for flag, value in user_flags.items():
            setattr(user, flag, value)
        user.save()

    start, end = person.work_hours
    paused_until = (
        timezone.localdate() + timedelta(days=person.paused_days) if person.paused_days else None
    )
    profile, _ = Profile.objects.update_or_create(
        user=user,
        defaults={
            "display_name": person.name,
            "pronouns": person.pronouns,
            "headline": person.headline,
            "bio": person.bio,
            "time_zone": person.zone,
            "country": person.country,
            "work_start": _time(start),
            "work_end": _time(end),
            "work_days": person.work_days,
            "visibility": person.visibility,
            "is_mentor": person.is_mentor,
            "expertise": ", ".join(person.skills[:3]) if person.is_mentor else "",
            "years_experience": person.years,
            "session_lengths": person.sessions if person.is_mentor else [],
            "capacity": person.capacity,
            "accepting_requests": person.accepting,
            "paused_until": paused_until,
            "updated_at": now,
        },
    )
    values = {
        "skills": person.skills,
        "industries": person.industries,
        "languages": person.languages,
        "career_goals": person.goals,
        "interests": person.interests,
        "topics": person.topics,
    }
    for attr, names in values.items():
        getattr(profile, attr).set(tags.get(TAG_MODELS[attr], names))
    if person.is_mentor:
        _set_availability(user, person)
    return user


def demo_windows(work_start: time, work_end: time) -> list[tuple[time, time]]:
    """Mentoring windows a busy professional might offer: the first two hours of the working
    day and ninety minutes after it (evening chats reach mentees in far-away zones)."""
    base = date(2000, 1, 3)
    start = datetime.combine(base, work_start)
    end = datetime.combine(base, work_end)
    windows = []
    morning_end = start + timedelta(hours=2)
    if end <= start or morning_end <= end:  # overnight shifts keep only the morning window
        windows.append((work_start, morning_end.time()))
    evening_end = min(end + timedelta(minutes=90), datetime.combine(base, time(23, 30)))
    if start < end < evening_end:
        windows.append((work_end, evening_end.time()))
    # An end of 00:00 means midnight (AvailabilityRule's convention).
    return [(a, b) for a, b in windows if a < b or b == time(0)]


def _set_availability(user, person: Person) -> None:  # type: ignore[no-untyped-def]
    start, end = (_time(v) for v in person.work_hours)
    AvailabilityRule.objects.filter(mentor=user).delete()
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=user, weekday=day, start=a, end=b)
        for day in person.work_days
        for a, b in demo_windows(start, end)
    )
    # Demo mentors can be booked from tomorrow on.
    SchedulingSettings.objects.update_or_create(user=user, defaults={"min_notice_minutes": 12 * 60})


def _start_mentorship(pair: DemoMentorship) -> None:
    """Request, accept and a first exchange of messages, once: if the two have a request
    already (from an earlier seed), whatever happened since is left as it is."""
    people = {p.name: p for p in [*MENTORS, *MENTEES]}
    user_model = get_user_model()
    mentor = user_model.objects.get(email=people[pair.mentor].email)
    mentee = user_model.objects.get(email=people[pair.mentee].email)
    if MentorshipRequest.objects.filter(mentor=mentor, mentee=mentee).exists():
        return
    request = send_request(mentee, mentor.pk, message=pair.request)
    conversation = get_or_create_conversation_for_mentorship(accept_request(mentor, request))
    for n, (side, body) in enumerate(pair.chat):
        # Client ids derived from the pair, as a client would make them, one per message.
        client_id = uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{pair.mentor}:{pair.mentee}:{n}")
        send_message(mentor if side == "mentor" else mentee, conversation, client_id, body)


def _past_mentorship(past: DemoPastMentee) -> None:
    """Request, accept, one session `weeks_ago`, the mentee's rating, then the mentor ends it
    (freeing the place). Once: a mentee who already rated this mentor is left as they are."""
    people = {p.name: p for p in [*MENTORS, *MENTEES]}
    user_model = get_user_model()
    mentor = user_model.objects.get(email=people[DEMO_PAST_MENTOR].email)
    mentee = user_model.objects.get(email=people[past.mentee].email)
    if TraitFeedback.objects.filter(mentor=mentor, mentee=mentee).exists():
        return
    request = send_request(
        mentee, mentor.pk, message="Hello! Could we meet once about growing into a senior role?"
    )
    mentorship = accept_request(mentor, request)
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(
        weeks=past.weeks_ago
    )
    # An account made today would not make up k for a session weeks ago
    # (sessions.insights.counts_towards_k): the demo mentee joined well before it.
    if mentee.date_joined > starts - JOINED_BEFORE_HISTORY:
        mentee.date_joined = starts - JOINED_BEFORE_HISTORY
        mentee.save(update_fields=["date_joined"])
    session = Session.objects.create(
        mentorship=mentorship, mentor=mentor, mentee=mentee, booked_by=mentee,
        starts_at=starts, ends_at=starts + timedelta(hours=1), zone=people[past.mentee].zone,
        status=SessionStatus.COMPLETED,
    )  # fmt: skip
    give_trait_feedback(
        session,
        mentee,
        ratings=dict(zip(TRAIT_KEYS, past.ratings, strict=True)),
        useful=past.useful,
        comment=past.comment,
        share_comment=bool(past.comment),
        now=session.ends_at + timedelta(hours=2),
    )
    end_mentorship(mentor, mentorship, went_well="One focused session; all set for now.")


def _replay_feedback_releases() -> None:
    """Run the weekly feedback releases the seeded past would have had, oldest week first, so
    insights and trend charts show months of figures on a fresh run instead of one batch
    released today. Weeks already released are skipped (release_feedback runs once a week)."""
    oldest = (
        TraitFeedback.objects.filter(batch__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    now = timezone.now()
    week = oldest + timedelta(days=7) if oldest else now
    while week < now:
        release_feedback(week)
        week += timedelta(days=7)
    release_feedback(now)


@transaction.atomic
def seed_demo() -> SeedResult:
    """Create or update every demo account; remove demo accounts no longer in the data."""
    # One hash for every demo account: hashing 80 times with Argon2 would slow `make run`.
    password_hash = make_password(DEMO_PASSWORD)
    tags = _Tags()
    keep = {ADMIN_EMAIL}
    _upsert(ADMIN, ADMIN_EMAIL, password_hash, tags, is_staff=True, is_superuser=True)
    for person in [*MENTORS, *MENTEES]:
        keep.add(person.email)
        _upsert(person, person.email, password_hash, tags, is_staff=False, is_superuser=False)

    user_model = get_user_model()
    # Erased like any account (not deleted), so the people they met keep coherent records.
    for gone in user_model.objects.filter(email__endswith=DEMO_DOMAIN).exclude(email__in=keep):
        erase_now(gone)
    for pair in DEMO_MENTORSHIPS:
        try:
            with transaction.atomic():
                _start_mentorship(pair)
        except DomainError as exc:
            # A demo database people have used (a block, full places ...): the people are
            # seeded all the same, the mentorship is not.
            logger.warning("demo mentorship %s / %s skipped: %s", pair.mentor, pair.mentee, exc)

    for past in DEMO_PAST_MENTEES:
        try:
            with transaction.atomic():
                _past_mentorship(past)
        except DomainError as exc:
            logger.warning("demo past mentorship %s skipped: %s", past.mentee, exc)
    # A past (held sessions, notes, feedback from >= 3 mentees per mentor) so insights, trends
    # and carry-forward show on the first run.
    seed_history()
    # Before the replayed releases: the program's six weeks of ratings are released with them.
    seed_program_demo()
    _replay_feedback_releases()
    # Rate limits do not apply to seeding; a savepoint keeps a partial failure contained.
    from .communities import seed_communities_safely

    with transaction.atomic():
        communities = seed_communities_safely()

    seed_workshops()
    people = Profile.objects.filter(user__email__in=keep - {ADMIN_EMAIL})
    return SeedResult(
        mentors=people.filter(is_mentor=True).count(),
        mentees=people.filter(is_mentor=False).count(),
        admins=user_model.objects.filter(email=ADMIN_EMAIL, is_superuser=True).count(),
        time_zones=people.values("time_zone").distinct().count(),
        communities=communities,
    )
