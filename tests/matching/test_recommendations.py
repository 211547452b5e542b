"""Recommendations through the database on the lexical path (the semantic extra switched off)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.matching import selectors
from mentorloom.matching.models import ProfileEmbedding
from mentorloom.mentorships.models import Mentorship
from mentorloom.profiles import services as profile_services
from mentorloom.safety.models import Block

from .conftest import make_mentor

pytestmark = pytest.mark.django_db

PM = {"topics": ["Becoming a product manager"], "headline": "Senior product manager"}


def names(result):
    return [item.profile.name for item in result.items]


def test_recommendations_exclude_paused_full_blocked_and_not_accepting(mentee):
    make_mentor("Open", **PM, languages=["Spanish"])
    make_mentor("Paused", **PM, paused_until=timezone.localdate() + timedelta(days=5))
    make_mentor("Closed", **PM, accepting_requests=False)
    full = make_mentor("Full", **PM, capacity=1)
    Mentorship.objects.create(mentor=full.user, mentee=make_mentor("Other", headline="x").user)
    blocked = make_mentor("Blocked me", **PM)
    Block.objects.create(blocker=blocked.user, blocked=mentee.user)
    i_blocked = make_mentor("I blocked", **PM)
    Block.objects.create(blocker=mentee.user, blocked=i_blocked.user)

    result = selectors.recommendations_for(mentee.user_id)
    assert result.method == "lexical"
    assert names(result)[0] == "Open"
    assert not {"Paused", "Closed", "Full", "Blocked me", "I blocked"} & set(names(result))
    top = result.items[0]
    assert (
        "Your goal “Become a product manager”: they help with “Becoming a product manager”"
        in top.reasons
    )
    assert "Speaks Spanish" in top.reasons


def test_a_mentee_who_is_also_a_mentor_is_never_recommended_to_themselves(mentee):
    profile_services.update_profile(mentee, is_mentor=True, topics=["Becoming a product manager"])
    make_mentor("Someone", **PM)
    assert names(selectors.recommendations_for(mentee.user_id)) == ["Someone"]


def test_capacity_frees_up_when_a_mentorship_ends(mentee):
    mentor = make_mentor("Busy", **PM, capacity=1)
    other = make_mentor("Mentee two", headline="x")
    ship = Mentorship.objects.create(mentor=mentor.user, mentee=other.user)
    assert "Busy" not in names(selectors.recommendations_for(mentee.user_id))
    ship.status = "ended"
    ship.save()
    assert "Busy" in names(selectors.recommendations_for(mentee.user_id))


def test_a_changed_mentor_profile_is_seen_on_the_next_call(mentee):
    mentor = make_mentor("Changes", headline="Potter", topics=["Pottery"])
    make_mentor("Steady", **PM)
    assert names(selectors.recommendations_for(mentee.user_id))[0] == "Steady"
    profile_services.update_profile(mentor, accepting_requests=False)
    assert "Changes" not in names(selectors.recommendations_for(mentee.user_id))


def test_without_goals_or_interests_the_mentee_is_asked_for_goals(db):
    from .conftest import make_mentee

    bare = make_mentee()
    make_mentor("Someone", **PM)
    result = selectors.recommendations_for(bare.user_id)
    assert result.needs_goals and result.items == []


def test_lexical_fallback_ranks_by_text_when_the_semantic_extra_is_off(mentee, settings):
    settings.MENTORLOOM_SEMANTIC = False
    make_mentor("Plumber", headline="Plumber and gasfitter", topics=["Plumbing apprenticeships"])
    make_mentor("PM", headline="Product manager", bio="I coach new product managers.")
    result = selectors.recommendations_for(mentee.user_id)
    assert result.method == "lexical"
    assert names(result) == ["PM", "Plumber"]


def test_reindex_command_explains_that_embeddings_are_off(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reindex_embeddings", stdout=out)  # `make run SEMANTIC=0` must not fail
    assert "Embeddings are off" in out.getvalue()
    assert not ProfileEmbedding.objects.exists()
