"""Six weeks of the demo program, so every dashboard chart has figures on the first run: the
match is published as of six weeks ago (members imported the week before), then the pairs
meet every fortnight (a no-show among them), set shared goals, rate their mentors, and a few
mentees ask another program mentor for help.

Past sessions are written directly, as demo/history.py does, because booking refuses the
past; everything after them goes through the services (no-show report, trait feedback, goals,
requests and answers) and is then dated when it happened. The feedback is released by the
weekly releases seed_demo replays afterwards, so it reaches the dashboard in batches of >= k
mentees like any other. Run once, right after the demo run is published.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from mentorloom.core.errors import DomainError
from mentorloom.mentorships.models import (
    AgreementVersion,
    Goal,
    HistoryEvent,
    Mentorship,
    MentorshipRequest,
    ProgressUpdate,
)
from mentorloom.mentorships.services import (
    create_goal,
    decline_request,
    record_progress,
    send_request,
)
from mentorloom.programs.models import MatchRun, ProgramMembership, ProposedPair, Role
from mentorloom.scheduling.models import Session, SessionStatus
from mentorloom.scheduling.services import mark_no_show
from mentorloom.sessions.services import give_trait_feedback

from .data import MENTEES, MENTORS, Person
from .history import COMMENTS, SESSION_MINUTES, TRAITS, _at, _joined_by, _rating

PUBLISHED_DAYS_AGO = 42
IMPORTED_BEFORE_PUBLICATION = timedelta(days=7)
# Each pair meets three times, 11 days apart; pair n a day and a half after pair n - 1. So no
# week between the first session and the last is without one, whatever weekday the demo is
# seeded on (with a day per pair, a Tuesday's seeding left every other week empty), and the
# last ones are over 7 days old, so their ratings are final.
SESSION_DAYS = (5, 16, 27)
PAIR_SPREAD = timedelta(hours=36)
# (pair, session) where the mentee did not come: the pair whose check-in says "we keep
# missing each other".
NO_SHOWS = {(4, 1)}
# (title, progress) of each pair's shared goal, in pair order: from just started to done.
GOALS = [
    ("Ship a portfolio project", 100),
    ("Prepare for technical interviews", 80),
    ("Learn SQL for analytics", 55),
    ("Write a one-page career plan", 30),
    ("Build a study habit", 10),
    ("Move into a product role", 45),
]
# (pair whose mentee asks, days after publication, hours until the mentor declines or None:
# still waiting, recently sent).
REQUESTS = [
    (0, 9, 5),
    (1, 16, 30),
    (2, 23, 2),
    (3, PUBLISHED_DAYS_AGO - 2, None),
]
ASK = "Hello! Could you give me a second view on my plan for the year?"
DECLINE = "I can't take on another mentee this term; do ask again next term."


def _person(email: str) -> Person:
    return next(p for p in [*MENTORS, *MENTEES] if p.email == email)


def backdate_publication(run: MatchRun, now: datetime) -> datetime:
    """Date the program, its members, the run and the pairs' mentorships as if published
    PUBLISHED_DAYS_AGO: members imported the week before, nobody joined after their program."""
    published = now - timedelta(days=PUBLISHED_DAYS_AGO)
    imported = published - IMPORTED_BEFORE_PUBLICATION
    program = run.program
    type(program).objects.filter(pk=program.pk).update(created_at=imported - timedelta(days=7))
    type(program.organisation).objects.filter(
        pk=program.organisation_id, created_at__gt=imported
    ).update(created_at=imported - timedelta(days=7))
    members = ProgramMembership.objects.filter(program=program)
    members.update(created_at=imported)
    members.exclude(joined_at=None).update(joined_at=imported + timedelta(days=1))
    for member in members.exclude(user=None).select_related("user"):
        _joined_by(member.user, imported - timedelta(days=1))
    MatchRun.objects.filter(pk=run.pk).update(
        created_at=published - timedelta(days=1), published_at=published
    )
    mentorships = run.pairs.exclude(mentorship=None).values("mentorship_id")
    run.pairs.exclude(mentorship=None).update(started_at=published)
    Mentorship.objects.filter(pk__in=mentorships).update(started_at=published)
    AgreementVersion.objects.filter(mentorship_id__in=mentorships).update(created_at=published)
    HistoryEvent.objects.filter(mentorship_id__in=mentorships).update(created_at=published)
    return published


def seed_program_history(run: MatchRun, published: datetime) -> None:
    pairs = list(
        ProposedPair.objects.filter(run=run)
        .exclude(mentorship=None)
        .select_related("mentorship__mentor", "mentorship__mentee")
        .order_by("pk")
    )
    for n, pair in enumerate(pairs):
        _sessions(pair, n, published)
        _goal(pair, n, published)
    _requests(run, pairs, published)


def _meeting(published: datetime, days: int, n: int) -> datetime:
    """When pair n's meeting `days` after publication is (before its mentee's time of day)."""
    return published + timedelta(days=days) + n * PAIR_SPREAD


def _sessions(pair: ProposedPair, n: int, published: datetime) -> None:
    mentorship = pair.mentorship
    mentee_person = _person(mentorship.mentee.email)
    missed_pair = any(pair_index == n for pair_index, _ in NO_SHOWS)
    for index, days in enumerate(SESSION_DAYS):
        starts = _at(mentee_person, _meeting(published, days, n))
        ends = starts + timedelta(minutes=SESSION_MINUTES)
        missed = (n, index) in NO_SHOWS
        session = Session.objects.create(
            mentorship=mentorship,
            mentor=mentorship.mentor,
            mentee=mentorship.mentee,
            booked_by=mentorship.mentee,
            starts_at=starts,
            ends_at=ends,
            zone=mentee_person.zone,
            status=SessionStatus.BOOKED if missed else SessionStatus.COMPLETED,
            created_at=starts - timedelta(days=5),
            scheduled_at=starts - timedelta(days=5),
        )
        if missed:
            mark_no_show(mentorship.mentor, session, now=starts + timedelta(minutes=15))
            continue
        comment = COMMENTS[n % len(COMMENTS)][index]
        give_trait_feedback(
            session,
            mentorship.mentee,
            # Mentees rate their program mentors well; the pair that keeps missing each
            # other a little less so.
            ratings={t: _rating(2 - missed_pair, n, index, i) for i, t in enumerate(TRAITS)},
            useful=True,
            comment=comment,
            share_comment=bool(comment),
            now=ends + timedelta(hours=2),
        )


def _goal(pair: ProposedPair, n: int, published: datetime) -> None:
    title, progress = GOALS[n % len(GOALS)]
    goal = create_goal(pair.mentorship.mentee, pair.mentorship, title=title)
    update = record_progress(pair.mentorship.mentee, goal, progress)
    # Set in the first session, last updated after the latest one.
    set_at = _meeting(published, SESSION_DAYS[0], n) + timedelta(hours=3)
    Goal.objects.filter(pk=goal.pk).update(created_at=set_at)
    ProgressUpdate.objects.filter(pk=update.pk).update(
        created_at=_meeting(published, SESSION_DAYS[-1], n) + timedelta(hours=3)
    )


def _requests(run: MatchRun, pairs: list[ProposedPair], published: datetime) -> None:
    """Mentees ask a program mentor other than their own for a second view; the mentor with
    the most free places in the program is asked first."""
    mentors = [
        m.user
        for m in run.program.memberships.filter(role=Role.MENTOR)
        .exclude(user=None)
        .select_related("user")
        .order_by("email")
    ]
    matched = {p.mentorship.mentor_id for p in pairs}
    mentors.sort(key=lambda u: (u.pk in matched, u.email))
    for n, days, answer_after in REQUESTS:
        if n >= len(pairs):
            continue
        mentee = pairs[n].mentorship.mentee
        for mentor in mentors:
            if mentor.pk == pairs[n].mentorship.mentor_id:
                continue
            try:
                with transaction.atomic():
                    request = send_request(mentee, mentor.pk, message=ASK)
            except DomainError:  # paused, full or blocked: the mentee asks the next one
                continue
            if answer_after is not None:
                decline_request(mentor, request, reason=DECLINE)
            _date_request(request, published + timedelta(days=days), answer_after)
            break


def _date_request(request: MentorshipRequest, sent: datetime, answer_after: int | None) -> None:
    answered = sent + timedelta(hours=answer_after) if answer_after is not None else None
    expires = request.expires_at - request.created_at
    MentorshipRequest.objects.filter(pk=request.pk).update(
        created_at=sent,
        updated_at=answered or sent,
        expires_at=sent + expires,
        first_response_at=answered,
        closed_at=answered,
    )
