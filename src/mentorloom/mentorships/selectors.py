"""Reads about mentorships and requests that other apps use."""

from __future__ import annotations

from collections.abc import Iterable


def median_first_response_hours(mentor_ids: Iterable[int]) -> dict[int, float]:
    """Median hours from a request arriving to the mentor's first answer, last 90 days.

    Mentors with no answered requests in the window are absent from the result.
    (Filled in by the Requests issue; discovery ranks on whatever this returns.)
    """
    return {}
