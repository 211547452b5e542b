"""The demo seeds one organisation with a program, members, a published match and released
answers (check-ins, outcomes) so the dashboard has figures."""

from __future__ import annotations

import pytest

from mentorloom.demo.seed import seed_demo
from mentorloom.programs import dashboard
from mentorloom.programs.models import AnswerBatch, Program, ProposedPair, ReleasedAnswer

pytestmark = pytest.mark.django_db


def test_demo_has_a_program_with_a_published_match_and_reseeding_changes_nothing():
    seed_demo()
    program = Program.objects.get(name="Alumni mentoring 2026")
    assert program.memberships.filter(role="mentor").count() == 4
    published = ProposedPair.objects.filter(run__program=program, run__status="published")
    assert published.exclude(mentorship=None).count() == 6
    seed_demo()
    assert program.match_runs.count() == 1 and program.memberships.count() == 11


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
