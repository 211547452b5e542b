from __future__ import annotations

import json

import pytest

from mentorloom.profiles.models import CareerGoal
from tests.factories import MentorProfileFactory, ProfileFactory

MESSAGE = "Hello! I am a backend engineer hoping to move into product management this year."


@pytest.fixture
def mentor(db):
    return MentorProfileFactory(display_name="Maya Mentor", capacity=2).user


@pytest.fixture
def mentee(db):
    profile = ProfileFactory(display_name="Ola Mentee")
    goal = CareerGoal.objects.create(name="Move into product management")
    profile.career_goals.add(goal)
    return profile.user


@pytest.fixture
def outsider(db):
    return ProfileFactory(display_name="Otto Outsider").user


def post_json(client, url, body=None, **headers):
    return client.post(
        url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login
