"""Bad requests in "What would you like help with?": sensible results or a clear "tell us more"
state, never a 500 (lexical path here; the semantic path is covered in test_embeddings)."""

from __future__ import annotations

import pytest

from mentorloom.profiles import services as profile_services

from .conftest import make_mentee, make_mentor

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentors(db):
    make_mentor("Coach", headline="Public speaking coach", topics=["Public speaking"])
    make_mentor("Plumber", headline="Plumber", topics=["Plumbing"])


def _ask(client, text, **tags):
    seeker = make_mentee(**tags)
    profile_services.update_profile(seeker, help_with=text)
    client.force_login(seeker.user)
    response = client.get("/api/v1/recommendations")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("text", ["", "   \n\t ", "🙂🙂🚀 🙏", "?!... ---"])
def test_nothing_to_match_on_asks_the_mentee_to_tell_us_more(client, mentors, text):
    body = _ask(client, text)
    assert body["needs_goals"] is True and body["items"] == []
    seeker_page = client.get("/recommendations/").content.decode()
    assert "Tell us more about your goals" in seeker_page


@pytest.mark.parametrize(
    "text",
    [
        "speaking " * 111,  # 999 characters of one repeated word
        "我想学习如何在很多人面前讲话",  # another script
        "Quiero mejorar cuando hablo en público 🙂",  # another language, with emoji
        "public speaking 🎤🎤🎤",
    ],
)
def test_odd_but_real_requests_get_recommendations(client, mentors, text):
    body = _ask(client, text)
    assert body["needs_goals"] is False
    assert {item["name"] for item in body["items"]} == {"Coach", "Plumber"}


def test_a_repeated_word_ranks_like_the_word_once(client, mentors):
    assert _ask(client, "speaking " * 111)["items"][0]["name"] == "Coach"


def test_a_request_over_1000_characters_is_a_form_error_not_a_500(client, db):
    seeker = make_mentee()
    client.force_login(seeker.user)
    response = client.patch(
        "/api/v1/me", {"help_with": "x" * 1001}, content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert "help_with" in response.json()["error"]["fields"]
    ok = client.patch(
        "/api/v1/me", {"help_with": "Public speaking"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["profile"]["help_with"] == "Public speaking"
    public = client.get(f"/api/v1/users/{seeker.user_id}").json()
    assert "help_with" not in public  # private: only the mentee and the recommender read it


def test_the_profile_form_asks_what_the_mentee_wants_help_with(client, db):
    seeker = make_mentee()
    client.force_login(seeker.user)
    html = client.get("/profile/").content.decode()
    assert 'name="help_with"' in html and "What would you like help with?" in html


def test_stale_weight_overrides_are_ignored_not_a_500(client, mentors, settings):
    settings.MENTORLOOM_MATCH_WEIGHTS = {"meaning": 0.6, "overlap": "lots", "timezone": 0.02}
    from mentorloom.matching.selectors import blend_weights

    assert blend_weights().timezone == 0.02
    assert _ask(client, "public speaking")["items"][0]["name"] == "Coach"
