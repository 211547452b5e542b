from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.workshops import services
from tests.factories import ProfileFactory


@pytest.fixture(autouse=True)
def _no_janus(no_janus):
    """Mesh mode (the fallback under test here) in every workshops test."""


def person(**kwargs):
    """Someone with a verified account 60 days old: an established rater whose workshop
    feedback makes up k (sessions.insights.counts_towards_k); pass user__date_joined to change."""
    kwargs.setdefault("user__date_joined", timezone.now() - timedelta(days=60))
    return ProfileFactory(**kwargs).user


@pytest.fixture
def facilitator(db):
    return person(time_zone="Europe/Berlin")


@pytest.fixture
def workshop(facilitator):
    start = timezone.now() + timedelta(days=1)
    return services.create_workshop(
        facilitator,
        title="Stories of setbacks",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
        agenda="Intro, breakouts, wrap-up",
    )
