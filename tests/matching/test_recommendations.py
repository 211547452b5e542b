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


# --- Issue 26 item 9: stale recommendations -------------------------------------------------


def _request(mentee, mentor, status="pending", closed_days_ago=None):
    from mentorloom.mentorships.models import MentorshipRequest

    now = timezone.now()
    return MentorshipRequest.objects.create(
        mentee=mentee.user,
        mentor=mentor.user,
        message="I would love your guidance on moving from backend work into product work.",
        status=status,
        expires_at=now + timedelta(days=7),
        closed_at=None if closed_days_ago is None else now - timedelta(days=closed_days_ago),
    )


@pytest.fixture
def engaged(mentee):
    """One mentor of each kind the mentee must not be shown again, and one fresh one."""
    people = {
        name: make_mentor(name, **PM)
        for name in (
            "Current",
            "Paused together",
            "Asked",
            "Asked for info",
            "Declined lately",
            "Declined long ago",
            "Ended together",
            "Withdrawn",
            "Fresh",
        )
    }
    Mentorship.objects.create(mentor=people["Current"].user, mentee=mentee.user)
    Mentorship.objects.create(
        mentor=people["Paused together"].user, mentee=mentee.user, status="paused"
    )
    Mentorship.objects.create(
        mentor=people["Ended together"].user, mentee=mentee.user, status="ended"
    )
    _request(mentee, people["Asked"])
    _request(mentee, people["Asked for info"], status="info_requested")
    _request(mentee, people["Declined lately"], status="declined", closed_days_ago=10)
    _request(mentee, people["Declined long ago"], status="declined", closed_days_ago=200)
    _request(mentee, people["Withdrawn"], status="withdrawn", closed_days_ago=1)
    return people


STALE = {"Current", "Paused together", "Asked", "Asked for info", "Declined lately"}


def test_current_mentors_and_mentors_already_asked_are_not_recommended(mentee, engaged):
    shown = set(names(selectors.recommendations_for(mentee.user_id, limit=50)))
    assert not STALE & shown
    # An ended mentorship, an old decline and a withdrawn request may be suggested again.
    assert {"Fresh", "Ended together", "Declined long ago", "Withdrawn"} <= shown


def test_the_exclusion_is_per_mentee(mentee, engaged):
    from .conftest import make_mentee

    other = make_mentee(career_goals=["Become a product manager"])
    assert set(names(selectors.recommendations_for(other.user_id, limit=50))) >= STALE


def test_recommendations_page_and_api_leave_out_current_and_asked_mentors(client, mentee, engaged):
    client.force_login(mentee.user)
    page = client.get("/recommendations/").content.decode()
    partial = client.get("/recommendations/", headers={"HX-Request": "true"}).content.decode()
    body = client.get("/api/v1/recommendations", {"limit": 50}).json()
    api_names = {item["name"] for item in body["items"]}
    assert "Fresh" in api_names and not STALE & api_names
    for html in (page, partial):
        assert ">Fresh</a>" in html
        for name in STALE:
            assert f">{name}</a>" not in html


def test_a_mentor_with_only_interests_is_asked_for_goals_not_shown_mentors(client, db):
    # Issue 26: a mentor with no goals of their own was told a mentor "closely matches" them.
    mentor_only = make_mentor("Aiko", **PM)
    profile_services.update_profile(mentor_only, interests=["Becoming a product manager"])
    make_mentor("Someone", **PM)
    result = selectors.recommendations_for(mentor_only.user_id)
    assert result.needs_goals and result.items == [] and result.is_mentor
    client.force_login(mentor_only.user)
    html = client.get("/recommendations/", headers={"HX-Request": "true"}).content.decode()
    assert "Tell us more about your goals" in html and "Looking for a mentor yourself?" in html
    assert "closely matches" not in html and "Someone" not in html
    body = client.get("/api/v1/recommendations").json()
    assert body["needs_goals"] is True and body["items"] == []


def test_a_mentor_with_a_career_goal_gets_recommendations(db):
    mentor = make_mentor("Aiko", **PM)
    profile_services.update_profile(mentor, career_goals=["Become a product manager"])
    make_mentor("Someone", **PM)
    assert names(selectors.recommendations_for(mentor.user_id)) == ["Someone"]


def test_a_mentee_with_only_interests_still_gets_recommendations(db):
    from .conftest import make_mentee

    seeker = make_mentee(interests=["Becoming a product manager"])
    make_mentor("Someone", **PM)
    assert names(selectors.recommendations_for(seeker.user_id)) == ["Someone"]


def test_meeting_outside_hours_reaches_the_ranking(mentee):
    profile_services.update_profile(mentee, meets_outside_hours=True)
    assert selectors.mentee_query(mentee).meets_outside_hours is True


def test_the_card_shows_how_many_mentees_a_mentor_has_helped(client, mentee):
    helped = make_mentor("Helped", **PM, capacity=5)
    from .conftest import make_mentee

    for _ in range(2):
        Mentorship.objects.create(mentor=helped.user, mentee=make_mentee().user, status="ended")
    make_mentor("Newcomer", **PM)
    result = selectors.recommendations_for(mentee.user_id)
    assert {i.profile.name: i.mentees_helped for i in result.items} == {
        "Helped": 2,
        "Newcomer": 0,
    }
    client.force_login(mentee.user)
    html = client.get("/recommendations/").content.decode()
    assert "2 mentees helped · member since" in html


def test_a_mentee_s_goals_are_read_in_the_order_they_wrote_them(db):
    """Issue 28: goals were read back alphabetically, so a request typed as several goal tags
    reached the model shuffled. They keep their order; a later form listing the same goals in
    another order changes nothing, a new goal comes last, a removed one goes."""
    from mentorloom.profiles.models import Profile
    from tests.factories import ProfileFactory

    profile = ProfileFactory()
    goals = ["Stop freezing up when", "my manager asks me", "about deadlines"]
    profile_services.update_profile(profile, career_goals=goals, interests=["Yoga", "Chess"])
    fresh = selectors.profile_for_matching(profile.user_id)
    rows = selectors.mentee_rows(fresh)
    assert rows[0].startswith("Stop freezing up when. my manager asks me. about deadlines")
    assert list(selectors.mentee_query(fresh).interests) == ["Yoga", "Chess"]

    profile_services.update_profile(profile, career_goals=[*sorted(goals), "Ask for help"])
    profile_services.update_profile(
        profile, career_goals=["my manager asks me", "Stop freezing up when", "Ask for help"]
    )
    fresh = selectors.profile_for_matching(profile.user_id)
    assert list(selectors.mentee_query(fresh).goals) == [
        "Stop freezing up when",
        "my manager asks me",
        "Ask for help",
    ]
    # The batch path (reindex) reads the same order, in two queries for all profiles.
    batch = list(Profile.objects.filter(pk=profile.pk))
    selectors.load_tags_in_entry_order(batch)
    assert selectors.mentee_rows(batch[0]) == selectors.mentee_rows(fresh)
