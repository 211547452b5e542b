"""Weekly discussions: the pure occurrence rule, and exactly one thread per occurrence when
several workers run the job at once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mentorloom.communities import services, weekly
from mentorloom.communities.models import PromptOccurrence
from mentorloom.messaging.models import Message
from tests.communities.helpers import community_with
from tests.concurrency import race

BERLIN = ZoneInfo("Europe/Berlin")


def test_latest_occurrence_is_the_local_weekday_and_time():
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # Wednesday
    day, instant = weekly.latest_occurrence(now, 2, time(18, 0), BERLIN)
    assert day.isoformat() == "2026-03-03"
    assert instant == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


def test_a_wall_time_in_the_spring_forward_gap_is_posted_after_the_gap():
    # 2026-03-29 02:30 does not exist in Berlin (02:00 -> 03:00).
    instant = weekly.occurrence_instant(datetime(2026, 3, 29).date(), time(2, 30), BERLIN)
    assert instant == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST


def test_an_ambiguous_fall_back_time_is_its_first_occurrence():
    # 2026-10-25 02:30 happens twice in Berlin; the first is 00:30 UTC.
    instant = weekly.occurrence_instant(datetime(2026, 10, 25).date(), time(2, 30), BERLIN)
    assert instant == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_due_only_within_a_day_and_never_before_the_prompt_existed():
    occurrence = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    created = occurrence - timedelta(days=30)
    due = weekly.due_occurrence
    assert due(occurrence, 2, time(18), BERLIN, not_before=created) is not None
    assert due(occurrence + timedelta(hours=25), 2, time(18), BERLIN, not_before=created) is None
    assert (
        due(
            occurrence + timedelta(hours=1),
            2,
            time(18),
            BERLIN,
            not_before=occurrence + timedelta(minutes=5),
        )
        is None
    )


def test_next_occurrence_follows_dst():
    before = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)
    assert weekly.next_occurrence(before, 2, time(18), BERLIN) == datetime(
        2026, 3, 31, 16, 0, tzinfo=UTC
    )


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_post_one_thread(time_machine):
    time_machine.move_to("2026-03-03 18:00:30+01:00", tick=True)
    _community, _owner, moderator, _member, general = community_with()
    prompt = services.schedule_prompt(
        moderator, general, title="Portfolio Tuesday", weekday=2, local_time="18:00"
    )
    prompt.created_at = timezone.now() - timedelta(days=1)
    prompt.save()
    results = race(lambda _i: services.post_due_prompts(), 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 1
    assert PromptOccurrence.objects.filter(prompt=prompt).count() == 1
    assert Message.objects.filter(conversation=general.conversation).count() == 1
