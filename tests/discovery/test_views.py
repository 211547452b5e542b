"""The directory page: full page, htmx partial, form errors, empty state, sign-in."""

from __future__ import annotations

import pytest

from mentorloom.profiles.models import Skill

pytestmark = pytest.mark.django_db
URL = "/mentors/"


def test_the_page_asks_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_page_lists_mentor_cards_with_facets_and_keeps_the_query_in_the_form(member, mentor):
    mentor(display_name="Ana Silva", headline="Data lead", skills=["Python"], country="BR")
    mentor(display_name="Ben Okoro", skills=["SQL"])
    response = member.get(URL, {"q": "data", "skill": "Python"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ana Silva" in html and "Ben Okoro" not in html
    assert 'value="data"' in html  # the search box survives reload
    assert 'name="skill" value="Python" checked' in html
    assert "Brazil" in html
    assert "/people/" in html
    assert 'hx-push-url="true"' in html


def test_htmx_requests_get_only_the_results_and_out_of_band_facets(member, mentor):
    mentor(display_name="Ana Silva", skills=["Python"])
    response = member.get(URL, {"skill": "Python"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert 'id="facet-lists" class="directory-facets" hx-swap-oob="true"' in html
    assert "Ana Silva" in html


def test_bad_filters_show_errors_next_to_the_fields(member):
    response = member.get(URL, {"overlap": "lots", "country": "XX", "q": "x" * 201})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="overlap_error"' in html and "Enter a number of hours" in html
    assert 'id="q_error"' in html and "at most 200 characters" in html
    assert "not a country code we know" in html
    assert 'aria-invalid="true"' in html
    assert 'value="lots"' in html  # what was typed stays in the box


def test_bad_filters_over_htmx_answer_200_so_the_errors_are_swapped_in(member):
    response = member.get(URL, {"capacity": "-1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="capacity_errors" hx-swap-oob="true"' in html
    assert "Enter a whole number of free places" in html


def test_empty_results_offer_links_that_each_drop_one_filter(member, mentor):
    mentor(display_name="Ana", skills=["Python"], country="BR")
    response = member.get(URL, {"q": "astronomy", "skill": "Python", "country": "BR"})
    html = response.content.decode()
    assert "No mentors match all of these filters" in html
    assert 'href="?skill=Python&amp;country=BR"' in html  # without the search text
    assert 'href="?q=astronomy&amp;country=BR"' in html  # without the skill
    assert 'href="?q=astronomy&amp;skill=Python"' in html  # without the country
    assert "Include paused mentors and mentors who are full" in html
    assert "Clear all filters" in html


def test_results_paginate_in_the_page(member, mentor):
    for n in range(21):
        mentor(display_name=f"Mentor {n:02d}")
    first = member.get(URL).content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = member.get(URL, {"page": "2"}).content.decode()
    assert "Mentor 20" in second and "Mentor 00" not in second


@pytest.mark.django_db
def test_similar_to_link_becomes_a_skill_query_for_that_mentor(client):
    from tests.factories import ProfileFactory, UserFactory

    mentor = ProfileFactory(is_mentor=True)
    mentor.skills.set([Skill.objects.create(name="Kotlin"), Skill.objects.create(name="SQL")])
    client.force_login(UserFactory())
    response = client.get("/mentors/?similar_to=" + str(mentor.user_id))
    assert response.status_code == 302
    assert response["Location"].startswith("/mentors/?")
    assert "skill=Kotlin" in response["Location"] and "skill=SQL" in response["Location"]
    assert client.get("/mentors/?similar_to=nonsense")["Location"] == "/mentors/"
    for odd in ("²", "99999999999999999999999"):
        assert client.get("/mentors/", {"similar_to": odd})["Location"] == "/mentors/"


@pytest.mark.django_db
@pytest.mark.parametrize("why", ["inactive", "blocked_by_them", "blocked_by_viewer"])
def test_similar_to_a_mentor_the_directory_would_not_list_is_the_plain_directory(client, why):
    """The link reveals skills only of a mentor the viewer could find anyway: an inactive
    (banned, deactivated) mentor or one blocked either way looks like no mentor at all."""
    from mentorloom.safety.models import Block
    from tests.factories import ProfileFactory, UserFactory

    mentor = ProfileFactory(is_mentor=True)
    mentor.skills.set([Skill.objects.create(name="Kotlin")])
    viewer = UserFactory()
    if why == "inactive":
        mentor.user.is_active = False
        mentor.user.save()
    elif why == "blocked_by_them":
        Block.objects.create(blocker=mentor.user, blocked=viewer)
    else:
        Block.objects.create(blocker=viewer, blocked=mentor.user)
    client.force_login(viewer)
    response = client.get("/mentors/", {"similar_to": mentor.user_id})
    assert response.status_code == 302 and response["Location"] == "/mentors/"
