"""Demo workshops: a past one with attendance, notes and feedback, an upcoming one with a
waitlist; seeding twice changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from mentorloom.workshops import selectors
from mentorloom.workshops.models import RegistrationStatus, Workshop

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_past_and_an_upcoming_workshop_idempotently(settings):
    settings.MENTORLOOM_JANUS_URL = []
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    past = Workshop.objects.get(title="Learning from setbacks")
    upcoming = Workshop.objects.get(title="Telling your career story")
    assert Workshop.objects.count() == 2
    assert selectors.feedback_summary(past)["count"] == 6
    assert len(selectors.attendance_summary(past)) == 7
    assert all(r.note for r in selectors.breakout_rooms(past))
    statuses = list(upcoming.registrations.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.REGISTERED) == 4
    assert statuses.count(RegistrationStatus.WAITLISTED) == 1
