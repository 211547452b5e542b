"""The demo seeds one organisation with a program, members, a match published six weeks ago
with the weeks since (sessions, no-shows, goals, feedback, requests) and released answers
(check-ins, outcomes) so every dashboard chart has figures."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mentorloom.demo.people import DEMO_LOGINS
from mentorloom.demo.seed import seed_demo
from mentorloom.mentorships.models import Goal, MentorshipRequest
from mentorloom.programs import dashboard, selectors
from mentorloom.programs.models import AnswerBatch, Program, ProposedPair, ReleasedAnswer
from mentorloom.scheduling.models import Session
from mentorloom.sessions.models import FeedbackBatch, TraitFeedback

pytestmark = pytest.mark.django_db


def test_demo_has_a_program_with_a_published_match_and_reseeding_changes_nothing():
    seed_demo()
    program = Program.objects.get(name="Alumni mentoring 2026")
    assert program.memberships.filter(role="mentor").count() == 4
    published = ProposedPair.objects.filter(run__program=program, run__status="published")
    assert published.exclude(mentorship=None).count() == 6
    seed_demo()
    assert program.match_runs.count() == 1 and program.memberships.count() == 11


def test_the_demo_mentee_is_asked_to_join_next_years_program_once():
    seed_demo()
    mentee = get_user_model().objects.get(email=dict(DEMO_LOGINS)["mentee"])
    (invitation,) = selectors.invitations_for(mentee)
    assert invitation.program.name == "Career changers 2027" and invitation.roles == ["mentee"]
    assert all(m.joined_at for m in invitation.program.memberships.exclude(user=mentee))
    seed_demo()
    assert mentee.notifications.filter(kind="program.invitation").count() == 1
    assert len(selectors.invitations_for(mentee)) == 1


def test_demo_dashboard_shows_released_outcome_and_check_in_figures_from_the_first_run():
    seed_demo()
    program = Program.objects.get(name="Alumni mentoring 2026")
    outcomes = dict(dashboard.chart(program, "outcomes").points)
    assert outcomes == {"reached": 2, "not reached": 1, "not said": 0}
    checkins = dashboard.chart(program, "checkins")
    assert sum(v for _, v in checkins.points) == 6 and "released in batches" in checkins.note
    batches = list(AnswerBatch.objects.filter(program=program).values_list("kind", "size"))
    seed_demo()  # re-seeding answers and releases nothing again
    assert list(AnswerBatch.objects.filter(program=program).values_list("kind", "size")) == batches
    assert ReleasedAnswer.objects.count() == 9
    assert dict(dashboard.chart(program, "outcomes").points) == outcomes


CHARTS_WITH_HISTORY = ("sessions_per_week", "no_shows", "goal_progress", "feedback_traits")


def _counts(program):
    published = ProposedPair.objects.filter(run__program=program).values("mentorship_id")
    return {
        "sessions": Session.objects.filter(mentorship_id__in=published).count(),
        "feedback": TraitFeedback.objects.filter(session__mentorship_id__in=published).count(),
        "batches": FeedbackBatch.objects.count(),
        "goals": Goal.objects.filter(mentorship_id__in=published).count(),
        "requests": MentorshipRequest.objects.count(),
        "runs": program.match_runs.count(),
    }


def test_demo_dashboard_shows_six_weeks_of_activity_on_the_first_run_and_reseeding_keeps_it():
    seed_demo()
    program = Program.objects.get(name="Alumni mentoring 2026")
    run = program.match_runs.get()
    weeks_ago = (timezone.now() - run.published_at).days // 7
    assert weeks_ago == 6 and program.created_at < run.published_at
    assert not program.memberships.filter(created_at__gt=run.published_at).exists()

    weeks = dashboard.chart(program, "sessions_per_week").points
    assert len(weeks) >= 4 and all(n > 0 for _, n in weeks)
    shows = dict(dashboard.chart(program, "no_shows").points)
    assert shows["held"] >= 12 and 1 <= shows["no-show"] <= 2
    goals = dashboard.chart(program, "goal_progress").points
    assert sum(n for _, n in goals) == 6 and sum(n > 0 for _, n in goals) >= 3
    feedback = dashboard.chart(program, "feedback_traits")
    assert feedback.points and "Withheld" not in feedback.note
    requests = dashboard.chart(program, "requests")
    assert dict(requests.points)["answered"] >= 3 and "Median first response:" in requests.note
    for key in CHARTS_WITH_HISTORY:
        assert dashboard.chart(program, key).points, key

    counts = _counts(program)
    seed_demo()
    assert _counts(program) == counts
    assert dashboard.chart(program, "sessions_per_week").points == weeks
    assert dashboard.chart(program, "requests").note == requests.note


def test_the_demo_program_has_sessions_every_week_whatever_day_it_is_seeded():
    """Pairs meet 36 hours apart: no gap between one meeting and the next reaches 5 days, so
    even after each mentee's time of day moves a meeting by up to a day, no ISO week between
    the first and the last goes without one (seeded on a Tuesday, a day per pair left every
    other week empty and the weekly chart with gaps)."""
    from datetime import UTC, datetime, timedelta
    from itertools import pairwise

    from mentorloom.demo import program_history as history

    for weekday in range(7):
        published = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=weekday)  # Mon + k
        meetings = sorted(
            history._meeting(published, days, n)
            for days in history.SESSION_DAYS
            for n in range(len(history.GOALS))
        )
        gaps = [b - a for a, b in pairwise(meetings)]
        assert max(gaps) < timedelta(days=5), weekday
        weeks = {m.isocalendar()[:2] for m in meetings}
        assert len(weeks) >= 4, weekday
        # The last meetings are over 7 days old at seeding: their ratings are final.
        now = published + timedelta(days=history.PUBLISHED_DAYS_AGO)
        assert now - meetings[-1] > timedelta(days=7), weekday
