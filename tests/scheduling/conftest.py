"""A mentor in Berlin who works 09:00–17:00 every day, and a mentee in Tokyo."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine

from mentorloom.scheduling.models import AvailabilityRule, SchedulingSettings
from tests.factories import SchedulingMentorshipFactory

# A Monday; Berlin is on CEST (UTC+2) and Tokyo on JST (UTC+9).
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_every_day(mentor, start: time = time(9), end: time = time(17)) -> None:  # type: ignore[no-untyped-def]
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=mentor, weekday=d, start=start, end=end) for d in range(1, 8)
    )


@pytest.fixture
def mentorship(db):
    m = SchedulingMentorshipFactory()
    m.mentor.profile.session_lengths = [30, 60]
    m.mentor.profile.save()
    open_every_day(m.mentor)
    SchedulingSettings.objects.create(user=m.mentor, min_notice_minutes=12 * 60)
    return m
