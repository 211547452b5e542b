"""A past for the demo: held sessions with agendas, notes, action items and feedback, so mentor
insights (which need ratings from >= 3 mentees), trends and carry-forward show on the first
`make run`. Rows are written directly, dated in the past, because the booking and feedback
services rightly refuse to book yesterday or rate a session that has not happened; everything
else about them is what those services would have written.

Idempotent: a pair whose mentorship already has a held session keeps its history as it is, and
the upcoming session of a running pair is added only while it has none booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.safety.selectors import is_blocked_between
from mentorloom.scheduling.models import Session, SessionStatus
from mentorloom.sessions.models import (
    ActionItem,
    ActionItemSource,
    ActionItemStatus,
    Agenda,
    AgendaTopic,
    MenteeFeedback,
    SharedNotes,
    TraitFeedback,
)

from .data import MENTEES, MENTORS, Person

# Held sessions, in days before today: four, three weeks apart, so the 90-day insights span
# three calendar months (a trend) and the latest left the 7-day feedback-prompt window.
PAST_DAYS = (71, 50, 29, 8)
UPCOMING_IN_DAYS = 3
SESSION_MINUTES = 45
# Over the 30 days a rater's account must predate a session for their rating to make up k in
# a feedback release (sessions.insights.counts_towards_k), with room for the session's hour.
JOINED_BEFORE_HISTORY = timedelta(days=45)


@dataclass(frozen=True)
class DemoHistory:
    mentor: str  # a name in MENTORS
    mentees: tuple[str, ...]  # names in MENTEES; a pair with no running mentorship gets an
    # ended one (the mentee has moved on), so each mentor has been rated by >= 3 mentees
    tone: int  # 0..2: how highly this mentor's mentees rate them, so mentors differ


HISTORY: list[DemoHistory] = [
    DemoHistory("Aiko Tanaka", ("Aisha Bello", "Emma Schmidt", "Diego Morales"), tone=2),
    DemoHistory("Chioma Okafor", ("Lucas Oliveira", "Hoa Tran", "Ravi Kumar"), tone=1),
    DemoHistory("Arjun Mehta", ("Sipho Ndlovu", "Chloé Dubois", "Yuki Yamamoto"), tone=0),
]

# (agenda topics, shared notes, action item for the mentee) per session.
SCRIPT: list[tuple[tuple[str, str], str, str]] = [
    (
        ("Where you are and where you want to be", "What a good first month looks like"),
        "## Starting point\n- Clear goal for the next 6 months\n- Strong habit of weekly "
        "study; needs visible results\n\n## Agreed\n- Pick one project and finish it",
        "Write a one-page plan for the next three months",
    ),
    (
        ("Review the plan", "Choosing the portfolio project"),
        "## Plan review\n- Plan is realistic; cut the second course\n\n## Project\n- Solve a "
        "real problem from your current job; write down who uses it",
        "Draft the project README: problem, users, what changed",
    ),
    (
        ("Project demo", "Telling your story in interviews"),
        "## Demo\n- Works end to end; add two screenshots to the README\n\n## Story\n- "
        "Lead with the problem you solved, not the tools",
        "Practise the two-minute story out loud three times",
    ),
    (
        ("Mock interview", "Next steps"),
        "## Mock interview\n- Good structure; slow down on the trade-offs\n\n## Next\n- "
        "Apply to five roles and bring the replies next time",
        "Apply to five roles and note each reply",
    ),
]

TRAITS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")


def _people() -> dict[str, Person]:
    return {p.name: p for p in [*MENTORS, *MENTEES]}


# Each mentor's relative strengths, by trait (added to the rating), so averages differ.
TRAIT_BIAS: dict[int, tuple[int, ...]] = {
    2: (0, 0, 0, 0, -1),  # a warm listener, less hands-on expertise
    1: (0, -1, 0, 0, 0),
    0: (-1, 0, -1, 1, 1),  # deep expertise, listening to work on
}

# What the mentees wrote (and chose to share), by mentee and session; empty = no comment.
COMMENTS: list[tuple[str, ...]] = [
    (
        "Very clear first session, I know what to do next.",
        "",
        "The example questions were exactly what I needed.",
        "I felt listened to; the mock interview helped a lot.",
    ),
    (
        "",
        "The feedback on my plan was honest and kind.",
        "",
        "Good pace, and every session ends with a clear next step.",
    ),
    (
        "A bit fast for me at first, better once I said so.",
        "",
        "Practical advice I could use the same week.",
        "",
    ),
]


def _rating(tone: int, mentee_index: int, session_index: int, trait_index: int) -> int:
    """Deterministic ratings that improve over the sessions (a rising trend) and differ by
    mentor, mentee and trait."""
    base = 2 + tone + (session_index + 1) // 2 + TRAIT_BIAS[tone][trait_index]
    wobble = (mentee_index + session_index) % 3 - 1
    return max(1, min(5, base + wobble))


def _at(person: Person, day: datetime, hour_offset: int = 1) -> datetime:
    """`day`'s date at the person's work start + some hours, in their zone, as aware UTC (the
    mentee books in their own hours, as the demo mentee does, evenings)."""
    start = time.fromisoformat(person.work_hours[0])
    local = datetime.combine(day.date(), start, tzinfo=ZoneInfo(person.zone))
    return (local + timedelta(hours=hour_offset)).astimezone(ZoneInfo("UTC"))


def _mentorship(mentor, mentee, first_day: datetime, last_day: datetime) -> Mentorship:  # type: ignore[no-untyped-def]
    """The pair's running mentorship, else their latest ended one, else a new ended one."""
    pair = Mentorship.objects.filter(mentor=mentor, mentee=mentee)
    found = (
        pair.exclude(status=MentorshipStatus.ENDED).first() or pair.order_by("-started_at").first()
    )
    if found is not None:
        return found
    return Mentorship.objects.create(
        mentor=mentor,
        mentee=mentee,
        status=MentorshipStatus.ENDED,
        started_at=first_day - timedelta(days=7),
        ended_at=last_day + timedelta(days=2),
    )


def _held_session(
    mentorship: Mentorship, mentee_person: Person, day: datetime, index: int, tone: int, k: int
) -> Session:
    mentor, mentee = mentorship.mentor, mentorship.mentee
    starts = _at(mentee_person, day)
    ends = starts + timedelta(minutes=SESSION_MINUTES)
    topics, notes, item = SCRIPT[index]
    comment = COMMENTS[k % len(COMMENTS)][index]
    session = Session.objects.create(
        mentorship=mentorship,
        mentor=mentor,
        mentee=mentee,
        booked_by=mentee,
        starts_at=starts,
        ends_at=ends,
        zone=mentee_person.zone,
        status=SessionStatus.COMPLETED,
        created_at=starts - timedelta(days=5),
        scheduled_at=starts - timedelta(days=5),
    )
    agenda = Agenda.objects.create(
        session=session, version=len(topics), updated_at=starts, updated_by=mentee
    )
    last = index == len(PAST_DAYS) - 1
    AgendaTopic.objects.bulk_create(
        # The last session ran out of time for its second topic: it is carried forward.
        AgendaTopic(agenda=agenda, position=i, title=t, minutes=20, done=not (last and i == 1))
        for i, t in enumerate(topics)
    )
    SharedNotes.objects.create(
        session=session, body=notes, version=1, updated_at=ends, updated_by=mentor
    )
    ActionItem.objects.create(
        session=session,
        mentorship=mentorship,
        owner=mentee,
        title=item,
        due_date=(ends + timedelta(days=14)).date(),
        # Earlier items are done; the latest is still open, so the next agenda suggests it.
        status=ActionItemStatus.OPEN if last else ActionItemStatus.DONE,
        source=ActionItemSource.NOTES,
        created_by=mentor,
        created_at=ends,
        completed_at=None if last else ends + timedelta(days=10),
    )
    rated = ends + timedelta(hours=2)
    TraitFeedback.objects.create(
        session=session,
        mentor=mentor,
        mentee=mentee,
        **{t: _rating(tone, k, index, n) for n, t in enumerate(TRAITS)},
        useful=True,
        comment=comment,
        share_comment=bool(comment),
        created_at=rated,
        updated_at=rated,
    )
    MenteeFeedback.objects.create(
        session=session,
        progress="Steady progress since last time; the plan is working.",
        strengths="Comes prepared and follows through on what we agree.",
        next_steps=item,
        created_at=rated,
        updated_at=rated,
    )
    return session


def _upcoming(mentorship: Mentorship, mentee_person: Person, now: datetime) -> None:
    """A booked session in a few days, so carry-forward shows on its agenda."""
    if Session.objects.filter(
        mentorship=mentorship, status=SessionStatus.BOOKED, starts_at__gt=now
    ).exists():
        return
    starts = _at(mentee_person, now + timedelta(days=UPCOMING_IN_DAYS), hour_offset=1)
    Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        booked_by=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=SESSION_MINUTES),
        zone=mentee_person.zone,
        created_at=now,
        scheduled_at=now,
    )


def _joined_by(user, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """People with months of sessions joined before them ("Member since" on the profile)."""
    if user.date_joined > when:
        user.date_joined = when
        user.save(update_fields=["date_joined"])


def seed_history(now: datetime | None = None) -> int:
    """Seed the past of every pair in HISTORY; returns how many sessions were created."""
    now = now or timezone.now()
    people = _people()
    users = get_user_model().objects
    created = 0
    for history in HISTORY:
        mentor_person = people[history.mentor]
        mentor = users.get(email=mentor_person.email)
        for k, mentee_name in enumerate(history.mentees):
            mentee_person = people[mentee_name]
            mentee = users.get(email=mentee_person.email)
            if is_blocked_between(mentor.pk, mentee.pk):
                continue  # someone using the demo blocked one of them: no shared past
            days = [now - timedelta(days=d) for d in PAST_DAYS]
            for person in (mentor, mentee):
                _joined_by(person, days[0] - JOINED_BEFORE_HISTORY)
            mentorship = _mentorship(mentor, mentee, days[0], days[-1])
            held = Session.objects.filter(mentorship=mentorship, status=SessionStatus.COMPLETED)
            if not held.exists():
                for index, day in enumerate(days):
                    _held_session(mentorship, mentee_person, day, index, history.tone, k)
                    created += 1
                if mentorship.status != MentorshipStatus.ENDED and mentorship.started_at > days[0]:
                    # The running pair has met for months: its start precedes its history.
                    mentorship.started_at = days[0] - timedelta(days=7)
                    mentorship.save(update_fields=["started_at"])
            if mentorship.status == MentorshipStatus.ACTIVE:
                _upcoming(mentorship, mentee_person, now)
    return created
