"""Private programs in the directory and recommendations (issue 29): inside a program only its
mentors; a private program is 404 to outsiders; people who joined through a private program's
invitation are not listed outside it. Page, directory API and recommendations API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.accounts.errors import EmailUnverified
from mentorloom.matching import index
from mentorloom.programs import selectors, services
from mentorloom.programs.models import ProgramMembership
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory
from tests.matching.conftest import make_mentee, make_mentor

pytestmark = pytest.mark.django_db

PM = {"topics": ["Becoming a product manager"], "headline": "Senior product manager"}


@pytest.fixture(autouse=True)
def _lexical_recommendations(settings):
    settings.MENTORLOOM_SEMANTIC = False
    index.invalidate()
    yield
    index.invalidate()


def mentor(name: str):
    from mentorloom.discovery.services import refresh_search_document

    profile = make_mentor(name, capacity=3, accepting_requests=True, **PM)
    refresh_search_document(profile.pk)
    return profile


def invited_mentor(program, name: str):
    """Imported into `program` first, then signed up from the invitation (a newer account)."""
    member = ProgramMembershipFactory(
        program=program, user=None, email=f"{name.lower()}@example.org", role="mentor"
    )
    profile = mentor(name)
    user = profile.user
    user.email, user.date_joined = member.email, member.created_at + timedelta(minutes=5)
    user.save()
    return profile


@pytest.fixture
def world():
    """Private program A (Ada, Bo: mentors; Mia: mentee), public program P (Pia), an outsider
    mentor (Olu) and Ivy, who joined through A's invitation and is in no other program."""
    a = ProgramFactory(name="Alumni circle", admin=UserFactory())
    public = ProgramFactory(name="Open track", visibility="public", admin=UserFactory())
    mia = make_mentee(career_goals=["Become a product manager"])
    ProgramMembershipFactory(program=a, user=mia.user, role="mentee")
    people = {name: mentor(name) for name in ("Ada", "Bo", "Olu", "Pia")}
    for name in ("Ada", "Bo"):
        ProgramMembershipFactory(program=a, user=people[name].user, role="mentor")
    ProgramMembershipFactory(program=public, user=people["Pia"].user, role="mentor")
    people["Ivy"] = invited_mentor(a, "Ivy")
    outsider = make_mentee(career_goals=["Become a product manager"])
    return a, public, mia, outsider, people


def directory(client, **params):
    response = client.get("/api/v1/mentors", params)
    assert response.status_code == 200, response.content
    return sorted(r["name"] for r in response.json()["results"])


def recommended(client, **params):
    response = client.get("/api/v1/recommendations", params)
    assert response.status_code == 200, response.content
    return sorted(i["name"] for i in response.json()["items"])


def test_a_member_of_a_private_program_sees_only_its_mentors_in_its_scope(client, world):
    a, _, mia, _, people = world
    client.force_login(mia.user)
    # Ivy signed up from the invitation but has not joined A: A does not list her yet.
    assert directory(client, program=a.pk) == ["Ada", "Bo"]
    services.join_program(people["Ivy"].user, a)
    assert directory(client, program=a.pk) == ["Ada", "Bo", "Ivy"]
    assert recommended(client, program=a.pk) == ["Ada", "Bo", "Ivy"]
    # Filters still apply inside the scope.
    assert directory(client, program=a.pk, q="Ada") == ["Ada"]


def test_a_private_program_is_404_for_a_non_member_on_page_and_api(client, world):
    a, _, _, outsider, _ = world
    client.force_login(outsider.user)
    assert client.get("/api/v1/mentors", {"program": a.pk}).status_code == 404
    assert client.get("/api/v1/recommendations", {"program": a.pk}).status_code == 404
    assert client.get("/mentors/", {"program": a.pk}).status_code == 404
    assert client.get("/recommendations/", {"program": a.pk}).status_code == 404
    # An unknown program looks the same.
    assert client.get("/api/v1/mentors", {"program": 10**12}).status_code == 404


def test_a_public_program_scope_is_open_to_everyone_and_lists_only_its_mentors(client, world):
    _, public, _, outsider, _ = world
    client.force_login(outsider.user)
    assert directory(client, program=public.pk) == ["Pia"]
    assert recommended(client, program=public.pk) == ["Pia"]


def test_the_public_directory_hides_people_private_to_a_program(client, world):
    a, _, mia, outsider, people = world
    client.force_login(outsider.user)
    # Ada and Bo had accounts before A imported them: they stay listed. Ivy came through A.
    assert directory(client) == ["Ada", "Bo", "Olu", "Pia"]
    assert recommended(client) == ["Ada", "Bo", "Olu", "Pia"]
    # Someone who shares the program with Ivy finds her in the whole directory, once both
    # joined it (being added shows nobody anybody).
    client.force_login(mia.user)
    assert "Ivy" not in directory(client)
    services.join_program(people["Ivy"].user, a)
    assert "Ivy" in directory(client)
    assert "Ivy" in recommended(client)
    ProgramMembership.objects.filter(user=mia.user).update(joined_at=None)
    assert "Ivy" not in directory(client)


def test_a_public_membership_makes_an_invited_person_public(client, world):
    _, public, _, outsider, people = world
    ProgramMembershipFactory(program=public, user=people["Ivy"].user, role="mentor")
    client.force_login(outsider.user)
    assert "Ivy" in directory(client)


def test_an_invited_address_is_hidden_once_verified_and_listed_by_its_program_once_joined(world):
    a, _, _, outsider, people = world
    ivy = people["Ivy"].user
    # Hidden from the public directory as soon as the address is verified, before linking;
    # listed inside the program only once she joins it.
    assert ivy.pk in selectors.private_only_user_ids(outsider.user)
    assert ivy.pk not in selectors.program_mentor_user_ids(a)
    services.join_program(ivy, a)
    assert ivy.pk in selectors.program_mentor_user_ids(a)


def test_an_unverified_sign_up_with_an_invited_address_cannot_join(world):
    a, _, _, _, people = world
    ivy = people["Ivy"].user
    ivy.email_verified_at = None
    ivy.save()
    # An unverified sign-up with an invited address is nobody's member.
    with pytest.raises(EmailUnverified):
        services.join_program(ivy, a)
    assert ivy.pk not in selectors.program_mentor_user_ids(a)


@pytest.mark.parametrize("value", ["abc", "0", "-1", str(2**63)])
def test_a_malformed_program_is_a_clear_error(client, world, value):
    _, _, mia, _, _ = world
    client.force_login(mia.user)
    api = client.get("/api/v1/mentors", {"program": value})
    assert api.status_code == 422 and "program" in api.json()["error"]["fields"]
    assert client.get("/mentors/", {"program": value}).status_code == 400
    assert client.get("/api/v1/recommendations", {"program": value}).status_code == 422
    assert client.get("/recommendations/", {"program": value}).status_code == 404


def test_the_page_shows_the_program_chip_and_a_way_out(client, world):
    a, _, mia, _, _ = world
    client.force_login(mia.user)
    html = client.get("/mentors/", {"program": a.pk, "q": "product"}).content.decode()
    assert "In: Alumni circle" in html
    assert f'name="program" value="{a.pk}"' in html  # htmx updates keep the scope
    assert 'href="/mentors/?q=product"' in html  # the × drops only the program
    listing = client.get("/programs/").content.decode()
    assert f"/mentors/?program={a.pk}" in listing and "Find a mentor in this program" in listing


def test_pagination_links_keep_the_program(world):
    from mentorloom.discovery.filters import parse_query

    a, *_ = world
    query = parse_query({"program": str(a.pk), "q": "x"})
    assert f"program={a.pk}" in query.params(page=2)
    assert "program" not in query.params(drop=("program", None))


def test_people_private_to_a_program_are_shown_to_nobody_else_even_when_full_listing(client, world):
    _, _, _, outsider, people = world
    client.force_login(outsider.user)
    assert "Ivy" not in directory(client, all="1")
    # And never by the time the invitation is older than the account (joined before).
    ivy = people["Ivy"].user
    ivy.date_joined = timezone.now() - timedelta(days=365)
    ivy.save()
    assert "Ivy" in directory(client, all="1")


def test_similar_to_a_mentor_private_to_a_program_is_the_plain_directory_outside_it(client, world):
    """Ivy is listed only inside the private program: to an outsider the "similar mentors"
    link neither shows her skills nor tells that she is a mentor; to its member it does."""
    from mentorloom.profiles.models import Skill

    a, _, mia, outsider, people = world
    people["Ivy"].skills.set([Skill.objects.create(name="Roadmapping")])
    client.force_login(outsider.user)
    outside = client.get("/mentors/", {"similar_to": people["Ivy"].user_id})
    assert outside.status_code == 302 and outside["Location"] == "/mentors/"
    services.join_program(people["Ivy"].user, a)  # now she shares A with Mia
    client.force_login(mia.user)
    inside = client.get("/mentors/", {"similar_to": people["Ivy"].user_id})
    assert "skill=Roadmapping" in inside["Location"]
