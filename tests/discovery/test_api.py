"""GET /api/v1/mentors: who is listed, each filter, search ranking, facets, paging, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from mentorloom.discovery.schemas import DirectoryOut
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.profiles.models import CareerGoal, Skill, tag_key
from mentorloom.safety.models import Block
from tests.factories import DiscoveryMentorshipFactory, ProfileFactory, UserFactory

from .conftest import names

pytestmark = pytest.mark.django_db
URL = "/api/v1/mentors"


def get(client, **params):
    return client.get(URL, params)


def test_the_directory_needs_a_session(client, db):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_lists_only_mentors_who_can_take_someone_on(member, mentor):
    mentor(display_name="Open")
    mentor(display_name="Not accepting", accepting_requests=False)
    mentor(display_name="Paused", paused_until=timezone.localdate() + timedelta(days=5))
    mentor(display_name="Was paused", paused_until=timezone.localdate())
    full = mentor(display_name="Full", capacity=1)
    DiscoveryMentorshipFactory(mentor=full.user)
    gone = mentor(display_name="Deactivated")
    gone.user.is_active = False
    gone.user.save()
    ProfileFactory(display_name="Just a mentee")

    assert names(get(member)) == ["Open", "Was paused"]
    # The toggle brings back paused, full and not-accepting mentors, never inactive accounts.
    assert names(get(member, all="1")) == [
        "Full",
        "Not accepting",
        "Open",
        "Paused",
        "Was paused",
    ]


def test_tag_filters_or_within_a_facet_and_and_across_facets(member, mentor):
    mentor(display_name="Ana", skills=["Python"], languages=["Spanish"])
    mentor(display_name="Ben", skills=["SQL"], languages=["English"])
    mentor(display_name="Cai", skills=["Python", "SQL"], languages=["English"])
    mentor(display_name="Dee", skills=["Design"], languages=["Spanish"])

    assert names(get(member, skill="python")) == ["Ana", "Cai"]  # names match case-insensitively
    assert names(get(member, skill=["Python", "SQL"])) == ["Ana", "Ben", "Cai"]
    assert names(get(member, skill=["Python", "SQL"], language="Spanish")) == ["Ana"]


@pytest.mark.parametrize(
    ("param", "field", "value"),
    [("industry", "industries", "Healthcare"), ("topic", "topics", "Career switch")],
)
def test_industry_and_topic_filters_narrow(member, mentor, param, field, value):
    mentor(display_name="Match", **{field: [value]})
    mentor(display_name="Other", **{field: ["Something else"]})
    assert names(get(member, **{param: value})) == ["Match"]


def test_country_filter_narrows_and_accepts_lower_case(member, mentor):
    mentor(display_name="Kenyan", country="KE")
    mentor(display_name="Chilean", country="CL")
    mentor(display_name="Nowhere", country="")
    assert names(get(member, country="ke")) == ["Kenyan"]
    assert names(get(member, country=["KE", "CL"])) == ["Chilean", "Kenyan"]


def test_career_goal_matches_mentors_by_the_goals_subject_words(member, viewer, mentor):
    viewer.career_goals.create(name="Get my first data analyst job")
    mentor(display_name="Data", topics=["Getting your first data job"])
    mentor(display_name="Analyst", expertise="Analyst hiring and interviews")
    mentor(display_name="Chef", topics=["Opening a restaurant"], bio="My first job was data entry")
    # "first" and "job" are filler; the bio is not where a mentor says what they help with.
    assert names(get(member, goal="Get my first data analyst job")) == ["Analyst", "Data"]


def test_interest_filter_matches_subject_words_in_topics_and_skills(member, viewer, mentor):
    viewer.interests.create(name="Backend development")
    mentor(display_name="Backend", topics=["Backend architecture"])
    mentor(display_name="Frontend", skills=["CSS"])
    assert names(get(member, interest="backend development")) == ["Backend"]


@time_machine.travel(date(2025, 7, 16), tick=False)  # Sydney UTC+10, Los Angeles UTC-7
def test_overlap_filter_works_across_the_date_line(client, mentor):
    sydney = ProfileFactory(time_zone="Australia/Sydney", work_start=time(8, 30), work_end=time(17))
    client.force_login(sydney.user)
    mentor(
        display_name="LA", time_zone="America/Los_Angeles", work_start=time(9), work_end=time(17)
    )
    mentor(display_name="Tokyo", time_zone="Asia/Tokyo", work_start=time(9), work_end=time(18))
    mentor(display_name="London", time_zone="Europe/London", work_start=time(9), work_end=time(17))

    body = get(client).json()
    overlaps = {r["name"]: r["overlap_hours"] for r in body["results"]}
    assert overlaps == {"LA": 1.5, "London": 0.0, "Tokyo": 7.0}
    assert names(get(client, overlap="1.5")) == ["LA", "Tokyo"]
    assert names(get(client, overlap="2")) == ["Tokyo"]
    assert names(get(client, overlap="0")) == ["LA", "London", "Tokyo"]  # 0 is no filter


def test_overlap_filter_needs_my_time_zone(client, mentor):
    zoneless = ProfileFactory(time_zone="")
    client.force_login(zoneless.user)
    mentor(display_name="Anyone")
    response = get(client, overlap="2")
    assert response.status_code == 422
    assert "time zone" in response.json()["error"]["fields"]["overlap"][0]
    assert get(client).json()["results"][0]["overlap_hours"] is None


def test_capacity_filter_counts_only_active_mentorships(member, mentor):
    busy = mentor(display_name="Busy", capacity=3)
    DiscoveryMentorshipFactory(mentor=busy.user)
    DiscoveryMentorshipFactory(mentor=busy.user, status=MentorshipStatus.PAUSED)
    DiscoveryMentorshipFactory(mentor=busy.user, status=MentorshipStatus.ENDED)
    mentor(display_name="Free", capacity=3)

    body = get(member).json()
    assert {r["name"]: r["capacity_left"] for r in body["results"]} == {"Busy": 2, "Free": 3}
    assert names(get(member, capacity="3")) == ["Free"]
    assert names(get(member, capacity="2")) == ["Busy", "Free"]


def test_full_text_ranks_an_exact_skill_above_a_passing_mention(member, mentor):
    mentor(
        display_name="Passing",
        headline="Engineering manager",
        bio="I lead teams. Long ago I once tried Kubernetes at a meetup, among many other things.",
    )
    mentor(display_name="Expert", headline="Platform engineer", skills=["Kubernetes"])
    mentor(display_name="Unrelated", skills=["Design"])
    assert names(get(member, q="kubernetes")) == ["Expert", "Passing"]


def test_full_text_searches_headline_bio_topics_industries_and_expertise(member, mentor):
    mentor(display_name="H", headline="Astronomer at an observatory")
    mentor(display_name="B", bio="I spent years on **astronomy** outreach")
    mentor(display_name="T", topics=["Astronomy careers"])
    mentor(display_name="I", industries=["Astronautics"])
    mentor(display_name="E", expertise="Astrophysics research")
    mentor(display_name="X", headline="Chef")
    assert sorted(names(get(member, q="astro"))) == ["B", "E", "H", "I", "T"]


def test_search_as_you_type_matches_prefixes_and_forgives_typos(member, mentor):
    mentor(display_name="Py", skills=["Python"])
    mentor(display_name="Ux", skills=["User research"])
    assert names(get(member, q="pyt")) == ["Py"]
    assert names(get(member, q="pyhton")) == ["Py"]
    assert names(get(member, q="reserach")) == ["Ux"]
    assert names(get(member, q="São")) == []  # accents fold; nothing matches, and no error


def test_search_ranks_mentors_matching_every_word_first(member, mentor):
    mentor(display_name="One", skills=["Python"])
    mentor(display_name="Both", skills=["Python", "Kubernetes"])
    mentor(display_name="Bio only", bio="Python is how I started.")
    # Every word first; then, as the goal filter would, a subject word in their tags; a word
    # that appears only in a bio needs the other words too.
    assert names(get(member, q="python kubernetes")) == ["Both", "One"]


GOALS = [
    "Move into engineering management",
    "Get my first data analyst job",
    "Switch careers into UX research",
]


@pytest.mark.parametrize("goal", GOALS)
def test_searching_a_goals_words_finds_every_mentor_its_goal_filter_finds(
    member, viewer, mentor, goal
):
    viewer.career_goals.create(name=goal)
    mentor(display_name="Manager", skills=["Engineering management"], topics=["Hiring"])
    mentor(display_name="Data eng", skills=["Data engineering"])
    mentor(display_name="Mgmt", topics=["Management for first-time leads"])
    mentor(display_name="Analyst", industries=["Analytics"], expertise="Data analyst, SQL")
    mentor(display_name="Researcher", interests=["User research"], skills=["UX"])
    mentor(display_name="Unrelated", skills=["Welding"], bio="I manage a team of engineers.")
    by_filter = set(names(get(member, goal=goal, page_size=50)))
    words = " ".join(w for w in goal.split() if w.lower() not in {"move", "get", "switch"})
    by_search = set(names(get(member, q=words, page_size=50)))
    assert by_filter  # the example is not vacuous
    assert by_filter <= by_search
    assert "Unrelated" not in by_filter


def test_search_for_engineering_management_ranks_the_exact_skill_first(member, mentor):
    mentor(display_name="Data eng", skills=["Data engineering"])
    mentor(display_name="Manager", skills=["Engineering management"])
    assert names(get(member, q="engineering management")) == ["Manager", "Data eng"]


def test_blocked_people_never_appear_in_either_direction(member, viewer, mentor):
    blocked_by_me = mentor(display_name="I blocked")
    blocked_me = mentor(display_name="Blocked me")
    mentor(display_name="Fine")
    Block.objects.create(blocker=viewer.user, blocked=blocked_by_me.user)
    Block.objects.create(blocker=blocked_me.user, blocked=viewer.user)
    assert names(get(member)) == ["Fine"]
    assert names(get(member, q="blocked")) == []  # search cannot reach them either


def test_i_never_see_myself_even_as_a_mentor(client, mentor):
    me = mentor(display_name="Me")
    mentor(display_name="Other")
    client.force_login(me.user)
    assert names(get(client)) == ["Other"]


def test_results_paginate_with_next_and_previous_links(member, mentor):
    for n in range(25):
        mentor(display_name=f"Mentor {n:02d}", skills=["Python"])
    first = get(member, skill="Python").json()
    assert (first["count"], first["pages"], len(first["results"])) == (25, 2, 20)
    assert first["previous"] is None
    assert first["next"] == f"{URL}?skill=Python&page=2"
    second = member.get(first["next"]).json()
    assert [r["name"] for r in second["results"]] == [f"Mentor {n}" for n in range(20, 25)]
    assert second["previous"] == f"{URL}?skill=Python"
    small = get(member, page_size="10", page="3").json()
    assert len(small["results"]) == 5 and small["previous"].endswith("page_size=10&page=2")
    assert get(member, page="9").json()["results"] == []


def test_facet_counts_apply_the_other_facets(member, mentor):
    mentor(display_name="A", skills=["Python"], country="KE")
    mentor(display_name="B", skills=["Python", "SQL"], country="CL")
    mentor(display_name="C", skills=["SQL"], country="KE")
    body = get(member, skill="Python").json()
    facets = {
        f["param"]: {v["value"]: (v["count"], v["selected"]) for v in f["values"]}
        for f in body["facets"]
    }
    # Skill counts ignore the skill filter itself (ticking SQL would add C) ...
    assert facets["skill"] == {"Python": (2, True), "SQL": (2, False)}
    # ... while other facets count within the current results.
    assert facets["country"] == {"KE": (1, False), "CL": (1, False)}


def test_card_carries_local_time_and_profile_link(member, mentor):
    profile = mentor(display_name="Aiko", time_zone="Asia/Tokyo", country="JP")
    with time_machine.travel(datetime(2025, 7, 16, 3, 5, tzinfo=UTC), tick=False):
        result = get(member).json()["results"][0]
    assert result["local_time"] == "12:05"
    assert result["country_name"] == "Japan"
    assert result["profile_url"] == f"/people/{profile.user_id}/"


# --- Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"skill": "Underwater basket weaving"}, "skill"),
        ({"goal": "Not a goal anyone has"}, "goal"),
        ({"overlap": "lots"}, "overlap"),
        ({"overlap": "25"}, "overlap"),
        ({"overlap": "nan"}, "overlap"),
        ({"capacity": "1.5"}, "capacity"),
        ({"capacity": "0"}, "capacity"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "500"}, "page_size"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filter_values_answer_422_with_the_error_shape(member, params, field):
    response = get(member, **params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_every_problem_is_reported_at_once(member):
    response = get(member, country="XX", overlap="x", q="y" * 300)
    assert sorted(response.json()["error"]["fields"]) == ["country", "overlap", "q"]


def test_unknown_parameters_are_ignored_and_200_chars_is_fine(member, mentor):
    mentor(display_name="Anyone")
    assert names(get(member, utm_source="newsletter", colour="blue")) == ["Anyone"]
    assert get(member, q="x" * 200).status_code == 200


def test_a_tag_that_exists_but_nobody_lists_gives_an_empty_result_not_an_error(member, mentor):
    mentor(display_name="Py", skills=["Python"])
    UserFactory()  # unrelated
    from mentorloom.profiles.models import Skill

    Skill.objects.create(name="Fortran")
    response = get(member, skill="Fortran")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_the_in_memory_directory_sees_changes_made_after_the_first_request(member, mentor):
    # The directory answers from a per-process snapshot; every kind of change must reach it.
    busy = mentor(display_name="Busy", capacity=1)
    other = mentor(display_name="Other", skills=["Python"])
    assert names(get(member)) == ["Busy", "Other"]
    DiscoveryMentorshipFactory(mentor=busy.user)  # now full
    assert names(get(member)) == ["Other"]
    other.user.is_active = False
    other.user.save()
    assert names(get(member)) == []
    mentor(display_name="New", skills=["Python"])
    assert names(get(member, skill="Python")) == ["New"]


def test_cards_show_profile_and_tag_edits_on_the_next_request(member, mentor):
    # Card facts are remembered per snapshot; an edit must still show at once.
    profile = mentor(display_name="Ana", headline="Data analyst", skills=["SQL"])
    first = get(member).json()["results"][0]
    assert (first["name"], first["headline"], first["skills"]) == ("Ana", "Data analyst", ["SQL"])
    profile.display_name = "Ana Lima"
    profile.headline = "Analytics lead"
    profile.save()
    profile.skills.add(Skill.objects.create(key=tag_key("Python"), name="Python"))
    again = get(member).json()["results"][0]
    assert (again["name"], again["headline"]) == ("Ana Lima", "Analytics lead")
    assert again["skills"] == ["Python", "SQL"]


def test_my_new_career_goal_shows_as_a_facet_on_the_next_request(member, viewer, mentor):
    mentor(display_name="PM", topics=["Becoming a product manager"])
    facets = {f["param"] for f in get(member).json()["facets"]}
    assert "goal" not in facets
    viewer.career_goals.add(
        CareerGoal.objects.create(key=tag_key("Product management"), name="Product management")
    )
    goal = next(f for f in get(member).json()["facets"] if f["param"] == "goal")
    assert goal["values"] == [
        {
            "value": "Product management",
            "label": "Product management",
            "count": 1,
            "selected": False,
        }
    ]


def test_the_body_matches_the_documented_schema(member, mentor):
    # The view returns JSON it built itself; the OpenAPI schema must still describe it.
    mentor(display_name="Aiko", time_zone="Asia/Tokyo", skills=["Python"], languages=["Japanese"])
    body = get(member, q="python").json()
    parsed = DirectoryOut.model_validate(body)
    assert parsed.model_dump(mode="json") == body


def test_sort_by_overlap_puts_the_most_shared_hours_first(member, mentor):
    mentor(display_name="A Tokyo", time_zone="Asia/Tokyo", work_start=time(9), work_end=time(17))
    mentor(
        display_name="B Lisbon", time_zone="Europe/Lisbon", work_start=time(9), work_end=time(17)
    )
    mentor(
        display_name="C Berlin", time_zone="Europe/Berlin", work_start=time(9), work_end=time(17)
    )
    assert names(get(member)) == ["A Tokyo", "B Lisbon", "C Berlin"]  # by name
    assert names(get(member, sort="overlap")) == ["C Berlin", "B Lisbon", "A Tokyo"]


def test_sort_by_fit_puts_mentors_matching_more_of_my_goals_first(member, viewer, mentor):
    viewer.career_goals.create(name="Get my first data analyst job")
    viewer.interests.create(name="Public speaking")
    mentor(display_name="A none", skills=["Welding"])
    mentor(display_name="B one", skills=["Data visualisation"])
    mentor(display_name="C two", skills=["SQL for analysts"], topics=["Speaking at meetups"])
    assert names(get(member, sort="fit")) == ["C two", "B one", "A none"]


def test_sort_by_soonest_free_time_puts_earliest_first_and_unknown_last(member, mentor):
    from mentorloom.discovery import freeslots

    first = mentor(display_name="Z soon")
    later = mentor(display_name="A later")
    mentor(display_name="M none")

    class Slot:
        def __init__(self, at):
            self.at = at

    class Provider:
        def check(self, user_ids, days, now):
            return type("C", (), {"free": set(), "unchecked": set()})()

        def known(self, user_ids, now):
            table = {
                first.user_id: Slot(now + timedelta(hours=2)),
                later.user_id: Slot(now + timedelta(days=3)),
            }
            return {u: table[u] for u in user_ids if u in table}

    previous = freeslots.provider()
    freeslots.provide(Provider())
    try:
        assert names(get(member, sort="soonest")) == ["Z soon", "A later", "M none"]
    finally:
        if previous is not None:
            freeslots.provide(previous)


def test_an_unknown_sort_is_a_422_naming_the_choices(member, mentor):
    response = get(member, sort="random")
    assert response.status_code == 422
    assert "relevance" in response.json()["error"]["fields"]["sort"][0]
