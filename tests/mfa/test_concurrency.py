"""Guesses and recovery codes racing on the real database, in threads (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import override_settings

from mentorloom.mfa import selectors, services
from mentorloom.mfa.errors import ChallengeThrottled, InvalidCode
from tests.concurrency import race
from tests.factories import UserFactory
from tests.mfa.helpers import enrol

ATTEMPTS = 12


@pytest.mark.django_db(transaction=True)
@override_settings(MFA_FAILURE_LIMIT=5)
def test_simultaneous_guesses_check_no_more_codes_than_the_limit():
    user = UserFactory()
    enrol(user)

    def guess(index: int) -> str:
        try:
            services.verify_code(user, f"{index:06d}")
        except (InvalidCode, ChallengeThrottled) as exc:
            return type(exc).__name__
        return "accepted"

    results = race(guess, ATTEMPTS)
    assert not [r for r in results if isinstance(r, BaseException)], results
    outcomes = Counter(results)
    # Reserve-then-count: however the threads interleave, at most 5 codes are ever checked.
    assert outcomes["InvalidCode"] + outcomes["accepted"] <= 5, outcomes
    assert outcomes["ChallengeThrottled"] >= ATTEMPTS - 5


@pytest.mark.django_db(transaction=True)
# Above the eight: this is about the code's single use. With the default limit (5) the throttle
# may refuse all eight when every reservation is counted before any check (reserve-then-count
# never lets more than the limit through, and may let none through; seen on PostgreSQL).
@override_settings(MFA_FAILURE_LIMIT=20)
def test_one_recovery_code_used_at_once_from_many_places_signs_in_once():
    user = UserFactory()
    _, codes = enrol(user)

    def use(_: int) -> str:
        try:
            return services.verify_code(user, codes[0])
        except (InvalidCode, ChallengeThrottled):
            return "refused"

    results = race(use, 8)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(results) == {"recovery": 1, "refused": 7}
    assert selectors.recovery_codes_left(user) == 9
