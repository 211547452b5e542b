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


def _reindex():
    call_command("reindex_embeddings", stdout=io.StringIO())


def test_free_text_with_no_shared_words_finds_the_right_mentor_in_the_top_three(db):
    from mentorloom.matching.lexical import tokens

    from .conftest import make_mentee

    asked = "My hands shake and my voice cracks whenever I must talk in front of colleagues."
    seeker = make_mentee()
    profile_services.update_profile(seeker, help_with=asked)
    coach = make_mentor(
        "Coach",
        headline="Public speaking coach",
        bio="Former actor. I coach people through stage fright so they can address large "
        "audiences calmly.",
        topics=["Public speaking", "Stage fright"],
    )
    others = [
        ("Plumber", "Plumber and business owner", "I fix leaks and run six vans.", ["Plumbing"]),
        ("Agent", "Estate agent", "I help buyers make an offer on a house.", ["Home buying"]),
        ("Analyst", "Data analyst", "SQL dashboards for retail managers.", ["Reporting"]),
        ("Nurse", "ICU nurse", "Twelve years of night shifts in intensive care.", ["Nursing"]),
        ("Lawyer", "Immigration lawyer", "Visas and citizenship for families.", ["Visas"]),
        ("Recruiter", "Tech recruiter", "I screen CVs and run hiring loops.", ["CV review"]),
    ]
    for name, headline, bio, topics in others:
        make_mentor(name, headline=headline, bio=bio, topics=topics)
    coach_text = " ".join([coach.headline, coach.bio, "Public speaking", "Stage fright"])
    assert not set(tokens(asked)) & set(tokens(coach_text))  # not one word in common
    _reindex()
    result = recommendations_for(seeker.user_id)
    assert result.method == "semantic"
    assert coach in [item.profile for item in result.items[:3]]


def test_closely_matches_is_claimed_only_above_the_calibrated_similarity(db):
    from .conftest import make_mentee

    seeker = make_mentee()
    profile_services.update_profile(
        seeker, help_with="I get very nervous when I speak in front of an audience."
    )
    coach = make_mentor(
        "Coach", headline="Public speaking coach", topics=["Nervousness when speaking in public"]
    )
    make_mentor("Plumber", headline="Plumber", topics=["Boiler repair"])
    _reindex()
    result = recommendations_for(seeker.user_id)
    by_name = {item.profile.name: item.reasons for item in result.items}
    assert result.items[0].profile == coach
    assert any("closely matches their" in r for r in by_name["Coach"])
    assert not any("closely" in r for r in by_name["Plumber"])


def test_stored_rows_are_the_document_then_its_passages(db):
    from mentorloom.matching.selectors import mentor_rows
    from mentorloom.matching.vectors import from_bytes_rows

    mentor = make_mentor(
        "PM", headline="Product manager", bio="I coach PMs. I love roadmaps.", topics=["Roadmaps"]
    )
    services.refresh_embeddings(mentor.pk)
    row = ProfileEmbedding.objects.get(profile=mentor, side=Side.MENTOR)
    rows = mentor_rows(mentor)
    assert rows[1:] == ["Product manager", "I coach PMs.", "I love roadmaps.", "Roadmaps"]
    vectors = from_bytes_rows(row.vector, embeddings.DIMENSIONS)
    assert vectors.shape == (len(rows), embeddings.DIMENSIONS)
    assert np.allclose(vectors, embeddings.encode(rows), atol=1e-5)


def test_bigger_hand_overs_are_cut_into_token_budgeted_micro_batches():
    texts = ["short"] * 300 + ["long " * 400] * 20
    batches = embeddings.micro_batches(texts)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    for batch in batches:
        longest = max(embeddings._estimated_pieces(texts[i], 256) for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= embeddings.TOKEN_BUDGET
