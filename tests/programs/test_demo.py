"""The demo seeds one organisation with a program, members and a published match."""

from __future__ import annotations

import pytest

from mentorloom.demo.seed import seed_demo
from mentorloom.programs.models import Program, ProposedPair

pytestmark = pytest.mark.django_db


def test_demo_has_a_program_with_a_published_match_and_reseeding_changes_nothing():
    seed_demo()
    program = Program.objects.get(name="Alumni mentoring 2026")
    assert program.memberships.filter(role="mentor").count() == 4
    published = ProposedPair.objects.filter(run__program=program, run__status="published")
    assert published.exclude(mentorship=None).count() == 6
    seed_demo()
    assert program.match_runs.count() == 1 and program.memberships.count() == 11
