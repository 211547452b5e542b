from __future__ import annotations

from datetime import time

import pytest

from mentorloom.discovery.services import refresh_search_document
from tests.factories import DiscoveryMentorFactory, ProfileFactory


@pytest.fixture
def viewer(db):
    """A mentee in Berlin working 09:00-17:00 Mon-Fri."""
    return ProfileFactory(
        display_name="Mia Mentee",
        time_zone="Europe/Berlin",
        work_start=time(9),
        work_end=time(17),
    )


@pytest.fixture
def member(client, viewer):
    client.force_login(viewer.user)
    return client


@pytest.fixture
def mentor(db):
    """make a mentor and index it: mentor(display_name="A", skills=["Python"])."""

    def make(**kwargs):
        profile = DiscoveryMentorFactory(**kwargs)
        refresh_search_document(profile.pk)
        return profile

    return make


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["name"] for r in response.json()["results"]]
