"""Reads about mentorships and requests (discovery uses `median_first_response_hours`)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .diffing import FieldDiff, diff_versions
from .models import (
    AGREEMENT_FIELDS,
    OPEN_REQUEST_STATUSES,
    AgreementVersion,
    Goal,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    Milestone,
    ProgressUpdate,
    Reflection,
    RequestStatus,
    WaitlistEntry,
)

RESPONSIVENESS_WINDOW = timedelta(days=90)


def median_first_response_hours(mentor_ids: Iterable[int]) -> dict[int, float]:
    """Median hours from a request arriving to the mentor's first answer, last 90 days.

    Mentors with no answered requests in the window are absent from the result.
    """
    ids = list(mentor_ids)
    if not ids:
        return {}
    since = timezone.now() - RESPONSIVENESS_WINDOW
    rows = MentorshipRequest.objects.filter(
        mentor_id__in=ids, created_at__gte=since, first_response_at__isnull=False
    ).values_list("mentor_id", "created_at", "first_response_at")
    hours: dict[int, list[float]] = {}
    for mentor_id, created, answered in rows.iterator():
        hours.setdefault(mentor_id, []).append((answered - created).total_seconds() / 3600)
    return {mentor_id: float(statistics.median(values)) for mentor_id, values in hours.items()}


# A declined mentee is not shown the same mentor again for this long (issue 26, item 9): a
# fresh "no" should not come back as the first suggestion the next morning.
DECLINED_RECENTLY = timedelta(days=90)


def mentors_engaged_with(mentee_id: int, *, now: datetime | None = None) -> set[int]:
    """Mentors this mentee should not be recommended: their current mentors (active or paused
    mentorships), those with an open request from them, and those who declined them within
    DECLINED_RECENTLY."""
    now = now or timezone.now()
    current = Mentorship.objects.filter(
        mentee_id=mentee_id, status__in=(MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)
    ).values_list("mentor_id", flat=True)
    asked = MentorshipRequest.objects.filter(mentee_id=mentee_id).filter(
        Q(status__in=OPEN_REQUEST_STATUSES)
        | Q(status=RequestStatus.DECLINED, closed_at__gte=now - DECLINED_RECENTLY)
    )
    ids = set(current) | set(asked.values_list("mentor_id", flat=True))
    ids.discard(None)
    return ids


def mentees_helped(mentor_ids: Iterable[int]) -> dict[int, int]:
    """Mentor user id -> distinct mentees they have had a mentorship with (every mentorship
    starts active on acceptance, so ended ones count too). Mentors with none are absent."""
    ids = list(mentor_ids)
    if not ids:
        return {}
    rows = (
        Mentorship.objects.filter(mentor_id__in=ids, mentee__isnull=False)
        .values("mentor_id")
        .annotate(n=Count("mentee_id", distinct=True))
        .values_list("mentor_id", "n")
    )
    return dict(rows)


def requests_received(user) -> QuerySet[MentorshipRequest]:  # type: ignore[no-untyped-def]
    return (
        MentorshipRequest.objects.filter(mentor=user)
        .select_related("mentee__profile")
        .prefetch_related("goals")
    )


def requests_sent(user) -> QuerySet[MentorshipRequest]:  # type: ignore[no-untyped-def]
    return (
        MentorshipRequest.objects.filter(mentee=user)
        .select_related("mentor__profile")
        .prefetch_related("goals")
    )


def open_requests_for(user) -> QuerySet[MentorshipRequest]:  # type: ignore[no-untyped-def]
    return requests_received(user).filter(status__in=OPEN_REQUEST_STATUSES)


def open_request_between(mentee_id: int, mentor_id: int) -> MentorshipRequest | None:
    return MentorshipRequest.objects.filter(
        mentee_id=mentee_id, mentor_id=mentor_id, status__in=OPEN_REQUEST_STATUSES
    ).first()


def waitlist_entry(mentee_id: int, mentor_id: int) -> WaitlistEntry | None:
    return WaitlistEntry.objects.filter(
        mentee_id=mentee_id, mentor_id=mentor_id, notified_at__isnull=True
    ).first()


def waitlist_position(entry: WaitlistEntry) -> int:
    return (
        WaitlistEntry.objects.filter(mentor_id=entry.mentor_id, notified_at__isnull=True)
        .filter(
            Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, id__lt=entry.id)
        )
        .count()
        + 1
    )


def mentorships_for_list(user) -> QuerySet[Mentorship]:  # type: ignore[no-untyped-def]
    return (
        Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor__profile", "mentee__profile")
        .order_by("status", "-started_at")
    )


@dataclass(frozen=True)
class AgreementState:
    in_force: AgreementVersion | None  # newest version both confirmed
    latest: AgreementVersion | None  # newest version of any kind
    versions: list[AgreementVersion]

    @property
    def pending(self) -> AgreementVersion | None:
        """The newest version while it still waits for someone's confirmation."""
        if self.latest is not None and not self.latest.is_confirmed:
            return self.latest
        return None

    def diff_pending(self) -> list[FieldDiff]:
        if self.pending is None:
            return []
        base = self.in_force or _previous(self.versions, self.pending)
        return diff_versions(base.values() if base else {}, self.pending.values(), AGREEMENT_FIELDS)


def _previous(versions: list[AgreementVersion], v: AgreementVersion) -> AgreementVersion | None:
    older = [x for x in versions if x.number < v.number]
    return older[0] if older else None


def agreement_state(mentorship: Mentorship) -> AgreementState:
    versions = list(
        AgreementVersion.objects.filter(mentorship=mentorship)
        .select_related("proposed_by__profile")
        .order_by("-number")
    )
    in_force = next((v for v in versions if v.is_confirmed), None)
    return AgreementState(
        in_force=in_force, latest=versions[0] if versions else None, versions=versions
    )


_DURATION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(h|hours?|hrs?|m|mins?|minutes?)?\b", re.IGNORECASE)


def minutes_in(text: str) -> int | None:
    """The length an agreement's free-text "session length" names: "45 minutes" → 45,
    "1 hour" → 60, "1 h 30" / "1.5 hours" → 90, "45" → 45; None when it names none."""
    total = 0.0
    found = False
    for number, unit in _DURATION.findall(text or ""):
        value = float(number.replace(",", "."))
        if unit and unit.lower().startswith("h"):
            total += value * 60
        else:
            total += value
        found = True
    minutes = round(total)
    return minutes if found and 5 <= minutes <= 240 else None


def agreed_session_minutes(mentorship: Mentorship) -> int | None:
    """The session length of the agreement in force (else of the newest draft), in minutes:
    the default for booking, so the pair's agreement and the booking form say the same."""
    versions = AgreementVersion.objects.filter(mentorship=mentorship).order_by("-number")
    chosen = next((v for v in versions if v.is_confirmed), None) or versions.first()
    return minutes_in(chosen.session_length) if chosen is not None else None


def version_diff(mentorship: Mentorship, number: int) -> list[FieldDiff]:
    """What version `number` changed compared with the one before it."""
    versions = {
        v.number: v
        for v in AgreementVersion.objects.filter(
            mentorship=mentorship, number__in=[number - 1, number]
        )
    }
    if number not in versions:
        return []
    before = versions.get(number - 1)
    return diff_versions(
        before.values() if before else {}, versions[number].values(), AGREEMENT_FIELDS
    )


def goals_for(user, mentorship: Mentorship) -> list[Goal]:  # type: ignore[no-untyped-def]
    """Goals of the mentorship that `user` may see: shared ones and their own private ones."""
    return list(
        Goal.objects.filter(mentorship=mentorship)
        .filter(Q(is_private=False) | Q(owner=user))
        .select_related("owner__profile")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "created_at")),
            Prefetch("updates", queryset=ProgressUpdate.objects.order_by("created_at", "id")),
        )
    )


def own_reflections(user, mentorship: Mentorship) -> list[Reflection]:  # type: ignore[no-untyped-def]
    # Reflections are private to their author (program admins read them in the admin).
    return list(Reflection.objects.filter(mentorship=mentorship, author=user))


def live_mentorship_with(mentor_id: int, mentee_id: int) -> Mentorship | None:
    return (
        Mentorship.objects.filter(mentor_id=mentor_id, mentee_id=mentee_id)
        .exclude(status=MentorshipStatus.ENDED)
        .first()
    )


def progress_points(goal: Goal, width: int = 200, height: int = 40) -> str:
    """SVG polyline points for a goal's progress over time (a tiny chart, no JS)."""
    updates = list(goal.updates.all())
    if not updates:
        return ""
    start = goal.created_at
    end = max(updates[-1].created_at, start + timedelta(seconds=1))
    span = (end - start).total_seconds()
    points = [(0.0, float(height))]
    for u in updates:
        x = (u.created_at - start).total_seconds() / span * width
        y = height - u.progress / 100 * height
        points.append((x, y))
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
