from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from mentorloom.mentorships import services
from mentorloom.mentorships.diffing import diff_versions, word_diff
from mentorloom.mentorships.selectors import median_first_response_hours
from tests.factories import ProfileFactory

from .conftest import MESSAGE


def test_word_diff_marks_insertions_and_deletions():
    assert word_diff("every two weeks", "every week") == [
        ("same", "every "),
        ("del", "two weeks"),
        ("ins", "week"),
    ]


def test_diff_versions_lists_only_changed_fields_in_order():
    fields = [("a", "A"), ("b", "B"), ("c", "C")]
    changes = diff_versions({"a": "x", "b": "y", "c": "z"}, {"a": "x", "b": "Y", "c": ""}, fields)
    assert [(d.name, d.before, d.after) for d in changes] == [("b", "y", "Y"), ("c", "z", "")]


@pytest.mark.django_db
def test_median_first_response_hours_uses_the_last_90_days(mentor):
    with time_machine.travel("2026-01-01 00:00:00+00:00", tick=False) as clock:
        old = services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
        clock.shift(timedelta(hours=100))
        services.decline_request(mentor, old)  # 100 h, but will fall out of the window
        clock.shift(timedelta(days=60))
        for hours in (2, 4, 30):
            r = services.send_request(ProfileFactory().user, mentor.pk, message=MESSAGE)
            clock.shift(timedelta(hours=hours))
            services.ask_for_info(mentor, r, "Tell me more")
            services.decline_request(mentor, r)  # a later answer does not move the first
        clock.shift(timedelta(days=35))
        assert median_first_response_hours([mentor.pk, 424242]) == {mentor.pk: 4.0}
    assert median_first_response_hours([]) == {}


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45 minutes", 45),
        ("1 hour", 60),
        ("1 h 30", 90),
        ("1.5 hours", 90),
        ("45", 45),
        ("about an hour", None),
        ("", None),
        ("600 minutes", None),
    ],
)
def test_minutes_in_reads_an_agreements_session_length(text, minutes):
    from mentorloom.mentorships.selectors import minutes_in

    assert minutes_in(text) == minutes
