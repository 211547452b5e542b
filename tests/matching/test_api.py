from __future__ import annotations

import pytest

from .conftest import make_mentor

pytestmark = pytest.mark.django_db

PM = {"topics": ["Becoming a product manager"], "headline": "Senior product manager"}


def test_recommendations_need_a_session(client):
    response = client.get("/api/v1/recommendations")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("limit", ["0", "51", "ten", "-3"])
def test_bad_limit_is_422_with_the_error_shape(client, mentee, limit):
    client.force_login(mentee.user)
    response = client.get("/api/v1/recommendations", {"limit": limit})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid" and "limit" in body["fields"]


def test_recommendations_return_mentors_with_score_and_reasons(client, mentee):
    for i in range(3):
        make_mentor(f"Mentor {i}", **PM, skills=["SQL"])
    client.force_login(mentee.user)
    body = client.get("/api/v1/recommendations", {"limit": 2}).json()
    assert body["method"] == "lexical" and body["needs_goals"] is False
    assert len(body["items"]) == 2
    first = body["items"][0]
    assert first["topics"] == ["Becoming a product manager"]
    assert first["score"] > 0
    assert (
        "Your goal “Become a product manager”: they help with “Becoming a product manager”"
        in first["reasons"]
    )
    assert "Also works with SQL" in first["reasons"]


def test_partial_renders_cards_with_reasons_for_htmx(client, mentee):
    make_mentor("Dana Weber", **PM)
    client.force_login(mentee.user)
    response = client.get("/recommendations/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment for hx-swap
    assert (
        "Dana Weber" in html
        and "Your goal “Become a product manager”: they help with “Becoming a product manager”"
        in html
    )


def test_empty_state_links_to_the_profile_editor(client, db):
    from .conftest import make_mentee

    bare = make_mentee()
    client.force_login(bare.user)
    html = client.get("/recommendations/").content.decode()
    assert "<html" in html  # the full page without htmx
    assert "Tell us more about your goals" in html
    assert 'href="/profile/#mentee"' in html


def test_page_needs_sign_in(client, db):
    response = client.get("/recommendations/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
