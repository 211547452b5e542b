"""Embeddings with the real packaged MiniLM model (skipped only when the extra is missing).

The model loads once per test session (module-level cache in matching.embeddings).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command

from mentorloom.matching import embeddings, services
from mentorloom.matching.models import ProfileEmbedding, Side
from mentorloom.matching.selectors import recommendations_for
from mentorloom.profiles import services as profile_services

from .conftest import make_mentor

pytestmark = [pytest.mark.django_db, pytest.mark.semantic]


def test_model_loads_offline_from_the_package_and_embeds_meaning():
    vectors = embeddings.encode(
        ["I want to become a product manager", "Coaching new PMs on roadmaps", "Fixing pipes", ""]
    )
    assert vectors.shape == (4, embeddings.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any()
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_embeddings_are_recomputed_only_when_the_text_changes(mentee):
    mentor = make_mentor("PM", headline="Product manager", topics=["Roadmaps"])
    assert services.refresh_embeddings(mentor.pk) == 1
    row = ProfileEmbedding.objects.get(profile=mentor, side=Side.MENTOR)
    first = (row.content_hash, row.updated_at, bytes(row.vector))
    assert services.refresh_embeddings(mentor.pk) == 0  # same text: nothing recomputed
    profile_services.update_profile(mentor, display_name="Renamed", capacity=5)  # not in text
    assert services.refresh_embeddings(mentor.pk) == 0
    row.refresh_from_db()
    assert (row.content_hash, row.updated_at) == first[:2]

    profile_services.update_profile(mentor, topics=["Roadmaps", "Product discovery"])
    assert services.refresh_embeddings(mentor.pk) == 1
    row.refresh_from_db()
    assert row.content_hash != first[0] and bytes(row.vector) != first[2]


def test_a_model_change_invalidates_stored_vectors(mentee, monkeypatch):
    assert services.refresh_embeddings(mentee.pk) == 1  # mentee side
    monkeypatch.setattr(embeddings, "model_name", lambda: "some-newer-model")
    assert services.refresh_embeddings(mentee.pk) == 1
    assert ProfileEmbedding.objects.filter(profile=mentee).count() == 2


def test_profile_changed_computes_embeddings_in_the_task_after_commit(
    mentee, django_capture_on_commit_callbacks
):
    mentor = make_mentor("PM", headline="Product manager")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.profile_changed(mentor.pk)
    assert not ProfileEmbedding.objects.filter(profile=mentor).exists()  # not in the request
    for callback in callbacks:
        callback()  # the commit: the (immediate) task backend runs the task
    assert ProfileEmbedding.objects.filter(profile=mentor, side=Side.MENTOR).exists()


def test_semantic_recommendations_match_meaning_without_shared_words(db):
    from .conftest import make_mentee

    seeker = make_mentee(career_goals=["Care for patients in a hospital"])
    nurse = make_mentor("Nurse", headline="Registered nurse on a busy ward")
    make_mentor("Lawyer", headline="Corporate lawyer for mergers")
    make_mentor("Welder", headline="Welding instructor")
    out = io.StringIO()
    call_command("reindex_embeddings", stdout=out)
    assert "[" in out.getvalue() and "profiles" in out.getvalue()
    result = recommendations_for(seeker.user_id)
    assert result.method == "semantic"
    assert result.items[0].profile == nurse
    assert result.items[0].reasons


def test_without_a_current_mentee_vector_the_request_falls_back_to_lexical(mentee):
    make_mentor("PM", headline="Product manager", topics=["Becoming a product manager"])
    result = recommendations_for(mentee.user_id)  # no task has run: nothing embedded yet
    assert result.method == "lexical" and result.items
